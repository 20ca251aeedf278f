import { EventDecodeError } from '@geobatch/contracts';

export interface RetryPolicy {
  /** Attempts in all, the first included (≥ 1). */
  attempts: number;
  /** Wait before the first retry; doubled for each further one. */
  backoffMs: number;
  /** Cap on one wait. */
  maxBackoffMs?: number;
}

export interface RetryHooks {
  /** Called before each wait, with the attempt that failed (1-based) and the wait. */
  onRetry?: (error: Error, attempt: number, delayMs: number) => void;
  /** Stop retrying once the next attempt could not start before this time (ms since the epoch). */
  deadline?: number;
  /** Stop retrying (throw the last error) once this says so, e.g. when the process is shutting down. */
  stop?: () => boolean;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const MAX_BACKOFF_MS = 10_000;

/**
 * Errors that another attempt cannot cure: invalid input and programming errors. Everything else
 * (a dropped or refused database connection, a query cancelled by a restarting server, a broker
 * hiccup) is worth another try.
 */
export function isPermanent(error: unknown): boolean {
  return error instanceof EventDecodeError || error instanceof RangeError || error instanceof TypeError || error instanceof SyntaxError;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The wait before retry number `retry` (1-based). */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.backoffMs * 2 ** (retry - 1), policy.maxBackoffMs ?? MAX_BACKOFF_MS);
}

/** Runs `work` until it succeeds, a permanent error occurs, the attempts run out, the deadline is near or `stop` says so; then throws the last error. */
export async function withRetries<T>(work: (attempt: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? defaultSleep;
  const now = hooks.now ?? Date.now;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      if (isPermanent(error) || attempt >= policy.attempts || hooks.stop?.()) throw error;
      const delay = backoffDelay(policy, attempt);
      if (hooks.deadline !== undefined && now() + delay >= hooks.deadline) throw error;
      hooks.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
