// Screen settings (admins): names, theme, root, languages, idle time and attract list.
import { api, list } from './api.js';
import { h, field, select, formError, toast } from './dom.js';
import { t, pick } from './i18n.js';

const THEMES = ['azure', 'steppe', 'sunrise', 'jade', 'graphite'];

function editor(s, describe) {
  const name = s.name || {};
  const idle = s.idle || {};
  const nameKk = h('input', { name: 'name_kk', value: name.kk || '', lang: 'kk' });
  const nameRu = h('input', { name: 'name_ru', value: name.ru || '', lang: 'ru' });
  const theme = select(THEMES.map((x) => [x, x]), s.theme || 'azure', { name: 'theme' });
  const root = h('input', { name: 'root', value: s.root || '', autocomplete: 'off', spellcheck: 'false' });
  const langs = h('input', { name: 'languages', value: (s.languages || []).join(', '), autocomplete: 'off' });
  const seconds = h('input', { name: 'idle_seconds', type: 'number', min: '1', value: idle.seconds ?? s.idle_seconds ?? 180 });
  const attract = h('input', { name: 'attract', value: (idle.attract || s.attract || []).join(', '), autocomplete: 'off', spellcheck: 'false' });
  const attractSeconds = h('input', { name: 'attract_seconds', type: 'number', min: '1', value: idle.attract_seconds ?? s.attract_seconds ?? 10 });
  const button = h('button', { class: 'btn', type: 'submit', text: t('save') });
  const form = h('form', { class: 'card settings', id: `screen-${s.id}`, 'data-screen': s.id },
    h('h2', {}, h('span', { class: 'num', text: s.id }), h('span', { class: 'sname', text: pick(s.name) })),
    h('div', { class: 'grid2' }, field(t('nameKk'), nameKk), field(t('nameRu'), nameRu),
      field(t('theme'), theme), field(t('root'), root), field(t('languages'), langs),
      field(t('idleSeconds'), seconds), field(t('attract'), attract), field(t('attractSeconds'), attractSeconds)),
    button);
  const words = (v) => v.split(/[\s,]+/).filter(Boolean);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    formError(form, '');
    const body = {
      name: { kk: nameKk.value.trim(), ru: nameRu.value.trim() },
      theme: theme.value,
      root: root.value.trim(),
      languages: words(langs.value),
      idle_seconds: Number(seconds.value),
      attract: words(attract.value),
      attract_seconds: Number(attractSeconds.value),
    };
    try {
      await api('PATCH', `screens/${encodeURIComponent(s.id)}`, body);
      toast(t('savedScreen'));
      form.querySelector('.sname').textContent = pick(body.name);
    } catch (err) {
      let msg = describe(err);
      const d = err.body && Array.isArray(err.body.diagnostics) ? err.body.diagnostics : [];
      if (d.length) msg += ` — ${d.map((x) => [x.path || x.field, x.message].filter(Boolean).join(': ')).join('; ')}`;
      formError(form, msg);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export function render(main, { describe }) {
  const box = h('div', { class: 'stack' });
  main.replaceChildren(h('h1', { text: t('screens') }), box);
  api('GET', 'screens').then((body) => {
    box.replaceChildren(...list(body, 'screens').map((s) => editor(s, describe)));
  }).catch((err) => {
    box.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: describe(err) }));
  });
}
