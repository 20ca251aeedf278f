import { access } from 'node:fs/promises';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  chunkKey,
  JobCancelledEventV1,
  JobSealedEventV1,
  Topics,
  type RowsChunkEventV2,
  type SeriesVersionsV1,
  type SheetTotalsV1,
} from '@geobatch/contracts';
import { JobRepository, type JobEntity } from '@geobatch/job-store';
import { EventPublisher } from '@geobatch/util-kafka';
import { withRetries } from '@geobatch/util-retry';
import { Metrics } from '@geobatch/util-observability';
import { openPlannedUpload, resolveStoredPath, type PlannedSheet, type TabularSheet } from '@geobatch/util-spreadsheet';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import { recordEstimatedRows } from './publish-estimate';
import { AckWatermark, PUBLISH_WINDOW, PublishWindow } from './publish-window';
import { readChunks, type RowsChunk, type SheetCounts } from './sheet-chunks';

export { PUBLISH_WINDOW, PublishWindow } from './publish-window';

/** How often, at most, a run records its publish watermark: a restart re-publishes at most this much. */
export const WATERMARK_EVERY_MS = 500;

/**
 * How long a run keeps retrying a database write it needs (mark running, seal, record a failure)
 * while the database is away. Giving up at once would leave the job unsealed and `running` until
 * the gateway restarts: the failure itself could not be recorded either.
 */
export const DB_OUTAGE_GRACE_MS = 120_000;

/** Thrown inside a run when the app shuts down: the job stays unsealed and is replayed at the next start. */
class PublishingStopped extends Error {}

/** Thrown inside a run when its job was cancelled (`DELETE /jobs/:id`): nothing more is published. */
class PublishingCancelled extends Error {}

/** How far a run has got: whether the job is marked running, the chunk size, when the watermark was last recorded. */
interface RunState {
  running: boolean;
  chunkSize: number;
  recordedAt: number;
}

/** What every chunk of a sheet carries besides its points. */
type ChunkBase = Pick<RowsChunkEventV2, 'jobId' | 'sheet' | 'datasetIds' | 'crs' | 'nearestM'> & { series?: SeriesVersionsV1[] };

/**
 * Streams a job's stored upload into RowsChunkEventV2 messages, then seals the job. Chunk keys
 * are stable (job, sheet, chunk) and the merger stores chunks idempotently, so publishing a chunk
 * twice after a crash is harmless. A restarted run resumes from the job's publish watermark: it
 * re-reads the upload (to number rows and count them) but publishes only chunks from there on.
 */
@Injectable()
export class ChunkPublisherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ChunkPublisherService.name);
  private readonly running = new Map<string, Promise<void>>();
  /** Jobs whose run must stop at its next chunk. */
  private readonly cancelled = new Set<string>();
  private stopping = false;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly publisher: EventPublisher,
    private readonly jobs: JobRepository,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Re-publishes jobs a previous gateway process accepted but did not finish publishing. A job
   * whose upload is not under this STORAGE_DIR is left alone: failing it would turn a mounting
   * mistake into permanently failed jobs.
   */
  async onApplicationBootstrap(): Promise<void> {
    const pending = await this.jobs.findUnsealed();
    for (const job of pending) {
      const upload = this.storedUpload(job);
      if (!upload || !(await access(upload).then(() => true, () => false))) {
        this.logger.warn({ msg: 'cannot resume unsealed job: upload not in STORAGE_DIR', jobId: job.id, upload: upload ?? job.uploadPath });
        continue;
      }
      this.logger.warn({ msg: 'resuming unsealed job', jobId: job.id, status: job.status, published: job.publishedChunks?.sheets ?? {} });
      void this.start(job);
    }
  }

  /** Lets in-flight runs stop between chunks before the producer and the database close. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled(this.running.values());
  }

  /**
   * Publishes a job in the background. Never rejects: a failure is recorded on the job.
   * Starting a job that is already being published returns the run in progress.
   */
  start(job: JobEntity): Promise<void> {
    const current = this.running.get(job.id);
    if (current) return current;
    const run = this.run(job).finally(() => this.running.delete(job.id));
    this.running.set(job.id, run);
    return run;
  }

  /** Stops a job's run before its next chunk (cancelled or expired); resolves once it has ended (at once when none runs). */
  async stop(jobId: string): Promise<void> {
    const run = this.running.get(jobId);
    if (!run) return;
    this.cancelled.add(jobId);
    try {
      await run;
    } finally {
      this.cancelled.delete(jobId);
    }
  }

  /**
   * For a job just cancelled in the database: stops its run before the next chunk, waits for the run
   * to end, then announces JobCancelledEventV1 so consumers can drop its queued chunks. The
   * announcement is advisory (the status in the database is what counts): a failure is only logged.
   */
  async cancel(jobId: string): Promise<void> {
    await this.stop(jobId);
    const event: JobCancelledEventV1 = { type: JobCancelledEventV1.type, jobId };
    await this.publisher.publish(Topics.jobs.name, jobId, event).catch((e: unknown) =>
      this.logger.warn({ msg: 'could not announce the cancellation', jobId, error: e instanceof Error ? e.message : String(e) }),
    );
  }

  /** Retries a database write with backoff while the database is away, for up to DB_OUTAGE_GRACE_MS. */
  private untilStored<T>(what: string, jobId: string, write: () => Promise<T>): Promise<T> {
    return withRetries(write, { attempts: Number.MAX_SAFE_INTEGER, backoffMs: this.config.PUBLISH_DB_RETRY_BASE_MS, maxBackoffMs: 5_000 }, {
      deadline: Date.now() + DB_OUTAGE_GRACE_MS,
      stop: () => this.stopping,
      onRetry: (error, attempt, delayMs) => this.logger.warn({ msg: `could not ${what}; retrying`, jobId, attempt, delayMs, error: error.message }),
    });
  }

  private async run(job: JobEntity): Promise<void> {
    const jobId = job.id;
    const started = Date.now();
    try {
      const sheets = await this.publishRows(job);
      if (this.cancelled.has(jobId)) throw new PublishingCancelled();
      // Seal in the database first: a JobSealed event must never announce totals the store does not have.
      await this.untilStored('seal the job', jobId, () => this.jobs.seal(jobId, sheets));
      const sealed: JobSealedEventV1 = { type: JobSealedEventV1.type, jobId, sheets };
      await this.publisher.publish(Topics.jobs.name, jobId, sealed);
      this.logger.log({
        msg: 'job sealed',
        jobId,
        sheets: sheets.length,
        rows: sheets.reduce((n, s) => n + s.rows, 0),
        blankRows: sheets.reduce((n, s) => n + s.blankRows, 0),
        chunks: sheets.reduce((n, s) => n + s.chunks, 0),
        durationMs: Date.now() - started,
      });
    } catch (err) {
      if (err instanceof PublishingCancelled) {
        this.logger.log({ msg: 'publishing stopped: the job was cancelled or expired', jobId });
        return;
      }
      if (err instanceof PublishingStopped) {
        this.logger.warn({ msg: 'publishing interrupted by shutdown; the job resumes at the next start', jobId });
        return;
      }
      this.metrics.jobSeconds.observe({ outcome: 'failed' }, (Date.now() - job.createdAt.getTime()) / 1000);
      const reason = `publishing failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 1000);
      this.logger.error({ msg: 'publishing failed', jobId, error: err instanceof Error ? err.message : String(err) },
        err instanceof Error ? err.stack : undefined);
      await this.untilStored('record the job failure', jobId, () => this.jobs.fail(jobId, reason)).catch((e: unknown) =>
        this.logger.error({ msg: 'could not record the job failure; it resumes at the next start', jobId, error: String(e) }),
      );
    }
  }

  /** The upload's absolute path; null when its recorded path would leave STORAGE_DIR. */
  private storedUpload(job: JobEntity): string | null {
    try {
      return resolveStoredPath(this.config.STORAGE_DIR, job.uploadPath);
    } catch {
      return null;
    }
  }

  /**
   * Publishes the rows of every sheet the job reads (chunks numbered from 0 within each sheet),
   * reading the upload exactly as the merger will: the job's upload plan, through the same function.
   */
  private async publishRows(job: JobEntity): Promise<SheetTotalsV1[]> {
    const plan = job.options.upload;
    // A total for the bar before the rows are read (an XLSX is read slower than it is geocoded). First,
    // not beside the reader: both are CPU-bound on this thread, and the estimate would come as late.
    if (!job.sealedAt) await recordEstimatedRows(this.jobs, this.config.STORAGE_DIR, job, (e) => this.logger.warn(e));
    const file = await openPlannedUpload(this.config.STORAGE_DIR, job.uploadPath, plan);
    // Chunks must be cut as in the run that published the watermark's chunks.
    const state: RunState = { running: false, chunkSize: job.publishedChunks?.chunkSize ?? this.config.CHUNK_SIZE, recordedAt: 0 };
    const totals: SheetTotalsV1[] = [];
    for (const planned of plan.sheets) {
      const sheet = file.sheets.find((s) => s.index === planned.sheet)!;
      totals.push(await this.publishSheet(job, sheet, planned, state));
    }
    return totals;
  }

  /**
   * Publishes one sheet's chunks. The next chunk is read while earlier ones are on their way to the
   * broker; chunks a previous run had acknowledged (below the watermark) are counted, not published again.
   */
  private async publishSheet(job: JobEntity, sheet: TabularSheet, planned: PlannedSheet, state: RunState): Promise<SheetTotalsV1> {
    const base = this.chunkBase(job, sheet.index, planned);
    const resumeAt = job.publishedChunks?.sheets[String(sheet.index)] ?? 0;
    const window = new PublishWindow(PUBLISH_WINDOW);
    const acks = new AckWatermark(resumeAt);
    const counts: SheetCounts = { rows: 0, blankRows: 0, chunks: 0 };
    for await (const rows of readChunks(sheet, planned, state.chunkSize, base.series !== undefined, counts)) {
      this.assertStillPublishing(job.id);
      if (rows.chunk < resumeAt) continue;
      await this.publishChunk(base, rows, window, acks, state);
    }
    await window.drain();
    // SheetTotalsV1 caps the name at 200 characters; a workbook may name a sheet with more.
    return { sheet: sheet.index, name: (planned.name || sheet.name).slice(0, 200), rows: counts.rows, chunks: counts.chunks, blankRows: counts.blankRows };
  }

  /** Dated jobs: a date per row, and each output group's versions (columns, like the rows). */
  private chunkBase(job: JobEntity, sheet: number, planned: PlannedSheet): ChunkBase {
    const { crs, datasetIds, nearestM, datasetVersions } = job.options;
    const series = datasetVersions && planned.date !== undefined
      ? datasetVersions.map((vs) => ({ ids: vs.map((v) => v.id), versions: vs.map((v) => v.version), effectiveDates: vs.map((v) => v.effectiveDate) }))
      : undefined;
    return { jobId: job.id, sheet, datasetIds, crs, nearestM, ...(series ? { series } : {}) };
  }

  private assertStillPublishing(jobId: string): void {
    if (this.stopping) throw new PublishingStopped();
    if (this.cancelled.has(jobId)) throw new PublishingCancelled();
  }

  /** Sends one chunk into the window; the acknowledgement moves the sheet's watermark. */
  private async publishChunk(base: ChunkBase, rows: RowsChunk, window: PublishWindow, acks: AckWatermark, state: RunState): Promise<void> {
    const { jobId, sheet, series } = base;
    if (!state.running) {
      await this.untilStored('mark the job running', jobId, () => this.jobs.markRunning(jobId));
      state.running = true;
    }
    const event: RowsChunkEventV2 = {
      jobId,
      sheet,
      chunk: rows.chunk,
      datasetIds: base.datasetIds,
      crs: base.crs,
      nearestM: base.nearestM,
      n: rows.n,
      x: rows.x,
      y: rows.y,
      ...(series ? { date: rows.date, series } : {}),
    };
    const sent = performance.now();
    const published = this.publisher.publish(Topics.rows.name, chunkKey(jobId, sheet, rows.chunk), event).then(() => {
      acks.ack(rows.chunk);
      this.metrics.rows.inc({ stage: 'read' }, rows.n.length);
      this.metrics.chunkSeconds.observe({ stage: 'read' }, (performance.now() - sent) / 1000);
    });
    await window.add(published);
    this.logger.debug({ msg: 'chunk published', jobId, sheet, chunk: rows.chunk, points: rows.n.length });
    await this.recordWatermark(jobId, sheet, acks.upTo, state);
  }

  /** Batched: at most one watermark write per WATERMARK_EVERY_MS (the first chunk pins the chunk size). */
  private async recordWatermark(jobId: string, sheet: number, upTo: number, state: RunState): Promise<void> {
    const now = Date.now();
    if (now - state.recordedAt < WATERMARK_EVERY_MS) return;
    state.recordedAt = now;
    // Only a head start for a restart: a missed write is made good by the next one.
    const live = await this.jobs.recordPublished(jobId, state.chunkSize, sheet, upTo).catch((e: unknown) =>
      this.logger.warn({ msg: 'could not record the publish watermark; carrying on', jobId, error: e instanceof Error ? e.message : String(e) }),
    );
    // The cancel state is the job row's: a cancel through another gateway process stops this run too.
    if (live === false) throw new PublishingCancelled();
  }
}
