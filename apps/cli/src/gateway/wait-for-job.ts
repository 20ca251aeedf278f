import { setTimeout as sleep } from 'node:timers/promises';
import { JobStatus, type JobStatusDto } from '@geobatch/contracts';
import type { GatewayClient } from './gateway-client';
import type { ProgressReporter } from './job-progress';

const TERMINAL: readonly string[] = [JobStatus.Completed, JobStatus.Failed, JobStatus.Cancelled];

export function isTerminal(view: JobStatusDto): boolean {
  return TERMINAL.includes(view.status);
}

export interface WaitOptions {
  /** Between two polls. */
  intervalMs: number;
  /** How long to keep asking while the gateway does not answer (a restart, a network blip). */
  retryForMs: number;
  reporter: ProgressReporter;
  /** Ctrl-C. */
  signal?: AbortSignal;
}

function isTransient(e: unknown): boolean {
  return (e as { transient?: boolean })?.transient === true;
}

/**
 * Polls `GET /jobs/:id` until the job is completed, failed or cancelled, reporting every
 * answer. Transient failures (no answer, 5xx) are retried with backoff for `retryForMs`;
 * anything else, or a gateway silent for longer, is thrown.
 */
export async function waitForJob(client: GatewayClient, id: string, options: WaitOptions): Promise<JobStatusDto> {
  let failingSince: number | null = null;
  let attempt = 0;
  for (;;) {
    let view: JobStatusDto;
    try {
      view = await client.job(id);
    } catch (e) {
      if (options.signal?.aborted || !isTransient(e)) throw e;
      failingSince ??= Date.now();
      if (Date.now() - failingSince >= options.retryForMs) throw e;
      attempt++;
      const delay = Math.min(options.intervalMs * 2 ** attempt, 10_000, Math.max(options.retryForMs - (Date.now() - failingSince), 0));
      options.reporter.note(`job ${id}: ${(e as Error).message}; retrying in ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay, undefined, { signal: options.signal });
      continue;
    }
    failingSince = null;
    attempt = 0;
    options.reporter.update(view);
    if (isTerminal(view)) return view;
    await sleep(options.intervalMs, undefined, { signal: options.signal });
  }
}
