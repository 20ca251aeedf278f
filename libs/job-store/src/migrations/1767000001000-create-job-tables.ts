import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateJobTables1767000001000 implements MigrationInterface {
  name = 'CreateJobTables1767000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE job (
        id uuid PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('queued','running','completed','failed','cancelled')),
        file_name text NOT NULL,
        upload_path text NOT NULL,
        upload_sha256 text NOT NULL,
        options jsonb NOT NULL,
        sheets jsonb,
        total_chunks int,
        error text,
        result_path text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sealed_at timestamptz,
        merge_started_at timestamptz,
        finished_at timestamptz
      )`);
    // The merger scans for sealed, unfinished jobs after a restart.
    await q.query(`CREATE INDEX job_status_idx ON job (status) WHERE status IN ('queued','running')`);
    await q.query(`CREATE INDEX job_upload_sha256_idx ON job (upload_sha256)`);
    await q.query(`
      CREATE TABLE job_chunk_result (
        job_id uuid NOT NULL REFERENCES job(id) ON DELETE CASCADE,
        sheet int NOT NULL,
        chunk int NOT NULL,
        row_count int NOT NULL,
        ok_count int NOT NULL,
        problem_count int NOT NULL,
        rows jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (job_id, sheet, chunk)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_chunk_result`);
    await q.query(`DROP TABLE job`);
  }
}
