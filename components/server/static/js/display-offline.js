// The display page's side of going offline (docs/displays.md): it registers the service
// worker, keeps the last state, the screen's offline document and their media in Cache
// Storage, and while the server is away shows what the server would: the last state,
// then the idle/attract loop. Drawing stays in display.js (`show`).
//
// Without a secure context (plain HTTP on a LAN address) there is no service worker and
// no Cache Storage: the page works online as ever, and a server that goes away while
// the page is open still gets the idle loop (the offline document is kept in memory);
// only a reload needs the server then.
import { CONTENT, offlineUrl, stateUrl, mediaOf, statesOf, keptMedia, sameFile, idleAt, isKept } from './offline.js';

/** A first connection this slow: show the kept state meanwhile. */
const GRACE_MS = 2000;

/**
 * Starts keeping; returns { state(s), conn(status) } for the live connection to call.
 * `show(state)` draws a state; `root` gets `data-saved` (the `seq` of the last state,
 * once it and its media are kept) and `data-offline` (the version of the offline
 * document kept with its media).
 */
export function keepOffline({ show, root }) {
  const page = location.pathname;
  const store = typeof caches !== 'undefined' ? caches : null; // secure contexts only
  let doc = null; // the screen's offline document
  let docVersion = null; // the version it was fetched for (or is being fetched)
  let last = null; // { state, at }: the last state from the server and when it came
  let live = false; // the socket is open
  let away = false; // the server is away: show what it would
  let shown = null; // the state last drawn
  let timer = 0;
  let reg = null;

  registerWorker();
  restore();
  const grace = setTimeout(goAway, GRACE_MS);

  function registerWorker() {
    if (!('serviceWorker' in navigator)) return;
    const sw = navigator.serviceWorker;
    const had = !!sw.controller;
    // The worker of a new ekran build took over: load its code. (Not the first worker:
    // the page is this build's already.)
    sw.addEventListener('controllerchange', () => {
      if (had) location.reload();
    });
    sw.register('/sw.js', { scope: '/display/', type: 'module', updateViaCache: 'none' })
      .then((r) => (reg = r))
      .catch(() => {});
  }

  /** What was kept before this page loaded; shown only if the server does not answer. */
  async function restore() {
    if (!store) return;
    try {
      const c = await store.open(CONTENT);
      const [s, d] = await Promise.all([c.match(stateUrl(page)), c.match(offlineUrl(page))]);
      const kept = s && (await s.json());
      if (!last && kept && kept.state) last = kept;
      const keptDoc = d && (await d.json());
      if (!doc && keptDoc) doc = keptDoc;
    } catch {
      return;
    }
    step();
  }

  function goAway() {
    if (live) return;
    away = true;
    step();
  }

  /** Shows what the server would now, and when that changes, looks again. */
  function step() {
    clearTimeout(timer);
    timer = 0;
    if (!away || live || !last) return;
    const plan = doc ? idleAt(doc, last.state, last.at, Date.now()) : { state: null, until: Infinity };
    const s = plan.state || last.state;
    if (s !== shown) {
      shown = s;
      show(s);
    }
    if (plan.until !== Infinity) timer = setTimeout(step, Math.max(0, plan.until - Date.now()) + 10);
  }

  // ------------------------------------------------------------ keeping
  const json = (v) => new Response(JSON.stringify(v), { headers: { 'Content-Type': 'application/json' } });
  let toSave = null;
  let saving = false;

  /** Keeps the last state; a burst of states writes only the latest. */
  async function save(entry) {
    toSave = entry;
    if (saving || !store) return;
    saving = true;
    try {
      const c = await store.open(CONTENT);
      while (toSave) {
        const e = toSave;
        toSave = null;
        await c.put(stateUrl(page), json(e));
        warm(mediaOf(e.state), false, () => {
          if (last === e) root.dataset.saved = String(e.state.seq);
        });
      }
    } catch {
      // Storage full or gone: the page works on without.
    } finally {
      saving = false;
    }
  }

  // One download at a time, in order: a video never holds up the screen's own requests.
  let warming = Promise.resolve();
  function warm(urls, revalidate, then) {
    warming = warming
      .then(async () => {
        const c = await store.open(CONTENT);
        for (const u of urls) {
          const had = await c.match(u);
          if (had) {
            if (!revalidate) continue;
            // A file replaced under the same name comes with a new version: look.
            const head = await fetch(u, { method: 'HEAD', cache: 'no-cache' }).catch(() => null);
            if (!head || !head.ok || sameFile(had.headers, head.headers)) continue;
          }
          await c.add(new Request(u, { cache: revalidate ? 'no-cache' : 'default' })).catch(() => {});
        }
        if (then) await then(c);
      })
      .catch(() => {});
  }

  /** Drops media that no kept document or state shows. */
  async function trim(c) {
    const keys = await c.keys();
    const entries = [];
    for (const k of keys) {
      if (isKept(new URL(k.url).pathname)) continue;
      const r = await c.match(k);
      entries.push(r ? await r.json().catch(() => null) : null);
    }
    const keep = keptMedia(entries);
    for (const k of keys) {
      const path = new URL(k.url).pathname;
      if (isKept(path) && !keep.has(path)) await c.delete(k);
    }
  }

  /** Fetches the screen's offline document for `version` and keeps it and its media. */
  async function fetchDoc(version) {
    docVersion = version;
    let d;
    try {
      const r = await fetch(offlineUrl(page), { cache: 'no-store' });
      if (!r.ok) throw new Error(String(r.status));
      d = await r.json();
    } catch {
      docVersion = null; // again with the next state
      return;
    }
    doc = d;
    if (!store) return;
    try {
      const c = await store.open(CONTENT);
      await c.put(offlineUrl(page), json(d));
    } catch {
      return;
    }
    const media = [];
    for (const s of statesOf(d)) media.push(...mediaOf(s));
    warm(media, true, async (c) => {
      await trim(c);
      root.dataset.offline = String(d.version);
    });
  }

  return {
    /** A state from the server. */
    state(s) {
      clearTimeout(grace);
      clearTimeout(timer);
      away = false;
      shown = s;
      last = { state: s, at: Date.now() };
      save(last);
      if (docVersion !== s.version) fetchDoc(s.version);
    },
    /** The connection's status (see live.js). */
    conn(status) {
      if (status === 'open') {
        // The server came back, maybe as a new build: its worker takes over if so.
        if (away && reg) reg.update().catch(() => {});
        live = true;
      } else if (status === 'closed') {
        live = false;
        goAway();
      }
    },
  };
}
