// Import (checked first: a dry run lists every problem with its place) and export.
import { api } from './api.js';
import { h, field, select, formError, toast } from './dom.js';
import { t } from './i18n.js';

// An answer lists at most 1 000 diagnostics, errors first; `omitted` says how many more.
function diagnostics(list, bad, omitted) {
  if (!list.length && bad) return '';
  if (!list.length) return h('p', { class: 'ok', id: 'import-ok', text: t('noProblems') });
  const more = omitted > 0 ? h('p', { class: 'muted', id: 'diagnostics-omitted', text: t('moreDiagnostics', { n: omitted }) }) : null;
  const table = h('table', { class: 'table', id: 'diagnostics' },
    h('thead', {}, h('tr', {}, ...[t('file'), t('line'), t('column'), t('level'), t('message')].map((c) => h('th', { scope: 'col', text: c })))));
  table.append(h('tbody', {}, list.map((d) => {
    const level = String(d.level || d.severity || '');
    const source = d.source_line ?? d.snippet ?? d.excerpt ?? d.line_text ?? '';
    return h('tr', { 'data-level': level },
      h('td', { text: d.file ?? '' }),
      h('td', { text: d.line ?? '' }),
      h('td', { text: d.column ?? '' }),
      h('td', { text: level === 'error' ? t('errorLevel') : level === 'warning' ? t('warning') : level }),
      h('td', {}, h('span', { text: d.message ?? '' }), (d.field || d.path) ? h('span', { class: 'muted', text: ` (${d.field || d.path})` }) : null,
        source ? h('pre', { class: 'source', text: source }) : null));
  })));
  return h('div', { class: 'scroll' }, more, table);
}

export function render(main, { describe }) {
  const lang = select([['', t('auto')], ['kk', 'Қазақша'], ['ru', 'Русский']], '', { name: 'lang' });
  const files = h('input', { type: 'file', name: 'files', multiple: true, accept: '.json,.txt,application/json' });
  const publish = h('input', { type: 'checkbox', name: 'publish' });
  const check = h('button', { class: 'btn btn-quiet', type: 'submit', 'data-step': 'check', text: t('check') });
  const commit = h('button', { class: 'btn', type: 'button', 'data-step': 'commit', text: t('commit'), disabled: true });
  const result = h('div', { class: 'result', id: 'import-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card', id: 'import' }, h('h2', { text: t('importTitle') }),
    h('p', { class: 'muted', text: t('importText') }),
    h('div', { class: 'row' }, field(t('files'), files), field(t('contentLang'), lang)),
    h('label', { class: 'check' }, publish, ` ${t('publishNow')}`),
    h('div', { class: 'row' }, check, commit), result);

  function body() {
    const fd = new FormData();
    for (const f of files.files) fd.append('file', f, f.name);
    return fd;
  }
  function query(dry) {
    const q = new URLSearchParams();
    if (dry) q.set('dry_run', '1');
    else if (publish.checked) q.set('publish', '1');
    if (lang.value) q.set('lang', lang.value);
    const s = q.toString();
    return s ? `import?${s}` : 'import';
  }
  const reset = () => {
    commit.disabled = true;
    result.replaceChildren();
  };
  for (const c of [lang, files]) c.addEventListener('change', reset);

  async function run(dry) {
    formError(form, '');
    if (!files.files.length) {
      formError(form, t('chooseFiles'));
      return;
    }
    check.disabled = true;
    commit.disabled = true;
    try {
      const r = await api('POST', query(dry), body());
      const list = (r && r.diagnostics) || [];
      const bad = (r && r.ok === false) || list.some((d) => (d.level || d.severity) === 'error');
      if (dry) {
        result.replaceChildren(h('h3', { text: t('checked') }),
          bad ? h('p', { class: 'form-error', text: t('hasErrors') }) : null, diagnostics(list, bad, r && r.diagnostics_omitted));
        commit.disabled = bad;
      } else {
        const done = r && r.published && r.published.version != null ? t('published', { v: r.published.version }) : t('imported');
        result.replaceChildren(h('p', { class: 'ok', id: 'import-done', text: done }), list.length ? diagnostics(list, false, r && r.diagnostics_omitted) : '');
        toast(done);
      }
    } catch (err) {
      const list = (err.body && err.body.diagnostics) || [];
      if (list.length) result.replaceChildren(h('p', { class: 'form-error', text: t('hasErrors') }), diagnostics(list, true, err.body.diagnostics_omitted));
      else formError(form, describe(err));
    } finally {
      check.disabled = false;
    }
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    run(true);
  });
  commit.addEventListener('click', () => run(false));

  const exp = h('section', { class: 'card', id: 'export' }, h('h2', { text: t('exportTitle') }),
    h('p', { class: 'muted', text: t('exportText') }),
    h('p', {}, h('a', { class: 'btn', href: '/api/export', download: 'ekran-export.json', text: t('download') })));
  main.replaceChildren(h('h1', { text: t('transfer') }), form, exp);
}
