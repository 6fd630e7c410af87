// The display's rendering: a screen `state` (docs/protocol.md) to a frame of DOM, built
// with textContent only; SVG maps inlined after sanitising; text boxes fitted. Pure: no
// connection, no lookups or listeners at import. Shared by the display page
// (display.js) and the editor's live preview (preview-slide.js).
import { t, fmt, counter, regionName } from './i18n.js';

const THEMES = ['azure', 'steppe', 'sunrise', 'jade', 'graphite'];
const SVG_RE = /\.svg([?#]|$)/i;

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null && text !== '') e.textContent = String(text);
  return e;
}
const str = (v) => (typeof v === 'string' ? v : '');

// ---------------------------------------------------------------- inline SVG maps
const svgText = new Map();

function loadSvg(url) {
  let p = svgText.get(url);
  if (!p) {
    p = fetch(url).then((r) => {
      if (!r.ok) throw new Error(String(r.status));
      return r.text();
    });
    p.catch(() => svgText.delete(url));
    if (svgText.size > 20) svgText.clear();
    svgText.set(url, p);
  }
  return p;
}

const UNSAFE = 'script,style,foreignObject,iframe,object,embed,audio,video,set,animate,animateMotion,animateTransform,handler,listener';

/** Parses SVG text into a sanitized, importable <svg> with region `n` marked active. */
export function inlineSvg(text, n) {
  // The parser applies the page's CSP (no inline styles): drop <style> and keep
  // style attributes aside before parsing, so nothing is refused noisily.
  text = text
    .replace(/<style\b[^>]*\/>|<style\b[\s\S]*?<\/style\s*>/gi, '')
    .replace(/(\s)style(\s*=)/gi, '$1data-ekran-style$2');
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const svg = doc.documentElement;
  if (!svg || svg.localName !== 'svg' || doc.getElementsByTagName('parsererror').length) return null;
  for (const e of svg.querySelectorAll(UNSAFE)) e.remove();
  for (const e of [svg, ...svg.querySelectorAll('*')]) {
    for (const a of [...e.attributes]) {
      const name = a.name.toLowerCase();
      const v = a.value.trim().toLowerCase();
      if (name.startsWith('on')) e.removeAttribute(a.name);
      else if ((name === 'href' || name === 'xlink:href') && (v.startsWith('//') || /^[^/?#]*:/.test(v))) {
        e.removeAttribute(a.name);
      }
    }
  }
  if (!svg.getAttribute('viewBox')) {
    const w = parseFloat(svg.getAttribute('width'));
    const hh = parseFloat(svg.getAttribute('height'));
    if (w > 0 && hh > 0) svg.setAttribute('viewBox', `0 0 ${w} ${hh}`);
  }
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  let target = null;
  if (n != null) {
    const id = CSS.escape(String(n));
    target = svg.querySelector(`[data-region="${id}"]`) || svg.querySelector(`[id="region-${id}"]`);
  }
  if (target) {
    target.classList.add('active');
    target.parentNode.appendChild(target); // draw it last so its outline is on top
  }
  const out = document.importNode(svg, true);
  for (const e of [out, ...out.querySelectorAll('[data-ekran-style]')]) {
    const st = e.getAttribute('data-ekran-style');
    if (st == null) continue;
    e.style.cssText = st;
    e.removeAttribute('data-ekran-style');
  }
  out.classList.add('map-svg');
  if (target) out.classList.add('has-active');
  out.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  out.setAttribute('aria-hidden', 'true');
  return out;
}

// ---------------------------------------------------------------- building blocks
function img(src, cls, ctx) {
  const im = h('img', cls);
  im.alt = '';
  im.decoding = 'async';
  im.addEventListener('error', () => {
    im.classList.add('broken');
    ctx.report('image', src);
  }, { once: true });
  im.src = src;
  ctx.waits.push(im.decode().catch(() => {}));
  return im;
}

function textBlocks(blocks) {
  const frag = document.createDocumentFragment();
  if (!Array.isArray(blocks)) return frag;
  for (const b of blocks) {
    if (!b) continue;
    if (Array.isArray(b.p)) {
      const p = h('p');
      b.p.forEach((line, i) => {
        if (i) p.append(h('br'));
        p.append(str(line));
      });
      frag.append(p);
    } else if (Array.isArray(b.ul)) {
      const ul = h('ul');
      for (const it of b.ul) ul.append(h('li', null, str(it)));
      frag.append(ul);
    }
  }
  return frag;
}

/** Text in a box that scrolls itself when it does not fit; null when there is no text. */
function scrollBox(blocks, cls) {
  if (!Array.isArray(blocks) || !blocks.length) return null;
  const box = h('div', 'scroll' + (cls ? ' ' + cls : ''));
  const inner = h('div', 'scroll-inner');
  inner.append(textBlocks(blocks));
  box.append(inner);
  return box;
}

function title(text, cls = 'title') {
  return text ? h('h2', cls, text) : null;
}

function regionBadge(lang, n) {
  const b = h('div', 'rbadge active');
  b.dataset.region = String(n);
  b.append(h('span', 'rbadge-num', String(n)), h('span', null, regionName(lang, n) || t(lang, 'region')));
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
    box.append(h('h1', 'home-title', s.node.title));
    const kids = Array.isArray(s.children) ? s.children.slice(0, 8) : [];
    if (kids.length) {
      const grid = h('div', 'home-grid');
      const n = kids.length;
      const cols = n <= 4 ? n : n <= 6 ? 3 : 4;
      grid.style.setProperty('--cols', String(cols));
      grid.style.setProperty('--rows', String(Math.ceil(n / cols)));
      grid.style.setProperty('--rows-p', String(n));
      box.classList.add('has-kids');
      for (const c of kids) {
        const card = h('div', 'home-card');
        if (c.image) card.append(img(c.image, 'home-card-img', ctx));
        else card.append(h('div', 'home-card-img ph', str(c.title).trim().charAt(0)));
        card.append(h('div', 'home-card-title', c.title));
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
    fig.append(img(src, 'media-img', ctx));
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
    fig.append(img(src, 'media-img', ctx));
    if (sl.title) fig.append(h('figcaption', 'caption', sl.title));
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
    v.addEventListener('error', () => ctx.report('video', sl.video), { once: true });
    v.src = sl.video;
    fig.append(v);
    if (sl.title) fig.append(h('figcaption', 'caption', sl.title));
    stage.append(fig);
  },

  map(stage, s, ctx) {
    const sl = s.slide;
    const n = Number.isInteger(sl.region) ? sl.region : null;
    const box = h('div', 'l-split l-map');
    const fig = media('map');
    if (sl.image) {
      const fallback = () => {
        const im = img(sl.image, 'media-img', { waits: [], report: ctx.report });
        fig.append(im);
        return im.decode().catch(() => {});
      };
      ctx.waits.push(
        SVG_RE.test(sl.image)
          ? loadSvg(sl.image)
              .then((text) => {
                const svg = inlineSvg(text, n);
                if (!svg) return fallback();
                fig.append(svg);
              })
              .catch(fallback)
          : fallback(),
      );
    } else if (n != null) {
      fig.classList.add('badge-only');
      const big = h('div', 'big-badge active', String(n));
      big.dataset.region = String(n);
      fig.append(big);
    }
    const body = h('div', 'body');
    if (n != null && sl.image) body.append(regionBadge(s.lang, n));
    else if (n != null) {
      const name = regionName(s.lang, n);
      if (name) body.append(h('div', 'rname', name));
    }
    const tt = title(sl.title || s.node.title);
    if (tt) body.append(tt);
    const sb = scrollBox(sl.text);
    if (sb) body.append(sb);
    if (!fig.childNodes.length && !sl.image) {
      body.classList.add('wide');
      box.append(body);
    } else box.append(fig, body);
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
      if (u) val.append(h('span', u.length > 1 ? 'fig-unit word' : 'fig-unit', u));
      card.append(val, h('div', 'fig-label', f.label));
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
        item.append(h('i', 'sw'), h('span', null, t(lang, k)), h('b', null, withUnit(v, u)));
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
 * Builds the frame of a `state` message (docs/protocol.md) as a detached element:
 * `{ frame, waits }`, where `waits` are promises that settle when its pictures are
 * decoded and its video has data (or failed). `opts.onMediaError(kind, src)` hears of a
 * picture or video that cannot be shown (`kind`: image or video). The frame is not yet
 * `.shown` (opacity 0); add it to the page, then `fitAll` it once laid out.
 */
export function buildFrame(s, opts = {}) {
  const waits = [];
  const ctx = { waits, report: typeof opts.onMediaError === 'function' ? opts.onMediaError : () => {} };
  const frame = h('div', 'frame');
  frame.dataset.theme = themeOf(s);
  // Header: logo and header title; the node title on the right when a slide shows.
  const hdr = h('header', 'hdr');
  if (s.node.logo) hdr.append(img(s.node.logo, 'hdr-logo', ctx));
  hdr.append(h('div', 'hdr-title', s.node.header || s.screen.name));
  const sl = s.slide;
  if (sl && s.node.title && s.node.title !== sl.title && s.node.title !== s.node.header) {
    hdr.append(h('div', 'hdr-node', s.node.title));
  }
  hdr.append(h('div', 'idle-hint', t(s.lang, 'idle')));
  const stage = h('div', 'stage');
  const layout = sl ? (LAYOUTS[sl.layout] ? sl.layout : 'text') : 'home';
  stage.dataset.layout = layout;
  LAYOUTS[layout](stage, s, ctx);
  frame.append(hdr, stage);
  // Footer: slide progress.
  const foot = h('div', 'foot');
  if (sl && sl.count > 1) {
    const prog = h('div', 'progress');
    prog.setAttribute('aria-label', counter(sl.index + 1, sl.count));
    for (let i = 0; i < sl.count; i++) {
      prog.append(h('i', i < sl.index ? 'past' : i === sl.index ? 'now' : ''));
    }
    foot.append(prog);
  }
  frame.append(foot);
  return { frame, waits };
}

/** The frame's theme: the screen's when it is a known one, else azure. */
export function themeOf(s) {
  const th = s.screen && s.screen.theme;
  return THEMES.includes(th) ? th : 'azure';
}

/** What decides the picture: a state with the same key needs no new frame. */
export function keyOf(s) {
  return JSON.stringify([themeOf(s), s.lang, s.screen.name, s.node, s.slide, s.slide ? null : s.children]);
}

// ---------------------------------------------------------------- auto-scroll
/** Bigger type for short text, denser for a little too much, a slow scroll for more. */
function fit(box) {
  const inner = box.firstElementChild;
  if (!inner) return;
  for (const a of inner.getAnimations()) a.cancel();
  box.classList.remove('dense', 'overflow', 'roomy');
  const avail = box.clientHeight;
  if (!avail) return;
  let over = inner.offsetHeight - avail;
  // Short text gets bigger type, if it still fits.
  const area = box.closest('.l-text, .l-split');
  if (over <= 1 && area && inner.offsetHeight < area.clientHeight * 0.3) {
    box.classList.add('roomy');
    if (inner.offsetHeight > box.clientHeight + 1) box.classList.remove('roomy');
    return;
  }
  if (over > 1 && over < avail * 0.4) {
    box.classList.add('dense');
    over = inner.offsetHeight - avail;
  }
  if (over <= 1) return;
  box.classList.add('overflow');
  over = inner.offsetHeight - avail; // padding for the fading edges
  const speed = Math.max(30, (30 * box.ownerDocument.defaultView.innerHeight) / 1080); // px per second, ~3 % of the height
  const fade = 500;
  const pause = 4000;
  const move = (over / speed) * 1000;
  const T = fade + pause + move + pause + fade;
  const y = (px) => `translateY(${-px}px)`;
  inner.animate(
    [
      { transform: y(0), opacity: 0, offset: 0 },
      { transform: y(0), opacity: 1, offset: fade / T },
      { transform: y(0), opacity: 1, offset: (fade + pause) / T, easing: 'ease-in-out' },
      { transform: y(over), opacity: 1, offset: (fade + pause + move) / T },
      { transform: y(over), opacity: 1, offset: (T - fade) / T },
      { transform: y(over), opacity: 0, offset: 1 },
    ],
    { duration: T, iterations: Infinity, iterationStart: fade / T },
  );
}

/** Fits every text box of a frame that is in the page (see `fit`). */
export function fitAll(frame) {
  for (const box of frame.querySelectorAll('.scroll')) fit(box);
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
