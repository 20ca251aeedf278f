// Step 3's button: the form's fields, the upload, and the hand-over to following the job.
import { postForm } from './api';
import type { JobView } from './api-types';
import { $, announce } from './dom';
import { noteUnauthorized } from './errors';
import { RateMeter } from './format';
import { t } from './i18n';
import { follow } from './job-follow';
import { loadJobs } from './jobs-list';
import { renderOptions } from './options-view';
import { renderProgress } from './progress-view';
import { rememberJob } from './remembered-jobs';
import { type FollowedJob, shownPreview, startBlocker, state } from './state';

/** The job's text fields; throws (with the page's own message) on a choice that cannot work. */
function jobFields(): [string, string][] {
  const c = state.choice;
  const data = shownPreview();
  const x = (data ? c.x : c.xText).trim();
  const y = (data ? c.y : c.yText).trim();
  if (x && x === y) throw new Error(t('sameColumn'));
  const fields: [string, string][] = [];
  if (x) fields.push(['x', x]);
  if (y) fields.push(['y', y]);
  if (c.sheet) fields.push(['sheet', c.sheet]);
  // Only a header row the person moved: the gateway finds the same one by itself otherwise.
  if (c.headerRow) fields.push(['headerRow', c.headerRow]);
  if (c.dataset.trim()) fields.push(['dataset', c.dataset.trim()]);
  // Defaults are left out, so a gateway that predates an option still accepts the form; the system
  // goes whenever a preview was shown, as the person saw it (the gateway would guess again without).
  if (c.crs !== 'EPSG:4326' || data) fields.push(['crs', c.crs]);
  if (c.encoding !== 'auto' && data?.kind !== 'xlsx') fields.push(['encoding', c.encoding]);
  if (c.format !== 'xlsx') fields.push(['format', c.format]);
  if (c.lang !== 'ko') fields.push(['lang', c.lang]);
  return fields;
}

function showOptionsError(error: unknown): void {
  state.optionsError = error;
  renderOptions();
  $('options-error').querySelector<HTMLElement>('.error')?.focus();
}

function showProgressCard(): void {
  $('progress-card').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
}

/** The upload answered with a job: remember it and follow it. */
function started(job: FollowedJob, created: JobView, file: File): void {
  job.id = created.id;
  job.phase = 'polling';
  job.view = { id: created.id, status: created.status, rows: { total: null, processed: 0, ok: 0, problems: 0, blank: 0 }, fileName: file.name };
  rememberJob({ id: created.id, fileName: file.name, createdAt: new Date().toISOString() });
  announce(t('announceStarted'));
  renderOptions();
  renderProgress();
  showProgressCard();
  void loadJobs();
  void follow(job);
}

export async function startJob(): Promise<void> {
  const file = state.file;
  if (!file || startBlocker() !== '') return;
  let fields: [string, string][];
  try {
    fields = jobFields();
  } catch (e) {
    return showOptionsError((e as Error).message);
  }
  state.optionsError = null;
  const form = new FormData();
  // Text fields first: the gateway knows the options before the file arrives.
  for (const [k, v] of fields) form.append(k, v);
  form.append('file', file, file.name);
  const job: FollowedJob = { token: Symbol('job'), phase: 'uploading', uploadPercent: 0, id: null, fileName: file.name, view: null, meter: new RateMeter() };
  state.job = job;
  renderOptions();
  renderProgress();
  showProgressCard();
  try {
    const created = await postForm<JobView>('jobs', form, (sent, total) => {
      job.uploadPercent = Math.floor((sent / total) * 100);
      renderProgress();
    });
    started(job, created, file);
  } catch (e) {
    if (state.job === job) state.job = null;
    noteUnauthorized(e);
    renderProgress();
    showOptionsError(e);
  }
}
