import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { JobStatus, type ChunkResultEventV2 } from '@geobatch/contracts';
import { JobRepository, type JobEntity } from '@geobatch/job-store';
import { Metrics } from '@geobatch/util-observability';
import { backoffDelay, type RetryPolicy } from '@geobatch/util-retry';
import { REPORT_MERGER_CONFIG, type ReportMergerConfig } from '../config/report-merger-config.module';
import { ProgressiveMerges } from './progressive-merges';
import { MergeDataError } from './result-alignment';
import { RESULTS_DIR } from './result-output';
import { WorkbookWriter, type SummarySheetColumns } from './workbook-writer';

export { PARTIAL_SUFFIX, RESULTS_DIR } from './result-output';

/**
 * What a finalisation attempt did: `not-ready` (not sealed, chunks missing, or someone else holds
 * the merge), `completed`, `failed` (data that cannot be merged), `retrying` (a write error; the
 * merge was released and is tried again later), `abandoned` (the job stopped running meanwhile).
 */
export type MergeOutcome = 'not-ready' | 'completed' | 'failed' | 'retrying' | 'abandoned';

export interface FinalizeOptions {
  /** Keeps the Kafka consumer's session alive while a long merge runs inside its handler. */
  heartbeat?: () => Promise<void>;
}

/**
 * Claims and schedules the writing of a job's result: once the job is sealed and every chunk is
 * stored, `JobRepository.claimMerge` lets exactly one attempt run; it completes the progressive
 * merge (ProgressiveMerges) or has the WorkbookWriter merge from the database, and a write that
 * fails is released and retried later (MERGE_RETRY_BACKOFF_MS, doubling) until MERGE_MAX_ATTEMPTS.
 * A job that stops running (cancelled) is dropped: its progressive merge, partial file and retries.
 */
@Injectable()
export class WorkbookMergerService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkbookMergerService.name);
  /** Failed write attempts by job, and the timers of their next attempt. */
  private readonly attempts = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Jobs this process is writing right now. */
  private readonly merging = new Set<string>();
  /** Jobs triggered again while their attempt was running. */
  private readonly lookAgain = new Set<string>();
  private readonly retryPolicy: RetryPolicy;
  private readonly writer: WorkbookWriter;
  private readonly progressive: ProgressiveMerges;
  private closing = false;

  constructor(
    @Inject(REPORT_MERGER_CONFIG) private readonly config: ReportMergerConfig,
    private readonly jobs: JobRepository,
    private readonly metrics: Metrics,
  ) {
    this.retryPolicy = { attempts: config.MERGE_MAX_ATTEMPTS, backoffMs: config.MERGE_RETRY_BACKOFF_MS, maxBackoffMs: 60_000 };
    this.writer = new WorkbookWriter(config, jobs);
    this.progressive = new ProgressiveMerges(config, jobs, this.writer);
  }

  get resultsDir(): string {
    return join(this.config.STORAGE_DIR, RESULTS_DIR);
  }

  /** Writes the job's workbook if the job is ready and nobody else is writing it. Never throws for a write failure. */
  tryFinalize(jobId: string, options: FinalizeOptions = {}): Promise<MergeOutcome> {
    const run = this.finalize(jobId, options);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run)).catch(() => undefined);
    return run;
  }

  /**
   * Takes a chunk just stored and writes the job's rows as far as the chunks in order allow, so
   * the workbook is nearly done when the last chunk arrives. Never throws.
   */
  offer(event: ChunkResultEventV2): Promise<void> {
    return this.closing ? Promise.resolve() : this.progressive.offer(event);
  }

  /** The `요약` options of a job's result. */
  summaryOptions(job: JobEntity, sheets: SummarySheetColumns[]): [string, string][] {
    return this.writer.summaryOptions(job, sheets);
  }

  /** The job stopped running (cancelled): its progressive merge, partial file and scheduled retry go. */
  async abandon(jobId: string, reason: string): Promise<void> {
    this.clearRetry(jobId);
    this.attempts.delete(jobId);
    await this.progressive.drop(jobId, reason);
  }

  /** After a chunk the store refused: a job written progressively that no longer runs is abandoned (its cancel event may be lost). */
  async abandonIfEnded(jobId: string): Promise<void> {
    if (!this.progressive.has(jobId)) return;
    const job = await this.jobs.findById(jobId);
    if (job?.status !== JobStatus.Running) await this.abandon(jobId, `the job is ${job?.status ?? 'gone'}`);
  }

  /** Stops scheduled retries and waits for merges in progress, before the database goes away. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.logger.log({ msg: 'shutting down: finishing merges in progress', merges: this.inFlight.size, retriesDropped: this.retryTimers.size });
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    await Promise.allSettled([...this.inFlight]);
    await this.progressive.close();
  }

  private async finalize(jobId: string, options: FinalizeOptions): Promise<MergeOutcome> {
    // Checked and taken before any await, so two handlers of this process never write one job twice.
    if (this.merging.has(jobId)) {
      // The attempt in progress may have looked before this trigger's news (e.g. the seal): look again after it.
      this.lookAgain.add(jobId);
      return 'not-ready';
    }
    this.merging.add(jobId);
    let outcome: MergeOutcome = 'not-ready';
    try {
      const job = await this.jobs.claimMerge(jobId);
      if (!job) return outcome;
      outcome = await this.merge(job, options);
      return outcome;
    } finally {
      this.merging.delete(jobId);
      if (this.lookAgain.delete(jobId) && outcome === 'not-ready' && !this.closing) void this.tryFinalize(jobId).catch(() => undefined);
    }
  }

  private async merge(job: JobEntity, options: FinalizeOptions): Promise<MergeOutcome> {
    const jobId = job.id;
    this.clearRetry(jobId);
    const started = Date.now();
    this.logger.log({ msg: 'merge claimed', jobId, totalChunks: job.totalChunks });
    try {
      const { rows, resultPath } = await this.writeResult(job, options);
      await this.jobs.complete(jobId, resultPath);
      const after = await this.jobs.findById(jobId);
      if (after?.status !== JobStatus.Completed) {
        // Cancelled or failed while we wrote: the workbook belongs to nobody.
        await rm(join(this.config.STORAGE_DIR, resultPath), { force: true });
        this.logger.warn({ msg: 'job stopped running during the merge; workbook discarded', jobId, status: after?.status });
        return 'abandoned';
      }
      this.attempts.delete(jobId);
      this.metrics.rows.inc({ stage: 'written' }, rows);
      this.observeJob(job, 'completed');
      this.logger.log({ msg: 'job completed', jobId, rows, resultPath, ms: Date.now() - started });
      return 'completed';
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      if (err instanceof MergeDataError) {
        await this.jobs.fail(jobId, err.message);
        this.attempts.delete(jobId);
        this.observeJob(job, 'failed');
        this.logger.warn({ msg: 'job failed: results cannot be merged', jobId, error: err.message });
        return 'failed';
      }
      return this.giveBack(jobId, err);
    }
  }

  /** A write that failed for a reason other than the data: release the claim so a later attempt rebuilds it. */
  private async giveBack(jobId: string, err: Error): Promise<MergeOutcome> {
    const attempt = (this.attempts.get(jobId) ?? 0) + 1;
    this.attempts.set(jobId, attempt);
    if (attempt >= this.config.MERGE_MAX_ATTEMPTS) {
      this.attempts.delete(jobId);
      const reason = `결과 파일을 만들지 못했습니다 (could not write the result workbook after ${attempt} attempts: ${err.message})`;
      await this.jobs.fail(jobId, reason);
      const job = await this.jobs.findById(jobId);
      if (job) this.observeJob(job, 'failed');
      this.logger.error({ msg: 'job failed: merge attempts exhausted', jobId, attempt, error: err.message }, err.stack);
      return 'failed';
    }
    await this.jobs.releaseMerge(jobId);
    const delayMs = backoffDelay(this.retryPolicy, attempt);
    this.logger.error({ msg: 'merge failed; released for a retry', jobId, attempt, retryInMs: delayMs, error: err.message }, err.stack);
    if (!this.closing) {
      const timer = setTimeout(() => {
        this.retryTimers.delete(jobId);
        void this.tryFinalize(jobId).catch((e: Error) =>
          this.logger.error({ msg: 'merge retry failed', jobId, error: e.message }, e.stack),
        );
      }, delayMs);
      timer.unref();
      this.retryTimers.set(jobId, timer);
    }
    return 'retrying';
  }

  /** From acceptance to the end, so the histogram is what a user waited. */
  private observeJob(job: JobEntity, outcome: 'completed' | 'failed'): void {
    this.metrics.jobSeconds.observe({ outcome }, (Date.now() - job.createdAt.getTime()) / 1000);
  }

  private clearRetry(jobId: string): void {
    const timer = this.retryTimers.get(jobId);
    if (timer) clearTimeout(timer);
    this.retryTimers.delete(jobId);
  }

  /** The progressive merge's file when this process has one in good order, else a full merge from the database. */
  private async writeResult(job: JobEntity, options: FinalizeOptions): Promise<{ rows: number; resultPath: string }> {
    const merge = this.progressive.take(job.id);
    const tick = () => this.beat(options);
    if (merge && !merge.failure) {
      try {
        const written = await merge.complete(this.progressive.fetcher(job.id), job.sheets ?? [], (sheets) => this.writer.summaryOptions(job, sheets), tick);
        this.logger.log({ msg: 'progressive merge finished', jobId: job.id, rows: written.rows });
        return written;
      } catch (e) {
        this.logger.warn({ msg: 'progressive merge failed; merging from the database', jobId: job.id, error: (e as Error).message });
      }
    }
    await merge?.discard();
    return this.writer.writeWorkbook(job, tick);
  }

  private async beat(options: FinalizeOptions): Promise<void> {
    try {
      await options.heartbeat?.();
    } catch {
      // A rebalance is under way; the merge claim in the database still protects this job.
    }
  }
}
