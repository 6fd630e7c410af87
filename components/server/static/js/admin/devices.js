// Devices (admins): pair a display or tablet by the code it shows, see which devices
// are online and what their screen shows, rename, reassign, reload, revoke. Polls every
// 3 s while the page is visible; a device offline for longer than the server's alert
// threshold (`alert`, `serve --offline-alert`) is flagged at the top.
import { api, list } from './api.js';
import { h, field, select, formError, toast, ask } from './dom.js';
import { t, pick } from './i18n.js';

const EVERY_MS = 3000;

const roles = () => [['display', t('roleDisplay')], ['tablet', t('roleTablet')]];

/** "12 s", "5 min", "3 h" since Unix milliseconds `ms`. */
function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 90) return t('agoS', { n: s });
  if (s < 90 * 60) return t('agoMin', { n: Math.round(s / 60) });
  return t('agoH', { n: Math.round(s / 3600) });
}

/** A short name of a browser from its User-Agent. */
function browser(ua) {
  if (!ua) return '';
  const m = ua.match(/(Firefox|Chrome|Chromium|Safari|Edg)\/(\d+)/);
  const os = /Android/.test(ua) ? 'Android' : /iPad|iPhone/.test(ua) ? 'iOS' : /Linux/.test(ua) ? 'Linux' : /Windows/.test(ua) ? 'Windows' : /Mac OS/.test(ua) ? 'macOS' : '';
  return [m ? `${m[1]} ${m[2]}` : ua.slice(0, 40), os].filter(Boolean).join(' · ');
}

async function change(d, screens, describe, reload) {
  const name = h('input', { name: 'name', value: d.name, required: true, maxlength: '64' });
  const role = select(roles(), d.role, { name: 'role' });
  const screen = select(screens, d.screen, { name: 'screen' });
  const go = await ask(d.name, [field(t('deviceName'), name), field(t('role'), role), field(t('screen'), screen)],
    [{ label: t('save'), value: 'save' }]);
  if (go !== 'save') return;
  const body = {};
  if (name.value.trim() !== d.name) body.name = name.value.trim();
  if (role.value !== d.role) body.role = role.value;
  if (screen.value !== d.screen) body.screen = screen.value;
  if (!Object.keys(body).length) return;
  try {
    await api('PATCH', `devices/${d.id}`, body);
    toast(t('saved'));
    reload();
  } catch (err) {
    toast(describe(err), 'error');
  }
}

async function revoke(d, describe, reload) {
  const go = await ask(t('revokeTitle', { n: d.name }), [h('p', { text: t('revokeText') })],
    [{ label: t('revoke'), value: 'revoke', kind: 'danger' }]);
  if (go !== 'revoke') return;
  try {
    await api('DELETE', `devices/${d.id}`);
    toast(t('revoked'));
    reload();
  } catch (err) {
    toast(describe(err), 'error');
  }
}

async function reloadDevice(d, describe) {
  try {
    const r = await api('POST', `devices/${d.id}/reload`);
    toast(t('reloadSent', { n: r.connections ?? 0 }));
  } catch (err) {
    toast(describe(err), 'error');
  }
}

const roleName = (r) => (r === 'tablet' ? t('roleTablet') : t('roleDisplay'));

/**
 * The pairing form. A code that a waiting page shows fills in the role and screen that
 * page asked for (its URL), unless the admin chose them by hand; the page's own role
 * and screen stay in view next to the code, flagged when the form differs.
 */
function pairForm(screens, describe, done, preset) {
  const code = h('input', { name: 'code', required: true, inputmode: 'numeric', autocomplete: 'off', pattern: '[0-9 ]{6,7}', maxlength: '7', value: preset.code || '' });
  const name = h('input', { name: 'name', required: true, maxlength: '64', autocomplete: 'off' });
  const role = select(roles(), 'display', { name: 'role' });
  const screen = select(screens, screens[0] && screens[0][0], { name: 'screen' });
  const asks = h('p', { id: 'pair-asks', class: 'muted', 'aria-live': 'polite' });
  const button = h('button', { class: 'btn', type: 'submit', text: t('pair') });
  const form = h('form', { class: 'card', id: 'pair' }, h('h2', { text: t('pairTitle') }),
    h('p', { class: 'muted', text: t('pairText') }),
    h('div', { class: 'row' }, field(t('pairCode'), code), field(t('deviceName'), name), field(t('role'), role), field(t('screen'), screen)),
    asks, h('p', {}, button));
  let waiting = null; // the pages waiting, once known
  let filled = ''; // the code whose page's role and screen were filled in
  const byHand = { role: false, screen: false };

  /** Fills in what the page showing `p.code` asked for (`force`: over a hand choice). */
  function take(p, force) {
    if (force || !byHand.role) role.value = p.role === 'tablet' ? 'tablet' : 'display';
    if ((force || !byHand.screen) && screens.some(([v]) => v === p.screen)) screen.value = p.screen;
    if (force) byHand.role = byHand.screen = false;
    filled = p.code;
  }

  /** Matches the typed code with the waiting pages: fills in and says what it asks. */
  function check() {
    const digits = code.value.replace(/\D/g, '');
    const p = waiting && waiting.find((x) => x.code === digits);
    if (p && filled !== p.code) take(p, false);
    if (!p) filled = '';
    asks.replaceChildren();
    asks.className = 'muted';
    delete asks.dataset.role;
    delete asks.dataset.screen;
    if (p) {
      asks.dataset.role = p.role;
      asks.dataset.screen = p.screen;
      asks.append(t('pairAsks', { what: `${roleName(p.role)} · ${t('screen')} ${p.screen}` }));
      if (role.value !== p.role || screen.value !== p.screen) {
        asks.className = 'warn';
        asks.append(h('br'), h('b', { text: t('pairDiffers') }));
      }
    } else if (waiting && digits.length === 6) {
      asks.textContent = t('pairNoSuchCode');
    }
  }

  code.addEventListener('input', check);
  role.addEventListener('change', () => { byHand.role = true; check(); });
  screen.addEventListener('change', () => { byHand.screen = true; check(); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    formError(form, '');
    button.disabled = true;
    try {
      await api('POST', 'devices', { code: code.value.replace(/\D/g, ''), name: name.value.trim(), role: role.value, screen: screen.value });
      toast(t('paired'));
      location.hash = '#/devices';
      done();
    } catch (err) {
      formError(form, err.code === 'not_waiting' ? t('pairNotWaiting') : describe(err));
    } finally {
      button.disabled = false;
    }
  });
  const fill = (p) => {
    code.value = p.code;
    take(p, true);
    check();
    name.focus();
  };
  /** The pages waiting now (every poll). */
  const known = (pending) => {
    waiting = pending;
    check();
  };
  return { form, fill, known, focus: () => (preset.code ? name : code).focus() };
}

export function render(main, { describe, rerender, rest }) {
  let stopped = false;
  let timer = 0;
  const alert = h('p', { class: 'banner warn', role: 'alert', id: 'offline-alert', hidden: true });
  const waiting = h('div', { id: 'pairings' });
  const table = h('table', { class: 'table', id: 'devices' });
  main.replaceChildren(h('h1', { text: t('devices') }), alert, h('p', { class: 'muted', text: t('loading') }));
  // `#/devices/pair/CODE` (the QR code a device shows) fills the code in, and the role
  // and screen that device's page asked for once the waiting pages are known.
  const preset = rest[0] === 'pair' && /^\d{6}$/.test(rest[1] || '') ? { code: rest[1] } : {};
  let screens = [];
  let pf = null;

  function showDevices(devices) {
    const offline = devices.filter((d) => d.alert);
    alert.hidden = !offline.length;
    alert.textContent = offline.length ? t('offlineAlert', { n: offline.map((d) => d.name).join(', ') }) : '';
    table.replaceChildren(h('thead', {}, h('tr', {},
      ...[t('deviceName'), t('role'), t('screen'), t('state'), t('shows'), t('lastSeen'), t('address'), t('browser'), ''].map((c) => h('th', { scope: 'col', text: c })))));
    if (!devices.length) {
      table.append(h('tbody', {}, h('tr', {}, h('td', { colspan: '9', class: 'muted', text: t('noDevices') }))));
      return;
    }
    table.append(h('tbody', {}, ...devices.map((d) => {
      const flagged = offline.includes(d);
      const state = d.online ? t('online') : d.offline_since ? `${t('offline')} · ${ago(d.offline_since)}` : t('offline');
      return h('tr', { 'data-device': String(d.id), 'data-online': String(!!d.online), class: flagged ? 'flagged' : false },
        h('td', {}, h('b', { text: d.name })),
        h('td', { text: d.role === 'tablet' ? t('roleTablet') : t('roleDisplay') }),
        h('td', { text: d.screen }),
        h('td', {}, h('span', { class: `badge ${d.online ? '' : 'badge-warn'}`, text: state })),
        h('td', { 'data-k': 'shows', text: d.shows ? `${d.shows.title || d.shows.node} · ${(d.shows.slide ?? 0) + 1}` : '' }),
        h('td', { class: 'nowrap', text: d.last_seen_at ? ago(d.last_seen_at) : '—' }),
        h('td', { class: 'muted', text: d.address || '' }),
        h('td', { class: 'muted', text: browser(d.user_agent) },
          ...(d.media_errors || []).map((e) => h('div', { class: 'warn', 'data-media-error': e.src, text: `${t('mediaError')}: ${e.src}` }))),
        h('td', { class: 'actions' },
          h('button', { class: 'btn btn-quiet', type: 'button', 'data-edit': String(d.id), text: t('change'), 'aria-label': `${t('change')}: ${d.name}`, onclick: () => change(d, screens, describe, rerender) }),
          h('button', { class: 'btn btn-quiet', type: 'button', 'data-reload': String(d.id), text: t('reload'), disabled: !d.online, onclick: () => reloadDevice(d, describe) }),
          h('button', { class: 'btn btn-quiet btn-danger-text', type: 'button', 'data-revoke': String(d.id), text: t('revoke'), 'aria-label': `${t('revoke')}: ${d.name}`, onclick: () => revoke(d, describe, rerender) })));
    })));
  }

  function showWaiting(pending) {
    if (!pending.length) {
      waiting.replaceChildren(h('p', { class: 'muted', text: t('noPairings') }));
      return;
    }
    waiting.replaceChildren(h('ul', { class: 'pairings' }, ...pending.map((p) => h('li', { 'data-code': p.code },
      h('b', { class: 'code', text: p.code.replace(/(\d{3})(\d{3})/, '$1 $2') }), ' ',
      h('span', { text: `${roleName(p.role)} · ${t('screen')} ${p.screen}` }), ' ',
      h('span', { class: 'muted', text: `${p.address} · ${browser(p.user_agent)}` }), ' ',
      h('button', { class: 'btn btn-quiet', type: 'button', 'data-use': p.code, text: t('pairThis'), onclick: () => pf && pf.fill(p) })))));
  }

  async function poll() {
    if (stopped) return;
    if (document.visibilityState === 'visible') {
      try {
        const [devices, pending] = await Promise.all([api('GET', 'devices'), api('GET', 'pairings')]);
        if (stopped) return;
        showDevices(list(devices, 'devices'));
        const pages = list(pending, 'pairings');
        showWaiting(pages);
        if (pf) pf.known(pages);
      } catch (err) {
        alert.hidden = false;
        alert.textContent = describe(err);
      }
    }
    if (!stopped) timer = setTimeout(poll, EVERY_MS);
  }

  api('GET', 'screens').then((body) => {
    if (stopped) return;
    screens = list(body, 'screens').map((s) => [String(s.id), `${s.id} · ${pick(s.name)}`]);
    pf = pairForm(screens, describe, () => poll(), preset);
    main.replaceChildren(h('h1', { text: t('devices') }), alert, pf.form,
      h('section', { class: 'card' }, h('h2', { text: t('waitingDevices') }), waiting),
      h('h2', { text: t('pairedDevices') }), h('div', { class: 'scroll' }, table));
    pf.focus();
    poll();
  }).catch((err) => {
    main.replaceChildren(h('h1', { text: t('devices') }), h('p', { class: 'form-error', role: 'alert', text: describe(err) }));
  });

  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
