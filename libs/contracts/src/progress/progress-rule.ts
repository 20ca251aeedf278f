/** What a progress bar needs of a job's rows (`JobRowsDto`). */
export interface RowsDone {
  /** Rows the job reads, blank ones included; null while unknown. */
  total: number | null;
  /** Rows done, blank ones included: the same rows as `total`. */
  processed: number;
}

/**
 * Whole percent of the rows done, for a bar and its text: 100 once the job has completed (whatever
 * an estimate said), at most 99 before (an estimated total may be passed before the end), null
 * while the total is unknown. An empty job is 100.
 */
export function rowsPercent(rows: RowsDone, completed: boolean): number | null {
  if (completed) return 100;
  if (rows.total === null) return null;
  if (rows.total === 0) return 100;
  return Math.min(99, Math.floor((rows.processed / rows.total) * 100));
}
