// The big screen: renders the screen's state, crossfading between slides; shows the
// state's page of a long text and tells the server how many pages it takes here
// (`pages`); while idle, turns those pages by itself.
import { connect, screenId, PREVIEW } from './live.js';
import { keepOffline } from './display-offline.js';
import { ensurePaired } from './pairing.js';
import { t, removedNotice } from './i18n.js';
import { buildFrame, fitAll, showPage, keyOf, themeOf, dispose } from './render.js';
import { loadMap } from './mapdraw.js';

const root = document.getElementById('display');
const dot = document.getElementById('conn-dot');
const DECODE_TIMEOUT = 1500;
const FADE_MS = 200;
const VIDEO_RE = /\.(webm|mp4|m4v|ogv|mov)([?#]|$)/i;
/** While idle, a page of a long text stays this long before the next one shows. */
const IDLE_PAGE_MS = 12000;

window.ekranPaints = [];

let current = null; // { frame, key, s } on screen
let pending = null; // { frame, key, s, token } being prepared off-screen
let token = 0;

function h(tag, cls) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
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
    if (u.startsWith('/maps/')) {
      // A map document: fetched, checked and kept parsed, ready for the frame that draws it.
      loadMap(u).catch(() => {});
    } else if (VIDEO_RE.test(u)) {
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

// ---------------------------------------------------------------- media errors
// A picture or video that cannot be shown is reported to the server once per page
// (the admin's devices page and /metrics show them); nothing is sent while offline.
const reported = new Set();
let sendReport = null;
function reportMedia(kind, src) {
  if (PREVIEW || !sendReport || !src || reported.has(src)) return;
  if (sendReport({ type: 'media_error', kind, src: String(src).slice(0, 300) })) reported.add(src);
}

// ---------------------------------------------------------------- pages
/** The page of the state's text to show (0 before the protocol had pages). */
const pageOf = (s) => (s && s.page && Number.isInteger(s.page.index) && s.page.index >= 0 ? s.page.index : 0);

/**
 * Tells the server how many pages the text of the drawn frame `p` takes on this screen,
 * when its state says otherwise (docs/protocol.md, `pages`): once per drawn frame, with
 * the `seq` of the latest state it shows. Not sent (offline) is tried again with the
 * next state for the same frame.
 */
function reportPages(p) {
  if (PREVIEW || !sendReport || p.reported) return;
  const count = Number(p.frame.dataset.pages) || 1;
  const known = p.s.page && Number.isInteger(p.s.page.count) ? p.s.page.count : 1;
  if (count === known || sendReport({ type: 'pages', seq: p.s.seq, count })) p.reported = true;
}

// While idle nobody turns the pages: they turn by themselves (the idle fallback of the
// old auto-scroll); the visitor's page comes back with the next state.
let idleTimer = 0;
function idlePaging() {
  clearInterval(idleTimer);
  idleTimer = 0;
  if (!current || !current.s.idle || Number(current.frame.dataset.pages) < 2) return;
  const p = current;
  idleTimer = setInterval(() => {
    if (current !== p) return;
    const n = Number(p.frame.dataset.pages) || 1;
    showPage(p.frame, (Number(p.frame.dataset.page) + 1) % n);
    root.dataset.page = p.frame.dataset.page;
  }, IDLE_PAGE_MS);
}

/** Fits `p`'s frame and shows its state's page (a resize, a failed video replaced). */
function refit(p) {
  fitAll(p.frame, pageOf(p.s));
  p.frame.dataset.fitted = 'true';
  if (p === current) {
    root.dataset.pages = p.frame.dataset.pages;
    root.dataset.page = p.frame.dataset.page;
    idlePaging();
  }
}

// ---------------------------------------------------------------- fitting on resize
let resizeTimer = 0;
addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => current && refit(current), 150);
});

/** Tells the server this state is on screen (after its frame is painted), so a tablet's
 * next step waits for it: a slow display still shows every slide in turn. */
function reportShown(seq) {
  if (PREVIEW || !sendReport) return;
  const send = () => sendReport({ type: 'shown', seq });
  if (document.hidden) send();
  else requestAnimationFrame(send);
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
  root.dataset.text = current ? current.frame.dataset.text : '';
  root.dataset.contrast = current ? current.frame.dataset.contrast : '';
  document.documentElement.lang = s.lang;
  document.body.dataset.theme = themeOf(s);
  document.body.dataset.contrast = root.dataset.contrast || 'normal';
  document.title = [s.node.title, s.screen.name].filter(Boolean).join(' · ').slice(0, 200);
}

function commit(p) {
  pending = null;
  current = p;
  const { frame, s } = p;
  frame.getBoundingClientRect(); // start the fade from opacity 0 (no-op after fitting)
  frame.classList.add('shown');
  mark(s);
  root.dataset.pages = frame.dataset.pages;
  root.dataset.page = frame.dataset.page;
  recordPaint(s.seq);
  reportShown(s.seq);
  reportPages(p);
  idlePaging();
  for (const v of frame.querySelectorAll('video')) v.play().catch(() => {});
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
    // Same picture (only the page, `idle`, `seq`, `ref` or `idle_in` changed): keep it,
    // drop anything in preparation; a new page is shown in it.
    if (pending) {
      token++;
      dispose(pending.frame);
      pending = null;
    }
    const turned = pageOf(s) !== pageOf(current.s);
    const idled = !!s.idle !== !!current.s.idle;
    current.s = s;
    current.frame.classList.toggle('idle', !!s.idle);
    reportPages(current);
    if (turned || idled) {
      showPage(current.frame, pageOf(s));
      root.dataset.page = current.frame.dataset.page;
      idlePaging();
    }
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
  const { frame, waits } = buildFrame(s, { onMediaError: reportMedia });
  frame.classList.toggle('idle', !!s.idle);
  root.append(frame); // laid out and decoded off-screen (opacity 0) before it shows
  const p = { frame, key, s, token: my, reported: false };
  pending = p;
  // A picture or video that failed gave way to the slide's text: fit that again, and
  // say so if that text needs another number of pages.
  frame.addEventListener('ekran:relayout', () => {
    if (current !== p && pending !== p) return;
    const before = frame.dataset.pages;
    refit(p);
    if (current === p && frame.dataset.pages !== before) {
      p.reported = false;
      reportPages(p);
    }
  });
  waits.push(document.fonts.ready);
  // A hidden page paints nothing (and defers media loading): swap at once there.
  if (!document.hidden) await Promise.race([Promise.allSettled(waits), sleep(DECODE_TIMEOUT)]);
  if (my !== token || !pending) return;
  refit(p);
  commit(p);
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
