// Users (admins): list, add, change password or role, remove.
import { api, list } from './api.js';
import { h, field, select, formError, toast, ask } from './dom.js';
import { t, when } from './i18n.js';

const roles = () => [['editor', t('editor')], ['admin', t('admin')]];

/** A strong random password (20 characters, no look-alikes), made in the browser. */
function strongPassword() {
  const abc = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return [...bytes].map((b) => abc[b % abc.length]).join('').replace(/(.{5})(?!$)/g, '$1-');
}

/** A password input with a button that fills in a strong one (shown, to copy). */
function passwordField(label, required) {
  const input = h('input', { name: 'password', type: 'text', autocomplete: 'new-password', spellcheck: 'false', required, minlength: '10' });
  const make = h('button', {
    class: 'btn btn-quiet', type: 'button', 'data-action': 'generate', text: t('generate'),
    onclick: () => { input.value = strongPassword(); input.focus(); input.select(); },
  });
  const f = field(label, input, t('passwordHint'));
  f.append(make);
  return [f, input];
}

async function change(u, describe, reload) {
  const [pf, password] = passwordField(t('newPassword'), false);
  const role = select(roles(), u.role, { name: 'role' });
  const go = await ask(u.name, [pf, field(t('role'), role)], [{ label: t('save'), value: 'save' }]);
  if (go !== 'save') return;
  const body = {};
  if (role.value !== u.role) body.role = role.value;
  if (password.value) body.password = password.value;
  if (!Object.keys(body).length) return;
  try {
    await api('PATCH', `users/${encodeURIComponent(u.name)}`, body);
    toast(t('saved'));
    reload();
  } catch (err) {
    toast(describe(err), 'error');
  }
}

async function remove(u, describe, reload) {
  const go = await ask(t('removeTitle', { n: u.name }), [h('p', { text: t('removeText') })],
    [{ label: t('remove'), value: 'remove', kind: 'danger' }]);
  if (go !== 'remove') return;
  try {
    await api('DELETE', `users/${encodeURIComponent(u.name)}`);
    toast(t('saved'));
    reload();
  } catch (err) {
    toast(describe(err), 'error');
  }
}

async function unlock(u, describe, reload) {
  try {
    await api('DELETE', `users/${encodeURIComponent(u.name)}/lock`);
    toast(t('unlocked'));
    reload();
  } catch (err) {
    toast(describe(err), 'error');
  }
}

export function render(main, { me, describe, rerender }) {
  const name = h('input', { name: 'name', required: true, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', pattern: '[A-Za-z0-9._\\-]+' });
  const role = select(roles(), 'editor', { name: 'role' });
  const [pf, password] = passwordField(t('password'), true);
  const button = h('button', { class: 'btn', type: 'submit', text: t('add') });
  const form = h('form', { class: 'card', id: 'add-user' }, h('h2', { text: t('addUser') }),
    h('div', { class: 'row' }, field(t('name'), name, t('nameHint')), field(t('role'), role), pf), h('p', {}, button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    formError(form, '');
    try {
      await api('POST', 'users', { name: name.value.trim(), role: role.value, password: password.value });
      toast(t('saved'));
      rerender();
    } catch (err) {
      formError(form, describe(err));
    }
  });
  const table = h('table', { class: 'table', id: 'users' });
  main.replaceChildren(h('h1', { text: t('users') }), h('div', { class: 'scroll' }, table), form);
  api('GET', 'users').then((body) => {
    table.replaceChildren(h('thead', {}, h('tr', {},
      ...[t('name'), t('role'), t('created'), t('sessions'), ''].map((c) => h('th', { scope: 'col', text: c })))));
    table.append(h('tbody', {}, list(body, 'users').map((u) => h('tr', { 'data-user': u.name },
      h('td', {}, h('b', { text: u.name }), u.name === me.name ? h('span', { class: 'badge', text: t('you') }) : null,
        u.locked_s ? h('span', { class: 'badge badge-warn', 'data-locked': u.name, text: t('locked', { s: u.locked_s }) }) : null),
      h('td', { text: t(u.role === 'admin' ? 'admin' : 'editor') }),
      h('td', { class: 'nowrap', text: when(u.created_at) }),
      h('td', { text: u.sessions ?? '' }),
      h('td', { class: 'actions' },
        u.locked_s ? h('button', { class: 'btn btn-quiet', type: 'button', 'data-unlock': u.name, text: t('unlock'), 'aria-label': `${t('unlock')}: ${u.name}`, onclick: () => unlock(u, describe, rerender) }) : null,
        h('button', { class: 'btn btn-quiet', type: 'button', 'data-edit': u.name, text: t('setPassword'), 'aria-label': `${t('setPassword')}: ${u.name}`, onclick: () => change(u, describe, rerender) }),
        u.name === me.name ? null : h('button', { class: 'btn btn-quiet btn-danger-text', type: 'button', 'data-remove': u.name, text: t('remove'), 'aria-label': `${t('remove')}: ${u.name}`, onclick: () => remove(u, describe, rerender) }))))));
  }).catch((err) => {
    table.replaceWith(h('p', { class: 'form-error', role: 'alert', text: describe(err) }));
  });
}
