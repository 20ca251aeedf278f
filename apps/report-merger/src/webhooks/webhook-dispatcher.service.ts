import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { WEBHOOK_HEADERS, type JobRowsDto, type JobWebhookDto } from '@geobatch/contracts';
import { JobRepository, JobWebhookRepository, type JobEntity } from '@geobatch/job-store';
import { REPORT_MERGER_CONFIG, type ReportMergerConfig } from '../config/report-merger-config.module';
import { deliveryId, signWebhook, webhookEventOf, webhookRetryDelayMs } from './webhook-signature';

/** Jobs claimed (and POSTed in parallel) per round. */
const BATCH = 10;
/** Rounds per poll at most, so a backlog never starves the shutdown check for long. */
const MAX_ROUNDS = 20;
/** Kept of a failure's description on the job. */
const MAX_ERROR_LENGTH = 500;

export type DeliveryOutcome = 'delivered' | 'retrying' | 'gave-up';

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
}

function describeFailure(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = err?.cause?.code ?? err?.cause?.message;
  return cause ? `${err?.message ?? 'fetch failed'}: ${cause}` : String(err?.message ?? e);
}

/**
 * Delivers each ended job's webhook from the outbox on the job table (see JobWebhookRepository):
 * polls, claims due jobs, POSTs a signed JSON body, and records a 2xx as delivered or schedules
 * a retry with exponential backoff. Lives in the merger, which ends most jobs; a job ended by the
 * gateway (cancelled) is picked up by the same poll.
 */
@Injectable()
export class WebhookDispatcherService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcherService.name);
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private stopping = false;

  constructor(
    @Inject(REPORT_MERGER_CONFIG) private readonly config: ReportMergerConfig,
    private readonly outbox: JobWebhookRepository,
    private readonly jobs: JobRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.WEBHOOK_SECRET) {
      this.logger.warn({ msg: 'WEBHOOK_SECRET is not set: job callbacks are not sent until it is' });
      return;
    }
    this.timer = setInterval(() => this.poll(), this.config.WEBHOOK_POLL_INTERVAL_MS);
    this.poll();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.inFlight;
  }

  /** One poll at a time: a slow receiver delays the next poll instead of stacking them. */
  private poll(): void {
    if (this.inFlight || this.stopping) return;
    this.inFlight = this.dispatchDue()
      .then(() => undefined)
      .catch((e: unknown) => this.logger.error({ msg: 'webhook poll failed', error: String((e as Error)?.message ?? e) }))
      .finally(() => (this.inFlight = undefined));
  }

  /** Claims and delivers every due callback; answers the outcome of each attempt made. */
  async dispatchDue(): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = [];
    for (let round = 0; round < MAX_ROUNDS && !this.stopping; round++) {
      const claimed = await this.outbox.claimDue({
        limit: BATCH,
        maxAttempts: this.config.WEBHOOK_MAX_ATTEMPTS,
        // Longer than one attempt can take, so a live dispatcher never loses its claim.
        leaseMs: this.config.WEBHOOK_TIMEOUT_MS + 30_000,
      });
      if (claimed.length === 0) break;
      outcomes.push(...(await Promise.all(claimed.map((job) => this.deliver(job)))));
    }
    return outcomes;
  }

  /** The body a job's callback gets. */
  async payloadOf(job: JobEntity): Promise<JobWebhookDto> {
    const progress = await this.jobs.progress(job.id);
    const sheets = job.sheets ?? null;
    const blank = sheets?.reduce((sum, s) => sum + s.blankRows, 0) ?? 0;
    const rows: JobRowsDto = {
      total: sheets ? sheets.reduce((sum, s) => sum + s.rows, 0) + blank : null,
      processed: progress.processed,
      ok: progress.ok,
      problems: progress.problems,
      blank,
    };
    const event = webhookEventOf(job.status);
    const path = `/jobs/${job.id}/result`;
    return {
      event,
      jobId: job.id,
      status: job.status,
      rows,
      resultUrl: event === 'job.completed' ? `${this.config.GATEWAY_PUBLIC_URL.replace(/\/+$/, '')}${path}` : null,
      error: job.error,
      finishedAt: job.finishedAt ? job.finishedAt.toISOString() : null,
    };
  }

  /** One attempt for a claimed job (its attempt already counted by the claim). */
  private async deliver(job: JobEntity): Promise<DeliveryOutcome> {
    const url = job.options.callbackUrl!;
    const attempt = job.webhookAttempts;
    // The origin only: a callback's path or query may carry the receiver's own token.
    const at = { jobId: job.id, attempt, status: job.status, to: originOf(url) };
    let failure: string;
    try {
      const payload = await this.payloadOf(job);
      const body = JSON.stringify(payload);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Geobatch-Webhook/1',
          [WEBHOOK_HEADERS.event]: payload.event,
          [WEBHOOK_HEADERS.delivery]: deliveryId(job.id, payload.event),
          [WEBHOOK_HEADERS.timestamp]: timestamp,
          [WEBHOOK_HEADERS.signature]: signWebhook(this.config.WEBHOOK_SECRET, timestamp, body),
        },
        body,
        // A redirect would re-send the signed body somewhere the job's owner did not name.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.WEBHOOK_TIMEOUT_MS),
      });
      // The answer's body is not needed: release the connection.
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        await this.outbox.markDelivered(job.id);
        this.logger.log({ msg: 'webhook delivered', ...at, event: payload.event, httpStatus: res.status });
        return 'delivered';
      }
      failure = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    } catch (e) {
      failure = describeFailure(e, this.config.WEBHOOK_TIMEOUT_MS);
    }
    failure = failure.slice(0, MAX_ERROR_LENGTH);
    if (attempt >= this.config.WEBHOOK_MAX_ATTEMPTS) {
      await this.outbox.markFailed(job.id, failure, null);
      this.logger.error({ msg: 'webhook given up', ...at, error: failure });
      return 'gave-up';
    }
    const delayMs = webhookRetryDelayMs(attempt, this.config.WEBHOOK_RETRY_BASE_MS);
    await this.outbox.markFailed(job.id, failure, delayMs);
    this.logger.warn({ msg: 'webhook attempt failed; will retry', ...at, error: failure, retryInMs: delayMs });
    return 'retrying';
  }
}
