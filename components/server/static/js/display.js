// The big screen: renders the screen's state, crossfading between slides.
import { connect, screenId, PREVIEW } from './live.js';
import { keepOffline } from './display-offline.js';
import { ensurePaired } from './pairing.js';
import { t, fmt, counter, regionName, removedNotice } from './i18n.js';

const root = document.getElementById('display');
const dot = document.getElementById('conn-dot');
const THEMES = ['azure', 'steppe', 'sunrise', 'jade', 'graphite'];
const DECODE_TIMEOUT = 1500;
const FADE_MS = 200;
const VIDEO_RE = /\.(webm|mp4|m4v|ogv|mov)([?#]|$)/i;
const SVG_RE = /\.svg([?#]|$)/i;

window.ekranPaints = [];

let current = null; // { frame, key, s } on screen
let pending = null; // { frame, key, s, token } being prepared off-screen
let token = 0;

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null && text !== '') e.textContent = String(text);
  return e;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const str = (v) => (typeof v === 'string' ? v : '');

// ---------------------------------------------------------------- preloading
const warmed = new Set();
const keep = [];

function preload(urls) {
  if (!Array.isArray(urls)) return;
  for (const u of urls) {
    if (typeof u !== 'string' || !u || warmed.has(u)) continue;
    if (warmed.size > 400) warmed.clear();
    warmed.add(u);
    if (VIDEO_RE.test(u)) {
      // Read the whole file once so the HTTP cache holds it; keep nothing in memory.
      fetch(u, { priority: 'low' })
        .then(async (r) => {
          const rd = r.body && r.body.getReader();
          if (rd) while (!(await rd.read()).done);
        })
        .catch(() => {});
    } else {
      const im = new Image();
      im.decoding = 'async';
      im.src = u;
      keep.push(im);
      if (keep.length > 60) keep.shift();
    }
  }
}

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
function inlineSvg(text, n) {
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

// ---------------------------------------------------------------- media errors
// A picture or video that cannot be shown is reported to the server once per page
// (the admin's devices page and /metrics show them); nothing is sent while offline.
const reported = new Set();
let sendReport = null;
function reportMedia(kind, src) {
  if (PREVIEW || !sendReport || !src || reported.has(src)) return;
  if (sendReport({ type: 'media_error', kind, src: String(src).slice(0, 300) })) reported.add(src);
}

// ---------------------------------------------------------------- building blocks
function img(src, cls, waits) {
  const im = h('img', cls);
  im.alt = '';
  im.decoding = 'async';
  im.addEventListener('error', () => {
    im.classList.add('broken');
    reportMedia('image', src);
  }, { once: true });
  im.src = src;
  waits.push(im.decode().catch(() => {}));
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
  home(stage, s, waits) {
    const box = h('div', 'l-home');
    if (s.node.logo) box.append(img(s.node.logo, 'home-logo', waits));
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
        if (c.image) card.append(img(c.image, 'home-card-img', waits));
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

  image_text(stage, s, waits) {
    const sl = s.slide;
    const src = sl.image || s.node.logo;
    if (!src) return LAYOUTS.text(stage, s, waits);
    const box = h('div', 'l-split');
    const fig = media(sl.image ? '' : 'logo');
    fig.append(img(src, 'media-img', waits));
    const body = h('div', 'body');
    const tt = title(sl.title);
    if (tt) body.append(tt);
    const sb = scrollBox(sl.text);
    if (sb) body.append(sb);
    box.append(fig, body);
    stage.append(box);
  },

  image(stage, s, waits) {
    const sl = s.slide;
    const src = sl.image || s.node.logo;
    if (!src) return LAYOUTS.text(stage, s, waits);
    const fig = media('full');
    fig.append(img(src, 'media-img', waits));
    if (sl.title) fig.append(h('figcaption', 'caption', sl.title));
    stage.append(fig);
  },

  video(stage, s, waits) {
    const sl = s.slide;
    if (!sl.video) return LAYOUTS.image_text(stage, s, waits);
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
    waits.push(
      new Promise((res) => {
        v.addEventListener('loadeddata', res, { once: true });
        v.addEventListener('error', res, { once: true });
      }),
    );
    v.addEventListener('error', () => reportMedia('video', sl.video), { once: true });
    v.src = sl.video;
    fig.append(v);
    if (sl.title) fig.append(h('figcaption', 'caption', sl.title));
    stage.append(fig);
  },

  map(stage, s, waits) {
    const sl = s.slide;
    const n = Number.isInteger(sl.region) ? sl.region : null;
    const box = h('div', 'l-split l-map');
    const fig = media('map');
    if (sl.image) {
      const fallback = () => {
        const im = img(sl.image, 'media-img', []);
        fig.append(im);
        return im.decode().catch(() => {});
      };
      waits.push(
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

function buildFrame(s) {
  const waits = [];
  const frame = h('div', 'frame');
  frame.dataset.theme = themeOf(s);
  // Header: logo and header title; the node title on the right when a slide shows.
  const hdr = h('header', 'hdr');
  if (s.node.logo) hdr.append(img(s.node.logo, 'hdr-logo', waits));
  hdr.append(h('div', 'hdr-title', s.node.header || s.screen.name));
  const sl = s.slide;
  if (sl && s.node.title && s.node.title !== sl.title && s.node.title !== s.node.header) {
    hdr.append(h('div', 'hdr-node', s.node.title));
  }
  hdr.append(h('div', 'idle-hint', t(s.lang, 'idle')));
  const stage = h('div', 'stage');
  const layout = sl ? (LAYOUTS[sl.layout] ? sl.layout : 'text') : 'home';
  stage.dataset.layout = layout;
  LAYOUTS[layout](stage, s, waits);
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

function themeOf(s) {
  const th = s.screen && s.screen.theme;
  return THEMES.includes(th) ? th : 'azure';
}

/** What decides the picture: a state with the same key needs no new frame. */
function keyOf(s) {
  return JSON.stringify([themeOf(s), s.lang, s.screen.name, s.node, s.slide, s.slide ? null : s.children]);
}

// ---------------------------------------------------------------- auto-scroll
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
  const speed = Math.max(30, (30 * innerHeight) / 1080); // px per second, ~3 % of the height
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

function fitAll(frame) {
  for (const box of frame.querySelectorAll('.scroll')) fit(box);
}

let resizeTimer = 0;
addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => current && fitAll(current.frame), 250);
});

// ---------------------------------------------------------------- showing states
function dispose(frame) {
  for (const v of frame.querySelectorAll('video')) {
    v.pause();
    v.removeAttribute('src');
    v.load();
  }
  frame.remove();
}

function recordPaint(seq) {
  const rec = () => {
    const p = window.ekranPaints;
    p.push({ seq, t: performance.timeOrigin + performance.now() });
    if (p.length > 5000) p.splice(0, 1000);
  };
  // A hidden page gets no animation frames (and paints nothing): record at once.
  if (document.hidden) rec();
  else requestAnimationFrame(rec);
}

function mark(s) {
  root.dataset.node = s.node.id; // the node's key
  root.dataset.label = str(s.node.label);
  root.dataset.version = String(s.version ?? '');
  root.dataset.seq = String(s.seq ?? '');
  root.dataset.slide = String(s.slide ? s.slide.index : 0);
  root.dataset.lang = s.lang;
  document.documentElement.lang = s.lang;
  document.body.dataset.theme = themeOf(s);
  document.title = [s.node.title, s.screen.name].filter(Boolean).join(' · ');
}

function commit(p) {
  pending = null;
  current = p;
  const { frame, s } = p;
  frame.getBoundingClientRect(); // start the fade from opacity 0
  frame.classList.add('shown');
  mark(s);
  recordPaint(s.seq);
  for (const v of frame.querySelectorAll('video')) v.play().catch(() => {});
  document.fonts.ready.then(() => current === p && fitAll(frame));
  setTimeout(() => {
    // Keep whatever is current *now*: another state may have been committed meanwhile.
    for (const f of root.querySelectorAll('.frame')) {
      if (f !== (current && current.frame) && f !== (pending && pending.frame)) dispose(f);
    }
  }, FADE_MS + 80);
}

// ---------------------------------------------------------------- removed screen
let notice = null;

/** The published hall has no such screen: say so full-screen, in Kazakh and Russian. */
function showRemoved(m) {
  if (!notice) {
    notice = h('div', 'removed-notice');
    notice.setAttribute('role', 'alert');
    root.append(notice);
  }
  const box = h('div', 'removed-box');
  removedNotice(box, str(m && m.screen));
  notice.replaceChildren(box);
  notice.hidden = false;
  root.dataset.removed = 'true';
  for (const v of root.querySelectorAll('.frame video')) v.pause();
  document.title = `${t('kk', 'removed')} · ${t('ru', 'removed')}`;
}

/** The screen is back: the notice goes; the state being shown takes over. */
function clearRemoved() {
  if (root.dataset.removed !== 'true') return;
  root.dataset.removed = '';
  if (notice) notice.hidden = true;
  if (current) for (const v of current.frame.querySelectorAll('video')) v.play().catch(() => {});
}

async function show(s) {
  if (!s || !s.node || !s.screen) return;
  clearRemoved();
  preload(s.preload);
  const key = keyOf(s);
  if (current && current.key === key) {
    // Same picture (e.g. only `idle` changed): keep it, drop anything in preparation.
    if (pending) {
      token++;
      dispose(pending.frame);
      pending = null;
    }
    current.s = s;
    current.frame.classList.toggle('idle', !!s.idle);
    mark(s);
    recordPaint(s.seq);
    return;
  }
  if (pending && pending.key === key) {
    pending.s = s;
    pending.frame.classList.toggle('idle', !!s.idle);
    return;
  }
  if (pending) dispose(pending.frame);
  const my = ++token;
  const { frame, waits } = buildFrame(s);
  frame.classList.toggle('idle', !!s.idle);
  root.append(frame); // laid out and decoded off-screen (opacity 0) before it shows
  pending = { frame, key, s, token: my };
  waits.push(document.fonts.ready);
  // A hidden page paints nothing (and defers media loading): swap at once there.
  if (!document.hidden) await Promise.race([Promise.allSettled(waits), sleep(DECODE_TIMEOUT)]);
  if (my !== token || !pending) return;
  commit(pending);
}

// A browser that may not show this screen pairs first (or goes to its own screen).
await ensurePaired({ role: 'display', screen: screenId(), preview: PREVIEW });

// Kept for going offline (not in a preview: that is the working copy, for staff).
const kept = PREVIEW ? null : keepOffline({ show, root });

const live = connect({
  role: 'display',
  screen: screenId(),
  onState: (s) => {
    if (kept && s && s.node && s.screen) kept.state(s);
    show(s);
  },
  onRemoved: showRemoved,
  onConn: (st) => {
    dot.dataset.state = st;
    if (kept) kept.conn(st);
  },
});
sendReport = (m) => live.send(m);
