// Step 4, the view: the upload, then the job's bar, rate, time left, counts and outcome.
import type { JobRows, JobView } from './api-types';
import { $, type Child, h, rebuild } from './dom';
import { errorBox } from './errors';
import { etaSeconds, formatDuration, formatNumber, formatRate, rowsLine, type WithProgress } from './format';
import { t } from './i18n';
import { download } from './job-follow';
import { renderAll } from './render-all';
import { type FollowedJob, TERMINAL, state } from './state';

const NO_ROWS: JobRows = { total: null, processed: 0, ok: 0, problems: 0, blank: 0 };
const KNOWN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'expired'];

export function statusBadge(status: string | null | undefined): HTMLSpanElement {
  const known = typeof status === 'string' && KNOWN_STATUSES.includes(status);
  return h('span', { class: `status status-${known ? status : 'unknown'}` }, t(known ? `status_${status}` : 'status_unknown'));
}

function progressBar(percent: number | null, label: string): HTMLDivElement {
  const bar = h('div', {
    class: percent === null ? 'bar indeterminate' : 'bar',
    role: 'progressbar',
    'aria-labelledby': 'progress-title',
    'aria-valuemin': '0',
    'aria-valuemax': '100',
    'aria-valuenow': percent === null ? null : String(percent),
    'aria-valuetext': label,
  });
  const fill = h('div', { class: 'fill' });
  // CSSOM, not a style attribute: allowed under the page's content security policy.
  if (percent !== null) fill.style.width = `${percent}%`;
  bar.append(fill);
  return bar;
}

function uploadingView(job: FollowedJob): Child[] {
  const percent = job.uploadPercent ?? 0;
  const done = percent >= 100;
  const text = done ? t('uploadingDone') : t('uploading', { percent });
  return [h('p', { class: 'job-file' }, job.fileName), progressBar(done ? null : percent, text), h('p', { class: 'stats' }, text)];
}

/**
 * Rate and time left while the job runs: the page's own rate over its polls once it has one, the
 * gateway's (`progress`, since acceptance) before, so an ETA shows from the first poll with a total.
 */
function timeStats(job: FollowedJob, view: WithProgress, done: number, total: number | null): string[] {
  const stats: string[] = [];
  if (view.status === null || !TERMINAL.has(view.status)) {
    const own = job.meter.rate();
    const given = view.progress?.rowsPerSecond ?? view.rowsPerSecond;
    const rate = own ?? (typeof given === 'number' ? given : null);
    const gatewayEta = view.progress?.etaSeconds ?? view.etaSeconds;
    const eta = own === null && typeof gatewayEta === 'number' ? gatewayEta : etaSeconds(total, done, rate);
    if (rate !== null) stats.push(t('rate', { rate: formatRate(rate) }));
    if (eta !== null) stats.push(t('eta', { eta: formatDuration(eta) }));
  } else if (view.createdAt && view.finishedAt) {
    const seconds = (Date.parse(view.finishedAt) - Date.parse(view.createdAt)) / 1000;
    if (seconds >= 0) {
      stats.push(t('elapsed', { elapsed: formatDuration(seconds) }));
      if (total && seconds > 0) stats.push(t('rate', { rate: formatRate(total / seconds) }));
    }
  }
  return stats;
}

function rowsView(job: FollowedJob, view: JobView): Child[] {
  const rows = view.rows ?? NO_ROWS;
  const { percent, text, done, total } = rowsLine(view);
  return [
    progressBar(percent, text),
    h('p', { class: 'stats' }, [text, ...timeStats(job, view, done, total)].join(' · ')),
    h('p', { class: 'counts' }, t('counts', { ok: formatNumber(rows.ok ?? 0), problems: formatNumber(rows.problems ?? 0), blank: formatNumber(rows.blank ?? 0) })),
  ];
}

/** What the job came to: the download, the failure's reason, or the cancellation. */
function outcomeView(job: FollowedJob, view: JobView): Child[] {
  if (view.status === 'completed') {
    const onDownload = () => download(job.id ?? '', view.fileName ?? job.fileName ?? 'result');
    return [
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'primary', key: 'download', disabled: job.downloading, onclick: onDownload }, job.downloading ? t('downloading') : t('download')),
        h('button', { type: 'button', class: 'ghost', key: 'new-job', onclick: resetForNewFile }, t('newJob')),
      ),
      job.downloaded ? h('p', { class: 'ok-note' }, t('downloaded', { name: job.downloaded })) : null,
      job.downloadError ? errorBox(job.downloadError) : null,
    ];
  }
  if (view.status === 'failed') {
    return [h('div', { class: 'error', role: 'alert' }, h('p', { class: 'error-title' }, t('jobFailed')), h('p', { class: 'error-message' }, view.error ?? ''))];
  }
  if (view.status === 'cancelled') return [h('p', { class: 'notice' }, t('jobCancelled'), view.error ? ` ${view.error}` : '')];
  return [];
}

export function renderProgress(): void {
  const box = $('progress');
  const job = state.job;
  if (!job) return rebuild(box, h('p', { class: 'empty' }, t('progressIdle')));
  if (job.phase === 'uploading') return rebuild(box, uploadingView(job));
  const view = job.view;
  rebuild(
    box,
    h('div', { class: 'job-head' }, h('span', { class: 'job-file' }, view?.fileName ?? job.fileName ?? ''), view ? statusBadge(view.status) : null),
    h('p', { class: 'job-id' }, t('jobLabel', { id: '' }).trim(), ' ', h('code', {}, job.id)),
    view ? [rowsView(job, view), outcomeView(job, view)] : null,
    job.reconnecting ? h('p', { class: 'notice warn' }, t('reconnecting')) : null,
    job.error ? errorBox(job.error) : null,
  );
}

function resetForNewFile(): void {
  state.file = null;
  state.preview.phase = 'idle';
  state.preview.data = null;
  state.preview.token++;
  state.columnsTouched = false;
  Object.assign(state.choice, { x: '', y: '', xText: '', yText: '', sheet: '', encoding: 'auto' });
  state.job = null;
  renderAll();
  $('drop-zone').focus();
}
