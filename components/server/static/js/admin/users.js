// Users (admins): list, add, change password or role, remove.
import { api, list } from './api.js';
import { h, field, select, formError, toast, ask } from './dom.js';
import { t, when } from './i18n.js';

const roles = () => [['editor', t('editor')], ['admin', t('admin')]];

function shownOnce(password) {
  if (!password) return Promise.resolve();
  return ask(t('passwordOnce'), [h('p', {}, h('code', { class: 'secret', id: 'new-password', text: password }))], []);
}

async function change(u, describe, reload) {
  const password = h('input', { type: 'text', name: 'password', autocomplete: 'new-password', spellcheck: 'false' });
  const role = select(roles(), u.role, { name: 'role' });
  const go = await ask(u.name, [field(t('newPassword'), password, t('passwordHint')), field(t('role'), role)],
    [{ label: t('save'), value: 'save' }]);
  if (go !== 'save') return;
  const body = {};
  if (role.value !== u.role) body.role = role.value;
  if (password.value) body.password = password.value;
  if (!Object.keys(body).length) body.password = null; // ask the server for a new one
  try {
    const r = await api('PATCH', `users/${encodeURIComponent(u.name)}`, body);
    toast(t('saved'));
    await shownOnce(r && r.password);
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
    reload();
  } catch (err) {
    toast(describe(err), 'error');
  }
}

export function render(main, { me, describe, rerender }) {
  const name = h('input', { name: 'name', required: true, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', pattern: '[A-Za-z0-9._\\-]+' });
  const role = select(roles(), 'editor', { name: 'role' });
  const password = h('input', { name: 'password', type: 'text', autocomplete: 'new-password', spellcheck: 'false' });
  const button = h('button', { class: 'btn', type: 'submit', text: t('add') });
  const form = h('form', { class: 'card', id: 'add-user' }, h('h2', { text: t('addUser') }),
    h('div', { class: 'row' }, field(t('name'), name), field(t('role'), role), field(t('password'), password, t('passwordHint')), button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    formError(form, '');
    const body = { name: name.value.trim(), role: role.value };
    if (password.value) body.password = password.value;
    try {
      const r = await api('POST', 'users', body);
      await shownOnce(r && r.password);
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
      h('td', {}, h('b', { text: u.name }), u.name === me.name ? h('span', { class: 'badge', text: t('you') }) : null),
      h('td', { text: t(u.role === 'admin' ? 'admin' : 'editor') }),
      h('td', { text: when(u.created_at ?? u.created) }),
      h('td', { text: u.sessions ?? '' }),
      h('td', { class: 'actions' },
        h('button', { class: 'btn btn-quiet', type: 'button', text: t('setPassword'), 'aria-label': `${t('setPassword')}: ${u.name}`, onclick: () => change(u, describe, rerender) }),
        u.name === me.name ? null : h('button', { class: 'btn btn-quiet btn-danger-text', type: 'button', text: t('remove'), 'aria-label': `${t('remove')}: ${u.name}`, onclick: () => remove(u, describe, rerender) }))))));
  }).catch((err) => {
    table.replaceWith(h('p', { class: 'form-error', role: 'alert', text: describe(err) }));
  });
}
