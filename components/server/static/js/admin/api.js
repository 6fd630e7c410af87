// The JSON API client (docs/api.md): the session's CSRF token goes with every change.

let csrf = '';
let onSignedOut = () => {};

/** What the admin does when a request finds the session gone (401). */
export function setSignedOutHandler(f) {
  onSignedOut = f;
}

export function setCsrf(token) {
  csrf = token || '';
}

/** An API error: `status`, `code` and `message` from `{"error","message"}`, and the body. */
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = (body && body.error) || '';
    this.body = body || {};
    this.retryAfter = retryAfter;
  }
}

/**
 * Calls `/api/{path}`. `body` is sent as JSON, or as it is when it is FormData or a
 * Blob (a File; `opts.type` its Content-Type).
 * Resolves with the parsed JSON (or null); rejects with ApiError (status 0: no network).
 */
export async function api(method, path, body, opts = {}) {
  return (await request(method, path, body, opts)).data;
}

/**
 * GETs one page of a paged list (`/api/{path}`, e.g. `versions`): `{ rows, next, total }`.
 * `next` is the path of the next page, from the `Link: </api/…>; rel="next"` header
 * (null on the last page); `total` is `X-Total-Count` (null when not sent).
 */
export async function page(path, key) {
  const { data, headers } = await request('GET', path);
  const next = /<\/api\/([^>]+)>;\s*rel="next"/.exec(headers.get('Link') || '');
  const total = headers.get('X-Total-Count');
  return { rows: list(data, key), next: next ? next[1] : null, total: total == null ? null : Number(total) };
}

/** As `api`, resolving with `{ data, headers }`. */
async function request(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json' };
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body instanceof Blob) {
    // A file sent as it is (`opts.type`: its media type).
    payload = body;
    headers['Content-Type'] = opts.type || body.type || 'application/octet-stream';
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let r;
  try {
    r = await fetch(`/api/${path}`, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store',
      // The pages' policy is no-referrer, under which a POST's Origin is "null"; the
      // API checks that changes come from this origin.
      referrerPolicy: 'same-origin' });
  } catch {
    throw new ApiError(0, null);
  }
  let data = null;
  const text = await r.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text.slice(0, 200) };
    }
  }
  if (!r.ok) {
    const err = new ApiError(r.status, data, Number(r.headers.get('Retry-After')) || 0);
    if (r.status === 401 && !opts.signIn) onSignedOut(err);
    throw err;
  }
  return { data, headers: r.headers };
}

/** `x` as an array, whether the API sent an array or `{ <key>: [...] }`. */
export function list(x, key) {
  if (Array.isArray(x)) return x;
  if (x && Array.isArray(x[key])) return x[key];
  return [];
}
