import { DataSource, In, Repository } from 'typeorm';
import { ENDED_JOB_STATUSES } from '@geobatch/contracts';
import { JobEntity } from './job.entity';

export interface WebhookClaimOptions {
  /** Most jobs claimed at once. */
  limit: number;
  /** Jobs that already had this many attempts are left alone (given up). */
  maxAttempts: number;
  /** How long the claim holds: no other dispatcher takes the job before it runs out. */
  leaseMs: number;
}

/**
 * The webhook outbox on the job table: ended jobs whose options name a `callbackUrl` and that
 * have not been delivered. Only the report-merger's dispatcher uses it.
 */
export class JobWebhookRepository {
  private readonly jobs: Repository<JobEntity>;

  constructor(private readonly db: DataSource) {
    this.jobs = db.getRepository(JobEntity);
  }

  /**
   * Claims ended jobs whose callback is due, counting the attempt. `SKIP LOCKED` lets several
   * mergers poll at once without taking the same row, and the claim is a lease (`webhook_next_at`
   * moves `leaseMs` ahead) rather than an open transaction: a dispatcher that dies mid-POST
   * leaves the job to whoever polls after the lease, and nobody holds a lock across an HTTP call.
   */
  async claimDue(options: WebhookClaimOptions): Promise<JobEntity[]> {
    const claimed: { id: string }[] = await this.db.query(
      `UPDATE job SET webhook_attempts = webhook_attempts + 1,
                      webhook_next_at = now() + make_interval(secs => $3::double precision / 1000)
        WHERE id IN (
          SELECT id FROM job
           WHERE webhook_delivered_at IS NULL AND options ? 'callbackUrl'
             AND status = ANY($1::text[])
             AND webhook_attempts < $2
             AND (webhook_next_at IS NULL OR webhook_next_at <= now())
           ORDER BY coalesce(webhook_next_at, finished_at, created_at)
           LIMIT $4
           FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [ENDED_JOB_STATUSES, options.maxAttempts, options.leaseMs, options.limit],
    );
    // An UPDATE ... RETURNING from a raw query answers [rows, count] on pg.
    const rows = (Array.isArray(claimed[0]) ? claimed[0] : claimed) as { id: string }[];
    if (rows.length === 0) return [];
    return this.jobs.findBy({ id: In(rows.map((r) => r.id)) });
  }

  async markDelivered(id: string): Promise<void> {
    await this.db.query(
      `UPDATE job SET webhook_delivered_at = now(), webhook_next_at = NULL, webhook_last_error = NULL WHERE id = $1`,
      [id],
    );
  }

  /** Records a failed attempt; `retryInMs` null means no more attempts. Times are the database's, like the claim's. */
  async markFailed(id: string, error: string, retryInMs: number | null): Promise<void> {
    await this.db.query(
      `UPDATE job SET webhook_last_error = $2,
                      webhook_next_at = now() + make_interval(secs => $3::double precision / 1000)
        WHERE id = $1 AND webhook_delivered_at IS NULL`,
      [id, error, retryInMs],
    );
  }
}
