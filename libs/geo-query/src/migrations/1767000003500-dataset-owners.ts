import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The API key a dataset belongs to. Null (every dataset so far: the default one and those the CLI
 * imports) means shared: every key may run jobs on it. No foreign key: the geo tables do not
 * depend on the job store's `api_key` table.
 */
export class DatasetOwners1767000003500 implements MigrationInterface {
  name = 'DatasetOwners1767000003500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dataset ADD COLUMN owner_key_id uuid`);
    await q.query(`CREATE INDEX dataset_owner_key_idx ON dataset (owner_key_id) WHERE owner_key_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX dataset_owner_key_idx`);
    await q.query(`ALTER TABLE dataset DROP COLUMN owner_key_id`);
  }
}
