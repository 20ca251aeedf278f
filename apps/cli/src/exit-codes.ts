/** What the CLI's exit status means; scripts can rely on these. */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** The job ran and failed or was cancelled. */
  JobFailed: 1,
  /** Usage or input problem: unknown command or flag, missing file, a request the gateway refused as invalid. */
  Usage: 2,
  /** The gateway or the database failed or could not be reached. */
  Unavailable: 3,
  /** Interrupted with Ctrl-C (128 + SIGINT). */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
