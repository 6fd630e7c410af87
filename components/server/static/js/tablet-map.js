// The tablet's region map (docs/tablet.md, "The map"): on a map node the map fills the
// content area, each linked region tappable (it goes to the region's node, as a tile
// does), the others dimmed and inert, with a list of the linked regions as buttons
// beside it (landscape) or below (portrait), the accessible way to the same places; on
// a node with a chosen region, a small map in the slide preview marks it and names it.
// Drawing is mapdraw.js.
import { t } from './i18n.js';
import { loadMap, drawMap, keepFitted, featureOf, featureName, attributionOf } from './mapdraw.js';

/** Whether the state's node is a map to choose from (not a node reached through one). */
export function isMapNode(s) {
  const m = s && s.map;
  if (!m) return false;
  const links = Array.isArray(m.links) ? m.links : [];
  return s.node.kind === 'map' || (links.length > 0 && !m.active);
}

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null && text !== '') e.textContent = String(text);
  return e;
}

/** Room left below `el`'s top in the window (CSS px), less `below` for what follows it. */
function roomBelow(el, below) {
  const top = el.getBoundingClientRect().top + scrollY;
  return Math.max(160, Math.floor(innerHeight - top - below));
}

/**
 * The map panel `panel` (an empty section of tablet.html) and the slide preview's map
 * (`preview`, `region`: the preview box and its region line). `go(nodeId, el)` sends
 * the visitor's choice (the tablet's `go` command with its pending state); `live()`
 * says whether commands can be sent now.
 */
export class TabletMap {
  constructor({ panel, preview, region, go, live }) {
    this.panel = panel;
    this.preview = preview;
    this.region = region;
    this.go = go;
    this.live = live;
    this.state = null;
    this.built = '';
    this.previewBuilt = '';
    this.box = h('div', 'map-box');
    this.list = h('div', 'map-list');
    this.list.setAttribute('role', 'group');
    panel.append(this.box, this.list);
    // A tap on a linked region (its shape or its marker) goes there; elsewhere nothing.
    this.box.addEventListener('click', (e) => {
      const hit = e.target.closest && e.target.closest('[data-region]');
      const link = hit && this.linkOf(hit.dataset.region);
      if (!link || !this.live() || !this.state || link.id === this.state.node.id) return;
      this.go(link.id, hit);
    });
    // Visible at once: the region under the finger lights up until it lifts.
    let pressed = null;
    const release = () => {
      if (pressed) pressed.forEach((e) => e.classList.remove('pressed'));
      pressed = null;
    };
    this.box.addEventListener('pointerdown', (e) => {
      const hit = e.target.closest && e.target.closest('[data-region]');
      release();
      if (!hit || !this.linkOf(hit.dataset.region) || !this.live()) return;
      pressed = [...this.box.querySelectorAll(`[data-region="${CSS.escape(hit.dataset.region)}"]`)];
      pressed.forEach((x) => x.classList.add('pressed'));
    }, { passive: true });
    for (const ev of ['pointerup', 'pointercancel', 'pointerleave']) this.box.addEventListener(ev, release, { passive: true });
    addEventListener('resize', () => this.size());
  }

  /**
   * Keeps the map inside the window: as tall as the room from its top to the window's
   * bottom (less the attribution and the page's bottom padding), as wide as its column;
   * a tall map is drawn smaller (`meet`), never scrolled to.
   */
  size() {
    const svg = this.box.querySelector('svg.mapdraw');
    if (!svg || this.panel.hidden) return;
    const attr = this.box.querySelector('.map-attr');
    const below = (attr ? attr.offsetHeight + 6 : 0) + (parseFloat(getComputedStyle(this.panel.closest('.app') || this.panel).paddingBottom) || 0);
    const max = `${roomBelow(svg, below)}px`;
    if (svg.style.maxHeight !== max) svg.style.maxHeight = max;
  }

  linkOf(region) {
    const m = this.state && this.state.map;
    return (m && Array.isArray(m.links) && m.links.find((l) => l.region === region)) || null;
  }

  /** The node ids the map's list leads to on a map node (its tiles need not repeat them). */
  linkedNodes(s) {
    return new Set(isMapNode(s) ? s.map.links.map((l) => l.id) : []);
  }

  /** Shows the map panel for a map node, hides it otherwise. */
  render(s) {
    this.state = s;
    const on = isMapNode(s);
    this.panel.hidden = !on;
    if (!on) {
      this.built = '';
      this.box.replaceChildren();
      this.list.replaceChildren();
      delete this.panel.dataset.ready;
      return;
    }
    const m = s.map;
    this.list.setAttribute('aria-label', t(s.lang, 'mapRegions'));
    const k = JSON.stringify([m.src, m.links, m.active, s.lang]);
    if (this.built === k) return;
    this.built = k;
    delete this.panel.dataset.ready;
    loadMap(m.src)
      .then((doc) => this.built === k && this.build(s, doc))
      .catch((err) => {
        console.warn('ekran: map', err && err.message);
        // Without its picture the list still leads everywhere.
        if (this.built === k) this.build(s, null);
      });
  }

  build(s, doc) {
    const m = s.map;
    const links = Array.isArray(m.links) ? m.links : [];
    this.box.replaceChildren();
    if (doc) {
      const svg = drawMap(doc, { lang: s.lang, links, active: m.active, interactive: true });
      this.box.append(svg);
      const attr = attributionOf(doc);
      if (attr) this.box.append(h('p', 'map-attr', attr));
      // Ready (for tests and benchmarks): drawn, fitted and listening, in the frame that
      // first paints it (a resize observer runs after layout, before paint).
      this.size();
      keepFitted(svg, () => {
        this.size();
        this.panel.dataset.ready = 'true';
      });
    } else this.panel.dataset.ready = 'true';
    // Without the map document (it could not load) a region is named by the node it
    // leads to: never by its code.
    const name = (l) => (doc ? featureName(featureOf(doc, l.region), s.lang) : '') || l.title || '';
    const coll = new Intl.Collator([s.lang, 'ru']);
    const items = links.map((l) => ({ l, name: name(l) })).sort((a, b) => coll.compare(a.name, b.name));
    this.list.replaceChildren();
    for (const { l, name: n } of items) {
      const b = h('button', 'btn map-link');
      b.type = 'button';
      b.dataset.node = l.id;
      b.dataset.region = l.region;
      b.append(h('span', 'map-link-name', n));
      if (l.title && l.title !== n) b.append(h('span', 'map-link-title', l.title));
      if (l.region === m.active) {
        b.classList.add('current');
        b.setAttribute('aria-current', 'true');
      }
      b.disabled = !this.live();
      this.list.append(b);
    }
    this.list.hidden = !items.length;
  }

  /**
   * The slide preview's map: on a node with a chosen region (not a map node), a small
   * map with it marked when the slide is a map slide or has no picture, and its name in
   * the region line. Returns whether the region line shows.
   */
  renderPreview(s, sl) {
    const m = s && !isMapNode(s) ? s.map : null;
    const active = m && m.active ? m.active : null;
    const drawn = active && sl && (sl.layout === 'map' || !sl.image);
    const k = drawn ? JSON.stringify([m.src, active, s.lang]) : '';
    this.region.hidden = !active;
    if (active) {
      // The region's name once its map is here; until then (or if it never comes) the
      // title of the node a map links it to, if any: never its code.
      const link = Array.isArray(m.links) && m.links.find((l) => l.region === active);
      const title = (link && link.title) || '';
      this.region.dataset.region = active;
      this.region.textContent = title ? `${t(s.lang, 'mapRegion')}: ${title}` : t(s.lang, 'mapRegion');
      loadMap(m.src)
        .then((doc) => {
          const f = featureOf(doc, active);
          if (f && this.region.dataset.region === active) this.region.textContent = `${t(s.lang, 'mapRegion')}: ${featureName(f, s.lang)}`;
        })
        .catch(() => {});
    } else delete this.region.dataset.region;
    if (this.previewBuilt === k) return !!active;
    this.previewBuilt = k;
    for (const x of this.preview.querySelectorAll('.slide-map')) x.remove();
    this.preview.classList.remove('has-map');
    if (!drawn) return !!active;
    loadMap(m.src)
      .then((doc) => {
        if (this.previewBuilt !== k) return;
        // A small picture, not a control: the region highlighted, no markers to tap.
        const svg = drawMap(doc, { lang: s.lang, active, markers: false, labels: 'active' });
        svg.classList.add('slide-map');
        this.preview.prepend(svg);
        this.preview.classList.add('has-map');
        keepFitted(svg);
      })
      .catch(() => {}); // the picture or the region line stays
    return !!active;
  }
}
