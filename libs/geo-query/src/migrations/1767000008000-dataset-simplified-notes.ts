import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a dataset's outlines are generalised (the built-in ones are), and notes users should read
 * with its answers (known holes, code oddities); both shown by GET /datasets and in 요약.
 */
export class DatasetSimplifiedNotes1767000008000 implements MigrationInterface {
  name = 'DatasetSimplifiedNotes1767000008000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dataset ADD COLUMN simplified boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE dataset ADD COLUMN notes text NOT NULL DEFAULT ''`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dataset DROP COLUMN notes`);
    await q.query(`ALTER TABLE dataset DROP COLUMN simplified`);
  }
}
