// The editor's live preview: `/preview/slide` in an iframe at display size (1920×1080
// or 1080×1920), scaled to fit the pane. Each change POSTs the draft to
// /api/preview/state (one request in flight; the latest draft wins) and posts the
// resulting `state` to the frame, which draws it with the display's own renderer.
//
// For the keystroke benchmark: `window.ekranPreviewKeys` gets `{id, t}` for every change
// asked for, `window.ekranPreviewShown` `{id, t}` for every state the frame painted;
// `t` is performance.timeOrigin + performance.now() in both pages, one clock.
import { api } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

const SIZES = { landscape: [1920, 1080], portrait: [1080, 1920] };
let orientationPref = 'landscape';

/**
 * `draft()` returns `{screen, node, slide, lang}` for /api/preview/state, or null when
 * there is nothing to show. `onLang(lang)` hears the language switch.
 */
export function previewPane({ draft, getLang, onLang }) {
  window.ekranPreviewKeys = window.ekranPreviewKeys || [];
  window.ekranPreviewShown = window.ekranPreviewShown || [];
  let orientation = orientationPref;
  let seq = 0;
  let wanted = null; // the newest request not yet sent
  let busy = false;
  let last = null; // the last message posted (sent again when the frame (re)loads)
  let ready = false;
  let gone = false;

  const frame = h('iframe', {
    class: 'ed-frame', src: '/preview/slide', title: t('edPreview'), tabindex: '-1',
    referrerpolicy: 'same-origin',
  });
  const stage = h('div', { class: 'ed-stage' }, frame);
  const status = h('p', { class: 'ed-pstatus muted', role: 'status', 'aria-live': 'polite' });
  const orient = h('div', { class: 'seg', role: 'group', 'aria-label': t('edOrientation') },
    ...Object.keys(SIZES).map((o) => h('button', {
      type: 'button', class: 'seg-btn', 'data-orientation': o, text: t(`ed_${o}`),
      'aria-pressed': String(o === orientation), onclick: () => setOrientation(o),
    })));
  const langs = h('div', { class: 'seg', role: 'group', 'aria-label': t('edPreviewLang') },
    ...['kk', 'ru'].map((l) => h('button', {
      type: 'button', class: 'seg-btn', 'data-plang': l, lang: l, text: l.toUpperCase(),
      'aria-pressed': String(l === getLang()), onclick: () => onLang(l),
    })));
  const el = h('aside', { class: 'ed-preview', 'aria-label': t('edPreview') },
    h('div', { class: 'ed-ptools' }, h('strong', { text: t('edPreview') }), orient, langs), stage, status);

  function fit() {
    const [w, ht] = SIZES[orientation];
    frame.width = String(w);
    frame.height = String(ht);
    const avail = stage.clientWidth || el.clientWidth || 480;
    const maxH = Math.max(240, window.innerHeight * (orientation === 'portrait' ? 0.72 : 0.6));
    const k = Math.min(avail / w, maxH / ht);
    frame.style.transform = `scale(${k})`;
    stage.style.height = `${Math.round(ht * k)}px`;
    stage.style.width = `${Math.round(w * k)}px`;
    el.dataset.orientation = orientation;
  }
  const ro = new ResizeObserver(() => fit());
  ro.observe(el);

  function setOrientation(o) {
    orientation = orientationPref = o;
    for (const b of orient.querySelectorAll('[data-orientation]')) b.setAttribute('aria-pressed', String(b.dataset.orientation === o));
    fit();
    if (last) post({ ...last, orientation });
  }

  function post(m) {
    last = m;
    if (ready && frame.contentWindow) frame.contentWindow.postMessage(m, location.origin);
  }

  function onMessage(ev) {
    if (ev.origin !== location.origin || ev.source !== frame.contentWindow) return;
    const m = ev.data || {};
    if (m.type === 'ready') {
      ready = true;
      if (last) post(last);
    } else if (m.type === 'painted') {
      const s = window.ekranPreviewShown;
      s.push({ id: m.id, t: m.t });
      if (s.length > 2000) s.splice(0, 500);
      el.dataset.shown = String(m.id);
    }
  }
  window.addEventListener('message', onMessage);

  async function pump() {
    busy = true;
    while (wanted && !gone) {
      const job = wanted;
      wanted = null;
      try {
        const state = await api('POST', 'preview/state', job.body);
        if (gone) break;
        status.textContent = '';
        el.dataset.problem = '';
        post({ type: 'state', id: job.id, orientation, state });
      } catch (err) {
        if (gone) break;
        el.dataset.problem = String(err.status || 'net');
        status.textContent = err.status === 422 ? t('edPreviewInvalid') : t('edPreviewFailed');
      }
    }
    busy = false;
  }

  /** Asks for a new picture of the draft (call on every change). */
  function update() {
    const body = draft();
    const id = ++seq;
    const k = window.ekranPreviewKeys;
    k.push({ id, t: performance.timeOrigin + performance.now() });
    if (k.length > 2000) k.splice(0, 500);
    if (!body) return;
    el.dataset.asked = String(id);
    wanted = { id, body };
    if (!busy) pump();
  }

  /** The language buttons follow the editor's preview language. */
  function langChanged() {
    for (const b of langs.querySelectorAll('[data-plang]')) b.setAttribute('aria-pressed', String(b.dataset.plang === getLang()));
  }

  requestAnimationFrame(fit);
  return {
    el,
    frame,
    update,
    langChanged,
    destroy() {
      gone = true;
      ro.disconnect();
      window.removeEventListener('message', onMessage);
    },
  };
}
