// Region maps (`ekran-map/1` documents, docs/protocol.md `map`) drawn as inline SVG, for
// the tablet (tablet-map.js), the display (render.js) and the admin. Pure: no fetch,
// listeners or lookups at import; `loadMap` fetches when called. Shapes come from the
// server's JSON, checked here before use; the DOM is built with createElementNS and
// setAttribute (path data, numbers, classes, ids) only, never from markup.

/** The one document format drawn. */
export const MAP_FORMAT = 'ekran-map/1';
/** The smallest tap target, in CSS pixels, a linked region gets (`fitMap`). */
export const MIN_TARGET_PX = 48;
/** The size of a region's label on screen, in CSS pixels (`fitMap`). */
const LABEL_PX = 15;

const NS = 'http://www.w3.org/2000/svg';
/** Path data: commands, numbers, separators; nothing else. */
const PATH_RE = /^[MmZzLlHhVvCcSsQqTtAa0-9eE.,+\-\s]*$/;
const num = (v) => typeof v === 'number' && Number.isFinite(v);

/**
 * Checks a parsed map document: the format, a positive viewBox, features with an id
 * (1–64 characters, no whitespace), path data of path characters only that starts with
 * `M`, a label point and a bbox of finite numbers. Throws an Error naming the first
 * feature (its index and id) and what is wrong; returns the document.
 */
export function checkMap(doc) {
  const bad = (msg) => {
    throw new Error(`map document: ${msg}`);
  };
  if (!doc || typeof doc !== 'object') bad('not an object');
  if (doc.format !== MAP_FORMAT) bad(`format is ${JSON.stringify(doc.format)}, not ${MAP_FORMAT}`);
  if (!num(doc.width) || !num(doc.height) || doc.width <= 0 || doc.height <= 0) bad('width and height must be positive numbers');
  if (!Array.isArray(doc.features) || !doc.features.length) bad('no features');
  const seen = new Set();
  doc.features.forEach((f, i) => {
    const at = `feature ${i}${f && typeof f.id === 'string' ? ` (${f.id})` : ''}`;
    if (!f || typeof f.id !== 'string' || !/^\S{1,64}$/.test(f.id)) bad(`${at}: bad id`);
    if (seen.has(f.id)) bad(`${at}: duplicate id`);
    seen.add(f.id);
    if (typeof f.d !== 'string' || !/^\s*M/.test(f.d) || !PATH_RE.test(f.d)) bad(`${at}: bad path data`);
    if (!Array.isArray(f.label) || f.label.length !== 2 || !f.label.every(num)) bad(`${at}: bad label point`);
    if (!Array.isArray(f.bbox) || f.bbox.length !== 4 || !f.bbox.every(num)) bad(`${at}: bad bbox`);
  });
  return doc;
}

const docs = new Map();

/**
 * The map document at `src` (a `/maps/{id}` URL), fetched once and kept: a promise of
 * the checked document (`checkMap`). A failed fetch or a bad document rejects, and is
 * tried again on the next call.
 */
export function loadMap(src) {
  let p = docs.get(src);
  if (!p) {
    p = fetch(src)
      .then((r) => {
        if (!r.ok) throw new Error(`${src}: ${r.status}`);
        return r.json();
      })
      .then(checkMap);
    p.catch(() => docs.delete(src));
    if (docs.size > 8) docs.clear();
    docs.set(src, p);
  }
  return p;
}

/** A feature's name in `lang`, else Kazakh, Russian, English, else its id. */
export function featureName(f, lang) {
  const n = f && f.name && typeof f.name === 'object' ? f.name : {};
  for (const l of [lang, 'kk', 'ru', 'en']) if (typeof n[l] === 'string' && n[l].trim()) return n[l];
  return f ? String(f.id) : '';
}

/** The feature of `doc` with id `id`, or null. */
export function featureOf(doc, id) {
  return (doc && Array.isArray(doc.features) && doc.features.find((f) => f.id === id)) || null;
}

function el(tag, attrs) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}

/** A name in two lines split at the space nearest its middle, or null (one word). */
function halves(name) {
  const mid = name.length / 2;
  let best = -1;
  for (let i = name.indexOf(' '); i > 0; i = name.indexOf(' ', i + 1)) if (best < 0 || Math.abs(i - mid) < Math.abs(best - mid)) best = i;
  return best > 0 ? [name.slice(0, best), name.slice(best + 1)] : null;
}

/** A label's text as `lines` (`<tspan>`s when more than one), centred on its point. */
function setLines(t, lines) {
  t.replaceChildren();
  if (lines.length === 1) {
    t.textContent = lines[0];
    return;
  }
  lines.forEach((line, i) => {
    const s = el('tspan', { x: t.getAttribute('x'), dy: i ? '1.2em' : `${-0.6 * (lines.length - 1)}em` });
    s.textContent = line;
    t.append(s);
  });
}

/**
 * The map `doc` as an `<svg class="mapdraw">` with the viewBox `0 0 width height`:
 * - one `<path class="region" data-region=ID fill-rule="evenodd">` per feature, with
 *   `linked` (the region leads somewhere: `links` has it), `dim` (links are given and
 *   this region has none) and `active` (it is `active`; drawn last, so its outline is on
 *   top);
 * - a `<g class="hits">`, filled by `fitMap` once the map is laid out;
 * - a `<text class="label" data-region=ID>` per feature at its `label` point, its name in
 *   `lang` (`featureName`), shown by `fitMap` only where it fits its region.
 * Options: `lang`, `links` (`[{region, id, title}]`, the state's), `active` (a region
 * id or null), `interactive` (the tablet: linked regions take taps; adds the class
 * `interactive`). The element is aria-hidden: pages name regions in text beside it.
 */
export function drawMap(doc, { lang = 'kk', links = [], active = null, interactive = false } = {}) {
  const linked = new Set((Array.isArray(links) ? links : []).map((l) => l && l.region));
  const svg = el('svg', {
    viewBox: `0 0 ${doc.width} ${doc.height}`,
    preserveAspectRatio: 'xMidYMid meet',
    'aria-hidden': 'true',
    focusable: 'false',
  });
  svg.classList.add('mapdraw');
  if (interactive) svg.classList.add('interactive');
  if (active) svg.classList.add('has-active');
  if (linked.size) svg.classList.add('has-links');
  const regions = el('g', { class: 'regions' });
  const hits = el('g', { class: 'hits' });
  const labels = el('g', { class: 'labels' });
  let last = null;
  for (const f of doc.features) {
    const p = el('path', { d: f.d, 'fill-rule': 'evenodd', 'data-region': f.id });
    p.classList.add('region');
    if (linked.has(f.id)) p.classList.add('linked');
    else if (linked.size) p.classList.add('dim');
    if (f.id === active) {
      p.classList.add('active');
      last = p;
    } else regions.append(p);
    const tx = el('text', { x: f.label[0], y: f.label[1], 'data-region': f.id, 'text-anchor': 'middle', 'dominant-baseline': 'central' });
    tx.classList.add('label');
    if (linked.has(f.id)) tx.classList.add('linked');
    if (f.id === active) tx.classList.add('active');
    tx.dataset.name = featureName(f, lang);
    tx.textContent = tx.dataset.name;
    labels.append(tx);
  }
  if (last) regions.append(last);
  svg.append(regions, hits, labels);
  svg.ekranMap = { doc, linked, active };
  return svg;
}

/** The line a map's source asks to be shown with it (its `attribution`), or ''. */
export function attributionOf(doc) {
  return doc && typeof doc.attribution === 'string' ? doc.attribution.trim().slice(0, 300) : '';
}

/**
 * Fits a drawn map (`drawMap`) to the size it has on the page; call it after layout and
 * on every resize. Labels: set to the svg's CSS font size on screen (else `LABEL_PX`),
 * shown only where the name fits inside its region's box, in one line or two (the active
 * region's always, inside the map's edges; the labels it covers give way).
 * Tap targets: every linked region (and the active one) smaller than `MIN_TARGET_PX`
 * in either direction gets a `<circle class="hit" data-region=ID>` of that diameter at
 * its label point, a marker a finger can hit. Sets `data-fitted` ("WxH", the CSS
 * pixels fitted to). Returns the CSS pixels per map unit
 * (0 when the map is not laid out: nothing is changed then).
 */
export function fitMap(svg) {
  const m = svg && svg.ekranMap;
  const ctm = m && svg.getScreenCTM();
  const box = svg.getBoundingClientRect();
  if (!m || !ctm || !ctm.a || !box.width) return 0;
  const scale = Math.abs(ctm.a);
  svg.dataset.fitted = `${Math.round(box.width)}x${Math.round(box.height)}`;
  const hits = svg.querySelector('.hits');
  hits.replaceChildren();
  // Half a pixel more: a target exactly 48 px may measure 47.99 after scaling.
  const r = (MIN_TARGET_PX + 1) / 2 / scale;
  for (const f of m.doc.features) {
    if (!m.linked.has(f.id) && f.id !== m.active) continue;
    const [x0, y0, x1, y1] = f.bbox;
    if ((x1 - x0) * scale >= MIN_TARGET_PX && (y1 - y0) * scale >= MIN_TARGET_PX) continue;
    const c = el('circle', { cx: f.label[0], cy: f.label[1], r: r.toFixed(2), 'data-region': f.id });
    c.classList.add('hit');
    if (m.linked.has(f.id)) c.classList.add('linked');
    if (f.id === m.active) c.classList.add('active');
    hits.append(c);
  }
  // Labels: the map's font size (CSS, in px) on screen; one line, else two.
  const px = parseFloat(getComputedStyle(svg).fontSize) || LABEL_PX;
  const size = px / scale;
  const labels = [...svg.querySelectorAll('text.label')];
  const feats = new Map(m.doc.features.map((f) => [f.id, f]));
  const marked = new Map([...hits.children].map((c) => [c.dataset.region, c]));
  const fits = (f, w, lines) => w <= (f.bbox[2] - f.bbox[0]) * 0.92 && size * (1.25 * lines + 0.1) <= f.bbox[3] - f.bbox[1];
  for (const t of labels) {
    const f = feats.get(t.dataset.region);
    t.setAttribute('font-size', size.toFixed(2));
    t.setAttribute('x', f.label[0]);
    t.setAttribute('y', f.label[1]);
    t.classList.remove('shown');
    setLines(t, [t.dataset.name]);
  }
  // Measure all, then change, then measure again: a few layouts for the lot.
  const one = labels.map((t) => t.getComputedTextLength());
  const two = new Set();
  labels.forEach((t, i) => {
    const f = feats.get(t.dataset.region);
    const split = halves(t.dataset.name);
    if (marked.has(f.id) || fits(f, one[i], 1) || !split) return;
    if (fits(f, one[i] * 0.75, 2) || f.id === m.active) {
      setLines(t, split);
      two.add(t);
    }
  });
  const widths = labels.map((t, i) => (two.has(t) ? Math.max(...[...t.children].map((x) => x.getComputedTextLength())) : one[i]));
  // Who shows, in order: the active region, the marked small ones (their name under
  // the marker: a callout), then every name that fits its region; a label that would
  // cover one already placed gives way.
  const cand = [];
  labels.forEach((t, i) => {
    const f = feats.get(t.dataset.region);
    const lines = two.has(t) ? 2 : 1;
    const c = marked.get(f.id);
    let x = f.label[0];
    let y = f.label[1];
    if (c) {
      const below = f.label[1] + r + size * 0.8;
      y = below + size < m.doc.height ? below : f.label[1] - r - size * 0.8;
    } else if (!fits(f, widths[i], lines) && f.id !== m.active) return;
    const half = widths[i] / 2 + size * 0.3;
    x = Math.min(Math.max(x, half), m.doc.width - half);
    y = Math.min(Math.max(y, size * lines * 0.7), m.doc.height - size * lines * 0.7);
    t.setAttribute('x', x.toFixed(1));
    t.setAttribute('y', y.toFixed(1));
    for (const sp of t.children) sp.setAttribute('x', x.toFixed(1));
    cand.push({ t, rank: f.id === m.active ? 0 : c ? 1 : 2 });
  });
  cand.sort((p, q) => p.rank - q.rank);
  for (const c of cand) c.b = c.t.getBBox();
  const placed = [];
  const over = (a, b) => b.x < a.x + a.width && a.x < b.x + b.width && b.y < a.y + a.height && a.y < b.y + b.height;
  for (const c of cand) {
    if (c.rank > 0 && placed.some((p) => over(p.b, c.b))) continue;
    placed.push(c);
    c.t.classList.add('shown');
  }
  const act = svg.querySelector('text.label.active');
  if (act) act.parentNode.append(act);
  return scale;
}
