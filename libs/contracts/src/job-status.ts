/**
 * Where a job is in its life: queued → running → completed, failed or cancelled, and past the
 * retention period expired. A plain object of its database values rather than an enum: the
 * job-store, the webhook bodies and the web page all compare the same strings.
 */
export const JobStatus = {
  Queued: 'queued',
  Running: 'running',
  Completed: 'completed',
  Failed: 'failed',
  Cancelled: 'cancelled',
  /** Past the retention period: its upload, result and row results are deleted. */
  Expired: 'expired',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** Statuses a job never leaves (it can only still expire). */
export const ENDED_JOB_STATUSES: readonly JobStatus[] = [JobStatus.Completed, JobStatus.Failed, JobStatus.Cancelled, JobStatus.Expired];
