import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys (stored as the SHA-256 of the key, never the key), the key that owns each job, and the
 * `expired` status the retention sweep gives a job whose files it deleted.
 */
export class ApiKeysAndJobOwners1767000003000 implements MigrationInterface {
  name = 'ApiKeysAndJobOwners1767000003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_key (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        admin boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    // Jobs from before keys existed have no owner: no key sees them.
    await q.query(`ALTER TABLE job ADD COLUMN owner_key_id uuid REFERENCES api_key (id) ON DELETE SET NULL`);
    // GET /jobs: one key's jobs, newest first.
    await q.query(`CREATE INDEX job_owner_created_idx ON job (owner_key_id, created_at DESC, id DESC)`);
    // The retention sweep looks for jobs that have not expired yet.
    await q.query(`CREATE INDEX job_unexpired_idx ON job (coalesce(finished_at, created_at)) WHERE status <> 'expired'`);
    await q.query(`ALTER TABLE job DROP CONSTRAINT job_status_check`);
    await q.query(`ALTER TABLE job ADD CONSTRAINT job_status_check CHECK (status IN ('queued','running','completed','failed','cancelled','expired'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job DROP CONSTRAINT job_status_check`);
    await q.query(`UPDATE job SET status = 'cancelled' WHERE status = 'expired'`);
    await q.query(`ALTER TABLE job ADD CONSTRAINT job_status_check CHECK (status IN ('queued','running','completed','failed','cancelled'))`);
    await q.query(`DROP INDEX job_unexpired_idx`);
    await q.query(`DROP INDEX job_owner_created_idx`);
    await q.query(`ALTER TABLE job DROP COLUMN owner_key_id`);
    await q.query(`DROP TABLE api_key`);
  }
}
