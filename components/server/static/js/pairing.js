// Pairing, on a display or tablet page: before connecting, the page asks what its
// browser is (GET /api/device). A browser paired with this screen and role goes on; one
// paired with another screen or role goes to its own page; an unpaired one shows a
// six-digit code (and a QR code of the admin's devices page) until an admin pairs it,
// then reloads with its token in an HttpOnly cookie. The request is kept over reloads
// (sessionStorage), so a reloaded page shows the same code. See docs/api.md, "Devices".

const POLL_MS = 2000;
const TEXT = {
  kk: { title: 'Бұл құрылғы әлі жұпталмаған', hint: 'Әкімші бетінде, «Құрылғылар» бөлімінде осы кодты енгізіңіз', busy: 'Бұл адрестен тым көп сұрау: сәлден соң қайталанады', noScreen: (n) => `Залда № ${n} экран жоқ`, role: { display: 'экран', tablet: 'планшет' }, screen: 'экран' },
  ru: { title: 'Это устройство ещё не сопряжено', hint: 'Введите этот код в админке, в разделе «Устройства»', busy: 'Слишком много запросов с этого адреса: повтор чуть позже', noScreen: (n) => `В зале нет экрана № ${n}`, role: { display: 'экран', tablet: 'планшет' }, screen: 'экран' },
  en: { title: 'This device is not paired yet', hint: 'Enter this code in the admin, under “Devices”', busy: 'Too many requests from this address: retrying shortly', noScreen: (n) => `The hall has no screen ${n}`, role: { display: 'display', tablet: 'tablet' }, screen: 'screen' },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

/** The pairing screen; returns setters for its code, QR code and note. */
function overlay(role, screen) {
  const box = el('section', 'pairing');
  box.id = 'pairing';
  box.setAttribute('role', 'dialog');
  box.setAttribute('aria-labelledby', 'pairing-title');
  const title = el('h1', 'pairing-title');
  title.id = 'pairing-title';
  for (const lang of ['kk', 'ru']) title.append(el('span', `pl pl-${lang}`, TEXT[lang].title));
  const code = el('p', 'pairing-code');
  code.id = 'pairing-code';
  const roleName = [...new Set([TEXT.kk.role[role], TEXT.ru.role[role]])].join(' · ');
  const what = el('p', 'pairing-what', `${roleName} № ${screen}`);
  const hint = el('div', 'pairing-hint');
  for (const lang of ['kk', 'ru', 'en']) hint.append(el('p', `pl pl-${lang}`, TEXT[lang].hint));
  const qr = el('img', 'pairing-qr');
  qr.alt = 'QR';
  qr.hidden = true;
  const note = el('p', 'pairing-note');
  box.append(title, code, what, qr, hint, note);
  document.body.append(box);
  document.body.dataset.pairing = 'true';
  return {
    code: (c) => {
      code.textContent = c ? `${c.slice(0, 3)} ${c.slice(3)}` : '…';
      box.dataset.code = c || '';
    },
    qr: (svg) => {
      qr.hidden = !svg;
      if (svg) qr.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
    },
    note: (t) => { note.textContent = t || ''; },
  };
}

async function json(method, path, body) {
  const r = await fetch(path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    cache: 'no-store',
    credentials: 'same-origin',
    // The pages' policy is no-referrer, under which a POST's Origin is "null".
    referrerPolicy: 'same-origin',
  });
  let data = null;
  try {
    data = await r.json();
  } catch {
    data = null;
  }
  return { status: r.status, data, retryAfter: Number(r.headers.get('Retry-After')) || 0 };
}

// The page's pending request ({request, code, role, screen, qr_svg}) survives reloads
// in this tab: a reload asks about it first and keeps its code while it waits, instead
// of asking for a new code every time.
const STORE = 'ekran-pairing';

function saved() {
  try {
    const x = JSON.parse(sessionStorage.getItem(STORE) || 'null');
    return x && typeof x.request === 'string' && typeof x.code === 'string' ? x : null;
  } catch {
    return null;
  }
}
function save(x) {
  try {
    if (x) sessionStorage.setItem(STORE, JSON.stringify(x));
    else sessionStorage.removeItem(STORE);
  } catch {
    // No storage (a private window): a reload asks for a new code.
  }
}

/** Releases a request this page no longer uses (best effort). */
async function release(request) {
  try {
    await json('DELETE', `/api/pairing/${encodeURIComponent(request)}`);
  } catch {
    // The server forgets it by itself once nobody asks about it.
  }
}

/** A new pairing request, asked until the server gives one. */
async function start(ui, role, screen) {
  for (;;) {
    let r;
    try {
      r = await json('POST', '/api/pairing', { role, screen });
    } catch {
      await sleep(POLL_MS);
      continue;
    }
    if (r.status === 201 && r.data && r.data.request) {
      ui.note('');
      return { request: r.data.request, code: r.data.code, qr_svg: r.data.qr_svg || '', role, screen };
    }
    if (r.status === 429) {
      ui.note(`${TEXT.kk.busy} · ${TEXT.ru.busy}`);
      await sleep(Math.min(Math.max(r.retryAfter || 60, 5), 600) * 1000);
    } else if (r.status === 404) {
      ui.note(`${TEXT.kk.noScreen(screen)} · ${TEXT.ru.noScreen(screen)}`);
      await sleep(30000);
    } else {
      await sleep(POLL_MS * 5);
    }
  }
}

/** Shows the code until an admin pairs this browser, then reloads. Never resolves. */
async function pairHere(role, screen) {
  const ui = overlay(role, screen);
  ui.code('');
  let req = saved();
  if (req && (req.role !== role || req.screen !== screen)) {
    // This tab asked for another screen or role before: that code is of no use now.
    save(null);
    await release(req.request);
    req = null;
  }
  for (;;) {
    if (!req) {
      req = await start(ui, role, screen);
      save(req);
    }
    let shown = false;
    for (;;) {
      let r;
      try {
        r = await json('GET', `/api/pairing/${encodeURIComponent(req.request)}`);
      } catch {
        r = null; // the server is away: keep the code, ask again
      }
      if (r && r.data && r.data.state === 'paired') {
        save(null);
        location.reload();
        return new Promise(() => {});
      }
      if (r && r.status === 410) break; // expired, or forgotten: a new code
      if (!shown && (r ? r.status === 200 : true)) {
        shown = true;
        ui.code(r && r.data && r.data.code ? r.data.code : req.code);
        ui.qr(req.qr_svg);
      }
      await sleep(POLL_MS);
    }
    save(null);
    req = null;
  }
}

/**
 * Resolves when this page may connect to `screen` as `role`: a paired browser of this
 * screen and role, a page with a screen key (`?key=`, for kiosk scripts), a preview,
 * or a display while the server lets any display show (open mode). Resolves too when
 * the server cannot be asked (offline: the display shows what it kept).
 */
export async function ensurePaired({ role, screen, key, preview }) {
  if (preview || key) return;
  let me;
  try {
    const r = await json('GET', '/api/device');
    if (r.status !== 200 || !r.data) return;
    me = r.data;
  } catch {
    return;
  }
  if (me.paired) {
    if (me.role === role && me.screen === screen) return;
    location.replace(`/${me.role}/${encodeURIComponent(me.screen)}`);
    return new Promise(() => {});
  }
  if (role === 'display' && me.open) return;
  return pairHere(role, screen);
}
