// The admin's drawing of a map document (`ekran-map/1`, docs/content-format.md): every
// region as a `<g class="map-region" data-region=CODE>` holding its path (drawn with
// even-odd filling, so holes and islands are right) and, for a region too small to hit
// with a pointer, a round hit area around its label point. Linked regions get the class
// `linked`, the chosen one `active`. Names go in as text nodes (`<title>`, labels).
//
// The pages' drawing (static/js/mapdraw.js) makes only linked regions react, for
// visitors; staff must reach every region, linked or not, by pointer and keyboard, so
// the admin draws its own. Documents are loaded and checked by the pages' `loadMap`.
import { pick } from './i18n.js';
import { loadMap as loadShared } from '../mapdraw.js';

const NS = 'http://www.w3.org/2000/svg';
/** A region narrower or lower than this share of the map's width gets a hit area. */
const SMALL = 0.03;

function el(tag, attrs = {}) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null && v !== false) e.setAttribute(k, String(v));
  return e;
}

/** A feature's name in the admin's language (its code when it has none). */
export function regionName(f) {
  return (f && pick(f.name)) || (f && f.id) || '';
}

/**
 * Draws `doc` as an `<svg>` scaled to its container's width. Options: `links` (array of
 * `{region}` or codes: those regions are marked `linked`), `active` (a code), `onPick(code)`
 * (a region clicked), `interactive` (each region also focusable, a button for assistive
 * technology, picked with Enter or Space). Labels name the linked and the active regions (every region's name
 * is its `<title>`, shown on hover, and its accessible name).
 */
export function drawMap(doc, { links = [], active = null, interactive = false, onPick = null } = {}) {
  const linked = new Set(links.map((l) => (typeof l === 'string' ? l : l.region)));
  const w = Number(doc.width) || 1000;
  const hgt = Number(doc.height) || 600;
  const svg = el('svg', { viewBox: `0 0 ${w} ${hgt}`, class: `map-svg${onPick ? ' pickable' : ''}`, role: interactive ? 'group' : 'img', 'aria-label': pick(doc.name) });
  const shapes = el('g', { class: 'map-shapes' });
  const labels = el('g', { class: 'map-labels', 'aria-hidden': 'true' });
  for (const f of doc.features) {
    const name = regionName(f);
    const cls = ['map-region', linked.has(f.id) ? 'linked' : '', active === f.id ? 'active' : ''].filter(Boolean).join(' ');
    const g = el('g', { class: cls, 'data-region': f.id });
    const title = el('title');
    title.textContent = name;
    g.append(title, el('path', { d: f.d, 'fill-rule': 'evenodd', 'data-region': f.id }));
    const [x0, y0, x1, y1] = Array.isArray(f.bbox) ? f.bbox : [0, 0, w, hgt];
    const [lx, ly] = Array.isArray(f.label) ? f.label : [(x0 + x1) / 2, (y0 + y1) / 2];
    if (x1 - x0 < SMALL * w || y1 - y0 < SMALL * w) {
      g.append(el('circle', { class: 'map-hit', cx: lx, cy: ly, r: SMALL * w * 0.6 }));
    }
    if (onPick) g.addEventListener('click', () => onPick(f.id));
    if (interactive) {
      g.setAttribute('tabindex', '0');
      g.setAttribute('role', 'button');
      g.setAttribute('aria-label', `${name} (${f.id})`);
      g.setAttribute('aria-pressed', String(linked.has(f.id)));
      if (onPick) {
        g.addEventListener('keydown', (ev) => {
          if (ev.key === 'Enter' || ev.key === ' ') {
            ev.preventDefault();
            onPick(f.id);
          }
        });
      }
    }
    shapes.append(g);
    if (linked.has(f.id) || active === f.id) {
      const t = el('text', { x: lx, y: ly, class: `map-label${linked.has(f.id) ? ' linked' : ''}`, 'text-anchor': 'middle', 'dominant-baseline': 'central' });
      t.textContent = name;
      labels.append(t);
    }
  }
  svg.append(shapes, labels);
  return svg;
}

/** The map document `id`, fetched once and checked (the pages' `loadMap`). */
export function loadMap(id) {
  return loadShared(`/maps/${encodeURIComponent(id)}`);
}
