import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The webhook outbox lives on the job row: a job whose options name a `callbackUrl` is owed one
 * signed POST once it ends. `webhook_next_at` is both the retry time and the lease of the
 * dispatcher that claimed it; `webhook_delivered_at` set means done.
 */
export class AddJobWebhookOutbox1767000004000 implements MigrationInterface {
  name = 'AddJobWebhookOutbox1767000004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE job
        ADD COLUMN IF NOT EXISTS webhook_delivered_at timestamptz,
        ADD COLUMN IF NOT EXISTS webhook_attempts int NOT NULL DEFAULT 0,
        ADD COLUMN IF NOT EXISTS webhook_next_at timestamptz,
        ADD COLUMN IF NOT EXISTS webhook_last_error text`);
    // The dispatcher polls this every few seconds: only jobs that still owe a callback are indexed.
    await q.query(`
      CREATE INDEX IF NOT EXISTS job_webhook_pending_idx ON job (webhook_next_at)
        WHERE webhook_delivered_at IS NULL AND options ? 'callbackUrl'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS job_webhook_pending_idx`);
    await q.query(`
      ALTER TABLE job
        DROP COLUMN IF EXISTS webhook_last_error,
        DROP COLUMN IF EXISTS webhook_next_at,
        DROP COLUMN IF EXISTS webhook_attempts,
        DROP COLUMN IF EXISTS webhook_delivered_at`);
  }
}
