// Step 4's cancel: a button while the job is queued or running, a confirmation (the upload and the
// rows done so far are deleted, which cannot be undone), then `DELETE /jobs/:id`.
import { ApiError, getJson, request } from './api';
import type { JobView } from './api-types';
import { $, announce, h, rebuild } from './dom';
import { errorBox, noteUnauthorized } from './errors';
import { t } from './i18n';
import { syncJobInList } from './jobs-list';
import { renderProgress } from './progress-view';
import { type FollowedJob, state } from './state';

const RUNNING = new Set(['queued', 'running']);

function cancellable(job: FollowedJob | null): job is FollowedJob {
  return !!job && job.phase === 'polling' && !!job.id && (job.view === null || RUNNING.has(job.view.status ?? ''));
}

async function cancelJob(job: FollowedJob): Promise<void> {
  job.cancel = 'cancelling';
  job.cancelError = null;
  renderCancel();
  try {
    await request('DELETE', `jobs/${encodeURIComponent(job.id ?? '')}`);
    if (job.view) job.view = { ...job.view, status: 'cancelled' };
    announce(t('jobCancelled'));
  } catch (e) {
    noteUnauthorized(e);
    // 409: it ended meanwhile (completed, failed): the next poll shows how; nothing to explain.
    if (!(e instanceof ApiError && e.status === 409)) job.cancelError = e;
    else if (job.view) job.view = await getJson<JobView>(`jobs/${encodeURIComponent(job.id ?? '')}`).catch(() => job.view);
  }
  job.cancel = null;
  if (job.view) syncJobInList(job.view);
  renderProgress();
  renderCancel();
}

function cancelControls(job: FollowedJob): HTMLElement[] {
  if (job.cancel === 'cancelling') return [h('p', { class: 'hint', role: 'status' }, t('cancelling'))];
  if (job.cancel === 'confirm') {
    const keep = () => {
      job.cancel = null;
      renderCancel();
      $('cancel-job').focus();
    };
    return [
      h(
        'div',
        { class: 'notice warn cancel-confirm', role: 'alertdialog', 'aria-labelledby': 'cancel-question' },
        h('p', { id: 'cancel-question' }, t('cancelQuestion')),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', id: 'cancel-confirm', class: 'danger', key: 'cancel-confirm', onclick: () => void cancelJob(job) }, t('cancelYes')),
          h('button', { type: 'button', id: 'cancel-keep', class: 'ghost', key: 'cancel-keep', onclick: keep }, t('cancelNo')),
        ),
      ),
    ];
  }
  const ask = () => {
    job.cancel = 'confirm';
    renderCancel();
    $('cancel-confirm').focus();
  };
  return [h('button', { type: 'button', id: 'cancel-job', class: 'ghost', key: 'cancel-job', onclick: ask }, t('cancelJob'))];
}

/** The cancel area under the progress card; empty unless the followed job can still be cancelled. */
export function renderCancel(): void {
  const box = $('job-cancel');
  const job = state.job;
  const error = job?.cancelError ? errorBox(job.cancelError, { title: t('cancelFailed') }) : null;
  rebuild(box, cancellable(job) ? cancelControls(job) : [], error);
}

/** Redrawn whenever the progress card is: its owner need not know about the cancel button. */
export function wireCancel(): void {
  new MutationObserver(() => renderCancel()).observe($('progress'), { childList: true });
  renderCancel();
}
