import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Chunk results are stored as the columns they travel in (ChunkResultEventV2), about a fifth of
 * the size of one object per row. Chunks stored before keep their `rows`; new ones fill `packed`.
 */
export class PackedChunkResults1767000006000 implements MigrationInterface {
  name = 'PackedChunkResults1767000006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_chunk_result ADD COLUMN packed jsonb`);
    await q.query(`ALTER TABLE job_chunk_result ALTER COLUMN rows DROP NOT NULL`);
    await q.query(`ALTER TABLE job_chunk_result ADD CONSTRAINT job_chunk_result_has_rows CHECK (rows IS NOT NULL OR packed IS NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM job_chunk_result WHERE rows IS NULL`);
    await q.query(`ALTER TABLE job_chunk_result DROP CONSTRAINT job_chunk_result_has_rows`);
    await q.query(`ALTER TABLE job_chunk_result ALTER COLUMN rows SET NOT NULL`);
    await q.query(`ALTER TABLE job_chunk_result DROP COLUMN packed`);
  }
}
