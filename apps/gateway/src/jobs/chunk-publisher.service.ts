import { access } from 'node:fs/promises';
import { join } from 'node:path';
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
  MAX_COORD_CHARS,
  rowDateText,
  type RowsChunkEventV2,
  type SeriesVersionsV1,
  type SheetTotalsV1,
} from '@geobatch/contracts';
import { JobRepository, type JobEntity, type JobSheetColumns } from '@geobatch/job-store';
import { EventPublisher } from '@geobatch/util-kafka';
import { withRetries } from '@geobatch/util-retry';
import { Metrics } from '@geobatch/util-observability';
import { cellText, openTabularFile, resolveColumn, type CellValue, type CsvDelimiter, type TabularFile, type TabularSheet } from '@geobatch/util-spreadsheet';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import { sheetNameFor } from './sheet-name';

/** Chunks published but not yet acknowledged, per job (the producer still sends them in order). */
export const PUBLISH_WINDOW = 4;

/**
 * At most `size` publishes in flight: `add` waits for the oldest once the window is full, and
 * `drain` for all of them. The first failure is thrown by the next `add` or `drain`.
 */
export class PublishWindow {
  private readonly inFlight: Promise<void>[] = [];

  constructor(private readonly size: number) {}

  async add(publish: Promise<void>): Promise<void> {
    // Observed at once, so a rejection waiting its turn is never reported as unhandled.
    publish.catch(() => undefined);
    this.inFlight.push(publish);
    while (this.inFlight.length >= this.size) await this.inFlight.shift();
  }

  async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.inFlight.shift();
  }
}

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

/** A coordinate cell as the text the geocoder parses (an XLSX number in its shortest exact form); null when there is no cell. */
function coordinate(cells: readonly CellValue[], index: number): string | null {
  const value = cells[index];
  if (value === undefined || value === null) return null;
  const text = cellText(value);
  return text.length > MAX_COORD_CHARS ? text.slice(0, MAX_COORD_CHARS) : text;
}

/** Jobs accepted before XLSX support carry x/y specs only: a CSV, resolved against its header. */
function legacyColumns(file: TabularFile, job: JobEntity): JobSheetColumns[] {
  const sheet = file.sheets[0];
  const x = resolveColumn(sheet.header, job.options.x, 'x');
  const y = resolveColumn(sheet.header, job.options.y, 'y');
  return [{ sheet: sheet.index, name: sheet.name, x, y, xName: sheet.header[x], yName: sheet.header[y], xBy: 'given', yBy: 'given' }];
}

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
  /** Overridable in tests. */
  dbRetryBaseMs = 250;

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
      const upload = join(this.config.STORAGE_DIR, job.uploadPath);
      if (!(await access(upload).then(() => true, () => false))) {
        this.logger.warn({ msg: 'cannot resume unsealed job: upload not in STORAGE_DIR', jobId: job.id, upload });
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
    return withRetries(write, { attempts: Number.MAX_SAFE_INTEGER, backoffMs: this.dbRetryBaseMs, maxBackoffMs: 5_000 }, {
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

  /**
   * Publishes the rows of every sheet the job reads (chunks numbered from 0 within each sheet),
   * reading the upload exactly as the merger will: same reader, same encoding and delimiter.
   */
  private async publishRows(job: JobEntity): Promise<SheetTotalsV1[]> {
    const file = await openTabularFile(join(this.config.STORAGE_DIR, job.uploadPath), {
      encoding: job.options.encoding ?? 'auto',
      delimiter: job.options.delimiter as CsvDelimiter | undefined,
      csvSheetName: sheetNameFor(job.fileName),
    });
    const plan = job.options.columns ?? legacyColumns(file, job);
    // Chunks must be cut as in the run that published the watermark's chunks.
    const state = { running: false, chunkSize: job.publishedChunks?.chunkSize ?? this.config.CHUNK_SIZE, recordedAt: 0 };
    const totals: SheetTotalsV1[] = [];
    for (const columns of plan) {
      const sheet = file.sheets.find((s) => s.index === columns.sheet);
      if (!sheet) throw new Error(`the upload has no sheet ${columns.sheet + 1} ("${columns.name}") any more`);
      totals.push(await this.publishSheet(job, sheet, columns, state));
    }
    return totals;
  }

  private async publishSheet(
    job: JobEntity,
    sheet: TabularSheet,
    columns: JobSheetColumns,
    state: { running: boolean; chunkSize: number; recordedAt: number },
  ): Promise<SheetTotalsV1> {
    const jobId = job.id;
    const { crs, datasetIds, nearestM, datasetVersions } = job.options;
    const { x: xi, y: yi } = columns;
    // Dated jobs: a date per row, and each output group's versions (columns, like the rows).
    const di = datasetVersions ? columns.date : undefined;
    const series: SeriesVersionsV1[] | undefined = di === undefined ? undefined : datasetVersions!.map((vs) => ({
      ids: vs.map((v) => v.id),
      versions: vs.map((v) => v.version),
      effectiveDates: vs.map((v) => v.effectiveDate),
    }));

    // The chunk's columns, filled row by row (RowsChunkEventV2 carries columns, not objects).
    let n: number[] = [];
    let xs: (string | null)[] = [];
    let ys: (string | null)[] = [];
    let dates: (string | null)[] = [];
    let chunk = 0;
    let rows = 0;
    let blankRows = 0;
    /** Chunks below this one were acknowledged before a restart: counted, not published again. */
    const resumeAt = job.publishedChunks?.sheets[String(sheet.index)] ?? 0;

    // The next chunk is read while earlier ones are on their way to the broker. The watermark only
    // ever covers the unbroken run of acknowledged chunks, never one still in flight.
    const window = new PublishWindow(PUBLISH_WINDOW);
    const acked = new Set<number>();
    let ackedUpTo = resumeAt;
    const flush = async (): Promise<void> => {
      if (this.stopping) throw new PublishingStopped();
      if (this.cancelled.has(jobId)) throw new PublishingCancelled();
      if (chunk < resumeAt) {
        chunk++;
        n = [];
        xs = [];
        ys = [];
        dates = [];
        return;
      }
      if (!state.running) {
        await this.untilStored('mark the job running', jobId, () => this.jobs.markRunning(jobId));
        state.running = true;
      }
      const event: RowsChunkEventV2 = {
        jobId,
        sheet: sheet.index,
        chunk,
        datasetIds,
        crs,
        ...(nearestM === undefined ? {} : { nearestM }),
        n,
        x: xs,
        y: ys,
        ...(series ? { date: dates, series } : {}),
      };
      const sent = performance.now();
      const count = n.length;
      const number = chunk;
      const published = this.publisher.publish(Topics.rows.name, chunkKey(jobId, sheet.index, chunk), event).then(() => {
        acked.add(number);
        while (acked.delete(ackedUpTo)) ackedUpTo++;
        this.metrics.rows.inc({ stage: 'read' }, count);
        this.metrics.chunkSeconds.observe({ stage: 'read' }, (performance.now() - sent) / 1000);
      });
      await window.add(published);
      this.logger.debug({ msg: 'chunk published', jobId, sheet: sheet.index, chunk, points: n.length });
      chunk++;
      // Batched: at most one watermark write per WATERMARK_EVERY_MS (the first chunk pins the chunk size).
      const now = Date.now();
      if (now - state.recordedAt >= WATERMARK_EVERY_MS) {
        state.recordedAt = now;
        // Only a head start for a restart: a missed write is made good by the next one.
        await this.jobs.recordPublished(jobId, state.chunkSize, sheet.index, ackedUpTo).catch((e: unknown) =>
          this.logger.warn({ msg: 'could not record the publish watermark; carrying on', jobId, error: e instanceof Error ? e.message : String(e) }),
        );
      }
      n = [];
      xs = [];
      ys = [];
      dates = [];
    };

    for await (const row of sheet.rows()) {
      if (row.blank) {
        blankRows++;
        continue;
      }
      n.push(row.n);
      xs.push(coordinate(row.cells, xi));
      ys.push(coordinate(row.cells, yi));
      if (di !== undefined) dates.push(rowDateText(row.cells[di]));
      rows++;
      if (n.length >= state.chunkSize) await flush();
    }
    if (n.length > 0) await flush();
    await window.drain();

    // SheetTotalsV1 caps the name at 200 characters; a workbook may name a sheet with more.
    return { sheet: sheet.index, name: (columns.name || sheet.name).slice(0, 200), rows, chunks: chunk, blankRows };
  }
}
