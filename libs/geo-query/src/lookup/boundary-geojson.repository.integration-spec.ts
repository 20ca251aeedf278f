import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { DatasetRepository } from '../dataset.repository';
import { KR_BJD } from '../built-in/built-in-datasets';
import { openTestDataSource } from '../testing/geo-test-db';
import { BoundaryGeoJsonRepository, type OutlineDetail, type OutlineRow } from './boundary-geojson.repository';

/** The gateway's map detail (apps/gateway/src/map/boundary-features.ts). */
const SIDO: OutlineDetail = { tolerance: 0.005, minArea: 1e-4, digits: 3 };
const SIGUNGU: OutlineDetail = { tolerance: 0.003, minArea: 3e-5, digits: 3 };

/** Every coordinate of a GeoJSON Polygon or MultiPolygon. */
function positions(geometry: { type: string; coordinates: unknown }): number[][] {
  const polygons = (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as number[][][][];
  return polygons.flat(2);
}

/*
 * The map's outlines of the built-in default dataset (seeded in the test database), read back by
 * PostGIS itself: still the same areas, still valid, far smaller, and covering the places they should.
 */
describe('BoundaryGeoJsonRepository on kr-bjd@2024-02 (real PostGIS)', () => {
  let ds: DataSource;
  let datasetId: string;
  let sido: OutlineRow[];

  before(async () => {
    ds = await openTestDataSource();
    const found = await new DatasetRepository(ds).findByName(KR_BJD.name, KR_BJD.version);
    assert.ok(found, 'the built-in kr-bjd@2024-02 is seeded in the test database');
    datasetId = found.id;
    sido = await new BoundaryGeoJsonRepository(ds).outlines(datasetId, 'sido', SIDO);
  });
  after(async () => {
    await ds?.destroy();
  });

  it('answers every 시도 once, by code, as a valid (Multi)Polygon with 3 decimals and its bounding box', async () => {
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM boundary_area WHERE dataset_id = $1 AND level = 'sido'`, [datasetId]);
    assert.equal(sido.length, n);
    assert.equal(n, 17);
    assert.deepEqual(sido.map((r) => r.code), [...sido.map((r) => r.code)].sort());
    assert.ok(sido.some((r) => r.code === '1100000000' && r.name === '서울특별시'));
    for (const r of sido) {
      const g = JSON.parse(r.geometry) as { type: string; coordinates: unknown };
      assert.match(g.type, /^(Multi)?Polygon$/, r.name);
      for (const [lon, lat] of positions(g)) {
        assert.ok(lon >= r.bbox[0] - 1e-3 && lon <= r.bbox[2] + 1e-3 && lat >= r.bbox[1] - 1e-3 && lat <= r.bbox[3] + 1e-3, `${r.name}: ${lon},${lat} outside its bbox`);
        assert.equal(Math.round(lon * 1000) / 1000, lon);
      }
      assert.ok(r.bbox[0] >= 124 && r.bbox[2] <= 132 && r.bbox[1] >= 33 && r.bbox[3] <= 39.5, `${r.name} bbox ${r.bbox}`);
      const [{ valid }] = await ds.query(`SELECT ST_IsValid(ST_GeomFromGeoJSON($1)) AS valid`, [r.geometry]);
      assert.equal(valid, true, `${r.name} is a valid polygon`);
    }
  });

  it('is small for a browser (under 200 KB for Korea) and thinner than the stored polygons', async () => {
    const bytes = sido.reduce((sum, r) => sum + r.geometry.length, 0);
    assert.ok(bytes < 200_000, `${bytes} bytes`);
    const [{ stored }] = await ds.query(`SELECT sum(length(ST_AsGeoJSON(geom, 3)))::int AS stored FROM boundary_area WHERE dataset_id = $1 AND level = 'sido'`, [datasetId]);
    assert.ok(bytes < stored / 4, `${bytes} of ${stored} bytes`);
  });

  it('keeps the places: city halls fall in their own 시도, and the outlines cover almost all of the stored area', async () => {
    const places: [string, number, number][] = [['서울특별시', 126.978, 37.5665], ['부산광역시', 129.075, 35.1796], ['제주특별자치도', 126.5312, 33.4996], ['강원특별자치도', 127.7298, 37.8813]];
    for (const [name, lon, lat] of places) {
      const hits = [];
      for (const r of sido) {
        const [{ covers }] = await ds.query(`SELECT ST_Covers(ST_GeomFromGeoJSON($1), ST_SetSRID(ST_MakePoint($2, $3), 4326)) AS covers`, [r.geometry, lon, lat]);
        if (covers) hits.push(r.name);
      }
      assert.deepEqual(hits, [name], `${lon},${lat}`);
    }
    const ratios: { name: string; kept: number; stored: number }[] = await ds.query(
      `SELECT a.name, ST_Area(ST_Intersection(a.geom, ST_SetSRID(ST_GeomFromGeoJSON(o.g), 4326))) AS kept, ST_Area(a.geom) AS stored
         FROM boundary_area a JOIN unnest($2::text[], $3::text[]) AS o(code, g) ON o.code = a.code
        WHERE a.dataset_id = $1 AND a.level = 'sido'`,
      [datasetId, sido.map((r) => r.code), sido.map((r) => r.geometry)],
    );
    assert.equal(ratios.length, 17);
    // Islands under 1 km² are left out: 인천 (many islands) keeps the least.
    for (const { name, kept, stored } of ratios) assert.ok(kept / stored > 0.9, `${name}: ${kept / stored}`);
    const total = ratios.reduce((s, r) => s + r.kept, 0) / ratios.reduce((s, r) => s + r.stored, 0);
    assert.ok(total > 0.98, `Korea: ${total}`);
  });

  it('answers every 시군구 too, and nothing for a level or dataset that has none', async () => {
    const repo = new BoundaryGeoJsonRepository(ds);
    const sigungu = await repo.outlines(datasetId, 'sigungu', SIGUNGU);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM boundary_area WHERE dataset_id = $1 AND level = 'sigungu'`, [datasetId]);
    assert.equal(sigungu.length, n);
    assert.ok(sigungu.some((r) => r.name === '종로구' && r.code === '1111000000'));
    assert.deepEqual(await repo.outlines(datasetId, 'ri', SIGUNGU), []);
    assert.deepEqual(await repo.outlines('00000000-0000-4000-8000-000000000000', 'sido', SIDO), []);
  });
});
