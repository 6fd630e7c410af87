// The tablet: shows where the screen is and sends commands (see docs/protocol.md and
// docs/tablet.md for what a visitor sees).
import { connect, screenId, PREVIEW } from './live.js';
import { ensurePaired } from './pairing.js';
import { t, tf, counter, LANG_NAMES, removedNotice, bilingual } from './i18n.js';
import { TabletMap } from './tablet-map.js';
import { Overlays } from './tablet-overlays.js';
import { pressFeedback, swipes } from './tablet-gestures.js';
import { wordCut, textOf } from './tablet-text.js';

const $ = (id) => document.getElementById(id);
const app = $('app');
const homeBtn = $('home');
const backBtn = $('back');
const langsEl = $('langs');
const accessEl = $('access');
const largeBtn = $('large-text');
const contrastBtn = $('contrast');
const conn = $('conn');
const connText = conn.querySelector('.conn-text');
const hint = $('hint');
const offlineEl = $('offline');
const crumbs = $('crumbs');
const titleEl = $('title');
const slidesEl = $('slides');
const prevBtn = slidesEl.querySelector('[data-action="prev"]');
const nextBtn = slidesEl.querySelector('[data-action="next"]');
const stepsEl = $('steps');
const pagerEl = $('pager');
const pagePrev = pagerEl.querySelector('[data-action="page-prev"]');
const pageNext = pagerEl.querySelector('[data-action="page-next"]');
const pageOf = $('page-of');
const counterEl = $('counter');
const slideTitle = $('slide-title');
const dotsEl = $('dots');
const previewEl = $('preview');
const slidePic = $('slide-pic');
const slideText = $('slide-text');
const regionEl = $('region');
const tilesEl = $('tiles');
const mapEl = $('map');
const emptyEl = $('empty');
const announceEl = $('announce');
const toast = $('toast');
const removedEl = $('removed');
const removedBox = removedEl.querySelector('.removed-box');
const THEMES = ['azure', 'steppe', 'sunrise', 'jade', 'graphite'];
/**
 * How long a command waits for the screen's answer (its state, `ack` or error): then the
 * visitor is asked to try again and the connection, suspect, is made anew.
 */
const PENDING_MAX_MS = 5000;

window.ekranTaps = [];

const key = new URLSearchParams(location.search).get('key') || '';
let state = null;
let removed = null; // the `removed` message while the screen is not in the hall
let connState = 'connecting';
let refused = false;
/**
 * The command waiting for the screen's answer: { id, el, seq, step, done(state) }.
 * `step`: a relative move (slide or page), which is not sent again while it waits.
 */
let pending = null;
let announced = '';
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
const pageOfState = (s) => {
  const p = s && s.page;
  const count = p && Number.isInteger(p.count) && p.count > 0 ? p.count : 1;
  const index = p && Number.isInteger(p.index) ? Math.min(Math.max(p.index, 0), count - 1) : 0;
  return { index, count };
};
const prefsOf = (s) => ({
  text: s && s.prefs && s.prefs.text === 'large' ? 'large' : 'normal',
  contrast: s && s.prefs && s.prefs.contrast === 'high' ? 'high' : 'normal',
});

/**
 * What a visitor is told about a refused command, by its stable code (docs/protocol.md):
 * an i18n key, or null for nothing (the screen simply stays as it is).
 */
const VISITOR_ERRORS = {
  slide_out_of_range: null,
  page_out_of_range: null,
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

function renderPrefs(s) {
  const p = prefsOf(s);
  const root = document.documentElement;
  root.dataset.text = p.text;
  root.dataset.contrast = p.contrast;
  largeBtn.setAttribute('aria-pressed', String(p.text === 'large'));
  contrastBtn.setAttribute('aria-pressed', String(p.contrast === 'high'));
  accessEl.setAttribute('aria-label', t(s.lang, 'access'));
}

function renderCrumbs(s, bc) {
  crumbs.setAttribute('aria-label', t(s.lang, 'here'));
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
  const pg = pageOfState(s);
  const many = !!sl && sl.count > 1;
  // A leaf's lone slide too: its title and preview are all the screen shows (a section
  // with tiles keeps them first).
  const lone = !!sl && !many && !(Array.isArray(s.children) && s.children.length);
  const show = !!sl && (many || pg.count > 1 || lone);
  slidesEl.hidden = !show;
  app.dataset.page = `${pg.index}/${pg.count}`;
  if (!show) {
    tmap.renderPreview(null);
    return;
  }
  slidesEl.setAttribute('aria-label', t(s.lang, 'preview'));
  counterEl.textContent = many ? counter(sl.index + 1, sl.count) : '';
  counterEl.hidden = !many;
  slideTitle.textContent = sl.title || '';
  // What the screen shows now, as a small preview; a slide without a picture has none
  // (no empty box).
  const pic = sl.image || '';
  if (slidePic.getAttribute('src') !== pic) {
    if (pic) slidePic.src = pic;
    else slidePic.removeAttribute('src');
  }
  slidePic.hidden = !pic;
  tmap.renderPreview(s, sl);
  // A lone slide without a picture: the start of its text (clamped by the style).
  const excerpt = lone && !pic && regionEl.hidden ? textOf(sl).slice(0, 400) : '';
  slideText.textContent = excerpt;
  slideText.hidden = !excerpt;
  previewEl.hidden = !pic && regionEl.hidden && !excerpt;
  dotsEl.hidden = !many;
  dotsEl.setAttribute('aria-label', t(s.lang, 'slides'));
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
  stepsEl.hidden = !many;
  pagerEl.hidden = pg.count < 2;
  pagerEl.setAttribute('aria-label', t(s.lang, 'pages'));
  pageOf.textContent = tf(s.lang, 'pageOf', pg.index + 1, pg.count);
  pagePrev.setAttribute('aria-label', t(s.lang, 'prevPage'));
  pageNext.setAttribute('aria-label', t(s.lang, 'nextPage'));
}

function renderTiles(s) {
  // On a map node, the children the map's list leads to are not repeated as tiles.
  const onMap = tmap.linkedNodes(s);
  const kids = (Array.isArray(s.children) ? s.children : []).filter((c) => !onMap.has(c.id));
  const k = JSON.stringify(kids);
  if (built.tiles !== k) {
    built.tiles = k;
    tilesEl.replaceChildren();
    for (const c of kids) {
      const b = button('tile');
      b.dataset.node = c.id;
      const pic = h('span', 'tile-pic');
      pic.setAttribute('aria-hidden', 'true');
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
      if (c.teaser) txt.append(h('span', 'tile-teaser', wordCut(c.teaser)));
      b.append(pic, txt);
      tilesEl.append(b);
    }
  }
  // One or two sections fill the page instead of leaving small tiles on an empty one.
  tilesEl.dataset.count = String(kids.length);
  tilesEl.hidden = !kids.length;
  tilesEl.setAttribute('aria-label', t(s.lang, 'sections'));
  emptyEl.hidden = kids.length > 0 || !slidesEl.hidden || !mapEl.hidden;
  emptyEl.textContent = t(s.lang, 'empty');
}

/** Tells a screen reader what the screen now shows (node, slide, page), once per change. */
function announce(s) {
  const sl = s.slide;
  const pg = pageOfState(s);
  const k = [s.node.id, sl ? sl.index : -1, pg.index, pg.count, s.lang].join('|');
  if (k === announced) return;
  const first = announced === '';
  announced = k;
  if (first) return;
  const parts = [s.node.title];
  if (sl && sl.count > 1) parts.push(tf(s.lang, 'slideOf', sl.index + 1, sl.count), sl.title || '');
  if (pg.count > 1) parts.push(tf(s.lang, 'pageOf', pg.index + 1, pg.count));
  announceEl.textContent = parts.filter(Boolean).join('. ');
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
    overlays.render(null, L, online());
    return;
  }
  document.body.dataset.theme = THEMES.includes(s.screen.theme) ? s.screen.theme : 'azure';
  app.dataset.seq = String(s.seq);
  app.dataset.node = s.node.id;
  app.dataset.slide = s.slide ? String(s.slide.index) : '';
  // Once, where the node is the screen's root of the same name.
  document.title = [...new Set([s.node.title, s.screen.name].filter(Boolean))].join(' · ');
  const bc = Array.isArray(s.breadcrumb) ? s.breadcrumb : [];
  const rootId = bc.length ? bc[0].id : s.node.id;
  homeBtn.dataset.node = rootId;
  const chain = bc.filter((c) => c.id !== s.node.id);
  const parent = chain.length ? chain[chain.length - 1].id : '';
  backBtn.hidden = !parent;
  backBtn.dataset.node = parent;
  titleEl.textContent = s.node.title;
  renderLangs(s);
  renderPrefs(s);
  renderCrumbs(s, bc);
  renderSlides(s);
  tmap.render(s);
  renderTiles(s);
  announce(s);
  // Enable what can be used now.
  const on = online();
  const sl = s.slide;
  const pg = pageOfState(s);
  for (const b of app.querySelectorAll('button')) {
    let ok = on;
    if (b === prevBtn) ok = ok && sl && sl.index > 0;
    else if (b === nextBtn) ok = ok && sl && sl.index < sl.count - 1;
    else if (b === pagePrev) ok = ok && pg.index > 0;
    else if (b === pageNext) ok = ok && pg.index < pg.count - 1;
    else if (b.classList.contains('crumb')) ok = ok && !b.classList.contains('current');
    else if (b === backBtn) ok = ok && !!parent;
    b.disabled = !ok;
  }
  overlays.render(s, L, on);
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

function setPending(p) {
  clearPending();
  pending = { ...p, timer: setTimeout(unanswered, PENDING_MAX_MS) };
  if (p.el) {
    p.el.classList.add('pending');
    p.el.setAttribute('aria-busy', 'true');
  }
  app.dataset.pending = p.step ? 'step' : 'other';
}
function clearPending() {
  if (!pending) return;
  clearTimeout(pending.timer);
  if (pending.el) {
    pending.el.classList.remove('pending');
    pending.el.removeAttribute('aria-busy');
  }
  pending = null;
  app.dataset.pending = '';
}

/**
 * No answer in time: the server or the channel is stuck (a socket can stay open to a
 * server that no longer answers). The visitor is told to try again, and the connection
 * is made anew (shown as connecting meanwhile).
 */
let suspect = false;
function unanswered() {
  clearPending();
  showToast(t(state && state.lang, 'errRetry'));
  if (!online()) return;
  suspect = true;
  connState = 'connecting';
  render();
  live.reconnect();
}

// Visible at once: the control reacts on pointerdown, the command goes on click.
pressFeedback();

/**
 * Sends `cmd` from control `el`; the control shows it is waiting until the state that
 * answers it (`ref`), or `done(state)`, or an error, or PENDING_MAX_MS. A relative step
 * (`step`) is not sent while another one waits: the screen shows each slide and page
 * in turn, whatever the number of taps.
 */
function send(cmd, el, { step = false, done = null } = {}) {
  if (!state) return false;
  if (step && pending && pending.step) return false;
  const sent = live.send(cmd);
  if (!sent) return false;
  window.ekranTaps.push({ cmd: sent, t: performance.timeOrigin + performance.now() });
  if (done) setPending({ id: sent.id, el, seq: state.seq, step, done });
  return true;
}
// A step waits for its own answer (`ref`: a state, an `ack` or an error): another
// tablet's state says nothing about whether this one's step was taken.
const never = () => false;
const pageIs = (n) => (s) => pageOfState(s).index === n;

/** One step forward (+1) or back (-1) in the reading: the next page, else the next slide. */
function stepBy(dir, el) {
  const s = state;
  if (!s || !s.slide) return;
  const pg = pageOfState(s);
  const n = pg.index + dir;
  if (pg.count > 1 && n >= 0 && n < pg.count) {
    send({ type: 'page', n }, el || (dir > 0 ? pageNext : pagePrev), { step: true, done: pageIs(n) });
    return;
  }
  const to = s.slide.index + dir;
  if (to < 0 || to >= s.slide.count) return;
  send({ type: dir > 0 ? 'next' : 'prev', seq: s.seq }, el || (dir > 0 ? nextBtn : prevBtn), { step: true, done: never });
}

/** What a tap on control `b` sends. */
function tap(b) {
  const d = b.dataset;
  const s = state;
  const pg = pageOfState(s);
  if (b === homeBtn) {
    // At home already, the answer is an `ack`.
    send({ type: 'home' }, b, { done: (n) => n.node.id === d.node && (!n.slide || n.slide.index === 0) });
  } else if (d.action === 'prev' || d.action === 'next') {
    // From the slide this tablet shows (`seq`): a double tap, or another tablet's tap at
    // the same moment, moves the screen one step, never past a slide no one saw.
    const dir = d.action === 'next' ? 1 : -1;
    const to = s.slide ? s.slide.index + dir : -1;
    if (!s.slide || to < 0 || to >= s.slide.count) return;
    send({ type: d.action, seq: s.seq }, b, { step: true, done: never });
  } else if (d.action === 'page-prev' || d.action === 'page-next') {
    // Pages are absolute: a repeated tap sends the same page, one step in all.
    const n = pg.index + (d.action === 'page-next' ? 1 : -1);
    if (n < 0 || n >= pg.count) return;
    send({ type: 'page', n }, b, { step: true, done: pageIs(n) });
  } else if (d.action === 'slide') {
    const n = Number(d.n);
    if (s.slide && n === s.slide.index) return;
    send({ type: 'slide', n }, b, { done: (x) => !!x.slide && x.slide.index === n });
  } else if (d.pref) {
    const p = prefsOf(s);
    const cmd = { type: 'prefs' };
    if (d.pref === 'text') cmd.text = p.text === 'large' ? 'normal' : 'large';
    else cmd.contrast = p.contrast === 'high' ? 'normal' : 'high';
    const [f, v] = Object.entries(cmd)[1];
    send(cmd, b, { done: (x) => prefsOf(x)[f] === v });
  } else if (d.lang) {
    if (d.lang === s.lang) return;
    send({ type: 'lang', lang: d.lang }, b, { done: (x) => x.lang === d.lang });
  } else if (d.node) {
    if (d.node === s.node.id) return;
    send({ type: 'go', node: d.node }, b, { done: (x) => x.node.id === d.node });
  }
}

app.addEventListener('click', (e) => {
  const b = e.target.closest('button');
  if (!b || b.disabled || !state) return;
  tap(b);
});

// Swipe on the slide's panel (its buttons too): left reads on (the next page, then the
// next slide), right back.
swipes(slidesEl, (dir) => online() && stepBy(dir, null));

// The map of a map node, and the preview's map (tablet-map.js): a region goes as a tile does.
const tmap = new TabletMap({
  panel: mapEl,
  preview: previewEl,
  region: regionEl,
  live: online,
  go: (id, el) => send({ type: 'go', node: id }, el, { done: (x) => x.node.id === id }),
});

// The idle invitation and the "still there?" dialog (tablet-overlays.js).
const overlays = new Overlays({
  app,
  onStart(btn) {
    // A tap anywhere on the invitation: the screen's start page.
    send({ type: 'home' }, btn, { done: (x) => !x.idle });
  },
  onStay(btn) {
    send({ type: 'stay' }, btn, { done: (x) => x.idle_in == null });
  },
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
    // The answer to the waiting command (its `ref`), or the screen where it leads.
    if (pending && (s.ref === pending.id || pending.done(s) || (pending.el && !pending.el.isConnected))) {
      clearPending();
    }
    render();
  },
  onRemoved(m) {
    removed = m;
    clearPending();
    render();
  },
  onAck(m) {
    // Taken, and nothing to show differently (a repeated step, `stay` without a warning).
    if (pending && m.ref === pending.id) clearPending();
  },
  onError(err) {
    if (pending && (err.ref == null || err.ref === pending.id)) clearPending();
    // Visitors read their own language, never a developer's message; where a refusal
    // needs nothing from them (a step past the last slide, a dropped repeat), nothing.
    const key = VISITOR_ERRORS[err.code];
    if (key === undefined) showToast(t(state && state.lang, 'errRetry'));
    else if (key) showToast(t(state && state.lang, key));
    console.warn('ekran: command refused', err.code, err.message);
  },
  onConn(st, info) {
    connState = st;
    // A connection this page dropped as suspect is reconnecting, not lost.
    if (st === 'closed' && suspect) connState = 'connecting';
    suspect = false;
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
