import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dataset generations: re-importing a name+version creates a new dataset row (a new id) and marks the
 * previous one superseded, instead of replacing its polygons in place. An id's polygons then never
 * change, so jobs pinned to it keep their answers and lookup engines can cache by id.
 */
export class DatasetGenerations1767000002000 implements MigrationInterface {
  name = 'DatasetGenerations1767000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE dataset
        ADD COLUMN superseded_at timestamptz,
        ADD COLUMN superseded_by uuid REFERENCES dataset (id) ON DELETE SET NULL`);
    // One current (not superseded) dataset per name and version; superseded generations may pile up.
    await q.query(`ALTER TABLE dataset DROP CONSTRAINT dataset_name_version_key`);
    await q.query(`CREATE UNIQUE INDEX dataset_name_version_current_key ON dataset (name, version) WHERE superseded_at IS NULL`);
    // The default is always a current dataset.
    await q.query(`ALTER TABLE dataset ADD CONSTRAINT dataset_default_is_current CHECK (NOT (is_default AND superseded_at IS NOT NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The old unique constraint cannot hold superseded generations: they go (with their polygons).
    await q.query(`DELETE FROM dataset WHERE superseded_at IS NOT NULL`);
    await q.query(`ALTER TABLE dataset DROP CONSTRAINT dataset_default_is_current`);
    await q.query(`DROP INDEX dataset_name_version_current_key`);
    await q.query(`ALTER TABLE dataset ADD CONSTRAINT dataset_name_version_key UNIQUE (name, version)`);
    await q.query(`ALTER TABLE dataset DROP COLUMN superseded_by, DROP COLUMN superseded_at`);
  }
}
