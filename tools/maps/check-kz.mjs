// Checks the built-in map document against the agreed shape (ekran-map/1) and
// against what the Kazakhstan map must hold. Prints a summary; exit 1 on any
// problem, naming the feature.
//
// usage: node check-kz.mjs [components/model/data/kz.map.json]
import fs from "node:fs";

const path = process.argv[2] || new URL("../../components/model/data/kz.map.json", import.meta.url).pathname;
const CODES = [
  "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
  "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79",
];
const MAX_BYTES = 120 * 1024;
const problems = [];
const bad = (msg) => problems.push(msg);

const bytes = fs.statSync(path).size;
const doc = JSON.parse(fs.readFileSync(path, "utf8"));
if (bytes > MAX_BYTES) bad(`file is ${bytes} bytes, over ${MAX_BYTES}`);
if (doc.format !== "ekran-map/1") bad(`format ${doc.format}`);
for (const l of ["kk", "ru", "en"]) if (!doc.name || !doc.name[l]) bad(`map name has no ${l}`);
if (doc.width !== 1000) bad(`width ${doc.width}, want 1000`);
if (!(Number.isFinite(doc.height) && doc.height > 0)) bad(`height ${doc.height}`);
if (!doc.attribution) bad("no attribution");
if (!doc.projection) bad("no projection");

// Parses M x y, l/L/m pairs and Z; returns the rings as absolute points.
function rings(d) {
  const tok = d.match(/[MmLlZz]|-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/g) || [];
  if (tok.join("").length !== d.replace(/[\s,]/g, "").length) throw new Error("unexpected characters in d");
  const out = [];
  let cmd = null, cur = null, x = 0, y = 0;
  for (let i = 0; i < tok.length;) {
    const t = tok[i];
    if (/[MmLlZz]/.test(t)) {
      cmd = t; i++;
      if (cmd === "Z" || cmd === "z") {
        if (!cur || cur.length < 3) throw new Error("a subpath with fewer than 3 points");
        out.push(cur); cur = null;
      }
      continue;
    }
    const a = Number(tok[i]), b = Number(tok[i + 1]);
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new Error("odd number of coordinates");
    i += 2;
    if (cmd === "M" || cmd === "m") {
      if (cur) throw new Error("subpath not closed with Z");
      [x, y] = cmd === "M" ? [a, b] : [x + a, y + b];
      cur = [[x, y]];
      cmd = cmd === "M" ? "L" : "l";
    } else if (cmd === "L" || cmd === "l") {
      if (!cur) throw new Error("line before M");
      [x, y] = cmd === "L" ? [a, b] : [x + a, y + b];
      cur.push([x, y]);
    } else throw new Error(`coordinates after ${cmd}`);
  }
  if (cur) throw new Error("last subpath not closed with Z");
  return out;
}

// Even-odd rule, as the pages fill.
function inside([px, py], rs) {
  let n = 0;
  for (const r of rs) for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const [xi, yi] = r[i], [xj, yj] = r[j];
    if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) n++;
  }
  return n % 2 === 1;
}

const seen = new Map();
let points = 0, subpaths = 0;
for (const [i, f] of (doc.features || []).entries()) {
  const id = f.id || `#${i}`;
  if (seen.has(f.id)) bad(`${id}: twice`);
  seen.set(f.id, f);
  for (const l of ["kk", "ru", "en"]) if (!f.name || !f.name[l] || !f.name[l].trim()) bad(`${id}: no ${l} name`);
  let rs;
  try { rs = rings(f.d); } catch (e) { bad(`${id}: d: ${e.message}`); continue; }
  subpaths += rs.length;
  const bb = [Infinity, Infinity, -Infinity, -Infinity];
  for (const r of rs) for (const [x, y] of r) {
    points++;
    bb[0] = Math.min(bb[0], x); bb[1] = Math.min(bb[1], y); bb[2] = Math.max(bb[2], x); bb[3] = Math.max(bb[3], y);
    if (x < 0 || y < 0 || x > doc.width || y > doc.height) bad(`${id}: point ${x},${y} outside the viewBox`);
  }
  if (!Array.isArray(f.bbox) || f.bbox.some((v, k) => Math.abs(v - bb[k]) > 0.051)) bad(`${id}: bbox ${f.bbox} but the path spans ${bb}`);
  if (!Array.isArray(f.label) || f.label.length !== 2 || !inside(f.label, rs)) bad(`${id}: label ${f.label} not inside the region`);
}
const ids = [...seen.keys()].sort();
if (ids.join() !== CODES.join()) bad(`feature ids ${ids.join(" ")} differ from the 20 ISO 3166-2:KZ codes`);

console.log(`${path}: ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB), ${doc.width}x${doc.height}, ` +
  `${seen.size} features, ${subpaths} subpaths, ${points} points`);
for (const f of doc.features || []) {
  console.log(`  ${f.id}  ${f.name.kk} | ${f.name.ru} | ${f.name.en}  label ${f.label}`);
}
if (problems.length) {
  for (const p of problems) console.error(`PROBLEM: ${p}`);
  console.error(`check-kz: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log("check-kz: code set = ISO 3166-2:KZ (20), names kk/ru/en present, labels inside, bboxes match, size <= 120 KiB");
