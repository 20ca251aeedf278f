import { randomUUID } from 'node:crypto';
import { DataSource, In, IsNull, Repository } from 'typeorm';
import { JobStatus, okRowCount, unpackChunkResult, type ChunkResultEventV2, type RowResultV1, type SheetTotalsV1 } from '@geobatch/contracts';
import { ChunkResultEntity } from './chunk-result.entity';
import { JobEntity, type JobOptions } from './job.entity';

export interface NewJob {
  fileName: string;
  uploadPath: string;
  uploadSha256: string;
  options: JobOptions;
  /** The API key creating the job (null only for jobs made outside the gateway, e.g. by tools). */
  ownerKeyId?: string | null;
}

/** A page of `GET /jobs`: newest first, after the `before` job and skipping `offset`. */
export interface JobPage {
  limit: number;
  before?: string;
  offset?: number;
}

export interface JobProgress {
  chunksDone: number;
  processed: number;
  ok: number;
  problems: number;
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

  /** Records the rows the job is expected to read, until it is sealed (then `sheets` tells them exactly). */
  async recordEstimatedRows(id: string, rows: number): Promise<void> {
    await this.db.query(`UPDATE job SET estimated_rows = $2 WHERE id = $1 AND sealed_at IS NULL`, [id, rows]);
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

  /**
   * Moves a job's publish watermark: `chunks` chunks of `sheet` (from 0) are on the broker, cut
   * `chunkSize` points each. Never moves a sheet back; a sealed or ended job is left alone.
   * Answers whether the job is still queued or running: false tells a publisher that the job was
   * cancelled (by whichever gateway process), so it stops.
   */
  async recordPublished(id: string, chunkSize: number, sheet: number, chunks: number): Promise<boolean> {
    const rows: { status: JobStatus }[] = await this.db.query(
      `WITH moved AS (
         UPDATE job SET published_chunks = jsonb_build_object(
                  'chunkSize', $2::int,
                  'sheets', coalesce(published_chunks->'sheets', '{}'::jsonb)
                            || jsonb_build_object($3::text, greatest($4::int, coalesce((published_chunks->'sheets'->>$3::text)::int, 0))))
          WHERE id = $1 AND sealed_at IS NULL AND status IN ('queued','running')
          RETURNING 1)
       SELECT status FROM job WHERE id = $1`,
      [id, chunkSize, String(sheet), chunks],
    );
    return rows.length > 0 && (rows[0].status === JobStatus.Queued || rows[0].status === JobStatus.Running);
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

  /**
   * Stores a geocoded chunk, only while its job is running. Returns false when nothing was stored:
   * the chunk was stored already (a replay), or the job is unknown, queued or has ended (cancelled:
   * its results were just deleted and must not come back).
   *
   * The job row is locked `FOR SHARE` in the same statement: a cancel (an UPDATE of that row) either
   * commits first, and the row re-read under the lock is no longer running, or waits for this insert,
   * which its later `deleteChunkResults` then sees. No result outlives a cancel.
   */
  async saveChunkResult(event: ChunkResultEventV2): Promise<boolean> {
    const ok = okRowCount(event);
    const rows = event.n.length;
    const inserted: unknown[] = await this.db.query(
      `WITH live AS (SELECT id FROM job WHERE id = $1 AND status = 'running' FOR SHARE)
       INSERT INTO job_chunk_result (job_id, sheet, chunk, row_count, ok_count, problem_count, packed)
       SELECT $1, $2, $3, $4, $5, $6, $7 FROM live
       ON CONFLICT (job_id, sheet, chunk) DO NOTHING
       RETURNING 1`,
      [event.jobId, event.sheet, event.chunk, rows, ok, rows - ok, JSON.stringify({ n: event.n, datasets: event.datasets })],
    );
    return inserted.length > 0;
  }

  /** Whether one chunk's result is stored. */
  async hasChunkResult(jobId: string, sheet: number, chunk: number): Promise<boolean> {
    const found: unknown[] = await this.db.query(`SELECT 1 FROM job_chunk_result WHERE job_id = $1 AND sheet = $2 AND chunk = $3`, [jobId, sheet, chunk]);
    return found.length > 0;
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

  /** The job when it exists and belongs to that key; jobs of other keys are as good as absent. */
  findOwned(id: string, ownerKeyId: string): Promise<JobEntity | null> {
    return this.jobs.findOneBy({ id, ownerKeyId });
  }

  /** One key's jobs, newest first. `before` is a job id: only jobs created before it (ties broken by id). */
  listOwned(ownerKeyId: string, page: JobPage): Promise<JobEntity[]> {
    const q = this.jobs.createQueryBuilder('j').where('j.owner_key_id = :owner', { owner: ownerKeyId });
    if (page.before) {
      q.andWhere(
        `(j.created_at, j.id) < (SELECT b.created_at, b.id FROM job b WHERE b.id = :before AND b.owner_key_id = :owner)`,
        { before: page.before },
      );
    }
    return q.orderBy('j.created_at', 'DESC').addOrderBy('j.id', 'DESC').offset(page.offset ?? 0).limit(page.limit).getMany();
  }

  /** Progress of several jobs in one query; a job without stored chunks has none in the map. */
  async progressOf(ids: string[]): Promise<Map<string, JobProgress>> {
    const out = new Map<string, JobProgress>();
    if (ids.length === 0) return out;
    const rows: { job_id: string; chunks: number; processed: number; ok: number; problems: number }[] = await this.db.query(
      `SELECT job_id, count(*)::int AS chunks, coalesce(sum(row_count),0)::int AS processed,
              coalesce(sum(ok_count),0)::int AS ok, coalesce(sum(problem_count),0)::int AS problems
         FROM job_chunk_result WHERE job_id = ANY($1::uuid[]) GROUP BY job_id`,
      [ids],
    );
    for (const r of rows) out.set(r.job_id, { chunksDone: r.chunks, processed: r.processed, ok: r.ok, problems: r.problems });
    return out;
  }

  /**
   * The newest job of this key for the same upload (SHA-256 and name) and the same options that is
   * still useful: queued, running or completed. Options compare as JSON values (key order aside).
   */
  findReusable(ownerKeyId: string, upload: { sha256: string; fileName: string }, options: JobOptions): Promise<JobEntity | null> {
    return this.jobs
      .createQueryBuilder('j')
      .where('j.owner_key_id = :owner AND j.upload_sha256 = :sha AND j.file_name = :name', { owner: ownerKeyId, sha: upload.sha256, name: upload.fileName })
      .andWhere('j.options = CAST(:options AS jsonb)', { options: JSON.stringify(options) })
      .andWhere(`j.status IN ('queued', 'running', 'completed')`)
      .orderBy('j.created_at', 'DESC')
      .limit(1)
      .getOne();
  }

  /** Cancels a queued or running job. False when it had ended already (or does not exist). */
  async cancel(id: string): Promise<boolean> {
    // TypeORM answers an UPDATE with [rows, affected].
    const [, affected]: [unknown[], number] = await this.db.query(
      `UPDATE job SET status = 'cancelled', finished_at = now()
        WHERE id = $1 AND status IN ('queued','running')`,
      [id],
    );
    return affected > 0;
  }

  /** Drops a job's stored chunk results (cancelled or expired: nobody will merge them). */
  async deleteChunkResults(id: string): Promise<number> {
    const [, affected]: [unknown[], number] = await this.db.query(`DELETE FROM job_chunk_result WHERE job_id = $1`, [id]);
    return affected;
  }

  /** Jobs that ended (or, never ending, were created) before `olderThan` and have not expired yet, oldest first. */
  findExpirable(olderThan: Date, limit: number): Promise<JobEntity[]> {
    return this.jobs
      .createQueryBuilder('j')
      .where(`j.status <> 'expired'`)
      .andWhere('coalesce(j.finished_at, j.created_at) < :olderThan', { olderThan })
      .orderBy('coalesce(j.finished_at, j.created_at)', 'ASC')
      .limit(limit)
      .getMany();
  }

  /**
   * Marks a job expired (its files are about to be deleted): the merger can no longer complete it
   * and its result answers 410. Answers the job as it was, or null when it had expired already.
   */
  async expire(id: string): Promise<{ uploadPath: string; resultPath: string | null } | null> {
    const [rows]: [{ upload_path: string; result_path: string | null }[], number] = await this.db.query(
      `UPDATE job j SET status = 'expired', finished_at = coalesce(j.finished_at, now()), result_path = NULL
         FROM job old
        WHERE j.id = $1 AND old.id = j.id AND j.status <> 'expired'
        RETURNING old.upload_path, old.result_path`,
      [id],
    );
    return rows.length > 0 ? { uploadPath: rows[0].upload_path, resultPath: rows[0].result_path } : null;
  }
}
