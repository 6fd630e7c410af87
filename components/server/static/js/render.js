// The display's rendering: a screen `state` (docs/protocol.md) to a frame of DOM, built
// with textContent only; region maps drawn from their documents (mapdraw.js); texts bounded in length and
// given soft hyphens (hyphen.js); a picture or video that fails gives way to the slide's
// text, its picture or the node's title; the frame fitted and its text paged (fit.js).
// Pure: no connection, no lookups or listeners at import. Shared by the display page
// (display.js) and the editor's live preview (preview-slide.js).
import { t, fmt, counter } from './i18n.js';
import { loadMap, drawMap, fitMap, keepFitted, featureOf, featureName, attributionOf } from './mapdraw.js';
import { shown, clamp } from './hyphen.js';
import { fitFrame, showPage } from './fit.js';

export { showPage, MAX_PAGES } from './fit.js';

/** Most slides shown as a row of dots in the footer; more are shown as "12 / 40". */
const MAX_DOTS = 20;

/** Characters of a title, label or caption shown (a longer one ends with "…"). */
export const TITLE_MAX = 300;
/** Characters of a slide's text shown, all blocks together. */
export const TEXT_MAX = 24000;
/** A video with no picture this long after it was put on the page has stalled. */
const STALL_MS = 6000;

const THEMES = ['azure', 'steppe', 'sunrise', 'jade', 'graphite'];

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null && text !== '') e.textContent = String(text);
  return e;
}
const str = (v) => (typeof v === 'string' ? v : '');
/** An element with content text: bounded (`max` characters), soft-hyphenated. */
const tx = (tag, cls, text, max = TITLE_MAX) => h(tag, cls, shown(str(text), max));

// ---------------------------------------------------------------- building blocks
/** A picture; when it fails it is reported, and a `main` one gives way (`ctx.fail`). */
function img(src, cls, ctx, main = false) {
  const im = h('img', cls);
  im.alt = '';
  im.decoding = 'async';
  im.addEventListener('error', () => {
    im.classList.add('broken');
    ctx.report('image', src);
    if (main) ctx.fail(src);
  }, { once: true });
  im.src = src;
  ctx.waits.push(im.decode().catch(() => {}));
  return im;
}

/** A slide's text blocks as paragraphs and lists, `TEXT_MAX` characters at most. */
function textBlocks(blocks) {
  const frag = document.createDocumentFragment();
  if (!Array.isArray(blocks)) return frag;
  let left = TEXT_MAX;
  const take = (line) => {
    const s = clamp(str(line), left);
    left -= s.length;
    return shown(s, TEXT_MAX);
  };
  for (const b of blocks) {
    if (!b || left <= 0) continue;
    if (Array.isArray(b.p)) {
      const p = h('p');
      b.p.forEach((line, i) => {
        if (left <= 0) return;
        if (i) p.append(h('br'));
        p.append(take(line));
      });
      frag.append(p);
    } else if (Array.isArray(b.ul)) {
      const ul = h('ul');
      for (const it of b.ul) if (left > 0) ul.append(h('li', null, take(it)));
      frag.append(ul);
    }
  }
  return frag;
}

/** Text in a box that is paged when it does not fit (fit.js); null when there is none. */
function scrollBox(blocks, cls) {
  if (!Array.isArray(blocks) || !blocks.length) return null;
  const box = h('div', 'scroll' + (cls ? ' ' + cls : ''));
  const inner = h('div', 'scroll-inner');
  inner.append(textBlocks(blocks));
  box.append(inner);
  return box;
}

/** Characters from which a title is set smaller, so it leaves room for the text. */
const LONG_TITLE = 80;

function title(text, cls = 'title') {
  if (!text) return null;
  return tx('h2', cls + (str(text).length > LONG_TITLE ? ' long' : ''), text);
}

/**
 * The chosen region's name (`s.map.active`) as a badge: its name in the frame's
 * language once its map document is loaded (a wait of the frame); until then, or when
 * the document cannot load, the title of the node the region leads to (the state's
 * link), else the node's: never the region's code.
 */
function regionBadge(s, ctx) {
  const id = s.map.active;
  const b = h('div', 'rbadge active');
  b.dataset.region = id;
  const link = Array.isArray(s.map.links) ? s.map.links.find((l) => l && l.region === id) : null;
  const name = tx('span', 'rbadge-name', str(link && link.title) || s.node.title);
  b.append(h('span', 'rbadge-dot'), name);
  ctx.waits.push(
    loadMap(s.map.src)
      .then((doc) => {
        const f = featureOf(doc, id);
        if (f) name.textContent = shown(featureName(f, s.lang), TITLE_MAX);
      })
      .catch(() => {}),
  );
  return b;
}

function media(cls) {
  return h('figure', 'media' + (cls ? ' ' + cls : ''));
}

// ---------------------------------------------------------------- layouts
const LAYOUTS = {
  home(stage, s, ctx) {
    const box = h('div', 'l-home');
    if (s.node.logo) box.append(img(s.node.logo, 'home-logo', ctx));
    box.append(tx('h1', 'home-title', s.node.title));
    const kids = Array.isArray(s.children) ? s.children.slice(0, 8) : [];
    if (kids.length) {
      const grid = h('div', 'home-grid');
      const n = kids.length;
      const cols = n <= 4 ? n : n <= 6 ? 3 : 4;
      grid.style.setProperty('--cols', String(cols));
      grid.style.setProperty('--rows', String(Math.ceil(n / cols)));
      const colsP = n <= 4 ? 1 : 2;
      grid.style.setProperty('--cols-p', String(colsP));
      grid.style.setProperty('--rows-p', String(Math.ceil(n / colsP)));
      box.classList.add('has-kids');
      for (const c of kids) {
        const card = h('div', 'home-card');
        if (c.image) card.append(img(c.image, 'home-card-img', ctx));
        else {
          const ph = h('div', 'home-card-img ph');
          ph.append(h('span', null, [...str(c.title).trim()][0] || ''));
          card.append(ph);
        }
        card.append(tx('div', 'home-card-title', c.title));
        grid.append(card);
      }
      box.append(grid);
    }
    stage.append(box);
  },

  text(stage, s) {
    const sl = s.slide;
    const box = h('div', 'l-text');
    const head = h('div', 'l-text-head');
    head.append(title(sl.title || s.node.title, 'title big'));
    box.append(head);
    const sb = scrollBox(sl.text);
    if (sb) box.append(sb);
    stage.append(box);
  },

  image_text(stage, s, ctx) {
    const sl = s.slide;
    const src = sl.image || s.node.logo;
    if (!src) return LAYOUTS.text(stage, s, ctx);
    const box = h('div', 'l-split');
    const fig = media(sl.image ? '' : 'logo');
    fig.append(img(src, 'media-img', ctx, true));
    const body = h('div', 'body');
    const tt = title(sl.title);
    if (tt) body.append(tt);
    const sb = scrollBox(sl.text);
    if (sb) body.append(sb);
    box.append(fig, body);
    stage.append(box);
  },

  image(stage, s, ctx) {
    const sl = s.slide;
    const src = sl.image || s.node.logo;
    if (!src) return LAYOUTS.text(stage, s, ctx);
    const fig = media('full');
    fig.append(img(src, 'media-img', ctx, true));
    if (sl.title) fig.append(tx('figcaption', 'caption', sl.title));
    stage.append(fig);
  },

  video(stage, s, ctx) {
    const sl = s.slide;
    if (!sl.video) return LAYOUTS.image_text(stage, s, ctx);
    const fig = media('full');
    const v = h('video', 'media-video');
    v.muted = true;
    v.defaultMuted = true;
    v.setAttribute('muted', '');
    v.autoplay = true;
    v.loop = true;
    v.playsInline = true;
    v.setAttribute('playsinline', '');
    v.preload = 'auto';
    v.disablePictureInPicture = true;
    ctx.waits.push(
      new Promise((res) => {
        v.addEventListener('loadeddata', res, { once: true });
        v.addEventListener('error', res, { once: true });
      }),
    );
    v.addEventListener('error', () => {
      ctx.report('video', sl.video);
      ctx.fail(sl.video);
    }, { once: true });
    // A video that never shows a picture (a stalled download, a file the browser
    // starts but cannot play) must not leave the screen empty either.
    const watch = () => {
      if (!v.isConnected) return; // taken off the page
      if (document.hidden) setTimeout(watch, STALL_MS); // a hidden page loads no media
      else if (v.readyState < 2) ctx.fail(sl.video);
    };
    setTimeout(watch, STALL_MS);
    v.src = sl.video;
    fig.append(v);
    if (sl.title) fig.append(tx('figcaption', 'caption', sl.title));
    stage.append(fig);
  },

  // A region map (`s.map`): with a chosen region, the region highlighted and named
  // beside the slide's (or node's) title and text; with none, the linked regions marked.
  // Without its map document, the slide's picture (or its text alone) instead.
  map(stage, s, ctx) {
    const sl = s.slide;
    const m = s.map;
    const box = h('div', 'l-split l-map');
    const fig = media('map');
    const body = h('div', 'body');
    if (m && m.active) body.append(regionBadge(s, ctx));
    const tt = title((sl && sl.title) || s.node.title);
    if (tt) body.append(tt);
    const sb = scrollBox(sl && sl.text);
    if (sb) body.append(sb);
    box.append(fig, body);
    const instead = () => {
      if (sl && sl.image) {
        const im = img(sl.image, 'media-img', { waits: [], report: ctx.report, fail: ctx.fail }, true);
        fig.append(im);
        return im.decode().catch(() => {});
      }
      fig.remove();
      body.classList.add('wide');
    };
    if (!m) instead();
    else {
      ctx.waits.push(
        loadMap(m.src)
          .then((doc) => {
            const svg = drawMap(doc, { lang: s.lang, links: m.links, active: m.active });
            svg.classList.add('map-svg');
            fig.append(svg);
            const attr = attributionOf(doc);
            if (attr) fig.append(h('figcaption', 'map-attr', attr));
            // Fitted again once laid out: a frame built in a hidden page is fitted
            // before its map arrives, and a hidden page measures nothing.
            keepFitted(svg);
          })
          .catch(instead),
      );
    }
    stage.append(box);
  },

  figures(stage, s) {
    const sl = s.slide;
    const lang = s.lang;
    const figs = (Array.isArray(sl.figures) ? sl.figures : []).filter((f) => f && Number.isFinite(f.value));
    const box = h('div', 'l-figs');
    const tt = title(sl.title || s.node.title);
    if (tt) box.append(tt);
    const sb = scrollBox(sl.text, 'lead');
    if (sb) box.append(sb);
    // One scale per unit, so bars of the same unit compare honestly.
    const max = new Map();
    for (const f of figs) {
      const u = str(f.unit);
      let m = max.get(u) || 0;
      for (const v of [f.value, f.target, f.baseline]) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
      if (u === '%') m = Math.max(m, 100);
      max.set(u, m);
    }
    const grid = h('div', 'figs');
    grid.style.setProperty('--n', String(Math.min(figs.length, 3) || 1));
    grid.style.setProperty('--np', String(figs.length > 3 ? 2 : 1));
    const withUnit = (v, u) => fmt(lang, v) + (u ? (u === '%' ? '\u202f' : '\u00a0') + u : '');
    figs.forEach((f, i) => {
      const u = str(f.unit);
      const m = max.get(u) || 1;
      const pct = (v) => `${Math.max(0, Math.min(100, (v / m) * 100)).toFixed(2)}%`;
      const card = h('div', 'fig');
      card.dataset.figure = String(i);
      card.style.setProperty('--i', String(i));
      const val = h('div', 'fig-value');
      val.append(h('span', 'fig-num', fmt(lang, f.value)));
      if (u) val.append(tx('span', u.length > 1 ? 'fig-unit word' : 'fig-unit', u, 40));
      card.append(val, tx('div', 'fig-label', f.label));
      const bar = h('div', 'bar');
      const fill = h('div', 'bar-fill');
      fill.style.width = pct(f.value);
      bar.append(fill);
      const legend = h('div', 'fig-legend');
      for (const [k, v] of [['baseline', f.baseline], ['target', f.target]]) {
        if (!Number.isFinite(v)) continue;
        const mk = h('div', 'bar-mark ' + k);
        mk.style.left = pct(v);
        bar.append(mk);
        const item = h('span', 'leg ' + k);
        item.append(h('i', 'sw'), h('span', null, t(lang, k)), h('b', null, withUnit(v, clamp(u, 40))));
        legend.append(item);
      }
      card.append(bar);
      if (legend.childNodes.length) card.append(legend);
      grid.append(card);
    });
    box.append(grid);
    stage.append(box);
  },
};

/**
 * Whether a state is drawn as its map (the `map` layout): a map node, a map slide, or a
 * text slide of a node with a map part (the text beside the map); other slides keep
 * their layout (a picture, a video, figures), and the region is named in the header.
 */
function mapped(s) {
  if (!s.map) return false;
  const sl = s.slide;
  const kids = Array.isArray(s.children) && s.children.length > 0;
  return s.node.kind === 'map' || (!sl && !kids) || (!!sl && (sl.layout === 'map' || sl.layout === 'text'));
}

/** What the frame's text size and contrast are: the state's `prefs`, else normal. */
function prefsOf(s) {
  const p = s && s.prefs && typeof s.prefs === 'object' ? s.prefs : {};
  return { text: p.text === 'large' ? 'large' : 'normal', contrast: p.contrast === 'high' ? 'high' : 'normal' };
}

/** The state with the picture or video `src` taken out, so its layout gives way. */
function without(s, src) {
  const sl = s.slide && { ...s.slide };
  if (sl && sl.video === src) sl.video = null;
  if (sl && sl.image === src) sl.image = null;
  const node = s.node.logo === src ? { ...s.node, logo: null } : s.node;
  return { ...s, node, slide: sl };
}

/**
 * Builds the frame of a `state` message (docs/protocol.md) as a detached element:
 * `{ frame, waits }`, where `waits` are promises that settle when its pictures are
 * decoded and its video has data (or failed). `opts.onMediaError(kind, src)` hears of a
 * picture or video that cannot be shown (`kind`: image or video). A slide's main picture
 * or video that fails (or a video that shows nothing for 6 s) is replaced at once by
 * what the slide has without it (its text, its picture, else the node's title); the
 * frame then fires `ekran:relayout`, to be fitted again if it is on screen. The frame is
 * not yet `.shown` (opacity 0); add it to the page, then `fitAll` it once laid out.
 */
export function buildFrame(s, opts = {}) {
  const waits = [];
  const failed = new Set();
  let cur = s;
  const frame = h('div', 'frame');
  const stage = h('div', 'stage');
  const ctx = {
    waits,
    report: typeof opts.onMediaError === 'function' ? opts.onMediaError : () => {},
    fail(src) {
      if (!src || failed.has(src)) return;
      failed.add(src);
      cur = without(cur, src);
      for (const v of stage.querySelectorAll('video')) {
        v.pause();
        v.removeAttribute('src');
        v.load();
      }
      stage.replaceChildren();
      draw(cur);
      stage.dataset.fallback = 'true';
      frame.dispatchEvent(new CustomEvent('ekran:relayout'));
    },
  };
  const draw = (st) => {
    const sl = st.slide;
    const layout = mapped(st) ? 'map' : sl ? (LAYOUTS[sl.layout] ? sl.layout : 'text') : 'home';
    stage.dataset.layout = layout;
    LAYOUTS[layout](stage, st, ctx);
  };
  const prefs = prefsOf(s);
  frame.lang = s.lang;
  frame.dataset.theme = themeOf(s);
  frame.dataset.text = prefs.text;
  frame.dataset.contrast = prefs.contrast;
  // Header: logo and header title; the node title on the right when a slide shows.
  const hdr = h('header', 'hdr');
  if (s.node.logo) hdr.append(img(s.node.logo, 'hdr-logo', ctx));
  hdr.append(tx('div', 'hdr-title', s.node.header || s.screen.name));
  const sl = s.slide;
  if (sl && s.node.title && s.node.title !== sl.title && s.node.title !== s.node.header) {
    hdr.append(tx('div', 'hdr-node', s.node.title));
  }
  // A slide kept as it is at a node with a chosen region: the region named up here.
  if (s.map && s.map.active && !mapped(s)) hdr.append(regionBadge(s, ctx));
  hdr.append(h('div', 'idle-hint', t(s.lang, 'idle')));
  draw(s);
  frame.append(hdr, stage);
  // Footer: slide progress, and the page of a long text ("2 / 5").
  const foot = h('div', 'foot');
  if (sl && sl.count > 1) {
    const prog = h('div', 'progress');
    prog.setAttribute('aria-label', counter(sl.index + 1, sl.count));
    if (sl.count > MAX_DOTS) {
      // Too many slides for a row of dots that fits: a number instead.
      prog.classList.add('numeric');
      prog.textContent = `${sl.index + 1} / ${sl.count}`;
    } else {
      for (let i = 0; i < sl.count; i++) {
        prog.append(h('i', i < sl.index ? 'past' : i === sl.index ? 'now' : ''));
      }
    }
    foot.append(prog);
  }
  const ind = h('div', 'page-ind');
  ind.hidden = true;
  foot.append(ind);
  frame.append(foot);
  return { frame, waits };
}

/** The frame's theme: the screen's when it is a known one, else azure. */
export function themeOf(s) {
  const th = s.screen && s.screen.theme;
  return THEMES.includes(th) ? th : 'azure';
}

/**
 * What decides the picture: a state with the same key needs no new frame. Not `seq`,
 * `ref`, `idle`, `idle_in` or the page (a page is shown in the frame, `showPage`).
 */
export function keyOf(s) {
  const p = prefsOf(s);
  return JSON.stringify([themeOf(s), s.lang, s.screen.name, s.node, s.slide, s.slide ? null : s.children, s.map || null, p.text, p.contrast]);
}

/**
 * Fits a frame that is in the page and shows page `page` of its text (fit.js): returns
 * the number of pages its text takes at this size.
 */
export function fitAll(frame, page = 0) {
  for (const svg of frame.querySelectorAll('svg.mapdraw')) fitMap(svg);
  return fitFrame(frame, page);
}

/** Takes a frame off the page, stopping its videos and letting go of their data. */
export function dispose(frame) {
  for (const v of frame.querySelectorAll('video')) {
    v.pause();
    v.removeAttribute('src');
    v.load();
  }
  frame.remove();
}
