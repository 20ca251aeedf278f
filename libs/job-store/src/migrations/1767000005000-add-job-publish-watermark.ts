import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How far the gateway got publishing a job's rows, so a restarted gateway resumes there instead
 * of at chunk 0: `{ "chunkSize": 2000, "sheets": { "<sheet>": <chunks published> } }`.
 */
export class AddJobPublishWatermark1767000005000 implements MigrationInterface {
  name = 'AddJobPublishWatermark1767000005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job ADD COLUMN IF NOT EXISTS published_chunks jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job DROP COLUMN IF EXISTS published_chunks`);
  }
}
