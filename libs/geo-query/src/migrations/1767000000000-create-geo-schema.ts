import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Boundary datasets, their areas and the subdivided pieces lookups run against. */
export class CreateGeoSchema1767000000000 implements MigrationInterface {
  name = 'CreateGeoSchema1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS postgis`);
    await q.query(`
      CREATE TABLE dataset (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (name <> ''),
        version text NOT NULL CHECK (version <> ''),
        effective_date date,
        levels text[] NOT NULL DEFAULT '{}',
        feature_counts jsonb NOT NULL DEFAULT '{}'::jsonb,
        attribution text NOT NULL DEFAULT '',
        is_default boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT dataset_name_version_key UNIQUE (name, version)
      )`);
    // At most one default dataset, enforced by the database rather than by every writer.
    await q.query(`CREATE UNIQUE INDEX dataset_single_default_idx ON dataset ((true)) WHERE is_default`);
    await q.query(`
      CREATE TABLE boundary_area (
        dataset_id uuid NOT NULL REFERENCES dataset (id) ON DELETE CASCADE,
        level text NOT NULL CHECK (level IN ('sido', 'sigungu', 'eupmyeondong', 'ri')),
        code text NOT NULL CHECK (code <> ''),
        name text NOT NULL,
        parent_code text,
        geom geometry(MultiPolygon, 4326) NOT NULL,
        PRIMARY KEY (dataset_id, level, code)
      )`);
    // Parent look-ups go by code without knowing the parent's level.
    await q.query(`CREATE INDEX boundary_area_dataset_code_idx ON boundary_area (dataset_id, code)`);
    await q.query(`CREATE INDEX boundary_area_geom_idx ON boundary_area USING gist (geom)`);
    await q.query(`
      CREATE TABLE boundary_part (
        id bigserial PRIMARY KEY,
        dataset_id uuid NOT NULL,
        level text NOT NULL,
        code text NOT NULL,
        geom geometry(Polygon, 4326) NOT NULL,
        CONSTRAINT boundary_part_area_fkey FOREIGN KEY (dataset_id, level, code)
          REFERENCES boundary_area (dataset_id, level, code) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX boundary_part_geom_idx ON boundary_part USING gist (geom)`);
    // Leads with dataset_id (the per-dataset btree) and also serves the cascade from boundary_area,
    // which would otherwise scan every piece of the dataset once per deleted area.
    await q.query(`CREATE INDEX boundary_part_dataset_idx ON boundary_part (dataset_id, level, code)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS boundary_part`);
    await q.query(`DROP TABLE IF EXISTS boundary_area`);
    await q.query(`DROP TABLE IF EXISTS dataset`);
  }
}
