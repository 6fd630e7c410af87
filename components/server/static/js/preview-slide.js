// The editor's live preview (/preview/slide): renders the `state` messages its parent,
// the admin on the same origin, posts to it, with the display's own renderer. The admin
// sizes the frame (1920×1080 or 1080×1920) and scales it to fit its pane.
//
// Messages in: `{type: 'state', id, orientation: 'landscape'|'portrait', state}`.
// Messages out (to the parent): `{type: 'ready'}` once listening, and
// `{type: 'painted', id, t}` in the animation frame after a state is on screen
// (`t`: performance.timeOrigin + performance.now(), the browser's one clock).
import { buildFrame, fitAll, dispose } from './render.js';

const root = document.getElementById('display');
const DECODE_TIMEOUT = 400;
/** What was painted, for tests and the keystroke benchmark: `{id, t}`. */
window.ekranPreviewPaints = [];

let current = null;
let token = 0;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function painted(id) {
  const rec = () => {
    const t = performance.timeOrigin + performance.now();
    const p = window.ekranPreviewPaints;
    p.push({ id, t });
    if (p.length > 2000) p.splice(0, 500);
    root.dataset.shown = String(id ?? '');
    window.parent.postMessage({ type: 'painted', id, t }, location.origin);
  };
  if (document.hidden) rec();
  else requestAnimationFrame(rec);
}

async function show(m) {
  const s = m.state;
  const my = ++token;
  const orientation = m.orientation === 'portrait' ? 'portrait' : 'landscape';
  root.dataset.orientation = orientation;
  if (!s || !s.node || !s.screen) {
    if (current) dispose(current);
    current = null;
    painted(m.id);
    return;
  }
  const { frame, waits } = buildFrame(s);
  frame.classList.toggle('idle', false);
  root.append(frame);
  waits.push(document.fonts.ready);
  // Pictures already decoded settle at once; a new one gets a moment, no more, so the
  // preview keeps up with typing.
  if (!document.hidden) await Promise.race([Promise.allSettled(waits), sleep(DECODE_TIMEOUT)]);
  if (my !== token) {
    dispose(frame);
    return;
  }
  frame.classList.add('shown');
  for (const f of root.querySelectorAll('.frame')) if (f !== frame) dispose(f);
  current = frame;
  root.dataset.node = s.node.id;
  root.dataset.slide = String(s.slide ? s.slide.index : '');
  root.dataset.lang = s.lang;
  document.documentElement.lang = s.lang;
  document.body.dataset.theme = frame.dataset.theme;
  for (const v of frame.querySelectorAll('video')) v.play().catch(() => {});
  fitAll(frame);
  document.fonts.ready.then(() => current === frame && fitAll(frame));
  painted(m.id);
}

addEventListener('message', (ev) => {
  // Only the admin page that holds this frame, on this origin, may draw here.
  if (window.parent === window || ev.origin !== location.origin || ev.source !== window.parent) return;
  const m = ev.data;
  if (!m || typeof m !== 'object' || m.type !== 'state') return;
  show(m);
});

if (window.parent !== window) window.parent.postMessage({ type: 'ready' }, location.origin);
