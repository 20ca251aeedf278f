// The gateway's REST interface as the page uses it. Every request carries the API key (when one
// is saved) as `Authorization: Bearer <key>`, so downloads go through fetch too, never a bare link.

import { parse as parseContentDisposition } from 'content-disposition';

const KEY_STORE = 'geobatch.apiKey';

/** Paths are relative to the page, so a gateway behind a path prefix works unchanged. */
function urlOf(path: string): string {
  return new URL(path, document.baseURI).toString();
}

export function getApiKey(): string {
  try {
    return localStorage.getItem(KEY_STORE) ?? '';
  } catch {
    return '';
  }
}

export function setApiKey(key: string): void {
  try {
    if (key) localStorage.setItem(KEY_STORE, key);
    else localStorage.removeItem(KEY_STORE);
  } catch {
    // Storage disabled: the key lasts as long as the page.
  }
  memoryKey = key;
}

let memoryKey = getApiKey();

function authHeaders(): Record<string, string> {
  return memoryKey ? { Authorization: `Bearer ${memoryKey}` } : {};
}

export interface ApiErrorFields {
  status: number;
  message: string;
  error?: string;
  requestId?: string | null;
  method?: string;
  path?: string;
}

/**
 * A refused request, with the gateway's `{statusCode, error, message, requestId}` kept as it
 * came (status 0: no answer at all).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly error: string;
  readonly requestId: string | null;
  readonly method: string | undefined;
  readonly path: string | undefined;

  constructor({ status, error, message, requestId, method, path }: ApiErrorFields) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.error = error ?? '';
    this.requestId = requestId ?? null;
    this.method = method;
    this.path = path;
  }

  get network(): boolean {
    return this.status === 0;
  }

  /** The key is missing or wrong. */
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

function errorFromText(method: string, path: string, status: number, statusText: string | null, text: string, requestIdHeader: string | null): ApiError {
  let message = `${status} ${statusText ?? ''}`.trim();
  let error = statusText ?? '';
  let requestId = requestIdHeader || null;
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown; requestId?: unknown } | null;
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
export async function request(method: string, path: string, { signal }: { signal?: AbortSignal } = {}): Promise<Response> {
  let res: Response;
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

/** The parsed JSON answer of a GET; its shape is the caller's to trust (the gateway's contract). */
export async function getJson<T>(path: string, options?: { signal?: AbortSignal }): Promise<T> {
  const res = await request('GET', path, options);
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError({ status: res.status, message: '', method: 'GET', path, requestId: res.headers.get('x-request-id') });
  }
}

/**
 * Posts a multipart form with upload progress (fetch cannot report it; XHR can).
 * Resolves with the parsed JSON answer of a 2xx, else rejects with an ApiError.
 */
export function postForm<T>(path: string, form: FormData, onProgress?: (sent: number, total: number) => void): Promise<T> {
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
          resolve(JSON.parse(xhr.responseText) as T);
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
export function itemsOf<T>(body: unknown): T[] | null {
  if (Array.isArray(body)) return body as T[];
  const items = (body as { items?: unknown } | null)?.items;
  if (Array.isArray(items)) return items as T[];
  return null;
}

/**
 * The name a `Content-Disposition` offers: `filename*` (exact, decoded by the package) when present
 * and decodable, else `filename`; null without either or when the header does not parse. The same
 * parser the CLI uses; it needs no Node built-in, so esbuild bundles it for the browser.
 */
export function fileNameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  try {
    return parseContentDisposition(header).parameters.filename || null;
  } catch {
    return null;
  }
}

/**
 * Downloads a job's result through fetch (so the key goes along) and saves it from a blob URL,
 * under the name the gateway gives. Answers that name.
 */
export async function downloadResult(jobId: string, fallbackName: string): Promise<string> {
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
