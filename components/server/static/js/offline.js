// What a display keeps for going offline, and what it shows then (docs/displays.md).
// Pure rules without side effects: the service worker (/sw.js), the display page
// (display-offline.js) and the browser tests import them.

/** Caches of the display's code, one per ekran build: the name ends with the build. */
export const CODE_PREFIX = 'ekran-code-';
/** The cache of the display's content: last states, offline documents, their media. */
export const CONTENT = 'ekran-content';
/** How long the worker waits for a network answer before it answers from its cache. */
export const NETWORK_WAIT_MS = 3000;

/**
 * What the service worker does with a same-origin GET of `path`: 'code' (scripts,
 * styles, fonts) comes from this build's code cache; 'page' (a display page) and
 * 'media' come from the network, and from the caches only when it fails; null is none
 * of its business (WebSockets, the offline document, which the page keeps itself, and
 * everything a display never loads: the worker only sees display pages' requests).
 */
export function kindOf(path) {
  if (path.startsWith('/static/')) return 'code';
  if (isKept(path)) return 'media';
  if (/^\/display\/[^/]+$/.test(path)) return 'page';
  return null;
}

/** Whether `path` is content the display keeps itself: media files and map documents. */
export function isKept(path) {
  return path.startsWith('/media/') || path.startsWith('/maps/');
}

/** Whether a cache is one of the display's code caches (any build). */
export function isCodeCache(name) {
  return name.startsWith(CODE_PREFIX);
}

/** The offline document of the display page at `page` (its path). */
export function offlineUrl(page) {
  return `${page}/offline`;
}

/** The content cache's key for the last state of the display page at `page`. */
export function stateUrl(page) {
  return `${page}/state`;
}

/**
 * The media a display draws for `state`: logo, slide picture or video, tile pictures,
 * and the map document of its `map` part.
 */
export function mediaOf(state) {
  const out = [];
  const add = (u) => {
    if (typeof u === 'string' && isKept(u) && !out.includes(u)) out.push(u);
  };
  if (!state || typeof state !== 'object') return out;
  if (state.node) add(state.node.logo);
  if (state.slide) {
    add(state.slide.image);
    add(state.slide.video);
  }
  if (Array.isArray(state.children)) for (const c of state.children) add(c && c.image);
  if (state.map && typeof state.map === 'object') add(state.map.src);
  return out;
}

/** The states of an offline document: home, then the attract loop. */
export function statesOf(doc) {
  if (!doc || doc.type !== 'offline') return [];
  return [doc.home, ...(Array.isArray(doc.attract) ? doc.attract : [])].filter(Boolean);
}

/**
 * The media worth keeping, given what the content cache holds besides media: offline
 * documents and kept last states (`{ state, at }`). Everything else may go.
 */
export function keptMedia(entries) {
  const keep = new Set();
  for (const e of entries) {
    const states = e && e.type === 'offline' ? statesOf(e) : [e && e.state];
    for (const s of states) for (const u of mediaOf(s)) keep.add(u);
  }
  return keep;
}

/** Whether two responses' headers describe the same file (length and modification). */
export function sameFile(a, b) {
  const same = (h) => (a.get(h) || '') === (b.get(h) || '');
  return same('content-length') && same('last-modified') && same('etag');
}

/**
 * The byte range a `Range` header asks of a file of `size` bytes: { start, end }
 * (inclusive), or null when it cannot be served (several ranges, malformed, past the
 * end). Videos ask for ranges; the cache holds whole files.
 */
export function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(String(header).trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start;
  let end;
  if (m[1] === '') {
    // The last N bytes.
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return null;
  return { start, end };
}

/**
 * What the screen shows at `now` while the server is away, by the server's own idle
 * rules (docs/protocol.md, Idle): `last` is the last state the server sent, at `at`
 * (ms); after `idle.seconds` without it changing, the attract states of `doc` in a
 * loop, `attract_seconds` each, or home when there are none. An idle `last` (the loop
 * was running) goes on with the attract state after it.
 * Returns { state, until }: show `state` (null: `last` itself) until `until` (ms since
 * the epoch, Infinity: for good), then ask again.
 */
export function idleAt(doc, last, at, now) {
  const idle = (doc && doc.idle) || {};
  const attract = statesOf(doc).slice(1);
  const n = attract.length;
  const period = Math.max(1, Number(idle.attract_seconds) || 1) * 1000;
  let start;
  let first = 0;
  if (!last.idle) {
    start = at + Math.max(1, Number(idle.seconds) || 1) * 1000;
  } else if (!n) {
    return { state: null, until: Infinity }; // idle at home: stays there
  } else {
    const id = last.node && last.node.id;
    first = attract.findIndex((s) => s.node && s.node.id === id) + 1;
    start = at + period;
  }
  if (now < start) return { state: null, until: start };
  if (!n) return { state: (doc && doc.home) || null, until: Infinity };
  const k = Math.floor((now - start) / period);
  return { state: attract[(first + k) % n], until: start + (k + 1) * period };
}
