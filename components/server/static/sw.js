// The display pages' service worker (docs/displays.md). Registered with the scope
// /display/, it sees only the requests of display pages: tablets, the admin, the API and
// previews never pass through it. It answers
// - scripts, styles and fonts from `ekran-code-BUILD`: exactly this build's files,
//   fetched when it installed, dropped whole when the worker of another build takes over
//   (browsers look for a new worker on every page load);
// - the page and media from the network, as if it were not there, and only when the
//   network fails or hangs from Cache Storage: the page from the code cache (kept as
//   last loaded), media from `ekran-content`, which the display page fills itself with
//   what it needs offline (display-offline.js): the last state's and the idle loop's.
// The server prepends BUILD (a hash of ekran's version and embedded files) and CODE (the
// files the display page loads), so a new build is a new worker (pages.rs).
import { CODE_PREFIX, CONTENT, NETWORK_WAIT_MS, kindOf, isCodeCache, parseRange } from '/static/js/offline.js';

const CODE_CACHE = CODE_PREFIX + BUILD;

self.addEventListener('install', (e) => {
  e.waitUntil(
    (async () => {
      const c = await caches.open(CODE_CACHE);
      // From the server, not the HTTP cache: these files must be this build's.
      await c.addAll(CODE.map((u) => new Request(u, { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (e) => {
  e.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (isCodeCache(name) && name !== CODE_CACHE) await caches.delete(name);
      }
      // The pages that registered this worker loaded before it: keep them too.
      const c = await caches.open(CODE_CACHE);
      for (const w of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
        const u = new URL(w.url);
        if (u.origin === location.origin && kindOf(u.pathname) === 'page') {
          await c.add(new Request(u.pathname, { cache: 'reload' })).catch(() => {});
        }
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== location.origin) return;
  const kind = kindOf(url.pathname);
  if (!kind) return;
  e.respondWith(kind === 'code' ? codeFirst(e, req) : networkFirst(e, req, kind));
});

/** This build's file from its cache; the network for anything it does not have. */
async function codeFirst(e, req) {
  const hit = await caches.match(req, { cacheName: CODE_CACHE });
  if (hit) return hit;
  const res = await fetch(req);
  if (res.status === 200 && res.type === 'basic') {
    const copy = res.clone();
    e.waitUntil(caches.open(CODE_CACHE).then((c) => c.put(req, copy)).catch(() => {}));
  }
  return res;
}

/** The network's answer; the cache's when the network fails, or takes too long. */
function networkFirst(e, req, kind) {
  const media = kind === 'media';
  const cacheName = media ? CONTENT : CODE_CACHE;
  const fromNet = fetch(req).then((res) => {
    // The page is kept as the server last sent it; media only as the display page asked
    // (whole files, not the ranges a video asks for).
    if (!media && res.status === 200 && res.type === 'basic') {
      const copy = res.clone();
      e.waitUntil(caches.open(cacheName).then((c) => c.put(req, copy)).catch(() => {}));
    }
    return res;
  });
  const fromCache = async () => {
    const hit = await caches.match(req, { cacheName, ignoreSearch: kind === 'page' });
    if (!hit || !media) return hit;
    const range = req.headers.get('range');
    return range ? slice(hit, range) : hit;
  };
  return new Promise((resolve, reject) => {
    let done = false;
    const answer = (res) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(res);
    };
    const timer = setTimeout(() => fromCache().then((hit) => hit && answer(hit)), NETWORK_WAIT_MS);
    fromNet.then(answer, async (err) => {
      const hit = await fromCache().catch(() => null);
      if (hit) answer(hit);
      else if (!done) {
        done = true;
        clearTimeout(timer);
        reject(err);
      }
    });
  });
}

/** A whole cached file cut to the byte range a video asked for (206), or 416. */
async function slice(res, range) {
  const blob = await res.blob();
  const r = parseRange(range, blob.size);
  if (!r) {
    return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${blob.size}` } });
  }
  const part = blob.slice(r.start, r.end + 1);
  return new Response(part, {
    status: 206,
    headers: {
      'Content-Type': res.headers.get('content-type') || 'application/octet-stream',
      'Content-Length': String(part.size),
      'Content-Range': `bytes ${r.start}-${r.end}/${blob.size}`,
      'Accept-Ranges': 'bytes',
    },
  });
}
