// The gateway's REST interface as the page uses it. Every request carries the API key (when one
// is saved) as `Authorization: Bearer <key>`, so downloads go through fetch too, never a bare link.

const KEY_STORE = 'geobatch.apiKey';

/** Paths are relative to the page, so a gateway behind a path prefix works unchanged. */
function urlOf(path) {
  return new URL(path, document.baseURI).toString();
}

export function getApiKey() {
  try {
    return localStorage.getItem(KEY_STORE) ?? '';
  } catch {
    return '';
  }
}

export function setApiKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORE, key);
    else localStorage.removeItem(KEY_STORE);
  } catch {
    // Storage disabled: the key lasts as long as the page.
  }
  memoryKey = key;
}

let memoryKey = getApiKey();

function authHeaders() {
  return memoryKey ? { Authorization: `Bearer ${memoryKey}` } : {};
}

/**
 * A refused request, with the gateway's `{statusCode, error, message, requestId}` kept as it
 * came (status 0: no answer at all).
 */
export class ApiError extends Error {
  constructor({ status, error, message, requestId, method, path }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.error = error ?? '';
    this.requestId = requestId ?? null;
    this.method = method;
    this.path = path;
  }

  get network() {
    return this.status === 0;
  }

  /** The key is missing or wrong. */
  get unauthorized() {
    return this.status === 401 || this.status === 403;
  }
}

function errorFromText(method, path, status, statusText, text, requestIdHeader) {
  let message = `${status} ${statusText ?? ''}`.trim();
  let error = statusText ?? '';
  let requestId = requestIdHeader || null;
  try {
    const body = JSON.parse(text);
    if (typeof body?.message === 'string' && body.message) message = body.message;
    else if (Array.isArray(body?.message)) message = body.message.join('; ');
    if (typeof body?.error === 'string') error = body.error;
    if (typeof body?.requestId === 'string') requestId = body.requestId;
  } catch {
    if (text && text.trim()) message = `${message}: ${text.trim().slice(0, 300)}`;
  }
  return new ApiError({ status, error, message, requestId, method, path });
}

/** Sends a request; answers the Response when it is 2xx, else throws an ApiError. */
export async function request(method, path, { signal } = {}) {
  let res;
  try {
    res = await fetch(urlOf(path), { method, headers: { Accept: 'application/json', ...authHeaders() }, signal, cache: 'no-store' });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError({ status: 0, message: e instanceof Error ? e.message : String(e), method, path });
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    throw errorFromText(method, path, res.status, res.statusText, text, res.headers.get('x-request-id'));
  }
  return res;
}

export async function getJson(path, options) {
  const res = await request('GET', path, options);
  try {
    return await res.json();
  } catch {
    throw new ApiError({ status: res.status, message: '', method: 'GET', path, requestId: res.headers.get('x-request-id') });
  }
}

/**
 * Posts a multipart form with upload progress (fetch cannot report it; XHR can).
 * Resolves with the parsed JSON answer of a 2xx, else rejects with an ApiError.
 */
export function postForm(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', urlOf(path));
    xhr.setRequestHeader('Accept', 'application/json');
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    if (onProgress) {
      xhr.upload.addEventListener('progress', (e) => {
        if (e.lengthComputable) onProgress(e.loaded, e.total);
      });
      xhr.upload.addEventListener('load', () => onProgress(1, 1));
    }
    xhr.addEventListener('load', () => {
      const requestId = xhr.getResponseHeader('x-request-id');
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText));
        } catch {
          reject(new ApiError({ status: xhr.status, message: '', requestId, method: 'POST', path }));
        }
      } else {
        reject(errorFromText('POST', path, xhr.status, xhr.statusText, xhr.responseText, requestId));
      }
    });
    xhr.addEventListener('error', () => reject(new ApiError({ status: 0, message: 'network error', method: 'POST', path })));
    xhr.addEventListener('abort', () => reject(new ApiError({ status: 0, message: 'aborted', method: 'POST', path })));
    xhr.send(form);
  });
}

/** A list route's items: a plain array or a page object `{ items }`. */
export function itemsOf(body) {
  if (Array.isArray(body)) return body;
  if (Array.isArray(body?.items)) return body.items;
  return null;
}

/** RFC 8187 `filename*` (exact UTF-8) when present, else `filename`; null without either. */
export function fileNameFromDisposition(header) {
  if (!header) return null;
  const star = /filename\*\s*=\s*([^;]+)/i.exec(header);
  if (star) {
    const m = /^\s*"?([\w!#$%&+^`{}~-]+)'[^']*'([^"]*)"?\s*$/.exec(star[1]);
    if (m && m[1].toLowerCase() === 'utf-8') {
      try {
        return decodeURIComponent(m[2]);
      } catch {
        // Fall back to the plain name.
      }
    }
  }
  const plain = /filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/i.exec(header);
  if (!plain) return null;
  const v = plain[1].trim();
  const name = v.startsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
  return name || null;
}

/**
 * Downloads a job's result through fetch (so the key goes along) and saves it from a blob URL,
 * under the name the gateway gives. Answers that name.
 */
export async function downloadResult(jobId, fallbackName) {
  const res = await request('GET', `jobs/${encodeURIComponent(jobId)}/result`);
  const name = fileNameFromDisposition(res.headers.get('content-disposition')) ?? fallbackName;
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has taken the blob once the click is handled; free it a little later.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return name;
}
