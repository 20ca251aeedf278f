// How a failed action explains itself: what happened in plain words, and the technical detail
// (HTTP status, request, request ID, the server's own message) folded under 자세히 (Details).
import { ApiError, getApiKey } from './api';
import { $, h } from './dom';
import { getLang, t } from './i18n';
import { renderKey } from './key';
import { state } from './state';

/** A parenthesis with Latin letters in it: the English half of a gateway message `한국어 (English)`. */
const ENGLISH_PART = /\s*\((?=[^()]*[A-Za-z])[^()]*\)/g;
const HANGUL = /[\uac00-\ud7a3]/;

/**
 * The gateway's message in the page's language: its messages read `한국어 (English)`, so the Korean
 * page keeps the text outside the parentheses and the English page the text inside them. A message
 * without Korean is kept as it is, null when there is none.
 */
export function plainServerText(message: string): string | null {
  const text = message.trim();
  if (!text) return null;
  if (!HANGUL.test(text)) return text;
  if (getLang() === 'ko') {
    // A library's English reason tacked on after `: ` (a parser's message) is detail too.
    const parts = text.replace(ENGLISH_PART, '').trim().split(': ');
    while (parts.length > 1 && !HANGUL.test(parts[parts.length - 1])) parts.pop();
    return parts.join(': ').trim() || null;
  }
  const english = [...text.matchAll(/\((?=[^()]*[A-Za-z])([^()]*)\)/g)].map((m) => m[1].trim());
  return english.length ? english.join('; ') : text;
}

/** What kind of failure, in the page's words: the first line of an error box. */
function plainSummary(e: ApiError): string {
  if (e.network) return t('errNetwork');
  if (e.unauthorized) return t('errKey');
  if (e.status === 413) return t('errTooLarge');
  if (e.status === 429) return t('errBusy');
  if (e.status === 409) return t('errConflict');
  if (e.status === 404) return t('errNotFound');
  if (e.status >= 500) return t('errServer');
  if (e.status >= 400) return t('errRefused');
  return t('errUnreadable');
}

/** The technical detail: status, request, request ID and the server's message as it came. */
export function detailsOf(e: ApiError): HTMLDetailsElement {
  const lines: HTMLElement[] = [];
  if (!e.network) lines.push(h('li', {}, t('errorHttp', { status: e.status }), e.error ? ` ${e.error}` : ''));
  if (e.method && e.path) lines.push(h('li', {}, `${e.method} /${e.path.replace(/^\//, '')}`));
  if (e.requestId) lines.push(h('li', {}, t('errorRequestId', { id: '' }).trim(), ' ', h('code', { class: 'request-id' }, e.requestId)));
  if (e.message) lines.push(h('li', { class: 'error-raw' }, t('errorServerSaid'), ' ', h('span', { class: 'error-raw-text' }, e.message)));
  return h('details', { class: 'error-details' }, h('summary', {}, t('details')), h('ul', { class: 'error-meta' }, lines));
}

function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError({ status: 0, message: err instanceof Error ? err.message : String(err) });
}

/** A calm prompt (not an error) when a request wanted a key: where to enter it, and why it was refused when one was sent. */
export function keyPrompt(err?: unknown): HTMLDivElement {
  const saved = getApiKey() !== '';
  return h(
    'div',
    { class: 'notice key-prompt', role: 'status' },
    h('p', {}, saved ? t('keyPromptRefused') : t('keyPromptNeeded')),
    h('button', { type: 'button', class: 'ghost small', key: 'key-prompt-go', onclick: () => $('api-key').focus() }, t('keyPromptGo')),
    saved && err !== undefined ? detailsOf(asApiError(err)) : null,
  );
}

export function errorBox(err: unknown, { title, key }: { title?: string; key?: string } = {}): HTMLDivElement {
  const e = asApiError(err);
  const server = e.network ? null : plainServerText(e.message);
  // The server's words are shown plainly when they explain a refusal (a 4xx); a crash's text is detail.
  const explained = server && e.status >= 400 && e.status < 500 && !e.unauthorized ? server : null;
  const hint = plainHint(e);
  return h(
    'div',
    // Focusable from script only, so a failed action can move the keyboard to its explanation.
    { class: 'error', role: 'alert', tabindex: '-1', key },
    title ? h('p', { class: 'error-title' }, title) : null,
    h('p', { class: 'error-message' }, explained ?? plainSummary(e)),
    hint ? h('p', { class: 'error-hint' }, hint) : null,
    detailsOf(e),
  );
}

/** What to do next, for the failures the person can act on. */
function plainHint(e: ApiError): string | null {
  if (e.unauthorized) return t('keyRefused');
  if (e.network || e.status === 429 || e.status >= 500) return t('errTryLater');
  return null;
}

/** Whether a failure is only the key's: shown as the calm key prompt, not as an error. */
export function isKeyProblem(err: unknown): boolean {
  return err instanceof ApiError && err.unauthorized;
}

/** A refused key shows beside the key field, whichever request found out. */
export function noteUnauthorized(err: unknown): void {
  if (err instanceof ApiError && err.unauthorized) {
    state.keyNote = 'refused';
    renderKey();
  }
}
