// Pieces the media library (media.js) and the media picker (media-picker.js) share:
// the URLs of a media ref, a thumbnail card, sizes, and the upload queue with a
// progress bar per file.
import { h } from './dom.js';
import { t } from './i18n.js';
import { uploadFiles } from './upload.js';

const segs = (ref) => String(ref).split('/').map(encodeURIComponent).join('/');

/** Where the server serves a media ref. */
export const mediaUrl = (ref) => `/media/${segs(ref)}`;

/** The API path (after `/api/`) of a library item. */
export const itemPath = (ref) => `media/${segs(ref)}`;

/** Bytes for people: 1.2 MB. */
export function sizeText(n) {
  if (n == null) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** The thumbnail of an item: its tile-size picture, the picture, or a video mark. */
export function thumb(item) {
  if (item.kind === 'video') {
    return h('span', { class: 'media-thumb media-video', 'aria-hidden': 'true' }, h('span', { class: 'play', text: '▶' }));
  }
  return h('span', { class: 'media-thumb' },
    h('img', { src: mediaUrl(item.tile || item.display || item.ref), alt: '', loading: 'lazy', decoding: 'async' }));
}

/** The item's facts in one line: kind, size, dimensions. */
export function facts(item) {
  const parts = [t(item.kind === 'video' ? 'mdVideo' : 'mdImage'), sizeText(item.size)];
  if (item.width && item.height) parts.push(`${item.width}×${item.height}`);
  return parts.join(' · ');
}

/** A card for a grid: a button with the thumbnail, label, facts and uses. */
export function card(item, onclick) {
  return h('button', {
    type: 'button', class: 'media-card', 'data-ref': item.ref, 'data-kind': item.kind, 'data-uses': String(item.uses ?? 0),
    onclick: () => onclick(item),
  },
  thumb(item),
  h('span', { class: 'media-label', text: item.label || item.ref }),
  h('span', { class: 'media-facts muted', text: facts(item) }),
  h('span', { class: `media-uses ${item.uses ? '' : 'unused'}`, text: item.uses ? t('mdUses', { n: item.uses }) : t('mdUnused') }));
}

/**
 * An upload queue: `el` (the list of files being sent, each with a progress bar) and
 * `send(files)` resolving with uploadFiles' results.
 */
export function uploadQueue() {
  const el = h('ul', { class: 'uploads', id: 'uploads', 'aria-live': 'polite' });
  async function send(files) {
    const list = [...files];
    if (!list.length) return [];
    const rows = list.map((f) => {
      const bar = h('progress', { max: '100', value: '0', 'aria-label': f.name });
      const state = h('span', { class: 'upload-state', text: t('mdSending') });
      const li = h('li', { class: 'upload', 'data-name': f.name, 'data-state': 'sending' },
        h('span', { class: 'upload-name', text: f.name }), bar, state);
      el.prepend(li);
      return { li, bar, state };
    });
    const results = await uploadFiles(list, {
      onProgress: (i, loaded, total) => {
        const pct = total ? Math.min(100, Math.round((loaded / total) * 100)) : 100;
        rows[i].bar.value = pct;
        rows[i].li.dataset.progress = String(pct);
      },
    });
    results.forEach((r, i) => {
      const row = rows[i];
      if (r.error) {
        row.li.dataset.state = 'error';
        row.state.textContent = r.error;
        row.state.setAttribute('role', 'alert');
      } else {
        row.bar.value = 100;
        row.li.dataset.progress = '100';
        row.li.dataset.state = 'done';
        row.li.dataset.ref = r.ref;
        row.state.textContent = t('mdUploaded');
      }
    });
    return results;
  }
  return { el, send };
}

/**
 * Lets files be dropped on `el`: `onFiles(files)`; `el` gets `data-dragging` meanwhile.
 * Returns a function that stops it.
 */
export function dropFiles(el, onFiles) {
  const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
  let depth = 0;
  const on = {
    dragenter: (e) => {
      if (!hasFiles(e)) return;
      depth++;
      el.dataset.dragging = 'true';
    },
    dragleave: (e) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (!depth) delete el.dataset.dragging;
    },
    dragover: (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    },
    drop: (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      delete el.dataset.dragging;
      if (e.dataTransfer.files.length) onFiles(e.dataTransfer.files);
    },
  };
  for (const [k, f] of Object.entries(on)) el.addEventListener(k, f);
  return () => {
    for (const [k, f] of Object.entries(on)) el.removeEventListener(k, f);
    delete el.dataset.dragging;
  };
}
