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
  JobSealedEventV1,
  Topics,
  type PointV1,
  type RowsChunkEventV1,
  type SheetTotalsV1,
} from '@geobatch/contracts';
import { JobRepository, type JobEntity } from '@geobatch/job-store';
import { EventPublisher } from '@geobatch/util-kafka';
import { openCsv, resolveColumn } from '@geobatch/util-spreadsheet';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import { sheetNameFor } from './sheet-name';

/** PointV1 caps x/y at this length; a longer cell is garbage anyway, and must not poison the whole chunk. */
const MAX_COORD_CHARS = 200;

/** Thrown inside a run when the app shuts down: the job stays unsealed and is replayed at the next start. */
class PublishingStopped extends Error {}

function coordinate(cells: string[], index: number): string | null {
  const value = cells[index];
  if (value === undefined) return null;
  return value.length > MAX_COORD_CHARS ? value.slice(0, MAX_COORD_CHARS) : value;
}

/**
 * Streams a job's stored upload into RowsChunkEventV1 messages, then seals the job. Chunk keys
 * are stable (job, sheet, chunk) and the merger stores chunks idempotently, so publishing a job
 * again from chunk 0 after a crash is harmless.
 */
@Injectable()
export class ChunkPublisherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ChunkPublisherService.name);
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly publisher: EventPublisher,
    private readonly jobs: JobRepository,
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
      this.logger.warn({ msg: 'resuming unsealed job from chunk 0', jobId: job.id, status: job.status });
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

  private async run(job: JobEntity): Promise<void> {
    const jobId = job.id;
    const started = Date.now();
    try {
      const sheet = await this.publishRows(job);
      // Seal in the database first: a JobSealed event must never announce totals the store does not have.
      await this.jobs.seal(jobId, [sheet]);
      const sealed: JobSealedEventV1 = { type: JobSealedEventV1.type, jobId, sheets: [sheet] };
      await this.publisher.publish(Topics.jobs.name, jobId, sealed);
      this.logger.log({
        msg: 'job sealed',
        jobId,
        rows: sheet.rows,
        blankRows: sheet.blankRows,
        chunks: sheet.chunks,
        durationMs: Date.now() - started,
      });
    } catch (err) {
      if (err instanceof PublishingStopped) {
        this.logger.warn({ msg: 'publishing interrupted by shutdown; the job resumes at the next start', jobId });
        return;
      }
      const reason = `publishing failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 1000);
      this.logger.error({ msg: 'publishing failed', jobId, error: err instanceof Error ? err.message : String(err) },
        err instanceof Error ? err.stack : undefined);
      await this.jobs.fail(jobId, reason).catch((e: unknown) =>
        this.logger.error({ msg: 'could not record the job failure', jobId, error: String(e) }),
      );
    }
  }

  private async publishRows(job: JobEntity): Promise<SheetTotalsV1> {
    const jobId = job.id;
    const { x, y, crs, datasetIds } = job.options;
    const table = await openCsv(join(this.config.STORAGE_DIR, job.uploadPath));
    const xi = resolveColumn(table.header, x, 'x');
    const yi = resolveColumn(table.header, y, 'y');

    let points: PointV1[] = [];
    let chunk = 0;
    let rows = 0;
    let blankRows = 0;

    const flush = async (): Promise<void> => {
      if (this.stopping) throw new PublishingStopped();
      if (chunk === 0) await this.jobs.markRunning(jobId);
      const event: RowsChunkEventV1 = { jobId, sheet: 0, chunk, datasetIds, crs, points };
      await this.publisher.publish(Topics.rows.name, chunkKey(jobId, 0, chunk), event);
      this.logger.debug({ msg: 'chunk published', jobId, chunk, points: points.length });
      chunk++;
      points = [];
    };

    for await (const row of table.rows()) {
      if (row.blank) {
        blankRows++;
        continue;
      }
      points.push({ n: row.n, x: coordinate(row.cells, xi), y: coordinate(row.cells, yi) });
      rows++;
      if (points.length >= this.config.CHUNK_SIZE) await flush();
    }
    if (points.length > 0) await flush();

    return { sheet: 0, name: sheetNameFor(job.fileName), rows, chunks: chunk, blankRows };
  }
}
