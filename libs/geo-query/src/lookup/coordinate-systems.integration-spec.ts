import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { INPUT_CRS, type InputCrs } from '@geobatch/contracts';
import { mulberry32 } from '@geobatch/util-testing';
import { openTestDataSource } from '../testing/geo-test-db';
import { CRS_PROJ4, fromWgs84, sridOf, toWgs84 } from './coordinate-systems';

/*
 * proj4js (what the geocoder runs) against PROJ inside PostGIS (ST_Transform), on 400 seeded points
 * over Korea's extended box, for every supported system.
 */
describe('coordinate systems: proj4js against PostGIS ST_Transform (real PostGIS)', () => {
  let ds: DataSource;
  const rnd = mulberry32(4326);
  const points = Array.from({ length: 400 }, () => ({ lon: 124 + rnd() * 8, lat: 33 + rnd() * 6.5 }));

  before(async () => {
    ds = await openTestDataSource();
  });
  after(async () => {
    await ds?.destroy();
  });

  async function postgis(crs: InputCrs, how: 'epsg' | 'proj'): Promise<{ x: number; y: number }[]> {
    const target = how === 'epsg' ? `ST_Transform(g, ${sridOf(crs)})` : `ST_Transform(g, '+proj=longlat +datum=WGS84 +no_defs', $3::text)`;
    return ds.query(
      `SELECT ST_X(t) AS x, ST_Y(t) AS y FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat, i),
       LATERAL (SELECT ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) AS g) gg, LATERAL (SELECT ${target} AS t) tt ORDER BY p.i`,
      how === 'epsg' ? [points.map((p) => p.lon), points.map((p) => p.lat)] : [points.map((p) => p.lon), points.map((p) => p.lat), CRS_PROJ4[crs]],
    );
  }

  for (const crs of INPUT_CRS.filter((c) => c !== 'EPSG:4326')) {
    it(`${crs}: forward within 1 mm, back to WGS84 within 1e-8° (1e-7° for the Bessel datum shift)`, async () => {
      // EPSG:5174: the same PROJ string (PostGIS's own EPSG transformation uses another published shift; see below).
      const expected = await postgis(crs, crs === 'EPSG:5174' ? 'proj' : 'epsg');
      const forward = fromWgs84(crs);
      const inverse = toWgs84(crs);
      const degTol = crs === 'EPSG:5174' ? 1e-7 : 1e-8;
      let worstM = 0;
      let worstDeg = 0;
      points.forEach((p, i) => {
        const [x, y] = forward(p.lon, p.lat);
        worstM = Math.max(worstM, Math.abs(x - expected[i].x), Math.abs(y - expected[i].y));
        const [lon, lat] = inverse(expected[i].x, expected[i].y);
        worstDeg = Math.max(worstDeg, Math.abs(lon - p.lon), Math.abs(lat - p.lat));
      });
      assert.ok(worstM < 0.001, `${crs}: forward differs by up to ${worstM} m`);
      assert.ok(worstDeg < degTol, `${crs}: inverse differs by up to ${worstDeg}°`);
    });
  }

  it('EPSG:5174 agrees with PostGIS\'s own EPSG transformation to within 0.2 m', async (t) => {
    const epsg = await postgis('EPSG:5174', 'epsg');
    const forward = fromWgs84('EPSG:5174');
    let worst = 0;
    points.forEach((p, i) => {
      const [x, y] = forward(p.lon, p.lat);
      worst = Math.max(worst, Math.hypot(x - epsg[i].x, y - epsg[i].y));
    });
    t.diagnostic(`EPSG:5174 shifts differ by up to ${worst.toFixed(3)} m`);
    assert.ok(worst < 0.2, `up to ${worst} m apart`);
  });
});
