import { Logger } from '@nestjs/common';
import { JobStatus, type ChunkResultEventV2 } from '@geobatch/contracts';
import type { JobEntity, JobRepository } from '@geobatch/job-store';
import type { ReportMergerConfig } from '../config/report-merger-config.module';
import { ProgressiveMerge, type ChunkFetcher } from './progressive-merge';
import type { SummarySheetColumns, WorkbookWriter } from './workbook-writer';

/**
 * The results being written while their chunks arrive, one ProgressiveMerge per job, so a job's
 * workbook is nearly done when its last chunk is stored. In memory only, and never needed: whatever
 * goes wrong (a failure, a restart, a cancel) drops the job's merge and its partial file, and the
 * job is then merged from the database when it is ready, if it still runs.
 */
export class ProgressiveMerges {
  private readonly logger = new Logger(ProgressiveMerges.name);
  private readonly merges = new Map<string, ProgressiveMerge>();
  /** Jobs found unfit for a progressive merge (finished, legacy, unreadable, dropped): not looked up again. */
  private readonly unfit = new Set<string>();
  private closing = false;

  constructor(
    private readonly config: ReportMergerConfig,
    private readonly jobs: JobRepository,
    private readonly writer: WorkbookWriter,
  ) {}

  /** Takes a chunk just stored and writes the job's rows as far as the chunks in order allow. Never throws. */
  async offer(event: ChunkResultEventV2): Promise<void> {
    const { jobId } = event;
    if (this.closing || this.unfit.has(jobId)) return;
    const merge = this.merges.get(jobId) ?? (await this.start(jobId));
    if (!merge) return;
    merge.offer(event);
    void merge.advance(this.fetcher(jobId)).then(() => {
      if (merge.failure && this.merges.get(jobId) === merge) void this.drop(jobId, merge.failure.message, 'the job is merged from the database when complete');
    });
  }

  /** The job's merge, handed over to be completed (or null); the job takes no further progressive merge. */
  take(jobId: string): ProgressiveMerge | null {
    const merge = this.merges.get(jobId) ?? null;
    this.merges.delete(jobId);
    this.rememberUnfit(jobId);
    return merge;
  }

  /** Whether this process is writing the job progressively. */
  has(jobId: string): boolean {
    return this.merges.has(jobId);
  }

  /** Drops the job's merge and deletes its partial file (a failure, or the job stopped running). */
  async drop(jobId: string, reason: string, then = 'its partial file is deleted'): Promise<void> {
    const merge = this.merges.get(jobId);
    this.rememberUnfit(jobId);
    if (!merge) return;
    this.merges.delete(jobId);
    this.logger.warn({ msg: `progressive merge dropped; ${then}`, jobId, reason });
    await merge.discard();
  }

  /** At shutdown: unfinished merges are rebuilt from the durable chunks by whoever merges next. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.merges.values()].map((m) => m.discard()));
    this.merges.clear();
  }

  fetcher(jobId: string): ChunkFetcher {
    return (sheet, chunk) => this.jobs.findChunkRows(jobId, sheet, chunk);
  }

  /** The `요약` options of a job, as the writer words them. */
  summaryOptions(job: JobEntity, sheets: SummarySheetColumns[]): [string, string][] {
    return this.writer.summaryOptions(job, sheets);
  }

  private async start(jobId: string): Promise<ProgressiveMerge | null> {
    const merge = await this.open(jobId).catch((e: Error) => {
      this.logger.warn({ msg: 'progressive merge not started; the job is merged when complete', jobId, error: e.message });
      return null;
    });
    if (!merge) {
      this.rememberUnfit(jobId);
      return null;
    }
    // The job was merged, dropped or the app began shutting down while the upload was opened: nobody would finish this one.
    if (this.closing || this.unfit.has(jobId)) {
      await merge.discard();
      return null;
    }
    this.merges.set(jobId, merge);
    return merge;
  }

  private async open(jobId: string): Promise<ProgressiveMerge | null> {
    const job = await this.jobs.findById(jobId);
    if (!job || job.status !== JobStatus.Running || job.mergeStartedAt) return null;
    const file = await this.writer.openUpload(job);
    const merge = await ProgressiveMerge.open(job, file, this.config.STORAGE_DIR, this.config.MERGE_MAX_ROWS_PER_SHEET);
    if (merge) this.logger.log({ msg: 'progressive merge started', jobId });
    return merge;
  }

  private rememberUnfit(jobId: string): void {
    // Bounded: only a replay after the job ended would look it up again.
    if (this.unfit.size > 10_000) this.unfit.clear();
    this.unfit.add(jobId);
  }
}
