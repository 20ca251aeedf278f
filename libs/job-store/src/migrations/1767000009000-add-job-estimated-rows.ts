import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rows a job is expected to read (data and blank), estimated when the gateway starts publishing
 * (an XLSX's sheet dimension or a fast count of its rows), so progress has a total before the upload
 * has been read through; the exact total is `sheets` once sealed.
 */
export class AddJobEstimatedRows1767000009000 implements MigrationInterface {
  name = 'AddJobEstimatedRows1767000009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job ADD COLUMN IF NOT EXISTS estimated_rows int`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job DROP COLUMN IF EXISTS estimated_rows`);
  }
}
