// Writes an HTML page that draws a map document (ekran-map/1) the way the
// pages do (inline SVG, fill-rule evenodd), for a look with headless Chromium:
//
//   node preview.mjs MAP.json OUT.html [x0 y0 w h]
//   chromium --headless --screenshot=OUT.png --window-size=1600,960 file://OUT.html
//
// The optional viewBox shows a detail (e.g. the cities). Checks only: nothing
// of this ships.
import fs from "node:fs";

const [mapPath, outPath, ...vb] = process.argv.slice(2);
if (!outPath) {
  console.error("usage: node preview.mjs MAP.json OUT.html [x0 y0 w h]");
  process.exit(1);
}
const doc = JSON.parse(fs.readFileSync(mapPath, "utf8"));
const viewBox = vb.length === 4 ? vb.join(" ") : `0 0 ${doc.width} ${doc.height}`;
const zoom = vb.length === 4 ? doc.width / Number(vb[2]) : 1;
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
const colours = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd"];
const paths = doc.features
  .map((f, i) => `<path d="${esc(f.d)}" fill="${colours[i % colours.length]}" fill-rule="evenodd" stroke="#333" stroke-width="${0.6 / zoom}" stroke-linejoin="round"><title>${esc(f.id)}</title></path>`)
  .join("\n");
const labels = doc.features
  .map((f) => `<circle cx="${f.label[0]}" cy="${f.label[1]}" r="${1.5 / zoom}" fill="#000"/>` +
    `<text x="${f.label[0]}" y="${f.label[1] - 3 / zoom}" font-size="${9 / zoom}" text-anchor="middle" font-family="sans-serif">${esc(f.id)} ${esc(f.name.kk)}</text>`)
  .join("\n");
fs.writeFileSync(outPath, `<!doctype html><meta charset="utf-8">
<style>body{margin:0;background:#fff}svg{display:block;width:100vw;height:calc(100vh - 24px)}p{margin:2px 8px;font:12px sans-serif}</style>
<svg viewBox="${viewBox}" preserveAspectRatio="xMidYMid meet">
<rect x="0" y="0" width="${doc.width}" height="${doc.height}" fill="#eef6ff"/>
${paths}
${labels}
</svg>
<p>${esc(doc.attribution)}</p>
`);
