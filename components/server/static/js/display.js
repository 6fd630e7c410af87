// The big screen: renders the screen's state, crossfading between slides.
import { connect, screenId, PREVIEW } from './live.js';
import { keepOffline } from './display-offline.js';
import { ensurePaired } from './pairing.js';
import { t, removedNotice } from './i18n.js';
import { buildFrame, fitAll, keyOf, themeOf, dispose } from './render.js';

const root = document.getElementById('display');
const dot = document.getElementById('conn-dot');
const DECODE_TIMEOUT = 1500;
const FADE_MS = 200;
const VIDEO_RE = /\.(webm|mp4|m4v|ogv|mov)([?#]|$)/i;

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

// ---------------------------------------------------------------- media errors
// A picture or video that cannot be shown is reported to the server once per page
// (the admin's devices page and /metrics show them); nothing is sent while offline.
const reported = new Set();
let sendReport = null;
function reportMedia(kind, src) {
  if (PREVIEW || !sendReport || !src || reported.has(src)) return;
  if (sendReport({ type: 'media_error', kind, src: String(src).slice(0, 300) })) reported.add(src);
}

// ---------------------------------------------------------------- fitting on resize
let resizeTimer = 0;
addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => current && fitAll(current.frame), 250);
});

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
  const { frame, waits } = buildFrame(s, { onMediaError: reportMedia });
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
