// The translation report (#/translations/{screen}): every text of the screen's nodes
// that has one of its two main languages and lacks the other, each a link to that
// field in the editor (#/content/{screen}/{key}?field=slides[1].text.kk).
import { api, list } from './api.js';
import { h, select } from './dom.js';
import { t, pick, langName } from './i18n.js';
import { fieldName } from './conflict.js';

/** The editor's link to `field` in language `lang` of node `key` on `screen`. */
export function fieldLink(screen, key, field, lang) {
  const f = lang && !/\.(kk|ru|en)$/.test(field) ? `${field}.${lang}` : field;
  return `#/content/${encodeURIComponent(screen)}/${encodeURIComponent(key)}?field=${encodeURIComponent(f)}`;
}

export function render(main, { rest, describe }) {
  const screen = (rest && rest[0]) || '1';
  const pickScreen = h('div', { class: 'tr-screens' });
  const body = h('div', { class: 'tr-body', id: 'translations', 'data-screen': screen }, h('p', { class: 'muted', text: t('loading') }));
  main.replaceChildren(h('h1', { text: t('trTitle') }), pickScreen, body);

  api('GET', 'screens').then((res) => {
    const screens = list(res, 'screens');
    if (screens.length < 2) return;
    const s = select(screens.map((x) => [x.id, `${x.id} · ${pick(x.name)}`]), screen, { id: 'tr-screen' });
    s.addEventListener('change', () => { location.hash = `#/translations/${encodeURIComponent(s.value)}`; });
    pickScreen.replaceChildren(h('label', { for: 'tr-screen', text: t('screen') }), s);
  }).catch(() => {});

  api('GET', `screens/${encodeURIComponent(screen)}/translations`).then((res) => {
    const missing = Array.isArray(res && res.missing) ? res.missing : [];
    const langs = Array.isArray(res && res.languages) ? res.languages : ['kk', 'ru'];
    const counts = langs.map((l) => `${langName(l)}: ${missing.filter((m) => m.lang === l).length}`).join(' · ');
    body.dataset.count = String(missing.length);
    if (!missing.length) {
      body.replaceChildren(h('p', { class: 'ok', text: t('trNone') }));
      return;
    }
    // One card per node, in the order the report lists them.
    const byNode = new Map();
    for (const m of missing) {
      if (!byNode.has(m.key)) byNode.set(m.key, { m, items: [] });
      byNode.get(m.key).items.push(m);
    }
    const cards = [];
    for (const [key, { m, items }] of byNode) {
      const ul = h('ul', { class: 'tr-list' });
      for (const it of items) {
        ul.append(h('li', {}, h('a', {
          href: fieldLink(screen, key, it.field, it.lang), class: 'tr-link',
          'data-key': key, 'data-field': it.field, 'data-lang': it.lang,
          text: `${fieldName(it.field)} — ${t('trMissingIn', { lang: langName(it.lang) })}`,
        })));
      }
      cards.push(h('section', { class: 'card tr-node', 'data-key': key },
        h('h2', {}, m.label ? h('span', { class: 'num', text: m.label }) : null, h('span', { class: 'sname', text: pick(m.title) || key })),
        ul));
    }
    body.replaceChildren(h('p', { class: 'muted', text: `${t('trCount', { n: missing.length })} (${counts})` }), ...cards);
  }).catch((err) => {
    body.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: describe(err) }));
  });
}
