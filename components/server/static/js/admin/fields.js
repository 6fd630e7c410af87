// Form pieces of the node editor: Kazakh and Russian side by side, numbers, media
// choosers, and the inline errors that sit next to each field. Every control carries
// `data-path`, the field's path in the node (`title.kk`, `slides[1].figures[0].value`),
// which is also how the API's diagnostics name it.
import { h } from './dom.js';
import { t } from './i18n.js';

/** Characters that override or isolate text direction (they can disguise text). */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;

/** The two languages edited side by side, in order. */
export const LANGS2 = ['kk', 'ru'];

/** A value at `path` ('slides[1].title.kk') of `obj`, or undefined. */
export function getAt(obj, path) {
  let o = obj;
  for (const k of steps(path)) {
    if (o == null) return undefined;
    o = o[k];
  }
  return o;
}

/** Sets `path` of `obj` to `value`, making objects on the way; undefined deletes. */
export function setAt(obj, path, value) {
  const ks = steps(path);
  let o = obj;
  for (let i = 0; i < ks.length - 1; i++) {
    if (o[ks[i]] == null || typeof o[ks[i]] !== 'object') o[ks[i]] = {};
    o = o[ks[i]];
  }
  const last = ks[ks.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
}

/** 'slides[1].title.kk' -> ['slides', 1, 'title', 'kk']. */
export function steps(path) {
  const out = [];
  for (const m of String(path).matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] != null ? Number(m[2]) : m[1]);
  return out;
}

/** A field path from a diagnostic (`nodes[KEY].slides[1].text.kk`) relative to the node. */
export function nodeRelative(field) {
  return String(field || '').replace(/^nodes\[[^\]]*\]\.?/, '');
}

/** 'slides[1].text.kk' -> 'slides[1].text' -> 'slides[1]' -> '' (the whole node). */
export function parentPath(path) {
  const m = /^(.*?)(\.[^.[\]]+|\[\d+\])$/.exec(path);
  return m ? m[1] : '';
}

/** A number typed by a person: `12,5`, `-3`, `1 200`; null when empty; NaN when not one. */
export function parseNumber(text) {
  const s = String(text ?? '').replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (!s) return null;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) return NaN;
  const n = Number(s);
  return Number.isFinite(n) ? n : NaN;
}

/** The line where a field's error shows (made once, next to the field). */
function errorSlot(path) {
  return h('p', { class: 'ef-error', role: 'alert', 'data-error-for': path, hidden: true });
}

/**
 * A labelled field wrapping `control` (which gets `data-path`), with an error line.
 * `wide`: spans the whole row.
 */
export function fieldBox(label, control, path, opts = {}) {
  control.dataset.path = path;
  control.id = control.id || `ef-${path.replace(/[^\w-]/g, '_')}-${Math.random().toString(36).slice(2, 7)}`;
  const box = h('div', { class: `ef${opts.wide ? ' ef-wide' : ''}`, 'data-field': path },
    h('label', { for: control.id, text: label }), control, errorSlot(path));
  if (opts.hint) box.insertBefore(h('small', { class: 'hint', text: opts.hint }), box.lastChild);
  return box;
}

/**
 * Kazakh and Russian of one text field side by side: `obj[name]` is the `{kk, ru, en?}`
 * value, `path` its path. `multiline` makes text areas. Each input has `lang` set and a
 * mark when its language is missing while the other has text. `onInput(path, value)`
 * hears every change (value '' for an empty field).
 */
export function bilingual(label, value, path, { multiline = false, onInput, required = false } = {}) {
  const v = value && typeof value === 'object' ? value : {};
  const pair = h('fieldset', { class: `ef-pair${multiline ? ' ef-multi' : ''}`, 'data-field': path },
    h('legend', { text: label + (required ? ' *' : '') }));
  const inputs = {};
  for (const lang of LANGS2) {
    const p = `${path}.${lang}`;
    const input = multiline
      ? h('textarea', { rows: '5', lang, spellcheck: 'true', 'data-lang': lang })
      : h('input', { type: 'text', lang, spellcheck: 'true', autocomplete: 'off', 'data-lang': lang });
    input.value = typeof v[lang] === 'string' ? v[lang] : '';
    input.dataset.path = p;
    input.id = `ef-${p.replace(/[^\w-]/g, '_')}-${Math.random().toString(36).slice(2, 7)}`;
    const mark = h('span', { class: 'ef-missing', 'data-missing': lang, text: t('edMissing'), hidden: true });
    const bidi = h('small', { class: 'ef-bidi', 'data-bidi': lang, text: t('edBidi'), hidden: true });
    const cell = h('div', { class: 'ef-lang', 'data-field': p },
      h('label', { for: input.id }, h('span', { class: 'ef-code', text: lang.toUpperCase() }), ' ', label, ' ', mark),
      input, bidi, errorSlot(p));
    inputs[lang] = { input, mark, bidi };
    input.addEventListener('input', () => {
      marks();
      if (onInput) onInput(p, input.value);
    });
    pair.append(cell);
  }
  const marks = () => {
    const filled = LANGS2.filter((l) => inputs[l].input.value.trim());
    for (const l of LANGS2) {
      const missing = !inputs[l].input.value.trim() && (filled.length > 0 || required);
      inputs[l].mark.hidden = !missing;
      inputs[l].input.toggleAttribute('data-missing', missing);
      // Direction overrides can make text read differently from what is stored.
      inputs[l].bidi.hidden = !BIDI.test(inputs[l].input.value);
    }
  };
  marks();
  if (v.en) pair.append(h('p', { class: 'hint', lang: 'en', text: `EN: ${v.en}` }));
  return pair;
}

/** A stored `{kk, ru, en?}` from two typed strings: empty languages left out. */
export function localized(prev, lang, text) {
  const out = { ...(prev && typeof prev === 'object' ? prev : {}) };
  if (String(text).trim()) out[lang] = text;
  else delete out[lang];
  return out;
}

/** The URL of a media ref, each segment percent-encoded (as the server makes them). */
export function mediaUrl(ref) {
  return '/media/' + String(ref).split('/').map(encodeURIComponent).join('/');
}

/**
 * A media chooser: the current file (a thumbnail for pictures), Choose and Remove.
 * `pick()` resolves with a ref or null; `onChange(ref|null)`.
 */
export function mediaField(label, ref, path, kind, pick, onChange) {
  const box = h('div', { class: 'ef ef-media', 'data-field': path });
  const draw = (r) => {
    const preview = r
      ? (kind === 'video'
        ? h('span', { class: 'ef-file', text: r })
        : h('img', { class: 'ef-thumb', src: mediaUrl(r), alt: '', loading: 'lazy' }))
      : h('span', { class: 'ef-none muted', text: t('edNoFile') });
    const choose = h('button', { type: 'button', class: 'btn btn-quiet', 'data-path': path, 'data-pick': kind, text: t('edChoose') });
    const remove = r ? h('button', { type: 'button', class: 'btn btn-quiet btn-danger-text', 'data-remove': path, text: t('edRemoveFile') }) : null;
    choose.addEventListener('click', async () => {
      // Tiles and logos take the library's tile-size version, slide pictures its
      // display-size one: a screen never loads a camera original.
      const size = kind !== 'image' ? null : (path === 'tile' || path === 'logo' ? 'tile' : 'display');
      const got = await pick({ kind, size });
      if (got) {
        onChange(got);
        draw(got);
        box.querySelector('[data-pick]').focus();
      }
    });
    if (remove) remove.addEventListener('click', () => {
      onChange(null);
      draw(null);
      box.querySelector('[data-pick]').focus();
    });
    box.replaceChildren(h('span', { class: 'ef-label', text: label }), h('div', { class: 'ef-media-row' }, preview, r ? h('span', { class: 'ef-ref muted', text: r }) : null, choose, remove), errorSlot(path));
  };
  draw(ref);
  return box;
}

/** Shows `msg` under the field at `path`, or under the nearest enclosing one; '' clears. */
export function showError(root, path, msg) {
  let p = path;
  for (;;) {
    const slot = root.querySelector(`[data-error-for="${CSS.escape(p)}"]`);
    if (slot) {
      if (msg) {
        // Several findings about one place are all shown.
        const had = slot.hidden ? '' : slot.textContent;
        slot.textContent = had && msg && !had.includes(msg) ? `${had} · ${msg}` : msg;
        slot.hidden = false;
      } else {
        slot.textContent = '';
        slot.hidden = true;
      }
      const ctl = root.querySelector(`[data-path="${CSS.escape(p)}"]`);
      if (ctl) ctl.toggleAttribute('aria-invalid', !!msg);
      return slot;
    }
    if (!p) return null;
    p = parentPath(p);
  }
}

/** Clears every inline error under `root`. */
export function clearErrors(root) {
  for (const s of root.querySelectorAll('.ef-error')) {
    s.textContent = '';
    s.hidden = true;
  }
  for (const c of root.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

/** The control for `path`, or the nearest enclosing field's first control. */
export function controlFor(root, path) {
  let p = path;
  for (;;) {
    const c = root.querySelector(`[data-path="${CSS.escape(p)}"]`);
    if (c) return c;
    const box = root.querySelector(`[data-field="${CSS.escape(p)}"]`);
    if (box) {
      const first = box.querySelector('input, textarea, select, button');
      if (first) return first;
    }
    if (!p) return null;
    p = parentPath(p);
  }
}
