import {
  ENDED_JOB_STATUSES,
  JobStatus,
  type JobOptionsDto,
  type JobProgressDto,
  type JobRowsDto,
  type JobStatusDto,
  type JobSummaryDto,
} from '@geobatch/contracts';
import type { JobEntity, JobOptions, JobProgress, JobSheetColumns } from '@geobatch/job-store';
import { columnLetter } from '@geobatch/util-spreadsheet';

export function resultUrlOf(jobId: string): string {
  return `/jobs/${jobId}/result`;
}

/** Progress, rate and ETA of a job from its geocoded rows and, once the upload is read through, its data rows. */
export function progressOf(job: Pick<JobEntity, 'status' | 'createdAt' | 'finishedAt'>, processed: number, dataRows: number | null, now: Date): JobProgressDto {
  const ended = ENDED_JOB_STATUSES.includes(job.status);
  const seconds = ((job.finishedAt ?? now).getTime() - job.createdAt.getTime()) / 1000;
  const rate = processed > 0 && seconds > 0 ? processed / seconds : null;
  const fraction = job.status === JobStatus.Completed ? 1 : dataRows ? Math.min(1, processed / dataRows) : dataRows === 0 ? 1 : null;
  let etaSeconds: number | null = null;
  if (ended) etaSeconds = 0;
  else if (dataRows !== null && rate) etaSeconds = Math.max(0, Math.round((dataRows - processed) / rate));
  return {
    fraction: fraction === null ? null : Math.round(fraction * 1000) / 1000,
    rowsPerSecond: rate === null ? null : Math.round(rate),
    etaSeconds,
  };
}

/** Data and blank rows of a sealed job; null data rows until the upload has been read through. */
function sealedRows(job: JobEntity): { data: number | null; blank: number } {
  const sheets = job.sheets;
  if (!sheets) return { data: null, blank: 0 };
  return { data: sheets.reduce((n, s) => n + s.rows, 0), blank: sheets.reduce((n, s) => n + s.blankRows, 0) };
}

function rowsOf(job: JobEntity, progress: JobProgress | undefined): JobRowsDto {
  const { data, blank } = sealedRows(job);
  return {
    total: data === null ? null : data + blank,
    processed: progress?.processed ?? 0,
    ok: progress?.ok ?? 0,
    problems: progress?.problems ?? 0,
    blank,
  };
}

/** A job in `GET /jobs` (without its options) and in `DELETE /jobs/:id`. */
export function summaryOf(job: JobEntity, progress: JobProgress | undefined): JobSummaryDto {
  return {
    id: job.id,
    status: job.status,
    fileName: job.fileName,
    datasets: job.options.datasetLabels,
    rows: rowsOf(job, progress),
    error: job.error,
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt ? job.finishedAt.toISOString() : null,
    resultUrl: job.status === JobStatus.Completed ? resultUrlOf(job.id) : null,
  };
}

/** A job in `GET /jobs/:id`: its summary with progress, rate and ETA, and its options. */
export function statusOf(job: JobEntity, progress: JobProgress, now: Date): JobStatusDto {
  const { rows, ...summary } = summaryOf(job, progress);
  return {
    id: summary.id,
    status: summary.status,
    progress: progressOf(job, progress.processed, sealedRows(job).data, now),
    rows,
    fileName: summary.fileName,
    datasets: summary.datasets,
    options: optionsDto(job.options),
    error: summary.error,
    createdAt: summary.createdAt,
    finishedAt: summary.finishedAt,
    resultUrl: summary.resultUrl,
  };
}

/** `name@version (effective date)` of every version a dated job reads; empty for other jobs. */
function datedOptions(options: JobOptions): Pick<JobOptionsDto, 'dateColumn' | 'datasetVersions'> {
  if (options.dateColumn === undefined || !options.datasetVersions) return {};
  return {
    dateColumn: options.dateColumn,
    datasetVersions: options.datasetVersions.flatMap((versions, g) => {
      const name = options.datasetLabels[g]?.replace(/@[^@]*$/, '') ?? '';
      return versions.map((v) => `${name}@${v.version} (${v.effectiveDate})`);
    }),
  };
}

function columnsDto(c: JobSheetColumns): JobOptionsDto['columns'][number] {
  return {
    sheet: c.sheet + 1,
    name: c.name,
    x: { name: c.xName, number: c.x + 1, letter: columnLetter(c.x), by: c.xBy },
    y: { name: c.yName, number: c.y + 1, letter: columnLetter(c.y), by: c.yBy },
    ...(c.date === undefined ? {} : { date: { name: c.dateName ?? '', number: c.date + 1, letter: columnLetter(c.date), by: 'given' as const } }),
  };
}

/** The options as reported by `GET /jobs/:id`: x/y only when the caller gave them. */
export function optionsDto(options: JobOptions): JobOptionsDto {
  const first = options.upload.sheets[0];
  const given = (spec: string, by: string | undefined) => (by === 'given' ? spec : null);
  return {
    x: given(options.x, first?.xBy),
    y: given(options.y, first?.yBy),
    kind: options.upload.kind,
    encoding: options.upload.encoding,
    sheet: options.sheet,
    lang: options.lang,
    format: options.format,
    crs: options.crs,
    nearestM: options.nearestM,
    ...datedOptions(options),
    columns: options.upload.sheets.map(columnsDto),
  };
}
