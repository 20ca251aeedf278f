import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { DatasetRepository } from '../dataset.repository';
import { BoundaryImporter } from '../import/boundary-importer.service';
import { featureCollection, openTestDataSource, scratchDir, squareFeature, uniqueName } from '../testing/geo-test-db';
import { BoundaryLookup, type LookupPoint } from './boundary-lookup.service';

/*
 * The nearest-polygon rule of the reference lookup on shapes whose distances are known:
 *   시도 11 covers x 126..128, y 36..38; 시군구 11010 x 126..127, y 36..38;
 *   읍면동 1101002 (x 126.5..127) and 1101001 (x 126..126.5), both y 36..37, sharing the edge x = 126.5.
 * South of y = 36 there is nothing. The larger code comes first in the file, so that the rule, not
 * the order, breaks ties.
 *
 * Distances are those of PostGIS geography: polygon edges are great-circle arcs between vertices, so
 * these long east–west edges bow north of the parallel y = 36 (by 29 m for a 0.5° edge, 345 m for
 * 2°). Real boundaries have edges of metres, where the two readings differ by far less than 0.1 m.
 */
const SIDO = featureCollection([squareFeature('11', '가도', 126, 36, 128, 38)]);
const SIGUNGU = featureCollection([squareFeature('11010', '가군', 126, 36, 127, 38)]);
const EMD = featureCollection([squareFeature('1101002', '나동', 126.5, 36, 127, 37), squareFeature('1101001', '가동', 126, 36, 126.5, 37)]);

const sido = { code: '11', name: '가도' };
const sigungu = { code: '11010', name: '가군' };

describe('BoundaryLookup nearest-polygon rule (synthetic squares, real PostGIS)', () => {
  let ds: DataSource;
  let files: Awaited<ReturnType<typeof scratchDir>>;
  let datasetId: string;
  let lookup: BoundaryLookup;

  before(async () => {
    ds = await openTestDataSource();
    files = await scratchDir();
    datasetId = (
      await new BoundaryImporter(ds).importGeoJson({
        name: uniqueName('nearest'),
        levels: { sido: await files.write('sido.geojson', SIDO), sigungu: await files.write('sgg.geojson', SIGUNGU), eupmyeondong: await files.write('emd.geojson', EMD) },
      })
    ).datasetId;
    lookup = new BoundaryLookup(ds);
  });

  after(async () => {
    if (datasetId) await new DatasetRepository(ds).delete(datasetId);
    await files?.remove();
    await ds?.destroy();
  });

  /** Geodesic distance (WGS84 spheroid) from a point to one area's whole polygon, computed apart from the lookup. */
  async function distance(level: string, code: string, p: LookupPoint): Promise<number> {
    const [{ d }] = await ds.query(
      `SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($4, $5), 4326)::geography) AS d FROM boundary_area WHERE dataset_id = $1 AND level = $2 AND code = $3`,
      [datasetId, level, code, p.lon, p.lat],
    );
    return d;
  }

  it('answers a point in no polygon with the finest area within the tolerance and its geodesic distance', async () => {
    const p = { n: 1, lon: 126.25, lat: 35.999 }; // 111 m south of the parallel, 139.7 m from the great-circle edge of 1101001
    const d = await distance('eupmyeondong', '1101001', p);
    assert.ok(d > 135 && d < 145, `${d} m`);
    const hit = (await lookup.lookup(datasetId, [p], { nearestM: 200 })).get(1);
    assert.deepEqual(hit, { sido, sigungu, eupmyeondong: { code: '1101001', name: '가동' }, nearest: { distanceM: Math.round(d * 10) / 10 } });
    assert.equal((await lookup.lookup(datasetId, [p], { nearestM: 139 })).has(1), false, 'farther than 139 m');
    assert.equal((await lookup.lookup(datasetId, [p], { nearestM: 140 })).get(1)?.eupmyeondong?.code, '1101001', 'within 140 m');
    assert.equal((await lookup.lookup(datasetId, [p], { nearestM: 0 })).has(1), false, 'off');
    assert.equal((await lookup.lookup(datasetId, [p])).has(1), false, 'off by default');
  });

  it('breaks an exact tie by the smaller code', async () => {
    // Equally far from both 읍면동: their nearest point is the shared corner (126.5, 36).
    const p = { n: 1, lon: 126.5, lat: 35.9995 };
    assert.equal(await distance('eupmyeondong', '1101001', p), await distance('eupmyeondong', '1101002', p));
    assert.equal((await lookup.lookup(datasetId, [p], { nearestM: 200 })).get(1)?.eupmyeondong?.code, '1101001');
  });

  it('takes the smaller distance before the smaller code', async () => {
    const p = { n: 1, lon: 126.6, lat: 35.9995 }; // under 1101002, 0.1° east of the shared corner
    assert.ok((await distance('eupmyeondong', '1101002', p)) < (await distance('eupmyeondong', '1101001', p)));
    assert.equal((await lookup.lookup(datasetId, [p], { nearestM: 200 })).get(1)?.eupmyeondong?.code, '1101002');
  });

  it('takes the finest level that has an area within the tolerance, even when a coarser area is nearer', async () => {
    // 571 m from 시도 11, 908 m from 시군구 11010 and 읍면동 1101002 (their shared corner (127, 36)).
    const p = { n: 1, lon: 127.01, lat: 35.999 };
    const [dSido, dEmd] = [await distance('sido', '11', p), await distance('eupmyeondong', '1101002', p)];
    assert.ok(dSido > 560 && dSido < 580 && dEmd > 900 && dEmd < 915, `${dSido} m, ${dEmd} m`);
    assert.deepEqual((await lookup.lookup(datasetId, [p], { nearestM: 1000 })).get(1), {
      sido,
      sigungu,
      eupmyeondong: { code: '1101002', name: '나동' },
      nearest: { distanceM: Math.round(dEmd * 10) / 10 },
    });
    // Only the 시도 within 600 m: the hit is the 시도 alone, at its own distance.
    assert.deepEqual((await lookup.lookup(datasetId, [p], { nearestM: 600 })).get(1), { sido, nearest: { distanceM: Math.round(dSido * 10) / 10 } });
    assert.equal((await lookup.lookup(datasetId, [p], { nearestM: 500 })).has(1), false);
  });

  it('leaves exact hits as they are and answers a mixed batch in one call', async () => {
    const points = [
      { n: 1, lon: 126.25, lat: 36.5 }, // inside 1101001
      { n: 2, lon: 126.25, lat: 35.999 }, // near 1101001
      { n: 3, lon: 126.2, lat: 37.5 }, // inside 11010, no 읍면동 there: exact, not nearest
      { n: 4, lon: 125, lat: 35 }, // far from everything
    ];
    const hits = await lookup.lookup(datasetId, points, { nearestM: 200 });
    assert.deepEqual(hits.get(1), { sido, sigungu, eupmyeondong: { code: '1101001', name: '가동' } });
    assert.equal(hits.get(2)?.eupmyeondong?.code, '1101001');
    assert.ok(hits.get(2)?.nearest);
    assert.deepEqual(hits.get(3), { sido, sigungu });
    assert.equal(hits.has(4), false);
  });
});
