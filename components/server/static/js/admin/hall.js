// The hall at a glance: every screen, what it shows now and who is connected. Polls
// each screen's live summary every 2 s while the page is visible.
import { api, list } from './api.js';
import { h } from './dom.js';
import { t, pick, langName } from './i18n.js';

const EVERY_MS = 2000;

function stat(label, value, key) {
  return h('div', { class: 'stat' }, h('dt', { text: label }), h('dd', { 'data-k': key, text: value }));
}

function card(s) {
  const id = String(s.id);
  const el = h('article', { class: 'card screen', 'data-screen': id, 'data-theme': s.theme || false },
    h('h2', {}, h('span', { class: 'num', text: id }), h('span', { class: 'sname', text: pick(s.name) })),
    h('p', { class: 'shows' },
      h('span', { class: 'muted', text: `${t('shows')}: ` }),
      h('span', { class: 'ntitle', 'data-k': 'title' }),
      ' ',
      h('span', { class: 'nlabel', 'data-k': 'label' })),
    h('dl', { class: 'stats' },
      stat(t('slide'), '…', 'slide'), stat(t('language'), '…', 'lang'), stat(t('version'), '…', 'version'),
      stat(t('displays'), '…', 'displays'), stat(t('tablets'), '…', 'tablets')),
    h('p', { class: 'state muted', 'data-k': 'state' }),
    h('p', { class: 'links' },
      h('a', { class: 'btn btn-quiet', href: `/display/${encodeURIComponent(id)}`, target: '_blank', rel: 'noopener', text: t('openDisplay') }),
      h('a', { class: 'btn btn-quiet', href: `/preview/display/${encodeURIComponent(id)}`, target: '_blank', rel: 'noopener', 'data-preview': 'display', text: t('previewDisplay') }),
      h('a', { class: 'btn btn-quiet', href: `/preview/tablet/${encodeURIComponent(id)}`, target: '_blank', rel: 'noopener', 'data-preview': 'tablet', text: t('previewTablet') })));
  return el;
}

function show(el, live) {
  const set = (k, v) => {
    const e = el.querySelector(`[data-k="${k}"]`);
    if (e) e.textContent = v == null ? '' : String(v);
  };
  const node = live.node || {};
  set('title', node.title || '');
  set('label', node.label ? `(${node.label})` : '');
  const slide = live.slide;
  let slideText = t('noSlides');
  if (slide && typeof slide === 'object') slideText = `${(slide.index ?? 0) + 1} / ${slide.count ?? '?'}`;
  else if (typeof slide === 'number' && live.slides !== 0) slideText = live.slides ? `${slide + 1} / ${live.slides}` : String(slide + 1);
  set('slide', slideText);
  set('lang', live.lang ? langName(live.lang) : '');
  set('version', live.version ?? '');
  set('displays', live.displays ?? 0);
  set('tablets', live.tablets ?? 0);
  const notes = [];
  if (live.removed) notes.push(t('removedScreen'));
  if (live.idle) notes.push(t('idle'));
  set('state', notes.join(' · '));
  el.dataset.node = node.key || '';
  el.dataset.version = live.version ?? '';
  el.dataset.displays = live.displays ?? 0;
  el.dataset.tablets = live.tablets ?? 0;
  el.classList.remove('stale');
}

export function render(main, { describe }) {
  let stopped = false;
  let timer = 0;
  const grid = h('div', { class: 'cards' });
  const status = h('p', { class: 'muted', role: 'status' });
  main.replaceChildren(h('h1', { text: t('hallTitle') }), status, grid);

  async function poll() {
    if (stopped) return;
    if (document.visibilityState === 'visible') {
      await Promise.all([...grid.querySelectorAll('[data-screen]')].map(async (el) => {
        try {
          show(el, await api('GET', `screens/${encodeURIComponent(el.dataset.screen)}/live`));
        } catch (err) {
          el.classList.add('stale');
          el.querySelector('[data-k="state"]').textContent = err.status === 0 ? t('offline') : describe(err);
        }
      }));
    }
    if (!stopped) timer = setTimeout(poll, EVERY_MS);
  }

  api('GET', 'screens').then((body) => {
    if (stopped) return;
    grid.replaceChildren(...list(body, 'screens').map(card));
    poll();
  }).catch((err) => {
    status.textContent = describe(err);
  });

  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
