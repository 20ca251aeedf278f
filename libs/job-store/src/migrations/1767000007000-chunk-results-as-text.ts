import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Packed chunk results become JSON text. PostgreSQL turned every stored chunk into jsonb (each
 * number a `numeric`): about 10 ms of its CPU per 5,000-row chunk, 2 s per million rows, for a
 * column only ever read back whole. Text also keeps NUL and lone-surrogate escapes, which jsonb refuses.
 */
export class ChunkResultsAsText1767000007000 implements MigrationInterface {
  name = 'ChunkResultsAsText1767000007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_chunk_result ALTER COLUMN packed TYPE text USING packed::text`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Texts holding escapes that jsonb refuses are rewritten first (they become U+FFFD, as before this migration).
    const refused: { job_id: string; sheet: number; chunk: number; packed: string }[] = await q.query(
      `SELECT job_id, sheet, chunk, packed FROM job_chunk_result WHERE packed ~* '\\\\u(0000|d[89a-f])'`,
    );
    for (const r of refused) {
      await q.query(`UPDATE job_chunk_result SET packed = $4 WHERE job_id = $1 AND sheet = $2 AND chunk = $3`, [r.job_id, r.sheet, r.chunk, jsonbSafe(r.packed)]);
    }
    await q.query(`ALTER TABLE job_chunk_result ALTER COLUMN packed TYPE jsonb USING packed::jsonb`);
  }
}

/** `\u0000` and lone-surrogate escapes become `\ufffd`; an escaped backslash before `u0000` stays text. */
export function jsonbSafe(json: string): string {
  return json.replace(/\\(?:\\|u0000|ud[89a-f][0-9a-f]{2})/gi, (m) => (m === '\\\\' ? m : '\\ufffd'));
}
