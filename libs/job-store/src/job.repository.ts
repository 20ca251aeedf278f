import { randomUUID } from 'node:crypto';
import { DataSource, In, IsNull, Repository } from 'typeorm';
import { JobStatus, okRowCount, RowStatus, unpackChunkResult, type ChunkResultEventV2, type RowResultV1, type SheetTotalsV1 } from '@geobatch/contracts';
import { ChunkResultEntity } from './chunk-result.entity';
import { JobEntity, type JobOptions } from './job.entity';

export interface NewJob {
  fileName: string;
  uploadPath: string;
  uploadSha256: string;
  options: JobOptions;
}

export interface JobProgress {
  chunksDone: number;
  processed: number;
  ok: number;
  problems: number;
}

/** A row counts as OK only when every dataset matched it cleanly. */
export function isOkRow(row: RowResultV1): boolean {
  return row.matches.length > 0 && row.matches.every((m) => m.status === RowStatus.Ok);
}

function rowsOf(stored: ChunkResultEntity): RowResultV1[] {
  return stored.packed ? unpackChunkResult(stored.packed) : (stored.rows ?? []);
}

/** Jobs and their durable chunk results; the only code that touches these tables. */
export class JobRepository {
  private readonly jobs: Repository<JobEntity>;
  private readonly chunks: Repository<ChunkResultEntity>;

  constructor(private readonly db: DataSource) {
    this.jobs = db.getRepository(JobEntity);
    this.chunks = db.getRepository(ChunkResultEntity);
  }

  async create(job: NewJob): Promise<JobEntity> {
    const entity = this.jobs.create({ ...job, id: randomUUID(), status: JobStatus.Queued });
    return this.jobs.save(entity);
  }

  findById(id: string): Promise<JobEntity | null> {
    return this.jobs.findOneBy({ id });
  }

  async markRunning(id: string): Promise<void> {
    await this.jobs.update({ id, status: JobStatus.Queued }, { status: JobStatus.Running });
  }

  /** Records the final per-sheet totals once every chunk has been published. */
  async seal(id: string, sheets: SheetTotalsV1[]): Promise<void> {
    const totalChunks = sheets.reduce((sum, s) => sum + s.chunks, 0);
    await this.db.query(
      `UPDATE job SET sheets = $2::jsonb, total_chunks = $3, sealed_at = coalesce(sealed_at, now()),
              status = CASE WHEN status = 'queued' THEN 'running' ELSE status END
        WHERE id = $1`,
      [id, JSON.stringify(sheets), totalChunks],
    );
  }

  async fail(id: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE job SET status = 'failed', error = $2, finished_at = now()
        WHERE id = $1 AND status IN ('queued','running')`,
      [id, error],
    );
  }

  async complete(id: string, resultPath: string): Promise<void> {
    await this.db.query(
      `UPDATE job SET status = 'completed', result_path = $2, finished_at = now()
        WHERE id = $1 AND status = 'running'`,
      [id, resultPath],
    );
  }

  /** Stores a geocoded chunk. Returns false when that chunk was already stored (a replay). */
  async saveChunkResult(event: ChunkResultEventV2): Promise<boolean> {
    const ok = okRowCount(event);
    const rows = event.n.length;
    const inserted: unknown[] = await this.db.query(
      `INSERT INTO job_chunk_result (job_id, sheet, chunk, row_count, ok_count, problem_count, packed)
       SELECT $1, $2, $3, $4, $5, $6, $7::jsonb WHERE EXISTS (SELECT 1 FROM job WHERE id = $1)
       ON CONFLICT (job_id, sheet, chunk) DO NOTHING
       RETURNING 1`,
      [event.jobId, event.sheet, event.chunk, rows, ok, rows - ok, JSON.stringify({ n: event.n, datasets: event.datasets })],
    );
    return inserted.length > 0;
  }

  /** One stored chunk's rows, or null when it is not stored (yet). */
  async findChunkRows(jobId: string, sheet: number, chunk: number): Promise<RowResultV1[] | null> {
    const found = await this.chunks.findOneBy({ jobId, sheet, chunk });
    return found ? rowsOf(found) : null;
  }

  async progress(id: string): Promise<JobProgress> {
    const [row] = await this.db.query(
      `SELECT count(*)::int AS chunks, coalesce(sum(row_count),0)::int AS processed,
              coalesce(sum(ok_count),0)::int AS ok, coalesce(sum(problem_count),0)::int AS problems
         FROM job_chunk_result WHERE job_id = $1`,
      [id],
    );
    return { chunksDone: row.chunks, processed: row.processed, ok: row.ok, problems: row.problems };
  }

  /**
   * Claims the right to write a job's result: succeeds for exactly one caller, and only when
   * the job is sealed and every chunk is stored.
   */
  async claimMerge(id: string): Promise<JobEntity | null> {
    const { affected } = await this.jobs
      .createQueryBuilder()
      .update()
      .set({ mergeStartedAt: () => 'now()' })
      .where(`id = :id AND status = 'running' AND sealed_at IS NOT NULL AND merge_started_at IS NULL`, { id })
      .andWhere('total_chunks = (SELECT count(*) FROM job_chunk_result c WHERE c.job_id = :id)', { id })
      .execute();
    return affected === 1 ? this.findById(id) : null;
  }

  /** Gives a merge back, e.g. after a merger died mid-write, so the next claim rebuilds the workbook. */
  async releaseMerge(id: string): Promise<void> {
    await this.db.query(`UPDATE job SET merge_started_at = NULL WHERE id = $1 AND status = 'running'`, [id]);
  }

  /** Jobs whose rows were never fully published (the gateway stopped part-way), oldest first. */
  findUnsealed(): Promise<JobEntity[]> {
    return this.jobs.find({
      where: { status: In([JobStatus.Queued, JobStatus.Running]), sealedAt: IsNull() },
      order: { createdAt: 'ASC' },
    });
  }

  /** Jobs that are sealed but unfinished: candidates for a merge after a restart. */
  async findSealedRunning(): Promise<JobEntity[]> {
    return this.jobs.createQueryBuilder('j')
      .where('j.status = :s', { s: JobStatus.Running })
      .andWhere('j.sealed_at IS NOT NULL')
      .getMany();
  }

  /** The stored chunks of one sheet, in chunk order, one at a time (never the whole job in memory). */
  async *chunksOf(jobId: string, sheet: number): AsyncGenerator<{ chunk: number; rows: RowResultV1[] }> {
    const numbers: { chunk: number }[] = await this.db.query(
      `SELECT chunk FROM job_chunk_result WHERE job_id = $1 AND sheet = $2 ORDER BY chunk`,
      [jobId, sheet],
    );
    for (const { chunk } of numbers) {
      const found = await this.chunks.findOneBy({ jobId, sheet, chunk });
      if (found) yield { chunk, rows: rowsOf(found) };
    }
  }
}
