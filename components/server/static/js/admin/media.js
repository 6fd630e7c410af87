// The media library (`#/media`): every uploaded picture and video, newest first, with
// search by label and the unused-media report; an item's details say where it is used
// (each a link to the node's field), rename its label, delete it (refused while in use,
// listing the uses). Upload by the file picker or by dropping files anywhere on the
// page, several at once, each with its progress bar.
import { api, list } from './api.js';
import { h, field, toast, ask } from './dom.js';
import { t, pick, when, actor } from './i18n.js';
import { card, facts, itemPath, mediaUrl, uploadQueue, dropFiles } from './media-items.js';

const enc = encodeURIComponent;
/** Items per page (the API allows 1-500). */
const LIMIT = 100;

/** The screens (for links to where an item is used), loaded once per view. */
function screenFinder() {
  let screens = null;
  return async (key) => {
    try {
      if (!screens) screens = list(await api('GET', 'screens'), 'screens');
      const d = await api('GET', `nodes/${enc(key)}`);
      const line = [...(d.path || []).map((p) => p.key), key];
      // The screen whose root is the nearest ancestor (or the node itself).
      let best = null;
      let depth = -1;
      for (const s of screens) {
        const i = line.indexOf(s.root_node ? s.root_node.key : s.root);
        if (i > depth) { best = s; depth = i; }
      }
      return best ? String(best.id) : null;
    } catch {
      return null;
    }
  };
}

/** The list of nodes using an item, each a link to the field that uses it. */
export function usesList(used, screenOf) {
  const ul = h('ul', { class: 'used-by', id: 'used-by' });
  for (const u of used || []) {
    const a = h('a', { 'data-key': u.key, text: pick(u.title) || u.key });
    const q = u.field ? `?field=${enc(u.field)}` : '';
    a.href = u.screen ? `#/content/${enc(u.screen)}/${enc(u.key)}${q}` : `#/content`;
    if (!u.screen) {
      screenOf(u.key).then((s) => { a.href = s ? `#/content/${enc(s)}/${enc(u.key)}${q}` : `#/content`; });
    }
    ul.append(h('li', {}, a, u.label ? h('span', { class: 'tree-label', text: u.label }) : null,
      u.field ? h('span', { class: 'muted', text: ` ${u.field}` }) : null));
  }
  return ul;
}

export function render(main, { describe }) {
  let alive = true;
  const screenOf = screenFinder();
  const q = h('input', { type: 'search', id: 'media-search', name: 'q', placeholder: t('mdSearch'), autocomplete: 'off' });
  const unused = h('input', { type: 'checkbox', id: 'media-unused', name: 'unused' });
  const files = h('input', { type: 'file', id: 'media-files', multiple: true, accept: 'image/*,video/*', class: 'visually-hidden' });
  const chooser = h('label', { class: 'btn', for: 'media-files', id: 'media-choose', text: t('mdUpload') });
  const queue = uploadQueue();
  const grid = h('div', { class: 'media-grid', id: 'media-grid', 'aria-busy': 'true' });
  const count = h('p', { class: 'muted', id: 'media-count', role: 'status' });
  const more = h('button', { class: 'btn btn-quiet', type: 'button', id: 'media-more', text: t('mdMore'), hidden: true });
  const details = h('section', { class: 'media-details card', id: 'media-details', hidden: true, 'aria-label': t('mdDetails') });
  main.replaceChildren(
    h('h1', { text: t('media') }),
    h('div', { class: 'media-bar card' },
      field(t('mdSearch'), q),
      h('label', { class: 'check' }, unused, t('mdUnusedOnly')),
      h('div', { class: 'media-upload' }, files, chooser, h('span', { class: 'muted', text: t('mdDropHint') }))),
    queue.el,
    h('div', { class: 'media-split' }, h('div', {}, count, grid, h('div', { class: 'row more' }, more)), details));

  let seq = 0;
  let shown = 0;
  let last = null; // the ref of the last item shown: where the next page starts
  /** Loads the first page (`append` false) or the next one. */
  async function load(append = false) {
    const mine = ++seq;
    const params = new URLSearchParams({ limit: String(LIMIT) });
    if (q.value.trim()) params.set('q', q.value.trim());
    if (unused.checked) params.set('unused', 'true');
    if (append && last) params.set('before', last);
    grid.setAttribute('aria-busy', 'true');
    more.disabled = true;
    try {
      const body = await api('GET', `media?${params}`);
      const items = list(body, 'items');
      if (!alive || mine !== seq) return;
      const cards = items.map((it) => card(it, show));
      if (append) grid.append(...cards);
      else grid.replaceChildren(...cards);
      shown = (append ? shown : 0) + items.length;
      if (items.length) last = items[items.length - 1].ref;
      more.hidden = !body.more;
      count.textContent = shown ? t('mdCount', { n: shown }) + (body.more ? '+' : '') : (unused.checked ? t('mdNoUnused') : t('mdEmpty'));
      grid.dataset.filter = unused.checked ? 'unused' : 'all';
      grid.dataset.q = q.value.trim();
    } catch (err) {
      if (alive) count.textContent = describe(err);
    } finally {
      if (mine === seq) {
        grid.setAttribute('aria-busy', 'false');
        more.disabled = false;
      }
    }
  }

  async function show(item) {
    details.hidden = false;
    details.dataset.ref = item.ref;
    details.replaceChildren(h('p', { class: 'muted', text: t('loading') }));
    let full;
    try {
      full = await api('GET', itemPath(item.ref));
    } catch (err) {
      details.replaceChildren(h('p', { class: 'form-error', text: describe(err) }));
      return;
    }
    if (!alive || details.dataset.ref !== item.ref) return;
    const preview = full.kind === 'video'
      ? h('video', { src: mediaUrl(full.ref), controls: true, preload: 'metadata', class: 'media-preview' })
      // Its size known before it loads, so nothing below moves when it comes.
      : h('img', { src: mediaUrl(full.display || full.ref), alt: full.label || '', class: 'media-preview', width: full.width || false, height: full.height || false });
    const label = h('input', { name: 'label', value: full.label || '', maxlength: '200' });
    const save = h('button', { class: 'btn', type: 'submit', text: t('save') });
    const form = h('form', { class: 'row', id: 'media-rename' }, field(t('mdLabel'), label), save);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      save.disabled = true;
      try {
        const r = await api('PATCH', itemPath(full.ref), { label: label.value.trim() });
        toast(t('saved'));
        const old = grid.querySelector(`[data-ref="${CSS.escape(full.ref)}"]`);
        if (old) old.replaceWith(card(r, show));
      } catch (err) {
        toast(describe(err), 'error');
      } finally {
        save.disabled = false;
      }
    });
    const del = h('button', { class: 'btn btn-danger', type: 'button', id: 'media-delete', text: t('remove') });
    const problem = h('div', { id: 'media-problem' });
    del.addEventListener('click', async () => {
      const go = await ask(t('mdDeleteTitle', { n: full.label || full.ref }), [h('p', { text: t('mdDeleteText') })],
        [{ label: t('remove'), value: 'delete', kind: 'danger' }]);
      if (go !== 'delete') return;
      try {
        await api('DELETE', itemPath(full.ref));
        toast(t('mdDeleted'));
        details.hidden = true;
        load();
      } catch (err) {
        if (err.status === 409 && err.body && err.body.reason === 'in_use') {
          problem.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: t('mdInUse') }), usesList(err.body.used_by, screenOf));
        } else {
          problem.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: describe(err) }));
        }
      }
    });
    const used = full.used_by || [];
    details.replaceChildren(
      h('h2', { text: full.label || full.ref }),
      preview,
      h('p', { class: 'muted', text: facts(full) }),
      h('p', { class: 'muted small', text: `${full.ref} · ${when(full.added_at)} · ${actor(full.added_by)}` }),
      form,
      h('h3', { text: used.length ? t('mdUsedBy', { n: used.length }) : t('mdNotUsed') }),
      used.length ? usesList(used, screenOf) : null,
      h('div', { class: 'row' }, del), problem);
  }

  async function upload(list) {
    const results = await queue.send(list);
    if (!alive) return;
    const ok = results.filter((r) => !r.error);
    if (ok.length) toast(t('mdUploadedN', { n: ok.length }));
    await load();
  }

  files.addEventListener('change', () => {
    const chosen = [...files.files];
    files.value = '';
    upload(chosen);
  });
  const undrop = dropFiles(main, upload);
  let timer = 0;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => load(), 200); });
  unused.addEventListener('change', () => load());
  more.addEventListener('click', () => load(true));
  load();

  return () => {
    alive = false;
    clearTimeout(timer);
    undrop();
  };
}
