// The media picker: a modal dialog over the library showing only pictures or only
// videos, with search by label and uploading (file picker or drop). Used by the node
// and slide editor for tiles, logos, slide pictures and videos.
import { api, list } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { card, uploadQueue, dropFiles } from './media-items.js';

/**
 * Opens the picker for `kind` (`image` or `video`). Resolves with the chosen item's
 * media ref, or null when the dialog is closed without a choice. With `size` (`tile`
 * or `display`), a picture resolves with that smaller version of it when the library
 * made one (it does for pictures larger than 480 or 1920 pixels a side).
 */
export function pickMedia({ kind = 'image', size = null } = {}) {
  const dlg = h('dialog', { class: 'dialog media-picker', id: 'media-picker', 'data-kind': kind, 'aria-labelledby': 'media-picker-title' });
  const q = h('input', { type: 'search', id: 'picker-search', placeholder: t('mdSearch'), 'aria-label': t('mdSearch'), autocomplete: 'off' });
  const files = h('input', {
    type: 'file', id: 'picker-files', multiple: true, class: 'visually-hidden',
    accept: kind === 'video' ? 'video/*' : 'image/*',
  });
  const queue = uploadQueue();
  const grid = h('div', { class: 'media-grid picker-grid', id: 'picker-grid', 'aria-busy': 'true' });
  const note = h('p', { class: 'muted', role: 'status' });
  const close = h('button', { class: 'btn btn-quiet', type: 'button', text: t('cancel'), 'data-action': 'cancel' });
  dlg.append(h('div', { class: 'dialog-form' },
    h('h2', { id: 'media-picker-title', text: t(kind === 'video' ? 'mdPickVideo' : 'mdPickImage') }),
    h('div', { class: 'row' }, q, files,
      h('label', { class: 'btn', for: 'picker-files', id: 'picker-upload', text: t('mdUpload') })),
    h('p', { class: 'muted drop-hint', text: t('mdDropHint') }),
    queue.el, note, grid,
    h('div', { class: 'dialog-actions' }, close)));
  document.body.append(dlg);

  return new Promise((resolve) => {
    let chosen = null;
    let seq = 0;
    const choose = (item) => {
      chosen = (size && item[size]) || item.ref;
      dlg.close();
    };
    async function load(first) {
      const mine = ++seq;
      const params = new URLSearchParams({ limit: '200' });
      if (q.value.trim()) params.set('q', q.value.trim());
      grid.setAttribute('aria-busy', 'true');
      try {
        const items = list(await api('GET', `media?${params}`), 'items').filter((x) => x.kind === kind);
        if (mine !== seq) return;
        grid.replaceChildren(...items.map((x) => card(x, choose)));
        note.textContent = items.length ? '' : t('mdEmpty');
        const f = first && grid.querySelector(`[data-ref="${CSS.escape(first)}"]`);
        if (f) {
          f.setAttribute('aria-current', 'true');
          f.focus();
        }
      } catch (err) {
        note.textContent = err.message;
      } finally {
        if (mine === seq) grid.setAttribute('aria-busy', 'false');
      }
    }
    async function upload(list) {
      const results = await queue.send(list);
      const ok = results.find((r) => !r.error && r.kind === kind);
      const other = results.find((r) => !r.error && r.kind !== kind);
      if (other) note.textContent = t(kind === 'video' ? 'mdNotVideo' : 'mdNotImage');
      await load(ok && ok.ref);
    }
    files.addEventListener('change', () => {
      const chosenFiles = [...files.files];
      files.value = '';
      upload(chosenFiles);
    });
    const undrop = dropFiles(dlg, upload);
    let timer = 0;
    q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => load(), 200); });
    close.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => {
      clearTimeout(timer);
      undrop();
      dlg.remove();
      resolve(chosen);
    }, { once: true });
    dlg.showModal();
    q.focus();
    load();
  });
}
