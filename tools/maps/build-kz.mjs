// Writes ekran's built-in map document (format `ekran-map/1`, see
// docs of the model crate) from the projected, simplified regions and their
// interior points that prepare-kz.sh made with mapshaper.
//
// usage: node build-kz.mjs REGIONS.geojson LABELS.geojson regions-kz.csv OUT.json
//
// Inputs are in projected metres (Lambert conformal conic, north up). This
// script only scales them into the 1000-unit-wide SVG viewBox (y down),
// rounds to 0.1, joins the names by the source's feature code and checks
// that every one of the 20 units is there exactly once. It fails (exit 1)
// with a message naming the unit on anything unexpected.
import fs from "node:fs";

const WIDTH = 1000;
const PAD = 4; // viewBox units left free on every side, so edge strokes are not clipped
const EXPECTED = 20;

function fail(msg) {
  console.error(`build-kz: ${msg}`);
  process.exit(1);
}

const [regionsPath, labelsPath, csvPath, outPath, attribution, projection] =
  process.argv.slice(2);
if (!outPath || !attribution || !projection) {
  fail("usage: node build-kz.mjs REGIONS LABELS CSV OUT ATTRIBUTION PROJECTION");
}

// --- names table -----------------------------------------------------------
const lines = fs.readFileSync(csvPath, "utf8").split("\n").filter((l) => l.trim() !== "");
const header = lines.shift().split(",");
const want = ["iso", "source_code", "source_name", "kk", "ru", "en"];
if (header.join(",") !== want.join(",")) fail(`${csvPath}: header must be ${want.join(",")}`);
const bySource = new Map();
const isoSeen = new Set();
lines.forEach((line, i) => {
  const cols = line.split(",");
  if (cols.length !== want.length) fail(`${csvPath} line ${i + 2}: ${cols.length} columns, want ${want.length}`);
  const row = Object.fromEntries(want.map((k, j) => [k, cols[j].trim()]));
  if (!/^KZ-\d\d$/.test(row.iso)) fail(`${csvPath} line ${i + 2}: bad ISO code ${row.iso}`);
  for (const k of want) if (!row[k]) fail(`${csvPath} line ${i + 2}: empty ${k}`);
  if (isoSeen.has(row.iso)) fail(`${csvPath} line ${i + 2}: ${row.iso} twice`);
  if (bySource.has(row.source_code)) fail(`${csvPath} line ${i + 2}: ${row.source_code} twice`);
  isoSeen.add(row.iso);
  bySource.set(row.source_code, row);
});
if (bySource.size !== EXPECTED) fail(`${csvPath}: ${bySource.size} units, want ${EXPECTED}`);

// --- geometry ----------------------------------------------------------------
const regions = JSON.parse(fs.readFileSync(regionsPath, "utf8")).features;
const labels = JSON.parse(fs.readFileSync(labelsPath, "utf8")).features;
const code = (f, what, i) => {
  const c = f.properties && f.properties.ADM1_PCODE;
  if (!c) fail(`${what} feature ${i}: no ADM1_PCODE`);
  return c;
};

// Outer rings and holes alike: each ring becomes its own subpath.
function ringsOf(geom, what) {
  if (!geom) fail(`${what}: no geometry`);
  if (geom.type === "Polygon") return geom.coordinates;
  if (geom.type === "MultiPolygon") return geom.coordinates.flat();
  fail(`${what}: ${geom.type}, want Polygon or MultiPolygon`);
}

let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
const perCode = new Map();
regions.forEach((f, i) => {
  const c = code(f, "regions", i);
  const row = bySource.get(c);
  if (!row) fail(`regions feature ${i}: source code ${c} is not in ${csvPath}`);
  if (perCode.has(c)) fail(`regions: ${c} (${row.iso}) twice`);
  if (f.properties.ADM1_EN !== row.source_name) {
    fail(`regions: ${c} is named "${f.properties.ADM1_EN}" in the source, ${csvPath} expects "${row.source_name}"`);
  }
  const rings = ringsOf(f.geometry, `${c} (${row.iso})`);
  for (const r of rings) for (const [x, y] of r) {
    minX = Math.min(minX, x); maxX = Math.max(maxX, x);
    minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  perCode.set(c, rings);
});
for (const c of bySource.keys()) if (!perCode.has(c)) fail(`regions: ${c} (${bySource.get(c).iso}) missing`);

const scale = (WIDTH - 2 * PAD) / (maxX - minX);
const HEIGHT = Math.ceil((maxY - minY) * scale + 2 * PAD);
// Integer tenths of a viewBox unit: exact deltas, identical shared borders.
const tx = (x) => Math.round(((x - minX) * scale + PAD) * 10);
const ty = (y) => Math.round(((maxY - y) * scale + PAD) * 10);
const fmt = (t) => (t / 10).toString();
const pair = (a, b) => {
  const sa = fmt(a), sb = fmt(b);
  return (sa.startsWith("-") ? sa : " " + sa) + (sb.startsWith("-") ? sb : " " + sb);
};

let droppedRings = 0;
function pathOf(rings, bb) {
  const parts = [];
  for (const ring of rings) {
    const pts = [];
    for (const [x, y] of ring) {
      const p = [tx(x), ty(y)];
      const last = pts[pts.length - 1];
      if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p);
    }
    // GeoJSON rings repeat the first point at the end; Z closes instead.
    while (pts.length > 1 && pts[0][0] === pts[pts.length - 1][0] && pts[0][1] === pts[pts.length - 1][1]) pts.pop();
    if (pts.length < 3) { droppedRings++; continue; }
    for (const [x, y] of pts) {
      bb[0] = Math.min(bb[0], x); bb[1] = Math.min(bb[1], y);
      bb[2] = Math.max(bb[2], x); bb[3] = Math.max(bb[3], y);
    }
    let s = `M${fmt(pts[0][0])} ${fmt(pts[0][1])}l`;
    let first = true;
    for (let i = 1; i < pts.length; i++) {
      const p = pair(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]);
      s += first ? p.replace(/^ /, "") : p;
      first = false;
    }
    parts.push(s + "Z");
  }
  return parts.join(" ");
}

const labelOf = new Map();
labels.forEach((f, i) => {
  const c = code(f, "labels", i);
  if (!f.geometry || f.geometry.type !== "Point") fail(`labels: ${c} has no interior point`);
  if (labelOf.has(c)) fail(`labels: ${c} twice`);
  const [x, y] = f.geometry.coordinates;
  labelOf.set(c, [tx(x) / 10, ty(y) / 10]);
});

const features = [];
for (const [c, row] of bySource) {
  const bb = [Infinity, Infinity, -Infinity, -Infinity];
  const d = pathOf(perCode.get(c), bb);
  if (!d) fail(`${c} (${row.iso}): nothing left after simplification`);
  const label = labelOf.get(c);
  if (!label) fail(`labels: ${c} (${row.iso}) missing`);
  features.push({
    id: row.iso,
    name: { kk: row.kk, ru: row.ru, en: row.en },
    d,
    label,
    bbox: bb.map((t) => t / 10),
  });
}
features.sort((a, b) => a.id.localeCompare(b.id));

const doc = {
  format: "ekran-map/1",
  name: { kk: "Қазақстан облыстары", ru: "Области Казахстана", en: "Regions of Kazakhstan" },
  width: WIDTH,
  height: HEIGHT,
  projection,
  attribution,
  features,
};
// One feature per line: small, and diffs stay readable.
const body = features.map((f) => "    " + JSON.stringify(f)).join(",\n");
const head = JSON.stringify({ ...doc, features: [] }, null, 2).replace(/"features": \[\]\n}$/, "");
fs.writeFileSync(outPath, `${head}"features": [\n${body}\n  ]\n}\n`);
JSON.parse(fs.readFileSync(outPath, "utf8")); // it must read back
console.log(
  `build-kz: ${features.length} features, ${WIDTH}x${HEIGHT}, ` +
    `${fs.statSync(outPath).size} bytes, ${droppedRings} rings under 3 points dropped -> ${outPath}`,
);
