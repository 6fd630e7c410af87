// DOM helpers: every piece of text goes in through text nodes, never as markup.
import { t } from './i18n.js';

/**
 * Makes an element. `attrs`: `class`, `text`, `on<event>` (listeners), booleans
 * (`disabled`, `required`…) and plain attributes; children are nodes or strings
 * (appended as text).
 */
export function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, '');
    else if (k === 'value') e.value = String(v);
    else e.setAttribute(k, String(v));
  }
  for (const c of kids.flat()) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

let fieldSeq = 0;
/** A labelled form field: `<label for>` + the control (`input` attrs, or a given control). */
export function field(label, control, hint) {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  const kids = [h('label', { for: id, text: label }), control];
  if (hint) {
    const hid = `${id}-hint`;
    control.setAttribute('aria-describedby', hid);
    kids.push(h('small', { id: hid, class: 'hint', text: hint }));
  }
  return h('div', { class: 'field' }, kids);
}

/** A `<select>` of `[value, label]` pairs. */
export function select(options, value, attrs = {}) {
  const s = h('select', attrs);
  for (const [v, label] of options) s.append(h('option', { value: v, text: label }));
  if (value != null) s.value = value;
  return s;
}

let toastTimer = 0;
/** A short message at the bottom of the page (`kind`: ok or error). */
export function toast(msg, kind = 'ok') {
  const el = document.getElementById('toast');
  el.textContent = msg;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, kind === 'error' ? 8000 : 4000);
}

/** An inline error line under a form (replaces the previous one). */
export function formError(form, msg) {
  let el = form.querySelector('.form-error');
  if (!el) {
    el = h('p', { class: 'form-error', role: 'alert' });
    form.append(el);
  }
  el.textContent = msg || '';
  el.hidden = !msg;
}

/**
 * A modal dialog. `body`: nodes; `actions`: `[{label, value, kind}]`. Resolves with
 * the chosen action's value, or null when cancelled (Escape or the cancel button).
 */
export function ask(title, body, actions) {
  const dlg = document.getElementById('dialog');
  document.getElementById('dialog-title').textContent = title;
  document.getElementById('dialog-body').replaceChildren(...body);
  const bar = document.getElementById('dialog-actions');
  // Not a submit button: Enter in a field of the dialog picks the main action, not this.
  bar.replaceChildren(h('button', { class: 'btn btn-quiet', type: 'button', text: t('cancel'), 'data-action': 'cancel', onclick: () => dlg.close('') }));
  for (const a of actions) {
    bar.append(h('button', { class: `btn ${a.kind === 'danger' ? 'btn-danger' : ''}`, value: a.value, text: a.label, 'data-action': a.value }));
  }
  dlg.returnValue = '';
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue || null), { once: true });
    dlg.showModal();
    // The first field when there is one (typing starts at once), else the main action.
    const first = dlg.querySelector('#dialog-body input, #dialog-body select') || bar.querySelector('button:last-child');
    if (first) first.focus();
  });
}
