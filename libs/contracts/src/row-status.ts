/** Outcome of one row's lookup, written to the `상태` column. */
export enum RowStatus {
  Ok = 'OK',
  NotFound = 'NOT_FOUND',
  Invalid = 'INVALID',
}

/** Administrative levels, most general first. */
export const ADMIN_LEVELS = ['sido', 'sigungu', 'eupmyeondong', 'ri'] as const;
export type AdminLevel = (typeof ADMIN_LEVELS)[number];

/** Korean level names used in headers and CLI flags. */
export const ADMIN_LEVEL_LABELS: Record<AdminLevel, string> = {
  sido: '시도',
  sigungu: '시군구',
  eupmyeondong: '읍면동',
  ri: '리',
};

export enum JobStatus {
  Queued = 'queued',
  Running = 'running',
  Completed = 'completed',
  Failed = 'failed',
  Cancelled = 'cancelled',
}
