// The audit log: who changed what and when, filtered by user and action.
import { api, list } from './api.js';
import { h, field, select } from './dom.js';
import { t, when, actionName, actor as who, ACTIONS } from './i18n.js';

export function render(main, { describe, rest }) {
  const params = new URLSearchParams(rest[0] || '');
  const actor = h('input', { name: 'actor', value: params.get('actor') || '', autocomplete: 'off' });
  const action = select([['', t('all')], ...ACTIONS.map((a) => [a, actionName(a)])], params.get('action') || '', { name: 'action' });
  const form = h('form', { class: 'card filters', id: 'audit-filter' },
    h('div', { class: 'row' }, field(t('user'), actor), field(t('action'), action),
      h('button', { class: 'btn', type: 'submit', text: t('filter') })));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    if (actor.value.trim()) q.set('actor', actor.value.trim());
    if (action.value) q.set('action', action.value);
    location.hash = `#/audit/${encodeURIComponent(q.toString())}`;
  });
  const table = h('table', { class: 'table', id: 'audit' });
  main.replaceChildren(h('h1', { text: t('audit') }), form, h('div', { class: 'scroll' }, table));

  const q = new URLSearchParams({ limit: '200' });
  if (params.get('actor')) q.set('actor', params.get('actor'));
  if (params.get('action')) q.set('action', params.get('action'));
  api('GET', `audit?${q}`).then((body) => {
    const rows = list(body, 'entries');
    table.replaceChildren(h('thead', {}, h('tr', {},
      ...[t('at'), t('user'), t('action'), t('summary'), t('address')].map((c) => h('th', { scope: 'col', text: c })))));
    table.append(h('tbody', {}, rows.map((e) => h('tr', { 'data-action': e.action, 'data-actor': e.actor },
      h('td', { class: 'nowrap', text: when(e.at) }),
      h('td', { text: who(e.actor) }),
      h('td', { text: actionName(e.action) }),
      h('td', {}, e.summary ?? '', e.subject ? h('span', { class: 'muted', text: ` (${e.subject})` }) : null),
      h('td', { class: 'muted', text: e.address ?? '' })))));
    if (!rows.length) table.replaceWith(h('p', { class: 'muted', text: t('empty') }));
  }).catch((err) => {
    table.replaceWith(h('p', { class: 'form-error', role: 'alert', text: describe(err) }));
  });
}
