import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { DataSource } from 'typeorm';
import { KOSTAT_2018, mulberry32 } from '@geobatch/util-testing';
import { DatasetRepository } from './dataset.repository';
import { BoundaryImporter } from './import/boundary-importer.service';
import { BoundaryImportError } from './import/feature-collection.scanner';
import type { ImportResult } from './import/import-plan';
import { BoundaryLookup, type LookupHit, type LookupPoint } from './lookup/boundary-lookup.service';
import { featureCollection, openTestDataSource, scratchDir, squareFeature, uniqueName } from './testing/geo-test-db';

/** Names by code straight from a fixture file: expectations that do not go through the importer. */
async function fixtureNames(path: string): Promise<Map<string, string>> {
  const fc = JSON.parse(await readFile(path, 'utf8')) as { features: { properties: { code: string; name: string } }[] };
  return new Map(fc.features.map((f) => [f.properties.code, f.properties.name]));
}

const RANK = `array_position(ARRAY['sido','sigungu','eupmyeondong','ri']::text[], a.level)`;

describe('KOSTAT 2018 boundaries (real fixture, real PostGIS)', () => {
  let ds: DataSource;
  let imported: ImportResult;
  let lookup: BoundaryLookup;
  let sidoNames: Map<string, string>;
  let sggNames: Map<string, string>;
  let emdNames: Map<string, string>;
  const name = uniqueName('kostat');

  before(async () => {
    ds = await openTestDataSource();
    lookup = new BoundaryLookup(ds);
    [sidoNames, sggNames, emdNames] = await Promise.all([
      fixtureNames(KOSTAT_2018.sido),
      fixtureNames(KOSTAT_2018.sigungu),
      fixtureNames(KOSTAT_2018.eupmyeondong),
    ]);
    imported = await new BoundaryImporter(ds).importGeoJson({
      name,
      version: '2018',
      effectiveDate: '2018-12-24',
      attribution: '통계청 통계지리정보서비스(SGIS)',
      levels: KOSTAT_2018,
    });
  });

  after(async () => {
    if (imported) await new DatasetRepository(ds).delete(imported.datasetId);
    await ds?.destroy();
  });

  /** The expected hit of a point: the finest area covering it (smallest code among equals), then its code-prefix parents. */
  function expectedHit(level: string, code: string): LookupHit {
    const hit: LookupHit = { sido: { code: code.slice(0, 2), name: sidoNames.get(code.slice(0, 2))! } };
    if (level !== 'sido') hit.sigungu = { code: code.slice(0, 5), name: sggNames.get(code.slice(0, 5))! };
    if (level === 'eupmyeondong') hit.eupmyeondong = { code, name: emdNames.get(code)! };
    return hit;
  }

  /** Independent answer: ST_Covers on the whole imported polygons (not the pieces the lookup uses). */
  async function coveringFinest(points: LookupPoint[]): Promise<Map<number, { level: string; code: string }>> {
    const rows: { n: number; level: string; code: string }[] = await ds.query(
      `SELECT DISTINCT ON (p.n) p.n, a.level, a.code
       FROM unnest($2::int[], $3::float8[], $4::float8[]) AS p(n, lon, lat)
       JOIN boundary_area a ON a.dataset_id = $1 AND ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
       ORDER BY p.n, ${RANK} DESC, a.code COLLATE "C"`,
      [imported.datasetId, points.map((p) => p.n), points.map((p) => p.lon), points.map((p) => p.lat)],
    );
    return new Map(rows.map((r) => [r.n, { level: r.level, code: r.code }]));
  }

  it('imports 17 시도, 250 시군구 and 3,504 읍면동', async (t) => {
    t.diagnostic(`import took ${imported.ms} ms, ${imported.parts} pieces`);
    assert.deepEqual(imported.featureCounts, { sido: 17, sigungu: 250, eupmyeondong: 3504 });
    const rows: { level: string; n: number }[] = await ds.query(
      'SELECT level, count(*)::int AS n FROM boundary_area WHERE dataset_id = $1 GROUP BY level ORDER BY level',
      [imported.datasetId],
    );
    assert.deepEqual(rows, [
      { level: 'eupmyeondong', n: 3504 },
      { level: 'sido', n: 17 },
      { level: 'sigungu', n: 250 },
    ]);
    const stored = await new DatasetRepository(ds).findByName(name);
    assert.equal(stored?.id, imported.datasetId);
    assert.deepEqual(stored?.levels, ['sido', 'sigungu', 'eupmyeondong']);
    assert.equal(stored?.effectiveDate, '2018-12-24');
    assert.ok(imported.parts > 3771, 'polygons are subdivided into more pieces than areas');
  });

  it('links every 읍면동 to its 시군구 and every 시군구 to its 시도 by code prefix', async () => {
    const [counts] = await ds.query(
      `SELECT count(*) FILTER (WHERE level = 'eupmyeondong' AND parent_code = left(code, 5))::int AS emd,
              count(*) FILTER (WHERE level = 'sigungu' AND parent_code = left(code, 2))::int AS sgg,
              count(*) FILTER (WHERE level = 'sido' AND parent_code IS NULL)::int AS sido
       FROM boundary_area WHERE dataset_id = $1`,
      [imported.datasetId],
    );
    assert.deepEqual(counts, { emd: 3504, sgg: 250, sido: 17 });
  });

  it('finds interior points of 읍면동 with their 시군구 and 시도', async () => {
    const samples: { code: string; lon: number; lat: number }[] = await ds.query(
      `SELECT code, ST_X(p) AS lon, ST_Y(p) AS lat FROM (
         SELECT code, ST_PointOnSurface(geom) AS p FROM boundary_area
         WHERE dataset_id = $1 AND level = 'eupmyeondong' ORDER BY md5(code) LIMIT 12) s`,
      [imported.datasetId],
    );
    const points = samples.map((s, i) => ({ n: i + 1, lon: s.lon, lat: s.lat }));
    const hits = await lookup.lookup(imported.datasetId, points);
    const covering = await coveringFinest(points);
    for (const [i, s] of samples.entries()) {
      const expected = covering.get(i + 1)!;
      assert.equal(expected.level, 'eupmyeondong');
      assert.equal(expected.code, s.code, 'a point on the surface of a 읍면동 lies in that 읍면동 only');
      assert.deepEqual(hits.get(i + 1), expectedHit('eupmyeondong', s.code), `읍면동 ${s.code}`);
    }
  });

  it('gives a point on the edge shared by two 읍면동 to the smaller code', async () => {
    // Vertices of sampled 읍면동 that lie on another 읍면동 too; keep several where the sampled one is the larger code.
    const shared: { code: string; lon: number; lat: number; covering: string[] }[] = await ds.query(
      `WITH a AS (
         SELECT code, geom FROM boundary_area WHERE dataset_id = $1 AND level = 'eupmyeondong' ORDER BY md5(code) LIMIT 40
       ), v AS (
         SELECT a.code, (ST_DumpPoints(a.geom)).geom AS pt FROM a
       ), c AS (
         SELECT v.code, v.pt, array_agg(b.code ORDER BY b.code COLLATE "C") AS covering
         FROM v JOIN boundary_area b ON b.dataset_id = $1 AND b.level = 'eupmyeondong' AND ST_Covers(b.geom, v.pt)
         GROUP BY v.code, v.pt HAVING count(*) >= 2
       )
       SELECT DISTINCT ON (code) code, ST_X(pt) AS lon, ST_Y(pt) AS lat, covering FROM c ORDER BY code, md5(ST_AsText(pt))`,
      [imported.datasetId],
    );
    assert.ok(shared.length >= 10, `found ${shared.length} shared vertices`);
    assert.ok(
      shared.some((s) => s.covering[0] !== s.code),
      'the sample includes vertices whose own 읍면동 is not the smallest code there',
    );
    const points = shared.map((s, i) => ({ n: i + 1, lon: s.lon, lat: s.lat }));
    const hits = await lookup.lookup(imported.datasetId, points);
    for (const [i, s] of shared.entries()) {
      assert.deepEqual(hits.get(i + 1), expectedHit('eupmyeondong', s.covering[0]), `vertex of ${s.code} shared with ${s.covering.join(',')}`);
    }
  });

  it('finds nothing in the sea', async () => {
    const sea = [
      { n: 1, lon: 124.6, lat: 36.0 }, // Yellow Sea
      { n: 2, lon: 130.0, lat: 35.8 }, // East Sea off 포항
      { n: 3, lon: 126.0, lat: 32.9 }, // south of 제주
    ];
    assert.equal((await coveringFinest(sea)).size, 0);
    assert.equal((await lookup.lookup(imported.datasetId, sea)).size, 0);
  });

  it('agrees with ST_Covers on 5,000 scattered points in one call', async (t) => {
    const rnd = mulberry32(20181224);
    const points = Array.from({ length: 5000 }, (_, i) => ({ n: i + 1, lon: 125.5 + rnd() * 4.5, lat: 33.0 + rnd() * 5.5 }));
    const t0 = performance.now();
    const hits = await lookup.lookup(imported.datasetId, points);
    t.diagnostic(`lookup of 5,000 points: ${Math.round(performance.now() - t0)} ms, ${hits.size} hits`);
    const covering = await coveringFinest(points);
    assert.equal(hits.size, covering.size);
    assert.ok(hits.size > 1000, 'most of the box is land');
    for (const [n, c] of covering) assert.deepEqual(hits.get(n), expectedHit(c.level, c.code), `point ${n}`);
  });

  it('a failed re-import of the same name and version leaves the dataset as it was', async () => {
    const files = await scratchDir();
    try {
      const bad = await files.write('emd-bad.geojson', featureCollection([squareFeature('1101053', '사직동', 126.9, 37.5, 127, 37.6, {})].map((f) => ({ ...f, properties: { adm_cd: '1101053', name: '사직동' } }))));
      const before_ = await ds.query(
        `SELECT (SELECT feature_counts FROM dataset WHERE id = $1) AS counts,
                (SELECT count(*)::int FROM boundary_area WHERE dataset_id = $1) AS areas,
                (SELECT count(*)::int FROM boundary_part WHERE dataset_id = $1) AS parts`,
        [imported.datasetId],
      );
      // The good 시도 and 시군구 layers are written (replacing the old rows) before the bad file fails.
      await assert.rejects(
        new BoundaryImporter(ds).importGeoJson({ name, version: '2018', levels: { sido: KOSTAT_2018.sido, sigungu: KOSTAT_2018.sigungu, eupmyeondong: bad } }),
        (e: unknown) => e instanceof BoundaryImportError && /emd-bad\.geojson, feature 1 has no "code" property/.test(e.message),
      );
      const after_ = await ds.query(
        `SELECT (SELECT feature_counts FROM dataset WHERE id = $1) AS counts,
                (SELECT count(*)::int FROM boundary_area WHERE dataset_id = $1) AS areas,
                (SELECT count(*)::int FROM boundary_part WHERE dataset_id = $1) AS parts`,
        [imported.datasetId],
      );
      assert.deepEqual(after_, before_);
      assert.deepEqual(after_[0].counts, { sido: 17, sigungu: 250, eupmyeondong: 3504 });
    } finally {
      await files.remove();
    }
  });
});
