// Step 4's engine: poll a job until it ends, announce its progress, download its result.
import { ApiError, downloadResult, getJson } from './api';
import type { JobView } from './api-types';
import { $, announce, sleep } from './dom';
import { errorBox, noteUnauthorized } from './errors';
import { RateMeter } from './format';
import { t } from './i18n';
import { loadJobs, syncJobInList } from './jobs-list';
import { renderProgress } from './progress-view';
import { renderResultMap } from './result-map';
import { type FollowedJob, POLL_MS, POLL_RETRY_MS, TERMINAL, state } from './state';

/** Follows a job already on the server (from the list). */
export function followExisting(id: string, fileName: string): void {
  const job: FollowedJob = { token: Symbol('job'), phase: 'polling', id, fileName, view: null, meter: new RateMeter() };
  state.job = job;
  renderProgress();
  $('progress-card').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  void follow(job);
}

/** Announces each quarter of a running job once; answers the last milestone announced. */
function announceMilestone(view: JobView, lastMilestone: number): number {
  const total = view.rows?.total;
  if (typeof total !== 'number' || total <= 0 || view.status !== 'running' || !view.rows) return lastMilestone;
  const milestone = Math.floor(((view.rows.processed / total) * 100) / 25) * 25;
  if (milestone > lastMilestone && milestone > 0 && milestone < 100) announce(t('announcePercent', { percent: milestone }));
  return Math.max(lastMilestone, milestone);
}

function finished(job: FollowedJob, view: JobView, before: string | null | undefined): void {
  job.phase = 'done';
  renderProgress();
  renderResultMap();
  if (before !== view.status) {
    announce(view.status === 'completed' ? t('announceDone') : view.status === 'failed' ? t('announceFailed') : t('jobCancelled'));
  }
  void loadJobs();
}

/** A failed poll: answers the wait before the next one, or null when following must stop. */
function pollFailed(job: FollowedJob, e: unknown): number | null {
  if (e instanceof ApiError && (e.network || e.status >= 500 || e.status === 429)) {
    job.reconnecting = true;
    return POLL_RETRY_MS;
  }
  job.phase = 'done';
  job.error = e;
  noteUnauthorized(e);
  renderProgress();
  return null;
}

export async function follow(job: FollowedJob): Promise<void> {
  let lastMilestone = -1;
  while (state.job === job) {
    let wait = POLL_MS;
    try {
      const view = await getJson<JobView>(`jobs/${encodeURIComponent(job.id ?? '')}`);
      if (state.job !== job) return;
      const before = job.view?.status;
      job.view = view;
      job.reconnecting = false;
      job.meter.add(Date.now(), view.rows?.processed ?? 0);
      syncJobInList(view);
      lastMilestone = announceMilestone(view, lastMilestone);
      if (view.status !== null && TERMINAL.has(view.status)) return finished(job, view, before);
    } catch (e) {
      if (state.job !== job) return;
      const retry = pollFailed(job, e);
      if (retry === null) return;
      wait = retry;
    }
    renderProgress();
    await sleep(wait);
  }
}

/** Downloads a result; `where` (a list's button) is replaced by the error when no job card shows it. */
export async function download(id: string, fileName: string, where?: HTMLElement): Promise<void> {
  const job = state.job?.id === id ? state.job : null;
  if (job) {
    job.downloading = true;
    job.downloadError = null;
    job.downloaded = null;
    renderProgress();
  }
  try {
    const fallback = `${fileName.replace(/\.[^.]*$/, '')}_result.xlsx`;
    const name = await downloadResult(id, fallback);
    if (job) job.downloaded = name;
    announce(t('downloaded', { name }));
  } catch (e) {
    noteUnauthorized(e);
    if (job) job.downloadError = e;
    else if (where) where.replaceWith(errorBox(e));
  } finally {
    if (job) {
      job.downloading = false;
      renderProgress();
    }
  }
}
