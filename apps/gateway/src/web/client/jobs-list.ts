// The recent jobs: the gateway's list, or, when it has none, the jobs this browser started.
import { ApiError, getApiKey, getJson, itemsOf } from './api';
import type { JobListItem, JobView } from './api-types';
import { $, h, rebuild } from './dom';
import { errorBox, isKeyProblem, keyPrompt, noteUnauthorized } from './errors';
import { formatDateTime, formatNumber } from './format';
import { t } from './i18n';
import { download, followExisting } from './job-follow';
import { statusBadge } from './progress-view';
import { forgetJob, rememberedJobs } from './remembered-jobs';
import { REFRESHED_JOBS, state } from './state';

/** Each remembered job read anew; one that cannot be read stays, marked gone or unreadable. */
function readRememberedJobs(): Promise<JobListItem[]> {
  const remembered = rememberedJobs().slice(0, REFRESHED_JOBS);
  return Promise.all(
    remembered.map(async (j): Promise<JobListItem> => {
      try {
        return await getJson<JobView>(`jobs/${encodeURIComponent(j.id)}`);
      } catch (err) {
        return { id: j.id, fileName: j.fileName, createdAt: j.createdAt, status: null, missing: err instanceof ApiError && err.status === 404, unreadable: err };
      }
    }),
  );
}

export async function loadJobs(): Promise<void> {
  const jobs = state.jobs;
  // The list needs a key: without one, the list says so calmly instead of asking and failing.
  if (!getApiKey()) {
    Object.assign(jobs, { source: null, items: [], error: null, loading: false, needsKey: true });
    return renderJobs();
  }
  jobs.needsKey = false;
  jobs.loading = true;
  renderJobs();
  try {
    const items = itemsOf<JobListItem>(await getJson<unknown>('jobs'));
    if (!items) throw new ApiError({ status: 200, message: t('errorNotJson'), method: 'GET', path: 'jobs' });
    jobs.source = 'server';
    jobs.items = items;
    jobs.error = null;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
      jobs.source = 'browser';
      jobs.error = null;
      jobs.items = await readRememberedJobs();
    } else {
      jobs.error = e;
      noteUnauthorized(e);
    }
  }
  jobs.loading = false;
  renderJobs();
}

/** The followed job's latest view replaces its (older) row in the recent-jobs list. */
export function syncJobInList(view: JobView): void {
  const items = state.jobs.items;
  const i = items.findIndex((j) => j.id === view.id);
  if (i < 0) return;
  items[i] = { ...items[i], ...view, missing: false, unreadable: null };
  renderJobs();
}

function jobActions(j: JobListItem): HTMLElement[] {
  const jobs = state.jobs;
  const actions: HTMLElement[] = [];
  if (j.status && !j.missing) {
    actions.push(h('button', { type: 'button', class: 'ghost small', key: `follow-${j.id}`, onclick: () => followExisting(j.id, j.fileName ?? '') }, t('jobShow')));
  }
  if (j.status === 'completed') {
    const button = h('button', { type: 'button', class: 'small', key: `download-${j.id}` }, t('download'));
    button.addEventListener('click', () => download(j.id, j.fileName ?? 'result', button));
    actions.push(button);
  }
  if (jobs.source === 'browser') {
    const forget = () => {
      forgetJob(j.id);
      jobs.items = jobs.items.filter((x) => x.id !== j.id);
      renderJobs();
    };
    actions.push(h('button', { type: 'button', class: 'ghost small', key: `forget-${j.id}`, onclick: forget }, t('jobForget')));
  }
  return actions;
}

function jobRow(j: JobListItem): HTMLTableRowElement {
  const rows = j.rows;
  const status = j.missing
    ? h('span', { class: 'status status-unknown' }, t('jobGone'))
    : j.unreadable
      ? h('span', { class: 'status status-unknown' }, t('jobUnreadable'))
      : statusBadge(j.status);
  const counted = rows ? `${formatNumber(rows.processed ?? 0)} / ${rows.total === null || rows.total === undefined ? '?' : formatNumber(rows.total)}` : '';
  return h(
    'tr',
    {},
    h('td', {}, h('span', { class: 'job-file' }, j.fileName ?? ''), h('br'), h('code', { class: 'job-id' }, j.id)),
    h('td', {}, status, j.status === 'failed' && j.error ? h('p', { class: 'job-error' }, j.error) : null),
    h('td', { class: 'num' }, counted),
    h('td', {}, j.createdAt ? formatDateTime(j.createdAt) : ''),
    h('td', { class: 'actions' }, jobActions(j)),
  );
}

function jobsTable(items: JobListItem[]): HTMLDivElement {
  const head = h(
    'tr',
    {},
    h('th', { scope: 'col' }, t('colFile')),
    h('th', { scope: 'col' }, t('colStatus')),
    h('th', { scope: 'col', class: 'num' }, t('colRows')),
    h('th', { scope: 'col' }, t('colCreated')),
    h('th', { scope: 'col' }, t('colActions')),
  );
  return h('div', { class: 'table-wrap' }, h('table', { class: 'jobs-table' }, h('thead', {}, head), h('tbody', {}, items.map(jobRow))));
}

export function renderJobs(): void {
  const jobs = state.jobs;
  $('jobs-source').textContent = jobs.source === 'server' ? t('jobsFromServer') : jobs.source === 'browser' ? t('jobsFromBrowser') : '';
  $<HTMLButtonElement>('jobs-refresh').disabled = jobs.loading;
  const box = $('jobs');
  if (jobs.needsKey) return rebuild(box, h('p', { class: 'empty' }, t('jobsNeedKey')));
  if (jobs.error) return rebuild(box, isKeyProblem(jobs.error) ? keyPrompt(jobs.error) : errorBox(jobs.error, { title: t('jobsFailed') }));
  if (jobs.items.length === 0) return rebuild(box, h('p', { class: 'empty' }, jobs.loading ? '…' : t('jobsEmpty')));
  rebuild(box, jobsTable(jobs.items));
}
