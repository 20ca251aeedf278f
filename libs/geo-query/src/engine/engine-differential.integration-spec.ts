import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { ADMIN_LEVELS } from '@geobatch/contracts';
import { KOSTAT_2018, mulberry32, testEnv } from '@geobatch/util-testing';
import { DatasetRepository } from '../dataset.repository';
import { BoundaryImporter } from '../import/boundary-importer.service';
import { BoundaryLookup, type LookupHit, type LookupPoint } from '../lookup/boundary-lookup.service';
import { openTestDataSource, uniqueName } from '../testing/geo-test-db';
import { loadBoundaryIndex, type LoadedBoundaryIndex } from './boundary-index-loader';
import { InMemoryLookup } from './in-memory-lookup';

/*
 * The in-memory engine must answer exactly as the PostGIS reference does, on the real KOSTAT 2018
 * boundaries: seeded random points over and around Korea, plus every vertex of 200 seeded-random
 * 읍면동 polygons (points on shared edges and corners, where the smallest-code rule decides).
 */
const RANDOM_POINTS = 100_000;
const VERTEX_POLYGONS = 200;
const REFERENCE_BATCH = 5_000;

function finest(hit: LookupHit | undefined): string | null {
  if (!hit) return null;
  for (let i = ADMIN_LEVELS.length - 1; i >= 0; i--) {
    const area = hit[ADMIN_LEVELS[i]];
    if (area) return `${ADMIN_LEVELS[i]}:${area.code}`;
  }
  return null;
}

describe('in-memory engine vs PostGIS reference (KOSTAT 2018, real PostGIS)', () => {
  let ds: DataSource;
  let datasetId: string;
  let loaded: LoadedBoundaryIndex;
  let engine: InMemoryLookup;

  before(async () => {
    ds = await openTestDataSource();
    const t0 = Date.now();
    const imported = await new BoundaryImporter(ds).importGeoJson({ name: uniqueName('engine-diff'), version: '2018', levels: { ...KOSTAT_2018 } });
    datasetId = imported.datasetId;
    console.log(`imported KOSTAT 2018 (${imported.parts} pieces) in ${Date.now() - t0} ms`);
    loaded = await loadBoundaryIndex(ds, datasetId);
    engine = InMemoryLookup.fromLoaded(loaded);
    console.log(`in-memory index: ${JSON.stringify(loaded.stats)}`);
  });

  after(async () => {
    if (datasetId) await new DatasetRepository(ds).delete(datasetId);
    await ds?.destroy();
  });

  async function compare(what: string, points: LookupPoint[]): Promise<void> {
    const reference = new BoundaryLookup(ds);
    const expected = new Map<number, LookupHit>();
    const t0 = Date.now();
    for (let i = 0; i < points.length; i += REFERENCE_BATCH) {
      for (const [n, hit] of await reference.lookup(datasetId, points.slice(i, i + REFERENCE_BATCH))) expected.set(n, hit);
    }
    const t1 = Date.now();
    const actual = new Map<number, LookupHit>();
    for (let i = 0; i < points.length; i += REFERENCE_BATCH) {
      for (const [n, hit] of await engine.lookup(points.slice(i, i + REFERENCE_BATCH))) actual.set(n, hit);
    }
    const t2 = Date.now();

    let disagree = 0;
    let chainsDiffer = 0;
    let matched = 0;
    const examples: unknown[] = [];
    for (const p of points) {
      const want = expected.get(p.n);
      const got = actual.get(p.n);
      if (want) matched++;
      if (finest(want) !== finest(got)) {
        disagree++;
        if (examples.length < 10) examples.push({ lon: p.lon, lat: p.lat, postgis: finest(want), engine: finest(got) });
      } else if (want && got) {
        try {
          assert.deepEqual(got, want);
        } catch {
          chainsDiffer++;
          if (examples.length < 10) examples.push({ lon: p.lon, lat: p.lat, postgis: want, engine: got });
        }
      }
    }
    console.log(
      `${what}: ${points.length} points, ${matched} in an area; PostGIS ${t1 - t0} ms, engine ${t2 - t1} ms; ` +
        `${disagree} disagree on level+code, ${chainsDiffer} on the rest of the hit`,
    );
    if (examples.length > 0) console.log(JSON.stringify(examples, null, 1));
    assert.equal(disagree, 0, `${disagree} of ${points.length} points disagree on level+code`);
    assert.equal(chainsDiffer, 0, `${chainsDiffer} of ${points.length} points disagree on names or parents`);
  }

  it('loads every piece and area of the dataset', async () => {
    const [{ parts, vertices, areas }] = await ds.query(
      `SELECT (SELECT count(*)::int FROM boundary_part WHERE dataset_id = $1) AS parts,
              (SELECT sum(ST_NPoints(geom))::int FROM boundary_part WHERE dataset_id = $1) AS vertices,
              (SELECT count(*)::int FROM boundary_area WHERE dataset_id = $1) AS areas`,
      [datasetId],
    );
    assert.equal(loaded.stats.pieces, parts);
    assert.equal(loaded.stats.vertices, vertices);
    assert.equal(loaded.areas.size, areas);
    assert.equal(loaded.stats.areas, areas, 'every area has pieces');
  });

  it('loads the same index through a pg Pool', async () => {
    const pool = new Pool({ connectionString: testEnv.TEST_DATABASE_URL, max: 1 });
    try {
      const viaPool = await loadBoundaryIndex(pool, datasetId, { fetchSize: 1_000 });
      const { ms: _a, ...a } = viaPool.stats;
      const { ms: _b, ...b } = loaded.stats;
      assert.deepEqual(a, b);
      for (const [lon, lat] of [[126.978, 37.5665], [129.0756, 35.1796], [125, 34]]) {
        assert.deepEqual(viaPool.index.lookup(lon, lat), loaded.index.lookup(lon, lat));
      }
      await assert.rejects(loadBoundaryIndex(pool, '00000000-0000-4000-8000-000000000000'), /no boundary dataset/);
      await assert.rejects(loadBoundaryIndex(pool, 'not-a-uuid'), /no boundary dataset/);
    } finally {
      await pool.end();
    }
  });

  it(`agrees on ${RANDOM_POINTS.toLocaleString('en')} seeded random points (lon 124–132, lat 33–39)`, async () => {
    const rnd = mulberry32(20_180_101);
    const points: LookupPoint[] = [];
    for (let n = 0; n < RANDOM_POINTS; n++) points.push({ n, lon: 124 + 8 * rnd(), lat: 33 + 6 * rnd() });
    await compare('random', points);
  });

  it('agrees with nearestM, the points in no polygon going to PostGIS for the nearest rule', async () => {
    const reference = new BoundaryLookup(ds);
    const hybrid = InMemoryLookup.fromLoaded(loaded, { nearest: reference });
    // Points around vertices of 150 seeded-random 읍면동 (coastal ones among them), moved up to ~2 km.
    const rnd = mulberry32(1_000);
    const codes: { code: string }[] = await ds.query(
      `SELECT code FROM boundary_area WHERE dataset_id = $1 AND level = 'eupmyeondong' ORDER BY code COLLATE "C"`,
      [datasetId],
    );
    const chosen = new Set<string>();
    while (chosen.size < 150) chosen.add(codes[Math.floor(rnd() * codes.length)].code);
    const rows: { x: number; y: number }[] = await ds.query(
      `SELECT ST_X(d.geom) AS x, ST_Y(d.geom) AS y
       FROM boundary_area a, LATERAL ST_DumpPoints(a.geom) d
       WHERE a.dataset_id = $1 AND a.level = 'eupmyeondong' AND a.code = ANY($2::text[])
       ORDER BY a.code, d.path`,
      [datasetId, [...chosen]],
    );
    const points: LookupPoint[] = [];
    for (let n = 0; n < 2_000; n++) {
      const v = rows[Math.floor(rnd() * rows.length)];
      points.push({ n, lon: v.x + (rnd() - 0.5) * 0.04, lat: v.y + (rnd() - 0.5) * 0.04 });
    }
    const t0 = Date.now();
    const want = await reference.lookup(datasetId, points, { nearestM: 1_000 });
    const t1 = Date.now();
    const got = await hybrid.lookup(points, { nearestM: 1_000 });
    const t2 = Date.now();
    const byNearest = [...want.values()].filter((h) => h.nearest).length;
    console.log(`nearestM=1000: ${points.length} points, ${want.size} answered, ${byNearest} by the nearest rule; PostGIS ${t1 - t0} ms, hybrid ${t2 - t1} ms`);
    assert.ok(byNearest > 0, 'some points are matched by the nearest rule');
    assert.deepEqual(got, want);
  });

  it('agrees with nearestM on random points over land and sea, sending PostGIS only the misses with a piece nearby', async () => {
    const reference = new BoundaryLookup(ds);
    const sent = { points: 0 };
    const counting = { lookup: (id: string, pts: readonly LookupPoint[], o?: { nearestM?: number }) => ((sent.points += pts.length), reference.lookup(id, pts, o)) };
    const hybrid = InMemoryLookup.fromLoaded(loaded, { nearest: counting });
    const rnd = mulberry32(5_000);
    for (const nearestM of [200, 5_000]) {
      const points: LookupPoint[] = [];
      for (let n = 0; n < 3_000; n++) points.push({ n, lon: 124 + 8 * rnd(), lat: 33 + 6 * rnd() });
      sent.points = 0;
      const t0 = Date.now();
      const want = await reference.lookup(datasetId, points, { nearestM });
      const t1 = Date.now();
      const got = await hybrid.lookup(points, { nearestM });
      const t2 = Date.now();
      const misses = points.length - [...got.values()].filter((h) => !h.nearest).length;
      const byNearest = [...want.values()].filter((h) => h.nearest).length;
      console.log(`nearestM=${nearestM}, random: ${misses} of ${points.length} in no polygon, ${sent.points} sent to PostGIS, ${byNearest} matched by the nearest rule; PostGIS ${t1 - t0} ms, hybrid ${t2 - t1} ms`);
      assert.ok(byNearest > 0 && sent.points < misses, 'some misses matched by proximity, some never sent');
      assert.deepEqual(got, want);
    }
  });

  it(`agrees on every vertex of ${VERTEX_POLYGONS} seeded-random 읍면동 polygons, and on a point along each of their edges`, async () => {
    const codes: { code: string }[] = await ds.query(
      `SELECT code FROM boundary_area WHERE dataset_id = $1 AND level = 'eupmyeondong' ORDER BY code COLLATE "C"`,
      [datasetId],
    );
    const rnd = mulberry32(3_504);
    const chosen = new Set<string>();
    while (chosen.size < Math.min(VERTEX_POLYGONS, codes.length)) chosen.add(codes[Math.floor(rnd() * codes.length)].code);
    // float8 text output is shortest-round-trip (extra_float_digits = 1), so these are the stored doubles.
    const rows: { code: string; part: number; ring: number; x: number; y: number }[] = await ds.query(
      `SELECT a.code, d.path[1] AS part, d.path[2] AS ring, ST_X(d.geom) AS x, ST_Y(d.geom) AS y
       FROM boundary_area a, LATERAL ST_DumpPoints(a.geom) d
       WHERE a.dataset_id = $1 AND a.level = 'eupmyeondong' AND a.code = ANY($2::text[])
       ORDER BY a.code, d.path`,
      [datasetId, [...chosen]],
    );
    assert.ok(rows.length > 10_000, `only ${rows.length} vertices`);
    await compare('vertices', rows.map((r, n) => ({ n, lon: r.x, lat: r.y })));

    // Points on (or within rounding of) shared edges: where a non-PostGIS predicate would differ.
    const along: LookupPoint[] = [];
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1];
      const b = rows[i];
      if (a.code !== b.code || a.part !== b.part || a.ring !== b.ring) continue;
      const t = rnd();
      along.push({ n: along.length, lon: a.x + t * (b.x - a.x), lat: a.y + t * (b.y - a.y) });
    }
    await compare('along edges', along);
  });
});
