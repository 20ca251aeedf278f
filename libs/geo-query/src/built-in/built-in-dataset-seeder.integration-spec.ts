import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testEnv } from '@geobatch/util-testing';
import { DatasetRepository } from '../dataset.repository';
import { geoDataSourceOptions, hasGeoSchema, runMigrationsExclusive } from '../geo-data-source';
import { BoundaryLookup } from '../lookup/boundary-lookup.service';
import { BuiltInDatasetSeeder } from './built-in-dataset-seeder.service';
import { parentCodeOf } from '../import/area-codes';
import { RETIRED_DEFAULT_DATASET } from './built-in-datasets';

/*
 * The seeder acts on what a database lacks, and the shared test database already has the built-in
 * datasets: this spec creates a database of its own, and with it checks the migrations from scratch.
 */
describe('migrations and BuiltInDatasetSeeder (fresh database)', () => {
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
    assert.deepEqual(await runMigrationsExclusive(ds), ['CreateGeoSchema1767000000000', 'DatasetGenerations1767000002000', 'DatasetOwners1767000003500', 'DatasetSimplifiedNotes1767000008000']);
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

  it('retires the old 시군구-only default, seeds kr-bjd as the default and kr-hjd beside it, with 10-digit codes', async (t) => {
    // An older set-up's default, which the built-in datasets replace.
    await ds.query(`INSERT INTO dataset (name, version, is_default) VALUES ($1, '1.3.0', true)`, [RETIRED_DEFAULT_DATASET]);
    const t0 = performance.now();
    const report = await new BuiltInDatasetSeeder(ds).seed();
    t.diagnostic(`seeding took ${Math.round(performance.now() - t0)} ms`);
    assert.deepEqual(report.datasets.map((d) => [d.name, d.version, d.seeded]), [['kr-bjd', '2024-02', true], ['kr-hjd', '2022-03', true]]);
    assert.equal(report.retiredRemoved, true);
    assert.equal(report.defaultDataset, 'kr-bjd@2024-02');

    const repo = new DatasetRepository(ds);
    const bjd = (await repo.findDefault())!;
    assert.deepEqual([bjd.name, bjd.version, bjd.effectiveDate, bjd.simplified], ['kr-bjd', '2024-02', '2024-02-13', true]);
    assert.deepEqual(bjd.levels, ['sido', 'sigungu', 'eupmyeondong']);
    assert.deepEqual(bjd.featureCounts, { sido: 17, sigungu: 252, eupmyeondong: 5063 });
    assert.match(bjd.attribution, /행정안전부 도로명주소 전자지도/);
    assert.match(bjd.attribution, /TENQUBE\/react-korea-bubble-map \(MIT\)/);
    assert.match(bjd.notes, /리 단계 없음/);
    const hjd = (await repo.findByName('kr-hjd'))!;
    assert.deepEqual([hjd.version, hjd.effectiveDate, hjd.simplified, hjd.isDefault], ['2022-03', '2022-03-09', true, false]);
    assert.deepEqual(hjd.featureCounts, { sido: 17, sigungu: 250, eupmyeondong: 3512 });
    assert.match(hjd.attribution, /vuski\/admdongkor \(CC BY 4\.0\)/);
    const [{ n: retired }] = await ds.query(`SELECT count(*)::int AS n FROM dataset WHERE name = $1`, [RETIRED_DEFAULT_DATASET]);
    assert.equal(retired, 0);

    // Every area of a level below 시도 has a parent, by the 10-digit code's level prefix.
    const links: { level: string; code: string; parent_code: string | null }[] = await ds.query(
      `SELECT level, code, parent_code FROM boundary_area WHERE dataset_id = ANY($1::uuid[]) AND level <> 'sido'`,
      [[bjd.id, hjd.id]],
    );
    const prefix = { sigungu: 2, eupmyeondong: 5 } as Record<string, number>;
    for (const a of links) {
      assert.match(a.code, /^\d{10}$/, `${a.level} ${a.code}`);
      assert.equal(a.parent_code, parentCodeOf(a.code, prefix[a.level]), `${a.level} ${a.code}`);
    }

    const lookup = new BoundaryLookup(ds);
    const points = [
      { n: 1, lon: 126.978, lat: 37.5665 }, // 서울시청
      { n: 2, lon: 127.371028, lat: 36.964962 }, // the sample row the product started from
      { n: 4, lon: 124.6, lat: 36.0 }, // sea
      { n: 5, lon: 127.289, lat: 36.48 }, // 세종시청
    ];
    const b = await lookup.lookup(bjd.id, points);
    assert.deepEqual(b.get(1), {
      sido: { code: '1100000000', name: '서울특별시' },
      sigungu: { code: '1114000000', name: '중구' },
      eupmyeondong: { code: '1114010300', name: '태평로1가' },
    });
    assert.deepEqual(b.get(2), {
      sido: { code: '4100000000', name: '경기도' },
      sigungu: { code: '4155000000', name: '안성시' },
      eupmyeondong: { code: '4155032000', name: '금광면' },
    });
    assert.equal(b.has(4), false);
    // 세종특별자치시 has no 시군구 of its own: both levels are spelled 3611000000, as the official codes do.
    for (const hit of [b.get(5), (await lookup.lookup(hjd.id, points)).get(5)]) {
      assert.deepEqual(hit?.sido, { code: '3611000000', name: '세종특별자치시' });
      assert.equal(hit?.sigungu?.code, '3611000000');
      assert.match(hit!.sigungu!.name, /^세종/, 'the source names it 세종시');
    }
    const h = await lookup.lookup(hjd.id, points);
    assert.deepEqual(h.get(1)?.eupmyeondong, { code: '1114055000', name: '명동' });
    // The ten 고양시 동 the properties table lists under a placeholder KOSTAT code, joined by name.
    const goyang: { code: string; name: string; lon: number; lat: number }[] = await ds.query(
      `SELECT code, name, ST_X(p) AS lon, ST_Y(p) AS lat FROM (
         SELECT code, name, ST_PointOnSurface(geom) AS p FROM boundary_area
         WHERE dataset_id = $1 AND level = 'eupmyeondong' AND code = ANY($2::text[])) s ORDER BY code`,
      [hjd.id, ['4128157600', '4128157700', '4128165500', '4128165600', '4128552500', '4128552600', '4128754500', '4128754600', '4128760000', '4128761000']],
    );
    assert.deepEqual(goyang.map((g) => g.name), ['삼송1동', '삼송2동', '행신3동', '행신4동', '중산1동', '중산2동', '탄현1동', '탄현2동', '덕이동', '가좌동']);
    const g = await lookup.lookup(hjd.id, goyang.map((a, i) => ({ n: i, lon: a.lon, lat: a.lat })));
    goyang.forEach((a, i) => assert.deepEqual(g.get(i)?.eupmyeondong, { code: a.code, name: a.name }));
    assert.deepEqual(g.get(4)?.sigungu, { code: '4128500000', name: '고양시 일산동구' });
  });

  it('does nothing, quickly, once the built-in datasets are there', async () => {
    const t0 = performance.now();
    const again = await new BuiltInDatasetSeeder(ds).seed();
    assert.ok(performance.now() - t0 < 1000);
    assert.deepEqual(again.datasets.map((d) => d.seeded), [false, false]);
    assert.equal(again.defaultDataset, 'kr-bjd@2024-02');
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM dataset WHERE name IN ('kr-bjd', 'kr-hjd')`);
    assert.equal(n, 2);
  });

  it('leaves another default alone', async () => {
    await ds.query(`UPDATE dataset SET is_default = false`);
    await ds.query(`INSERT INTO dataset (name, version, is_default) VALUES ('mine', '1', true)`);
    const report = await new BuiltInDatasetSeeder(ds).seed();
    assert.equal(report.defaultDataset, 'mine@1');
  });
});
