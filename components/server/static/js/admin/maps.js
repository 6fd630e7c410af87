// The maps (`#/maps`): the built-in map of Kazakhstan and every map staff added, with
// how many regions each has and how many nodes use it; add a map from a GeoJSON file
// (`POST /api/maps?name=…`, the file as the body; a file ekran cannot use is refused
// with findings that name the feature, listed here); delete a map nobody uses (refused
// while the working copy or a kept version uses it).
import { api, list } from './api.js';
import { h, field, toast, ask, formError } from './dom.js';
import { t, pick } from './i18n.js';
import { sizeText } from './media-items.js';
import { drawMap, loadMap } from './map-svg.js';

const enc = encodeURIComponent;

/** One finding of a refused upload, for people: what (in the admin's language), where. */
function finding(d) {
  const known = d.code && t(`mpe_${d.code}`) !== `mpe_${d.code}` ? t(`mpe_${d.code}`) : '';
  const where = d.line ? ` (${t('line')} ${d.line}, ${t('column')} ${d.column})` : '';
  return h('li', { 'data-code': d.code || '' },
    known ? h('strong', { text: `${known}: ` }) : null, h('span', { text: `${d.message || ''}${where}` }));
}

export function render(main, { describe }) {
  let alive = true;
  const file = h('input', { type: 'file', id: 'map-file', name: 'file', accept: '.geojson,.json,application/geo+json,application/json' });
  const name = h('input', { type: 'text', id: 'map-name', name: 'name', autocomplete: 'off', maxlength: '200' });
  const credit = h('input', { type: 'text', id: 'map-attribution', name: 'attribution', autocomplete: 'off', maxlength: '300', placeholder: '© OpenStreetMap contributors, ODbL' });
  const send = h('button', { class: 'btn', type: 'submit', text: t('mpSend') });
  const problems = h('div', { id: 'map-problems', role: 'alert', hidden: true });
  const form = h('form', { class: 'card', id: 'map-upload' },
    h('h2', { text: t('mpAdd') }),
    h('p', { class: 'muted', text: t('mpAddText') }),
    h('div', { class: 'row' }, field(t('mpFile'), file), field(t('mpName'), name), field(t('mpAttribution'), credit), send),
    problems);
  const table = h('table', { class: 'table', id: 'maps', 'aria-busy': 'true' });
  const preview = h('section', { class: 'card map-preview', id: 'map-preview', hidden: true });
  main.replaceChildren(h('h1', { text: t('maps') }), form, h('div', { class: 'scroll' }, table), preview);

  // The map's name from the file's name, until one is typed.
  file.addEventListener('change', () => {
    const f = file.files[0];
    if (f && (!name.value.trim() || name.dataset.auto === 'true')) {
      name.value = f.name.replace(/\.(geo)?json$/i, '');
      name.dataset.auto = 'true';
    }
  });
  name.addEventListener('input', () => { name.dataset.auto = 'false'; });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    formError(form, '');
    problems.hidden = true;
    problems.replaceChildren();
    const f = file.files[0];
    if (!f) {
      formError(form, t('mpChooseFile'));
      file.focus();
      return;
    }
    if (!name.value.trim()) {
      formError(form, t('mpNameNeeded'));
      name.focus();
      return;
    }
    send.disabled = true;
    try {
      const m = await api('POST', `maps?name=${enc(name.value.trim())}&file=${enc(f.name)}${credit.value.trim() ? `&attribution=${enc(credit.value.trim())}` : ''}`, f, { type: 'application/geo+json' });
      if (!alive) return;
      toast(t('mpAdded', { name: pick(m && m.name) || name.value.trim() }));
      form.reset();
      name.dataset.auto = 'false';
      await load(m && m.id);
    } catch (err) {
      if (!alive) return;
      const ds = err.status === 422 && Array.isArray(err.body.diagnostics) ? err.body.diagnostics : [];
      if (ds.length) {
        problems.replaceChildren(h('p', { class: 'form-error', text: `${t('mpNotAdded')} ${f.name}` }), h('ul', { class: 'map-findings' }, ds.map(finding)));
        problems.hidden = false;
      } else formError(form, err.status === 409 ? `${t('mpNameTaken')} (${err.message})` : describe(err));
    } finally {
      send.disabled = false;
    }
  });

  async function remove(m) {
    const go = await ask(t('mpDeleteTitle', { n: pick(m.name) || m.id }), [h('p', { text: t('mpDeleteText') })],
      [{ label: t('mpDelete'), value: 'delete', kind: 'danger' }]);
    if (go !== 'delete') return;
    try {
      await api('DELETE', `maps/${enc(m.id)}`);
      toast(t('mpDeleted'));
      await load();
    } catch (err) {
      toast(err.status === 409 ? `${t('mpInUse')} (${err.message})` : describe(err), 'error');
    }
  }

  async function show(m) {
    preview.hidden = false;
    preview.dataset.map = m.id;
    preview.replaceChildren(h('h2', { text: pick(m.name) || m.id }), h('p', { class: 'muted', text: t('loading') }));
    try {
      const doc = await loadMap(m.id);
      if (!alive || preview.dataset.map !== m.id) return;
      // (replaceChildren would show a null as the text "null".)
      preview.replaceChildren(...[h('h2', { text: pick(m.name) || m.id }), h('div', { class: 'ed-map-canvas' }, drawMap(doc)),
        doc.attribution ? h('p', { class: 'hint map-attribution', text: doc.attribution }) : null].filter(Boolean));
    } catch (err) {
      if (alive) preview.replaceChildren(h('p', { class: 'form-error', text: describe(err) }));
    }
  }

  async function load(added) {
    table.setAttribute('aria-busy', 'true');
    let rows;
    try {
      rows = list(await api('GET', 'maps'), 'maps');
    } catch (err) {
      if (alive) table.replaceChildren(h('caption', { class: 'form-error', text: describe(err) }));
      return;
    }
    if (!alive) return;
    rows.sort((a, b) => (b.builtin ? 1 : 0) - (a.builtin ? 1 : 0) || pick(a.name).localeCompare(pick(b.name)));
    table.replaceChildren(
      h('thead', {}, h('tr', {}, ...[t('mpName'), t('mpId'), t('mpFeatures'), t('mpSize'), t('mpUse'), ''].map((c) => h('th', { scope: 'col', text: c })))),
      h('tbody', {}, rows.map((m) => h('tr', { 'data-map': m.id, 'data-builtin': String(!!m.builtin), 'data-used': String(m.used_by || 0), class: m.id === added ? 'just-added' : false },
        h('td', {}, h('button', { type: 'button', class: 'linkish', text: pick(m.name) || m.id, onclick: () => show(m) }),
          m.builtin ? h('span', { class: 'muted', text: ` · ${t('mpBuiltin')}` }) : null),
        h('td', {}, h('code', { text: m.id })),
        h('td', { 'data-features': String(m.features), text: String(m.features) }),
        h('td', { text: m.bytes ? sizeText(m.bytes) : '' }),
        h('td', { text: [m.used_by ? t('mpUsedBy', { n: m.used_by }) : t('mpUnused'), m.published ? t('mpPublished') : ''].filter(Boolean).join(' · ') }),
        h('td', {}, m.builtin ? null : h('button', { type: 'button', class: 'btn btn-quiet btn-danger-text', 'data-delete': m.id, text: t('mpDelete'), onclick: () => remove(m) }))))));
    table.setAttribute('aria-busy', 'false');
  }
  load();
  return () => { alive = false; };
}
