// The admin: sign-in, navigation by the URL's fragment (#/hall, #/versions…), the
// language switch and sign-out. Each view lives in its own module.
import { api, setCsrf, setSignedOutHandler } from './api.js';
import { h, field, formError, toast } from './dom.js';
import { t, getLang, setLang, LANGS } from './i18n.js';
import * as hall from './hall.js';
import * as versions from './versions.js';
import * as audit from './audit.js';
import * as screens from './screens.js';
import * as users from './users.js';
import * as transfer from './transfer.js';
import * as devices from './devices.js';
import * as content from './content.js';
import * as media from './media.js';
import * as maps from './maps.js';
import * as translations from './translations.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const signout = document.getElementById('signout');

/** View name → [module, label key, admins only, not in the menu]. */
const VIEWS = {
  hall: [hall, 'hall', false],
  content: [content, 'content', false],
  media: [media, 'media', false],
  maps: [maps, 'maps', false],
  versions: [versions, 'versions', false],
  screens: [screens, 'screens', true],
  users: [users, 'users', true],
  devices: [devices, 'devices', true],
  audit: [audit, 'audit', false],
  transfer: [transfer, 'transfer', false],
  translations: [translations, 'trTitle', false, true],
};

let me = null; // { name, role, csrf }
let cleanup = null;

/** A user-facing message for a failed request. */
export function describe(err) {
  switch (err && err.status) {
    case 0: return t('eNet');
    case 401: return t('eSession');
    case 403: return err.code === 'csrf' ? err.message : t('e403');
    case 404: return t('e404');
    case 409: {
      const reason = err.body && err.body.reason;
      const known = reason && t(`c_${reason}`) !== `c_${reason}` ? t(`c_${reason}`) : '';
      return known || `${t('e409')}: ${err.message}`;
    }
    case 413: return t('e413');
    case 429: return t('e429', { s: err.retryAfter || 60 });
    case 503: return t('e503');
    case 422: {
      const d = Array.isArray(err.body.diagnostics) ? err.body.diagnostics : [];
      if (d.length) return d.map((x) => [x.field, x.message].filter(Boolean).join(': ')).join('; ');
      return `${t('error')}: ${err.message}`;
    }
    default: return err && err.message ? `${t('error')}: ${err.message}` : t('error');
  }
}

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return { view: parts[0] || 'hall', rest: parts.slice(1) };
}

function header() {
  const langs = document.getElementById('langs');
  langs.replaceChildren(...LANGS.map(([code, label]) => h('button', {
    type: 'button', class: 'lang', lang: code, 'data-lang': code, 'aria-pressed': String(code === getLang()),
    text: label, onclick: () => { setLang(code); document.getElementById('toast').hidden = true; render(); },
  })));
  document.title = t('title');
  nav.setAttribute('aria-label', t('menu'));
  document.querySelector('.skip').textContent = t('skip');
  signout.textContent = t('signOut');
  signout.hidden = !me;
  who.hidden = !me;
  nav.hidden = !me;
  if (!me) return;
  who.textContent = `${me.name} · ${t(me.role === 'admin' ? 'admin' : 'editor')}`;
  const { view } = route();
  nav.replaceChildren(...Object.entries(VIEWS)
    .filter(([, [, , adminOnly, unlisted]]) => !unlisted && (!adminOnly || me.role === 'admin'))
    .map(([name, [, label]]) => h('a', {
      href: `#/${name}`, 'data-nav': name, text: t(label),
      'aria-current': name === view ? 'page' : false,
    })));
}

function signInView() {
  const name = h('input', { name: 'name', autocomplete: 'username', required: true, autocapitalize: 'off', spellcheck: 'false' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { class: 'btn', type: 'submit', text: t('signIn') });
  const form = h('form', { class: 'card signin', id: 'signin' },
    h('h1', { text: t('welcome') }),
    h('p', { class: 'muted', text: t('welcomeHint') }),
    field(t('name'), name), field(t('password'), password), button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    formError(form, '');
    try {
      const s = await api('POST', 'session', { name: name.value.trim(), password: password.value }, { signIn: true });
      signedIn(s);
      // Back where they were, unless that is a page this role does not have.
      const entry = VIEWS[route().view];
      if (!entry || (entry[2] && me.role !== 'admin')) location.hash = '#/hall';
      else render();
    } catch (err) {
      formError(form, err.status === 401 ? t('e401') : describe(err));
      password.select();
    } finally {
      button.disabled = false;
    }
  });
  main.replaceChildren(form);
  main.dataset.view = 'signin';
  name.focus();
}

function notFound() {
  main.dataset.view = 'notfound';
  main.replaceChildren(h('section', { class: 'card notfound' },
    h('h1', { text: t('notFound') }),
    h('p', { class: 'muted', text: t('notFoundText') }),
    h('p', {}, h('a', { class: 'btn', href: '#/hall', text: t('toHall') }))));
}

function render() {
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  header();
  if (!me) {
    signInView();
    return;
  }
  const { view, rest } = route();
  const entry = VIEWS[view];
  if (!entry || (entry[2] && me.role !== 'admin')) {
    notFound();
    return;
  }
  main.dataset.view = view;
  main.replaceChildren(h('p', { class: 'muted', text: t('loading') }));
  cleanup = entry[0].render(main, { me, rest, describe, rerender: render }) || null;
}

function signedIn(s) {
  me = { name: s.name, role: s.role };
  setCsrf(s.csrf);
}

setSignedOutHandler(() => {
  if (!me) return;
  me = null;
  setCsrf('');
  toast(t('eSession'), 'error');
  render();
});

signout.addEventListener('click', async () => {
  try {
    await api('DELETE', 'session');
  } catch {
    // signed out on the server or not: this page forgets the session either way
  }
  me = null;
  setCsrf('');
  render();
});

window.addEventListener('hashchange', () => {
  render();
  main.focus({ preventScroll: true });
});

setLang(getLang());
try {
  signedIn(await api('GET', 'session', undefined, { signIn: true }));
} catch {
  me = null;
}
render();
