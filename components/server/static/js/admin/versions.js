// Versions: what each publish changed, publishing the working copy with a note, and
// rolling back (confirmed; a conflict over unpublished changes offers to discard them).
// The API answers a page of versions at a time, newest first; "show older" asks for
// the next one and adds its rows.
import { api, page } from './api.js';
import { h, field, formError, toast, ask } from './dom.js';
import { t, when, actor } from './i18n.js';

function changes(v) {
  const c = v.changes || {};
  const parts = [];
  for (const k of ['added', 'changed', 'removed']) if (c[k]) parts.push(`${t(k)}: ${c[k]}`);
  if (c.reordered) parts.push(t('reordered'));
  if (c.settings) parts.push(t('settings'));
  if (v.restores != null) parts.push(t('restores', { v: v.restores }));
  return parts.length ? parts.join(' · ') : t('noChanges');
}

async function rollback(v, describe, reload) {
  const go = await ask(t('rollbackTitle', { v }), [h('p', { text: t('rollbackText', { v }) })],
    [{ label: t('rollback'), value: 'rollback', kind: 'danger' }]);
  if (go !== 'rollback') return;
  let body = {};
  for (;;) {
    try {
      const r = await api('POST', `versions/${v}/rollback`, body);
      toast(t('rolledBack', { v, n: (r && r.version) ?? '' }));
      reload();
      return;
    } catch (err) {
      if (err.status === 409 && !body.discard_changes) {
        const again = await ask(t('rollbackTitle', { v }),
          [h('p', { class: 'warn', text: t('conflictText') }), err.message ? h('p', { class: 'muted', text: err.message }) : null].filter(Boolean),
          [{ label: t('discard'), value: 'discard', kind: 'danger' }]);
        if (again !== 'discard') return;
        body = { discard_changes: true };
        continue;
      }
      toast(describe(err), 'error');
      return;
    }
  }
}

export function render(main, { describe, rerender }) {
  const note = h('input', { name: 'note', maxlength: '500' });
  const button = h('button', { class: 'btn', type: 'submit', text: t('publish') });
  const form = h('form', { class: 'card publish', id: 'publish' },
    h('h2', { text: t('publishTitle') }), h('div', { class: 'row' }, field(t('note'), note), button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    formError(form, '');
    try {
      const r = await api('POST', 'publish', { note: note.value });
      toast(r && r.published === false ? t('nothingToPublish') : t('published', { v: (r && r.version) ?? '' }));
      rerender();
    } catch (err) {
      formError(form, describe(err));
    } finally {
      button.disabled = false;
    }
  });
  const table = h('table', { class: 'table', id: 'versions' });
  const tbody = h('tbody');
  const more = h('button', { class: 'btn btn-quiet', type: 'button', id: 'versions-more', text: t('olderVersions'), hidden: true });
  const count = h('span', { class: 'muted', id: 'versions-count' });
  main.replaceChildren(h('h1', { text: t('versions') }), form, h('div', { class: 'scroll' }, table),
    h('div', { class: 'row more' }, more, count));

  let live = null; // the live version: the first row of the first page
  let next = null; // the path of the next page
  let shown = 0;
  const row = (v) => {
    const isLive = v.version === live;
    return h('tr', { 'data-version': v.version, 'data-live': isLive ? 'true' : false },
      h('td', {}, h('b', { text: v.version }), isLive ? h('span', { class: 'badge', text: t('live') }) : null),
      h('td', { class: 'nowrap', text: when(v.at) }),
      h('td', { text: actor(v.by) }),
      h('td', { text: v.note ?? '' }),
      h('td', { class: 'muted' }, changes(v), v.nodes != null ? ` · ${t('nodes')}: ${v.nodes}` : ''),
      h('td', {}, isLive ? null : h('button', {
        class: 'btn btn-quiet', type: 'button', 'data-rollback': v.version, text: t('rollback'),
        'aria-label': `${t('rollback')} ${v.version}`,
        onclick: () => rollback(v.version, describe, rerender),
      })));
  };
  const show = (p) => {
    tbody.append(...p.rows.map(row));
    shown += p.rows.length;
    next = p.next;
    more.hidden = !next;
    count.textContent = p.total != null && (next || shown < p.total) ? t('shownOf', { n: shown, total: p.total }) : '';
  };

  page('versions', 'versions').then((p) => {
    if (!p.rows.length) {
      table.replaceWith(h('p', { class: 'muted', text: t('noVersions') }));
      return;
    }
    live = p.rows[0].version;
    table.replaceChildren(h('thead', {}, h('tr', {},
      ...[t('version'), t('at'), t('by'), t('note'), t('what'), ''].map((c) => h('th', { scope: 'col', text: c })))), tbody);
    show(p);
  }).catch((err) => {
    table.replaceWith(h('p', { class: 'form-error', role: 'alert', text: describe(err) }));
  });
  more.addEventListener('click', async () => {
    if (!next) return;
    more.disabled = true;
    try {
      show(await page(next, 'versions'));
    } catch (err) {
      toast(describe(err), 'error');
    } finally {
      more.disabled = false;
    }
  });
}
