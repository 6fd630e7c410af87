// Region maps (`ekran-map/1` documents, docs/protocol.md `map`) drawn as inline SVG, for
// the tablet's map panel, the display's frames and the admin. Pure: no fetch,
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
 * `interactive`), `markers` (default true: small linked regions get 48 px markers, on
 * the tablet's map and the display; false on a small picture: only a dot for a tiny
 * active region), `labels` (`all`, default, or `active`: the active region's name
 * only). The element is aria-hidden: pages name regions in text beside it.
 */
export function drawMap(doc, { lang = 'kk', links = [], active = null, interactive = false, markers = true, labels: which = 'all' } = {}) {
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
    if (which === 'all' || f.id === active) labels.append(tx);
  }
  if (last) regions.append(last);
  svg.append(regions, hits, labels);
  svg.ekranMap = { doc, linked, active, markers: !!markers };
  return svg;
}

/** The line a map's source asks to be shown with it (its `attribution`), or ''. */
export function attributionOf(doc) {
  return doc && typeof doc.attribution === 'string' ? doc.attribution.trim().slice(0, 300) : '';
}


/** A tiny active region on a picture without markers gets a dot this wide (CSS px)… */
const DOT_PX = 12;
/** …when its box is under this many CSS pixels across. */
const DOT_UNDER_PX = 8;
/** Corners of a marker's outline (a polygon close enough to its circle). */
const SIDES = 48;

/**
 * The polygon `pts` cut to the points p with (p − mid)·dir ≤ 0: the side of the line
 * through `mid`, square to `dir`, that `dir` points away from (Sutherland–Hodgman
 * against one half-plane).
 */
function cut(pts, mid, dir) {
  const side = (p) => (p[0] - mid[0]) * dir[0] + (p[1] - mid[1]) * dir[1];
  const out = [];
  pts.forEach((p, i) => {
    const q = pts[(i + 1) % pts.length];
    const a = side(p);
    const b = side(q);
    if (a <= 0) out.push(p);
    if ((a < 0 && b > 0) || (a > 0 && b < 0)) {
      const t = a / (a - b);
      out.push([p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t]);
    }
  });
  return out;
}

/**
 * A marker's shape: the circle of radius `r` around `c`, less what is nearer to one of
 * `sites` (other markers' centres, large linked regions' label points) than to `c`:
 * markers that would overlap share the space between them, and none covers the middle
 * of a region that is its own target. Returns path data.
 */
function markerPath(c, r, sites) {
  let pts = [];
  for (let i = 0; i < SIDES; i++) {
    const a = (2 * Math.PI * i) / SIDES;
    pts.push([c[0] + r * Math.cos(a), c[1] + r * Math.sin(a)]);
  }
  for (const s of sites) {
    const dir = [s[0] - c[0], s[1] - c[1]];
    const d = Math.hypot(dir[0], dir[1]);
    if (d < 1e-6 || d >= 2 * r) continue;
    pts = cut(pts, [(c[0] + s[0]) / 2, (c[1] + s[1]) / 2], dir);
  }
  return `M${pts.map((p) => `${p[0].toFixed(1)} ${p[1].toFixed(1)}`).join('L')}Z`;
}

/**
 * Fits a drawn map (`drawMap`) to the size it has on the page; call it after layout and
 * on every resize (`keepFitted` does both). Returns the CSS pixels per map unit, or 0
 * when the map is not laid out (nothing is changed then).
 *
 * Tap targets (`markers` on): every linked region (and the active one) smaller than
 * `MIN_TARGET_PX` in either direction gets a `<path class="hit" data-region=ID>`: a
 * circle of that diameter at its label point, a marker a finger can hit, cut where it
 * would overlap a neighbouring marker (each keeps the side nearer its centre) or cover
 * the label point of a large linked region (that region keeps its middle). Markers off:
 * only a tiny active region gets a dot (`DOT_PX`).
 *
 * Labels, at the svg's CSS font size on screen (else `LABEL_PX`), in one line or two:
 * placed in turn, the active region's first (always shown, inside the map's edges),
 * then the markers' names (beside their marker: below, above, right or left), then the
 * linked regions', then the others'; a region's name goes at its label point or, when
 * something is there already, a line or two lower or higher, or to the side, still
 * inside its region; a name that finds no free place inside its region is not shown.
 * Sets `data-fitted` ("WxH", the CSS pixels fitted to).
 */
export function fitMap(svg) {
  const m = svg && svg.ekranMap;
  const ctm = m && svg.isConnected && svg.getScreenCTM();
  const box = svg && svg.getBoundingClientRect();
  if (!m || !ctm || !ctm.a || !box.width || !box.height) return 0;
  const scale = Math.abs(ctm.a);
  svg.dataset.fitted = `${Math.round(box.width)}x${Math.round(box.height)}`;
  const { doc } = m;
  const W = doc.width;
  const H = doc.height;
  const feats = new Map(doc.features.map((f) => [f.id, f]));
  const paths = new Map([...svg.querySelectorAll('path.region')].map((p) => [p.dataset.region, p]));
  const small = (f, px) => (f.bbox[2] - f.bbox[0]) * scale < px || (f.bbox[3] - f.bbox[1]) * scale < px;
  const own = (f) => m.linked.has(f.id) || f.id === m.active;
  // Markers, and the middles of the regions big enough to be their own targets.
  const marked = doc.features.filter((f) => (m.markers ? own(f) && small(f, MIN_TARGET_PX) : f.id === m.active && small(f, DOT_UNDER_PX)));
  // Half a pixel more: a target exactly 48 px may measure 47.99 after scaling.
  const r = (m.markers ? (MIN_TARGET_PX + 1) / 2 : DOT_PX / 2) / scale;
  const hits = svg.querySelector('.hits');
  hits.replaceChildren();
  for (const f of marked) {
    const sites = marked.filter((g) => g !== f).map((g) => g.label);
    const c = el('path', { d: markerPath(f.label, r, sites), 'data-region': f.id });
    c.classList.add('hit');
    if (m.linked.has(f.id)) c.classList.add('linked');
    if (f.id === m.active) c.classList.add('active');
    hits.append(c);
  }
  const markedIds = new Set(marked.map((f) => f.id));

  // Labels: measured in one line and in two (all at once: a few layouts for the lot).
  const px = parseFloat(getComputedStyle(svg).fontSize) || LABEL_PX;
  const size = px / scale;
  const lh = size * 1.25;
  const labels = [...svg.querySelectorAll('text.label')];
  for (const t of labels) {
    const f = feats.get(t.dataset.region);
    t.setAttribute('font-size', size.toFixed(2));
    t.setAttribute('x', f.label[0]);
    t.setAttribute('y', f.label[1]);
    t.classList.remove('shown');
    setLines(t, [t.dataset.name]);
  }
  const one = labels.map((t) => t.getComputedTextLength());
  const splits = labels.map((t) => halves(t.dataset.name));
  labels.forEach((t, i) => splits[i] && setLines(t, splits[i]));
  const two = labels.map((t, i) => (splits[i] ? Math.max(...[...t.children].map((x) => x.getComputedTextLength())) : Infinity));

  // Where each name may go, best first: {lines, w, x, y}.
  const pad = size * 0.25;
  const inMap = (o) => o.x - o.w / 2 >= 0 && o.x + o.w / 2 <= W && o.y - (o.lines * lh) / 2 >= 0 && o.y + (o.lines * lh) / 2 <= H;
  const clamped = (o) => {
    const half = o.w / 2 + size * 0.3;
    const v = (o.lines * lh) / 2 + size * 0.1;
    return { ...o, x: Math.min(Math.max(o.x, half), W - half), y: Math.min(Math.max(o.y, v), H - v) };
  };
  const options = (t, i) => {
    const f = feats.get(t.dataset.region);
    const sets = [[1, one[i]]].concat(Number.isFinite(two[i]) ? [[2, two[i]]] : []);
    const [lx, ly] = f.label;
    if (markedIds.has(f.id)) {
      const out = [];
      for (const [lines, w] of sets) {
        const h = lines * lh;
        out.push({ lines, w, x: lx, y: ly + r + pad + h / 2 }, { lines, w, x: lx, y: ly - r - pad - h / 2 });
        out.push({ lines, w, x: lx + r + pad + w / 2, y: ly }, { lines, w, x: lx - r - pad - w / 2, y: ly });
      }
      return out.map((o) => (o.x === lx ? clamped(o) : o)).filter(inMap);
    }
    const [x0, y0, x1, y1] = f.bbox;
    const fits = (w, lines) => w <= (x1 - x0) * 0.92 && size * (1.25 * lines + 0.1) <= y1 - y0;
    const active = f.id === m.active;
    const usable = sets.filter(([lines, w]) => active || fits(w, lines));
    const out = usable.map(([lines, w]) => ({ lines, w, x: lx, y: ly }));
    // Other places, nearest first: up to three lines up or down, a sixth or a third of
    // the region's width to either side.
    const q = (x1 - x0) / 6;
    const shifts = [];
    for (const dx of [0, q, -q, 2 * q, -2 * q]) for (const dy of [0, 0.5, -0.5, 1, -1, 1.5, -1.5, 2, -2, 3, -3]) if (dx || dy) shifts.push([dx, dy * lh]);
    shifts.sort((a, b) => Math.hypot(...a) - Math.hypot(...b));
    const path = paths.get(f.id);
    for (const [lines, w] of usable) {
      for (const [dx, dy] of shifts) {
        const o = { lines, w, x: lx + dx, y: ly + dy };
        const hh = (lines * lh) / 2;
        if (o.x - w / 2 < x0 || o.x + w / 2 > x1 || o.y - hh < y0 || o.y + hh > y1) continue;
        // Inside the region itself (not a neighbour within its box): checked only when
        // this place is tried.
        if (path && typeof path.isPointInFill === 'function') o.inside = () => path.isPointInFill(new DOMPoint(o.x, o.y));
        out.push(o);
      }
    }
    return active ? out.map(clamped) : out;
  };
  const rankOf = (id) => (id === m.active ? 0 : markedIds.has(id) ? 1 : m.linked.has(id) ? 2 : 3);
  const cand = labels.map((t, i) => ({ t, i, rank: rankOf(t.dataset.region), opts: options(t, i) }));
  cand.sort((p, q) => p.rank - q.rank);
  // The markers are in the way of every name but their own; names keep a little apart.
  const placed = marked.map((f) => ({ id: f.id, b: { x: f.label[0] - r, y: f.label[1] - r, width: 2 * r, height: 2 * r } }));
  const over = (a, b) => b.x < a.x + a.width + pad && a.x < b.x + b.width + pad && b.y < a.y + a.height + pad && a.y < b.y + b.height + pad;
  const boxOf = (o) => ({ x: o.x - o.w / 2, y: o.y - (o.lines * lh) / 2, width: o.w, height: o.lines * lh });
  for (const c of cand) {
    const id = c.t.dataset.region;
    const free = (p) => c.rank === 0 || !placed.some((q) => q.id !== id && over(q.b, boxOf(p)));
    const o = c.opts.find((p) => free(p) && (!p.inside || p.inside()));
    if (!o) continue;
    setLines(c.t, o.lines === 2 ? splits[c.i] : [c.t.dataset.name]);
    c.t.setAttribute('x', o.x.toFixed(1));
    c.t.setAttribute('y', o.y.toFixed(1));
    for (const sp of c.t.children) sp.setAttribute('x', o.x.toFixed(1));
    placed.push({ id, b: boxOf(o) });
    c.t.classList.add('shown');
  }
  const act = svg.querySelector('text.label.active');
  if (act) act.parentNode.append(act);
  return scale;
}

/**
 * Fits `svg` (`fitMap`) once it is laid out and again whenever its size changes or the
 * page comes back into view (a page drawn while hidden measured nothing); calls `then`
 * after the first fit. Stops by itself once the svg is taken off the page.
 */
export function keepFitted(svg, then) {
  let first = true;
  const fit = () => {
    if (!svg.isConnected) {
      stop();
      return;
    }
    if (!fitMap(svg)) return;
    if (first && then) then();
    first = false;
  };
  const ro = new ResizeObserver(fit);
  const seen = () => {
    if (document.visibilityState === 'visible') fit();
  };
  const stop = () => {
    ro.disconnect();
    document.removeEventListener('visibilitychange', seen);
  };
  ro.observe(svg);
  document.addEventListener('visibilitychange', seen);
}
