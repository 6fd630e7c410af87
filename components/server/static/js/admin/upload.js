// Uploads to the media library (`POST /api/media?name=FILE`, the raw file as the body),
// one file after another with XMLHttpRequest so that each reports its progress. The
// session's CSRF token goes with each, as api.js sends it with every change.
import { api } from './api.js';
import { t } from './i18n.js';

/** What the server's refusal of a file means, in the admin's language. */
export function uploadError(status, body) {
  const msg = (body && body.message) || '';
  const known = {
    0: t('eNet'),
    401: t('eSession'),
    403: t('e403'),
    413: t('mdTooLarge'),
    415: t('mdUnsupported'),
    422: t('mdUndecodable'),
    503: t('e503'),
  }[status];
  if (known) return msg && status !== 0 ? `${known} (${msg})` : known;
  return msg ? `${t('error')}: ${msg}` : `${t('error')} ${status}`;
}

/** One file: resolves with the ITEM, or `{ error, status, code, name }`. */
function sendOne(file, csrf, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/media?name=${encodeURIComponent(file.name || 'file')}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    const done = (status, text) => {
      let body = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = { message: String(text).slice(0, 200) };
      }
      if (status >= 200 && status < 300 && body && body.ref) {
        onProgress(file.size, file.size);
        resolve(body);
      } else {
        resolve({ error: uploadError(status, body), status, code: (body && body.error) || '', name: file.name });
      }
    };
    xhr.onload = () => done(xhr.status, xhr.responseText);
    xhr.onerror = () => done(0, '');
    xhr.onabort = () => done(0, '');
    xhr.send(file);
  });
}

/**
 * Uploads `files` (a FileList or array) one after another. `onProgress(fileIndex,
 * loaded, total)` in bytes. Resolves with one entry per file, in order: the library
 * ITEM, or `{ error }` (a message for people) with `status` and `code`.
 */
export async function uploadFiles(files, { onProgress } = {}) {
  const list = [...files];
  let csrf = '';
  try {
    csrf = (await api('GET', 'session')).csrf;
  } catch (err) {
    return list.map((f) => ({ error: uploadError(err.status, err.body), status: err.status, code: err.code, name: f.name }));
  }
  const out = [];
  for (let i = 0; i < list.length; i++) {
    out.push(await sendOne(list[i], csrf, (loaded, total) => onProgress && onProgress(i, loaded, total)));
  }
  return out;
}
