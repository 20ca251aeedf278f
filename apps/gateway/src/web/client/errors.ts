// How a failed action explains itself: the gateway's message, status and request id.
import { ApiError } from './api';
import { h } from './dom';
import { t } from './i18n';
import { renderKey } from './key';
import { state } from './state';

export function errorBox(err: unknown, { title, key }: { title?: string; key?: string } = {}): HTMLDivElement {
  const e = err instanceof ApiError ? err : new ApiError({ status: 0, message: err instanceof Error ? err.message : String(err) });
  const message = e.network ? t('errorNetwork', { reason: e.message }) : e.message || t('errorNotJson');
  const meta: HTMLElement[] = [];
  if (!e.network) meta.push(h('span', {}, t('errorHttp', { status: e.status }), e.error ? ` ${e.error}` : ''));
  if (e.method && e.path) meta.push(h('span', {}, `${e.method} /${e.path.replace(/^\//, '')}`));
  if (e.requestId) meta.push(h('span', {}, t('errorRequestId', { id: '' }).trim(), ' ', h('code', { class: 'request-id' }, e.requestId)));
  return h(
    'div',
    // Focusable from script only, so a failed action can move the keyboard to its explanation.
    { class: 'error', role: 'alert', tabindex: '-1', key },
    title ? h('p', { class: 'error-title' }, title) : null,
    h('p', { class: 'error-message' }, message),
    meta.length ? h('p', { class: 'error-meta' }, meta.flatMap((m, i) => (i ? [' · ', m] : [m]))) : null,
    e.unauthorized ? h('p', { class: 'error-hint' }, t('keyRefused')) : null,
  );
}

/** A refused key shows beside the key field, whichever request found out. */
export function noteUnauthorized(err: unknown): void {
  if (err instanceof ApiError && err.unauthorized) {
    state.keyNote = 'refused';
    renderKey();
  }
}
