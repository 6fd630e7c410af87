// The tablet: shows where the screen is and sends commands (see docs/protocol.md).
import { connect, screenId, PREVIEW } from './live.js';
import { ensurePaired } from './pairing.js';
import { t, counter, LANG_NAMES, removedNotice, bilingual } from './i18n.js';

const $ = (id) => document.getElementById(id);
const app = $('app');
const homeBtn = $('home');
const backBtn = $('back');
const langsEl = $('langs');
const conn = $('conn');
const connText = conn.querySelector('.conn-text');
const hint = $('hint');
const offlineEl = $('offline');
const crumbs = $('crumbs');
const titleEl = $('title');
const slidesEl = $('slides');
const prevBtn = slidesEl.querySelector('[data-action="prev"]');
const nextBtn = slidesEl.querySelector('[data-action="next"]');
const counterEl = $('counter');
const slideTitle = $('slide-title');
const dotsEl = $('dots');
const slidePic = $('slide-pic');
const tilesEl = $('tiles');
const emptyEl = $('empty');
const toast = $('toast');
const removedEl = $('removed');
const removedBox = removedEl.querySelector('.removed-box');
const THEMES = ['azure', 'steppe', 'sunrise', 'jade', 'graphite'];
const PENDING_MAX_MS = 8000;

window.ekranTaps = [];

const key = new URLSearchParams(location.search).get('key') || '';
let state = null;
let removed = null; // the `removed` message while the screen is not in the hall
let connState = 'connecting';
let refused = false;
let pending = null; // { node, el, timer }
const built = { tiles: null, crumbs: null, langs: null, dots: -1 };

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null && text !== '') e.textContent = String(text);
  return e;
}
function button(cls, text) {
  const b = h('button', cls, text);
  b.type = 'button';
  return b;
}
const online = () => connState === 'open';

/**
 * What a visitor is told about a refused command, by its stable code (docs/protocol.md):
 * an i18n key, or null for nothing (the screen simply stays as it is).
 */
const VISITOR_ERRORS = {
  slide_out_of_range: null,
  rate_limited: null,
  bad_json: null,
  too_large: null,
  screen_removed: null, // the removed notice says it
  unknown_node: 'errGone',
  unknown_lang: 'errLang',
  forbidden: 'errForbidden',
};

// ---------------------------------------------------------------- rendering
function renderConn(L) {
  conn.dataset.state = connState;
  connText.textContent = t(L, connState);
  // Only a page opened with a screen key (`?key=`, a kiosk script's link) can have a
  // wrong one; a paired tablet has no key to check.
  const showHint = connState !== 'open' && refused && !!key;
  hint.hidden = !showHint;
  if (showHint) hint.textContent = t(L, 'keyHint');
  // The server is away (not a wrong key): say so in both languages; the controls are
  // disabled meanwhile, so nothing is sent that could not be delivered.
  const away = connState === 'closed' && !showHint;
  if (away && offlineEl.hidden) bilingual(offlineEl, 'offline', 'offlineHint', 'offline');
  offlineEl.hidden = !away;
  app.classList.toggle('offline', !online());
}

function renderLangs(s) {
  const langs = Array.isArray(s.screen.languages) ? s.screen.languages : [];
  const k = langs.join();
  if (built.langs !== k) {
    built.langs = k;
    langsEl.replaceChildren();
    for (const l of langs) {
      const b = button('lang', LANG_NAMES[l] || String(l).toUpperCase());
      b.dataset.lang = l;
      b.lang = l;
      langsEl.append(b);
    }
  }
  langsEl.hidden = langs.length < 2;
  langsEl.setAttribute('aria-label', t(s.lang, 'language'));
  for (const b of langsEl.children) {
    const cur = b.dataset.lang === s.lang;
    b.classList.toggle('current', cur);
    b.setAttribute('aria-pressed', String(cur));
  }
}

function renderCrumbs(s, bc) {
  const k = JSON.stringify([bc, s.node.id]);
  if (built.crumbs !== k) {
    built.crumbs = k;
    crumbs.replaceChildren();
    const list = bc.slice();
    if (!list.length || list[list.length - 1].id !== s.node.id) list.push({ id: s.node.id, title: s.node.title });
    for (const c of list) {
      const b = button('crumb', c.title);
      b.dataset.node = c.id;
      if (c.id === s.node.id) {
        b.classList.add('current');
        b.setAttribute('aria-current', 'page');
      }
      crumbs.append(b);
    }
    crumbs.hidden = list.length < 2;
  }
}

function renderSlides(s) {
  const sl = s.slide;
  const many = !!sl && sl.count > 1;
  slidesEl.hidden = !many;
  if (!many) return;
  counterEl.textContent = counter(sl.index + 1, sl.count);
  slideTitle.textContent = sl.title || '';
  // What the screen shows now, as a small preview.
  const pic = sl.image || '';
  if (slidePic.getAttribute('src') !== pic) {
    if (pic) slidePic.src = pic;
    else slidePic.removeAttribute('src');
  }
  slidePic.classList.toggle('none', !pic); // keeps its place: the buttons never move
  if (built.dots !== sl.count) {
    built.dots = sl.count;
    dotsEl.replaceChildren();
    for (let i = 0; i < sl.count; i++) {
      const d = button('dot');
      d.dataset.action = 'slide';
      d.dataset.n = String(i);
      dotsEl.append(d);
    }
  }
  [...dotsEl.children].forEach((d, i) => {
    d.classList.toggle('current', i === sl.index);
    d.setAttribute('aria-label', `${t(s.lang, 'slide')} ${i + 1}`);
    if (i === sl.index) d.setAttribute('aria-current', 'step');
    else d.removeAttribute('aria-current');
  });
}

function renderTiles(s) {
  const kids = Array.isArray(s.children) ? s.children : [];
  const k = JSON.stringify(kids);
  if (built.tiles !== k) {
    built.tiles = k;
    tilesEl.replaceChildren();
    for (const c of kids) {
      const b = button('tile');
      b.dataset.node = c.id;
      const pic = h('span', 'tile-pic');
      if (c.image) {
        const im = h('img');
        im.alt = '';
        im.decoding = 'async';
        im.draggable = false;
        im.src = c.image;
        pic.append(im);
      } else {
        pic.classList.add('ph');
        pic.textContent = String(c.title || '').trim().charAt(0);
      }
      const txt = h('span', 'tile-text');
      txt.append(h('span', 'tile-title', c.title));
      if (c.teaser) txt.append(h('span', 'tile-teaser', c.teaser));
      b.append(pic, txt);
      tilesEl.append(b);
    }
  }
  tilesEl.hidden = !kids.length;
  emptyEl.hidden = kids.length > 0 || !!(s.slide && s.slide.count > 1);
  emptyEl.textContent = t(s.lang, 'empty');
}

function render() {
  const s = state;
  const L = s ? s.lang : document.documentElement.lang || 'kk';
  document.documentElement.lang = L;
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(L, e.dataset.t);
  renderConn(L);
  removedEl.hidden = !removed;
  if (removed) {
    removedNotice(removedBox, removed.screen);
    document.title = `${t('kk', 'removed')} · ${t('ru', 'removed')}`;
  }
  if (!s || removed) {
    for (const b of app.querySelectorAll('button')) b.disabled = true;
    return;
  }
  document.body.dataset.theme = THEMES.includes(s.screen.theme) ? s.screen.theme : 'azure';
  document.title = [s.node.title, s.screen.name].filter(Boolean).join(' · ');
  const bc = Array.isArray(s.breadcrumb) ? s.breadcrumb : [];
  const rootId = bc.length ? bc[0].id : s.node.id;
  homeBtn.dataset.node = rootId;
  const chain = bc.filter((c) => c.id !== s.node.id);
  const parent = chain.length ? chain[chain.length - 1].id : '';
  backBtn.hidden = !parent;
  backBtn.dataset.node = parent;
  titleEl.textContent = s.node.title;
  renderLangs(s);
  renderCrumbs(s, bc);
  renderSlides(s);
  renderTiles(s);
  // Enable what can be used now.
  const on = online();
  const sl = s.slide;
  for (const b of app.querySelectorAll('button')) {
    let ok = on;
    if (b === prevBtn) ok = ok && sl && sl.index > 0;
    else if (b === nextBtn) ok = ok && sl && sl.index < sl.count - 1;
    else if (b.classList.contains('crumb')) ok = ok && !b.classList.contains('current');
    else if (b === backBtn) ok = ok && !!parent;
    b.disabled = !ok;
  }
}

// ---------------------------------------------------------------- feedback
let toastTimer = 0;
function showToast(msg) {
  toast.textContent = msg;
  toast.hidden = false;
  toast.getBoundingClientRect();
  toast.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toast.classList.remove('show');
    toastTimer = setTimeout(() => (toast.hidden = true), 250);
  }, 3500);
}

function setPending(el, node) {
  clearPending();
  el.classList.add('pending');
  pending = { node, el, timer: setTimeout(clearPending, PENDING_MAX_MS) };
}
function clearPending() {
  if (!pending) return;
  clearTimeout(pending.timer);
  pending.el.classList.remove('pending');
  pending = null;
}

// Visible at once: the control reacts on pointerdown, the command goes on click.
let pressed = null;
document.addEventListener(
  'pointerdown',
  (e) => {
    const b = e.target.closest && e.target.closest('button');
    if (!b || b.disabled) return;
    if (pressed) pressed.classList.remove('pressed');
    pressed = b;
    b.classList.add('pressed');
  },
  { passive: true },
);
function release() {
  const b = pressed;
  pressed = null;
  if (b) setTimeout(() => b !== pressed && b.classList.remove('pressed'), 140);
}
document.addEventListener('pointerup', release, { passive: true });
document.addEventListener('pointercancel', release, { passive: true });

app.addEventListener('click', (e) => {
  const b = e.target.closest('button');
  if (!b || b.disabled || !state) return;
  const d = b.dataset;
  let cmd = null;
  let target = '';
  if (b === homeBtn) {
    cmd = { type: 'home' };
    target = d.node;
  } else if (d.action === 'prev' || d.action === 'next') {
    // From the slide this tablet shows: a double tap, or another tablet's tap at the
    // same moment, moves the screen one step, never past a slide no one saw.
    cmd = { type: d.action, seq: state.seq };
  } else if (d.action === 'slide') {
    const n = Number(d.n);
    if (state.slide && n === state.slide.index) return;
    cmd = { type: 'slide', n };
  } else if (d.lang) {
    if (d.lang === state.lang) return;
    cmd = { type: 'lang', lang: d.lang };
  } else if (d.node) {
    if (d.node === state.node.id) return;
    cmd = { type: 'go', node: d.node };
    target = d.node;
  }
  if (!cmd) return;
  const sent = live.send(cmd);
  if (!sent) return;
  window.ekranTaps.push({ cmd: sent, t: performance.timeOrigin + performance.now() });
  if (target && target !== state.node.id) setPending(b, target);
});

// ---------------------------------------------------------------- pairing
// A browser that may not drive this screen pairs first (or goes to its own screen).
await ensurePaired({ role: 'tablet', screen: screenId(), key, preview: PREVIEW });

// A paired tablet refused while the server is up was revoked or moved while it was
// away (it missed the close): start again, which pairs anew or goes to its own screen.
// At most once a minute, so a refusal for another reason does not reload in a loop.
function recheck() {
  const KEY = 'ekran-refused-reload';
  let last = 0;
  try {
    last = Number(sessionStorage.getItem(KEY)) || 0;
    if (Date.now() - last < 60000) return;
    sessionStorage.setItem(KEY, String(Date.now()));
  } catch {
    return;
  }
  location.reload();
}

// ---------------------------------------------------------------- wiring
const live = connect({
  role: 'tablet',
  screen: screenId(),
  key,
  probe: true,
  onState(s) {
    if (!s || !s.node || !s.screen) return;
    state = s;
    removed = null;
    render();
    if (pending && (pending.node === s.node.id || !pending.el.isConnected)) clearPending();
  },
  onRemoved(m) {
    removed = m;
    clearPending();
    render();
  },
  onError(err) {
    clearPending();
    // Visitors read their own language, never a developer's message; where a refusal
    // needs nothing from them (a step past the last slide, a dropped repeat), nothing.
    const key = VISITOR_ERRORS[err.code];
    if (key === undefined) showToast(t(state && state.lang, 'errRetry'));
    else if (key) showToast(t(state && state.lang, key));
    console.warn('ekran: command refused', err.code, err.message);
  },
  onConn(st, info) {
    connState = st;
    if (st === 'open') refused = false;
    else {
      clearPending();
      if (st === 'closed') refused = !!(info && info.refused);
      if (refused && !key && !PREVIEW) recheck();
    }
    render();
  },
});

render();
