// A save refused as stale (409): someone saved this node since it was opened. The
// dialog lists the fields where this editor's values and theirs differ, and marks the
// ones they changed; the editor then takes theirs, or writes its own changes on top.
import { h, ask } from './dom.js';
import { t } from './i18n.js';
import { layoutName } from './slides.js';

/** Every leaf of `x` as `path -> text` ('slides[0].text.kk' -> '…'). */
export function flatten(x, path = '', out = new Map()) {
  if (Array.isArray(x)) {
    if (!x.length && path) out.set(path, '');
    x.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
  } else if (x && typeof x === 'object') {
    const keys = Object.keys(x);
    if (!keys.length && path) out.set(path, '');
    for (const k of keys) flatten(x[k], path ? `${path}.${k}` : k, out);
  } else if (path) {
    out.set(path, x == null ? '' : String(x));
  }
  return out;
}

/** A field path in words: 'slides[1].text.kk' -> 'Slide 2 · Text · KK'. */
export function fieldName(path) {
  const parts = [];
  for (const m of String(path).matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] != null) {
      const last = parts.pop();
      parts.push(`${last} ${Number(m[2]) + 1}`);
      continue;
    }
    const k = m[1];
    if (k === 'kk' || k === 'ru' || k === 'en') parts.push(k.toUpperCase());
    else if (k === 'legacy') continue;
    else parts.push(t(`edf_${k}`) !== `edf_${k}` ? t(`edf_${k}`) : k);
  }
  return parts.join(' · ');
}

/**
 * Shows the conflict: `base` the node this edit started from, `mine` the draft,
 * `current` theirs (null: deleted), `shape(node)` the compared fields. Resolves with
 * 'theirs', 'mine', or null (keep editing).
 */
export async function resolveConflict(base, mine, current, shape) {
  if (!current) {
    await ask(t('edConflict'), [h('p', { text: t('edDeletedMeanwhile') })], []);
    return null;
  }
  const b = flatten(shape(base));
  const m = flatten(shape(mine));
  const c = flatten(shape(current));
  const paths = [...new Set([...m.keys(), ...c.keys()])];
  const rows = paths.filter((p) => (m.get(p) ?? '') !== (c.get(p) ?? ''));
  const show = (p, v) => (p.endsWith('.layout') ? layoutName(v) : v);
  const table = h('table', { class: 'table ed-diff', 'data-conflict': 'true' },
    h('thead', {}, h('tr', {}, h('th', { text: t('edField') }), h('th', { text: t('edYours') }), h('th', { text: t('edTheirs') }))));
  const body = h('tbody');
  for (const p of rows.slice(0, 40)) {
    const they = (b.get(p) ?? '') !== (c.get(p) ?? '');
    const me = (b.get(p) ?? '') !== (m.get(p) ?? '');
    body.append(h('tr', { 'data-path': p, 'data-they': String(they), 'data-me': String(me) },
      h('th', { scope: 'row', text: fieldName(p) }),
      h('td', { class: me ? 'ed-changed' : '', text: show(p, m.get(p) ?? '') || '—' }),
      h('td', { class: they ? 'ed-changed' : '', text: show(p, c.get(p) ?? '') || '—' })));
  }
  table.append(body);
  const more = rows.length > 40 ? h('p', { class: 'muted', text: t('edMoreRows', { n: rows.length - 40 }) }) : null;
  const kids = [h('p', { text: t('edConflictText') })];
  if (rows.length) kids.push(h('div', { class: 'scroll ed-diff-box' }, table));
  else kids.push(h('p', { class: 'muted', text: t('edSameValues') }));
  if (more) kids.push(more);
  return ask(t('edConflict'), kids, [
    { label: t('edTakeTheirs'), value: 'theirs' },
    { label: t('edKeepMine'), value: 'mine', kind: 'danger' },
  ]);
}
