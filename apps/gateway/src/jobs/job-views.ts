import {
  ENDED_JOB_STATUSES,
  JobStatus,
  type JobOptionsDto,
  type JobProgressDto,
  type JobRowsDto,
  type JobStatusDto,
  type JobSummaryDto,
} from '@geobatch/contracts';
import type { JobEntity, JobOptions, JobProgress } from '@geobatch/job-store';
import { columnLetter, type SheetColumns } from '@geobatch/util-spreadsheet';

export function resultUrlOf(jobId: string): string {
  return `/jobs/${jobId}/result`;
}

/**
 * Progress, rate and ETA of a job from its geocoded rows and its row total (data and blank rows,
 * exact or estimated). Blank rows are done without being geocoded: they count towards the share
 * and the rows left, not the rate.
 */
export function progressOf(
  job: Pick<JobEntity, 'status' | 'createdAt' | 'finishedAt'>,
  processed: number,
  total: number | null,
  now: Date,
  blank = 0,
): Omit<JobProgressDto, 'totalEstimated'> {
  const ended = ENDED_JOB_STATUSES.includes(job.status);
  const done = processed + blank;
  const seconds = ((job.finishedAt ?? now).getTime() - job.createdAt.getTime()) / 1000;
  const rate = processed > 0 && seconds > 0 ? processed / seconds : null;
  const fraction = job.status === JobStatus.Completed ? 1 : total ? Math.min(1, done / total) : total === 0 ? 1 : null;
  let etaSeconds: number | null = null;
  if (ended) etaSeconds = 0;
  else if (total !== null && rate) etaSeconds = Math.max(0, Math.round((total - done) / rate));
  return {
    fraction: fraction === null ? null : Math.round(fraction * 1000) / 1000,
    rowsPerSecond: rate === null ? null : Math.round(rate),
    etaSeconds,
  };
}

/** A job's rows: data and blank, exact once sealed; before, the publisher's estimate (never below what is done). */
export function rowTotalOf(job: Pick<JobEntity, 'sheets' | 'estimatedRows'>, processed: number): { total: number | null; blank: number; estimated: boolean } {
  const sheets = job.sheets;
  if (sheets) {
    const blank = sheets.reduce((n, s) => n + s.blankRows, 0);
    return { total: sheets.reduce((n, s) => n + s.rows, 0) + blank, blank, estimated: false };
  }
  const estimate = job.estimatedRows ?? null;
  return { total: estimate === null ? null : Math.max(estimate, processed), blank: 0, estimated: estimate !== null };
}

function rowsOf(job: JobEntity, progress: JobProgress | undefined): JobRowsDto {
  const processed = progress?.processed ?? 0;
  const { total, blank } = rowTotalOf(job, processed);
  return { total, processed, ok: progress?.ok ?? 0, problems: progress?.problems ?? 0, blank };
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
    progress: { ...progressOf(job, rows.processed, rows.total, now, rows.blank), totalEstimated: rowTotalOf(job, rows.processed).estimated },
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

function columnsDto(c: SheetColumns): JobOptionsDto['columns'][number] {
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
