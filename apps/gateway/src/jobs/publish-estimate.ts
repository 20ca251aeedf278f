import type { JobEntity, JobRepository } from '@geobatch/job-store';
import { resolveStoredPath, xlsxSheetExtents, type UploadPlan } from '@geobatch/util-spreadsheet';

/**
 * Rows (data and blank) the planned sheets of an upload hold, told without reading their cells, so
 * progress has a total long before the publisher has read the upload through: per sheet, its last
 * row (the sheet's dimension, else its rows counted) below the planned header row. XLSX only: a CSV
 * is read through in moments, and null when a sheet cannot be told.
 */
export async function estimateUploadRows(path: string, plan: UploadPlan): Promise<number | null> {
  if (plan.kind !== 'xlsx') return null;
  const extents = await xlsxSheetExtents(path, plan.sheets.map((s) => s.sheet));
  let rows = 0;
  for (const planned of plan.sheets) {
    const extent = extents.get(planned.sheet);
    if (!extent) return null;
    rows += Math.max(0, extent.lastRow - planned.headerRow);
  }
  return rows;
}

/**
 * Estimates a job's rows and records them until it is sealed (then its totals are exact). Never
 * rejects: without an estimate the bar only waits for the exact total, as it did before.
 */
export async function recordEstimatedRows(
  jobs: Pick<JobRepository, 'recordEstimatedRows'>,
  storageDir: string,
  job: Pick<JobEntity, 'id' | 'uploadPath' | 'options'>,
  warn: (entry: Record<string, unknown>) => void,
): Promise<number | null> {
  try {
    const rows = await estimateUploadRows(resolveStoredPath(storageDir, job.uploadPath), job.options.upload);
    if (rows !== null) await jobs.recordEstimatedRows(job.id, rows);
    return rows;
  } catch (e) {
    warn({ msg: 'could not estimate the rows of the upload; the total comes when it is read through', jobId: job.id, error: e instanceof Error ? e.message : String(e) });
    return null;
  }
}
