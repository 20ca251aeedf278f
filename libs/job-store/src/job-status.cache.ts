import { JobStatus } from '@geobatch/contracts';

/** What the cache needs of a connection: a TypeORM DataSource, or a pg pool in a tool. */
export interface StatusQuery {
  query(sql: string, params: unknown[]): Promise<{ status: JobStatus }[]>;
}

const ENDED: ReadonlySet<JobStatus> = new Set([JobStatus.Completed, JobStatus.Failed, JobStatus.Cancelled, JobStatus.Expired]);

/** Bound on the jobs remembered; only a flood of distinct job ids reaches it. */
const MAX_ENTRIES = 10_000;

/**
 * Whether a job has ended (cancelled, failed, completed, expired), read from the job row and kept
 * for `ttlMs`: one indexed lookup per job and interval, however many chunks arrive. An ended status
 * is final, so it is kept until the bound evicts it. Reads `job` only; the writes stay in JobRepository.
 */
export class JobStatusCache {
  private readonly seen = new Map<string, { ended: boolean; at: number }>();

  constructor(
    private readonly db: StatusQuery,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the job exists and has ended. An unknown job is not "ended": its chunks are none of this cache's business. */
  async hasEnded(jobId: string): Promise<boolean> {
    const known = this.seen.get(jobId);
    if (known && (known.ended || this.now() - known.at < this.ttlMs)) return known.ended;
    const rows = await this.db.query(`SELECT status FROM job WHERE id = $1`, [jobId]);
    const ended = rows.length > 0 && ENDED.has(rows[0].status);
    if (this.seen.size >= MAX_ENTRIES) this.seen.clear();
    this.seen.set(jobId, { ended, at: this.now() });
    return ended;
  }
}
