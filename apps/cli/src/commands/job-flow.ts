import { setTimeout as sleep } from 'node:timers/promises';
import { JobStatus, type JobStatusDto } from '@geobatch/contracts';
import { CliError, InterruptedError, type CliContext } from '../cli-context';
import { ExitCode } from '../exit-codes';
import { GatewayHttpError, type GatewayClient } from '../gateway/gateway-client';
import { progressFor } from '../gateway/job-progress';
import { saveDownload, type SavedDownload } from '../gateway/save-download';
import { waitForJob } from '../gateway/wait-for-job';
import { bytes, seconds } from './format';
import type { OutFlags, WaitFlags } from './gateway-options';

/** `200 rows: 198 ok, 2 problems, 0 blank lines skipped` */
export function describeRows(view: JobStatusDto): string {
  const r = view.rows;
  return `${r.processed} rows: ${r.ok} ok, ${r.problems} problems, ${r.blank} blank lines skipped`;
}

function tookOf(view: JobStatusDto): string {
  const ms = view.finishedAt ? Date.parse(view.finishedAt) - Date.parse(view.createdAt) : NaN;
  return Number.isFinite(ms) && ms >= 0 ? ` in ${seconds(ms)}` : '';
}

/** The job ended without a result: exit 1 with the server's reason. */
export function jobFailure(view: JobStatusDto): CliError {
  if (view.status === JobStatus.Cancelled) return new CliError(`job ${view.id} was cancelled${view.error ? `: ${view.error}` : ''}`, ExitCode.JobFailed);
  return new CliError(`job ${view.id} failed: ${view.error ?? 'the gateway gave no reason'}`, ExitCode.JobFailed);
}

/** What to tell someone who stopped waiting: the job goes on, and how to pick it up again. */
export function resumeHint(ctx: CliContext, id: string): InterruptedError {
  return new InterruptedError(
    `stopped waiting; job ${id} goes on on the gateway (it was not cancelled).\n` +
      `  see how it is doing:  ${ctx.invocation} status ${id}\n` +
      `  wait and download:    ${ctx.invocation} download ${id}`,
  );
}

/** Polls with a progress display until the job ends; a failed or cancelled job is an exit-1 error. */
export async function waitUntilDone(ctx: CliContext, client: GatewayClient, id: string, flags: WaitFlags, signal: AbortSignal): Promise<JobStatusDto> {
  const reporter = progressFor({ stream: ctx.stdout, line: (t) => ctx.output.out(t) });
  let view: JobStatusDto;
  try {
    view = await waitForJob(client, id, { intervalMs: flags.interval * 1000, retryForMs: flags.retry * 1000, reporter, signal });
  } finally {
    reporter.stop();
  }
  if (view.status !== JobStatus.Completed) throw jobFailure(view);
  ctx.output.out(`job ${id} completed${tookOf(view)}: ${describeRows(view)}`);
  return view;
}

/**
 * Downloads the result workbook. A 409 (not completed yet) waits for the job with progress and
 * tries again; a failed job is an exit-1 error.
 */
export async function downloadResult(
  ctx: CliContext,
  client: GatewayClient,
  id: string,
  flags: OutFlags & WaitFlags,
  signal: AbortSignal,
): Promise<SavedDownload> {
  const target = { out: flags.out === undefined ? undefined : ctx.path(flags.out), dir: ctx.path('.'), force: flags.force };
  for (let attempt = 1; ; attempt++) {
    try {
      const saved = await saveDownload(await client.result(id), target, `${id}_주소변환`);
      ctx.output.out(`wrote ${saved.path} (${bytes(saved.bytes)})`);
      return saved;
    } catch (e) {
      if (!(e instanceof GatewayHttpError && e.status === 409) || attempt >= 3) throw e;
      // The status said completed but the result is not there yet: give it a moment.
      if (attempt > 1) await sleep(flags.interval * 1000, undefined, { signal });
      ctx.output.out(`job ${id} has not completed yet (${e.serverMessage}); waiting for it`);
      await waitUntilDone(ctx, client, id, flags, signal);
    }
  }
}
