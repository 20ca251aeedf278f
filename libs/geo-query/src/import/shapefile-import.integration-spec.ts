import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { KOSTAT_2018, mulberry32 } from '@geobatch/util-testing';
import { DatasetRepository } from '../dataset.repository';
import { BoundaryLookup, type LookupPoint } from '../lookup/boundary-lookup.service';
import { featureCollection, openTestDataSource, scratchDir, uniqueName } from '../testing/geo-test-db';
import { BoundaryImporter } from './boundary-importer.service';
import { BoundaryImportError } from './feature-collection.scanner';
import { PRJ_5179_ESRI, writeZippedShapefile, type ShapeFeature } from './shapefile-writer.testing';

/*
 * Shapefiles like the official 도로명주소 전자지도 layers (TL_SCCO_CTPRVN / SIG / EMD: EPSG:5179,
 * CP949 attributes, a .prj and sometimes a .cpg), made by this test from the KOSTAT 2018 fixture:
 * 서울 (시도), 종로구 (시군구) and the first six 읍면동 of 종로구 by code. PostGIS projects them to
 * EPSG:5179 (exterior rings clockwise, as shapefiles want), libraries write the files.
 */
interface FixtureFeature {
  properties: { code: string; name: string };
  geometry: { type: string; coordinates: unknown };
}

async function fixtureFeatures(path: string, keep: (code: string) => boolean): Promise<FixtureFeature[]> {
  const fc = JSON.parse(await readFile(path, 'utf8')) as { features: FixtureFeature[] };
  return fc.features.filter((f) => keep(f.properties.code)).sort((a, b) => (a.properties.code < b.properties.code ? -1 : 1));
}

const SGG = '11010';

describe('shapefile import (zipped, EPSG:5179, CP949; real PostGIS)', () => {
  let ds: DataSource;
  let files: Awaited<ReturnType<typeof scratchDir>>;
  let importer: BoundaryImporter;
  const created: string[] = [];
  const source: Record<'sido' | 'sigungu' | 'eupmyeondong', FixtureFeature[]> = { sido: [], sigungu: [], eupmyeondong: [] };
  const zips: Record<string, string> = {};
  const shpName = uniqueName('shp');
  let shpId: string;
  let geojsonId: string;

  const SHP_FIELDS = {
    codeField: { sido: 'CTPRVN_CD', sigungu: 'SIG_CD', eupmyeondong: 'EMD_CD' },
    nameField: { sido: 'CTP_KOR_NM', sigungu: 'SIG_KOR_NM', eupmyeondong: 'EMD_KOR_NM' },
  };

  /** The features in EPSG:5179 with the official field names. */
  async function toShape(features: FixtureFeature[], code: string, name: string): Promise<ShapeFeature[]> {
    const out: ShapeFeature[] = [];
    for (const f of features) {
      const [{ g }] = await ds.query(
        `SELECT ST_AsGeoJSON(ST_ForcePolygonCW(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326), 5179)), 9) AS g`,
        [JSON.stringify(f.geometry)],
      );
      out.push({ properties: { [code]: f.properties.code, [name]: f.properties.name }, geometry: JSON.parse(g) });
    }
    return out;
  }

  before(async () => {
    ds = await openTestDataSource();
    importer = new BoundaryImporter(ds);
    files = await scratchDir();
    source.sido = await fixtureFeatures(KOSTAT_2018.sido, (c) => c === SGG.slice(0, 2));
    source.sigungu = await fixtureFeatures(KOSTAT_2018.sigungu, (c) => c === SGG);
    source.eupmyeondong = (await fixtureFeatures(KOSTAT_2018.eupmyeondong, (c) => c.startsWith(SGG))).slice(0, 6);
    assert.deepEqual([source.sido.length, source.sigungu.length, source.eupmyeondong.length], [1, 1, 6]);

    const shapes = {
      sido: await toShape(source.sido, 'CTPRVN_CD', 'CTP_KOR_NM'),
      sigungu: await toShape(source.sigungu, 'SIG_CD', 'SIG_KOR_NM'),
      eupmyeondong: await toShape(source.eupmyeondong, 'EMD_CD', 'EMD_KOR_NM'),
    };
    const fields = (code: string, name: string) => [{ name: code, size: 10 }, { name, size: 60 }];
    zips.sido = await writeZippedShapefile(files.dir, 'TL_SCCO_CTPRVN', shapes.sido, { fields: fields('CTPRVN_CD', 'CTP_KOR_NM'), encoding: 'cp949', prj: PRJ_5179_ESRI, cpg: 'CP949' });
    // No .cpg here: the encoding is detected.
    zips.sigungu = await writeZippedShapefile(files.dir, 'TL_SCCO_SIG', shapes.sigungu, { fields: fields('SIG_CD', 'SIG_KOR_NM'), encoding: 'cp949', prj: PRJ_5179_ESRI });
    zips.eupmyeondong = await writeZippedShapefile(files.dir, 'TL_SCCO_EMD', shapes.eupmyeondong, {
      fields: fields('EMD_CD', 'EMD_KOR_NM'),
      encoding: 'cp949',
      prj: PRJ_5179_ESRI,
      cpg: 'CP949',
      folder: 'TL_SCCO_EMD_20240101/',
    });
    zips.emdNoPrj = await writeZippedShapefile(files.dir, 'EMD_NOPRJ', shapes.eupmyeondong, { fields: fields('EMD_CD', 'EMD_KOR_NM'), encoding: 'cp949' });
    zips.empty = await writeZippedShapefile(files.dir, 'EMPTY', [], { fields: fields('EMD_CD', 'EMD_KOR_NM'), encoding: 'cp949', prj: PRJ_5179_ESRI, cpg: 'CP949' });
    zips.unknownPrj = await writeZippedShapefile(files.dir, 'BESSEL', shapes.eupmyeondong, {
      fields: fields('EMD_CD', 'EMD_KOR_NM'),
      encoding: 'cp949',
      prj: PRJ_5179_ESRI.replace('SPHEROID["GRS_1980",6378137.0,298.257222101]', 'SPHEROID["Bessel_1841",6377397.155,299.1528128]'),
    });
    zips.broken = join(files.dir, 'broken.zip');
    await writeFile(zips.broken, (await readFile(zips.eupmyeondong)).subarray(0, 300));

    const t0 = Date.now();
    const shp = await importer.importGeoJson({
      name: shpName,
      version: '2024-01',
      effectiveDate: '2024-01-01',
      attribution: '테스트가 만든 shapefile (KOSTAT 2018 / 통계청 SGIS 원본)',
      levels: { sido: zips.sido, sigungu: zips.sigungu, eupmyeondong: zips.eupmyeondong },
      ...SHP_FIELDS,
    });
    console.log(`shapefile import: ${Date.now() - t0} ms`);
    shpId = shp.datasetId;
    created.push(shpId);
    assert.deepEqual(shp.featureCounts, { sido: 1, sigungu: 1, eupmyeondong: 6 });

    const geo = {
      sido: await files.write('sido.geojson', featureCollection(source.sido.map((f) => ({ type: 'Feature', ...f })))),
      sigungu: await files.write('sgg.geojson', featureCollection(source.sigungu.map((f) => ({ type: 'Feature', ...f })))),
      eupmyeondong: await files.write('emd.geojson', featureCollection(source.eupmyeondong.map((f) => ({ type: 'Feature', ...f })))),
    };
    geojsonId = (await importer.importGeoJson({ name: uniqueName('shp-geojson-twin'), levels: geo })).datasetId;
    created.push(geojsonId);
  });

  after(async () => {
    const repo = ds && new DatasetRepository(ds);
    for (const id of created) await repo?.delete(id);
    await files?.remove();
    await ds?.destroy();
  });

  it('stores the areas with their Korean names, codes and parents, and the dataset metadata', async () => {
    const rows: { level: string; code: string; name: string; parent_code: string | null }[] = await ds.query(
      `SELECT level, code, name, parent_code FROM boundary_area WHERE dataset_id = $1 ORDER BY code COLLATE "C"`,
      [shpId],
    );
    const expected = [
      { level: 'sido', code: '11', name: '서울특별시', parent_code: null },
      { level: 'sigungu', code: SGG, name: '종로구', parent_code: '11' },
      ...source.eupmyeondong.map((f) => ({ level: 'eupmyeondong', code: f.properties.code, name: f.properties.name, parent_code: SGG })),
    ];
    assert.deepEqual(rows, expected);
    assert.ok(rows.some((r) => r.name === '사직동'), 'a known 종로구 동 is among them');
    const d = await new DatasetRepository(ds).findById(shpId);
    assert.deepEqual([d?.version, d?.effectiveDate, d?.attribution], ['2024-01', '2024-01-01', '테스트가 만든 shapefile (KOSTAT 2018 / 통계청 SGIS 원본)']);
    assert.deepEqual(d?.levels, ['sido', 'sigungu', 'eupmyeondong']);
  });

  it('brings the polygons back to WGS84 where the GeoJSON source has them (within 1e-7°, about 1 cm)', async () => {
    const rows: { code: string; hd: number; ratio: number }[] = await ds.query(
      `SELECT a.code, ST_HausdorffDistance(a.geom, b.geom) AS hd, ST_Area(a.geom) / ST_Area(b.geom) AS ratio
       FROM boundary_area a JOIN boundary_area b ON b.dataset_id = $2 AND b.level = a.level AND b.code = a.code
       WHERE a.dataset_id = $1`,
      [shpId, geojsonId],
    );
    assert.equal(rows.length, 8);
    for (const r of rows) {
      assert.ok(r.hd < 1e-7, `${r.code}: Hausdorff distance ${r.hd}°`);
      assert.ok(Math.abs(r.ratio - 1) < 1e-6, `${r.code}: area ratio ${r.ratio}`);
    }
  });

  it('answers the same points with the same codes and names as the GeoJSON source', async () => {
    const interior: { lon: number; lat: number }[] = await ds.query(
      `SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
         SELECT ST_PointOnSurface(geom) AS p FROM boundary_area WHERE dataset_id = $1 AND level = 'eupmyeondong' ORDER BY code) s`,
      [geojsonId],
    );
    const [box] = await ds.query(`SELECT ST_XMin(geom) x0, ST_YMin(geom) y0, ST_XMax(geom) x1, ST_YMax(geom) y1 FROM boundary_area WHERE dataset_id = $1 AND level = 'sigungu'`, [geojsonId]);
    const rnd = mulberry32(5179);
    // The 종로구 box with a margin: 동 of the file, the rest of 종로구, the rest of 서울 and outside.
    const scatter = Array.from({ length: 1000 }, () => ({ lon: box.x0 - 0.05 + rnd() * (box.x1 - box.x0 + 0.1), lat: box.y0 - 0.05 + rnd() * (box.y1 - box.y0 + 0.1) }));
    const points: LookupPoint[] = [...interior, ...scatter].map((p, i) => ({ n: i + 1, lon: p.lon, lat: p.lat }));
    const lookup = new BoundaryLookup(ds);
    const fromShp = await lookup.lookup(shpId, points);
    const fromGeoJson = await lookup.lookup(geojsonId, points);
    let emd = 0;
    let sggOnly = 0;
    let sidoOnly = 0;
    for (const p of points) {
      assert.deepEqual(fromShp.get(p.n), fromGeoJson.get(p.n), `point ${p.n} (${p.lon}, ${p.lat})`);
      const hit = fromGeoJson.get(p.n);
      if (hit?.eupmyeondong) emd++;
      else if (hit?.sigungu) sggOnly++;
      else if (hit?.sido) sidoOnly++;
    }
    for (const [i, f] of source.eupmyeondong.entries()) assert.equal(fromShp.get(i + 1)?.eupmyeondong?.name, f.properties.name);
    assert.ok(emd >= 50 && sggOnly >= 30 && sidoOnly >= 100 && fromShp.size < points.length, `emd ${emd}, 시군구 only ${sggOnly}, 시도 only ${sidoOnly}, hits ${fromShp.size}`);
  });

  it('takes the coordinate system from --srid when there is no .prj', async () => {
    const r = await importer.importGeoJson({ name: uniqueName('shp-srid'), levels: { eupmyeondong: zips.emdNoPrj }, srid: 5179, ...SHP_FIELDS });
    created.push(r.datasetId);
    const [{ hd }] = await ds.query(
      `SELECT max(ST_HausdorffDistance(a.geom, b.geom)) AS hd FROM boundary_area a
       JOIN boundary_area b ON b.dataset_id = $2 AND b.level = a.level AND b.code = a.code WHERE a.dataset_id = $1`,
      [r.datasetId, geojsonId],
    );
    assert.ok(hd < 1e-7, `Hausdorff distance ${hd}°`);
  });

  describe('bad files: a clear error, and the existing dataset stays as it was', () => {
    async function snapshot() {
      const areas = await ds.query(`SELECT level, code, name, parent_code, md5(ST_AsBinary(geom)) AS g FROM boundary_area WHERE dataset_id = $1 ORDER BY level, code`, [shpId]);
      const [row] = await ds.query('SELECT version, levels, feature_counts, attribution, effective_date FROM dataset WHERE id = $1', [shpId]);
      const [{ parts }] = await ds.query('SELECT count(*)::int AS parts FROM boundary_part WHERE dataset_id = $1', [shpId]);
      return { areas, row, parts };
    }

    const cases: [string, () => Record<string, unknown>, RegExp][] = [
      ['a broken zip', () => ({ levels: { sido: zips.sido, eupmyeondong: zips.broken } }), /broken\.zip is not a readable zip archive/],
      ['a zip without a .shp', () => ({ levels: { sido: zips.sido, eupmyeondong: zips.noShp } }), /noshp\.zip holds no \.shp file/],
      ['a .prj of an unsupported system', () => ({ levels: { eupmyeondong: zips.unknownPrj } }), /BESSEL\.shp in .*: cannot tell the coordinate system from its \.prj .* give it with --srid/],
      ['no .prj and no --srid', () => ({ levels: { eupmyeondong: zips.emdNoPrj } }), /EMD_NOPRJ\.shp in .* has no \.prj: give its coordinate system with --srid/],
      ['an unsupported --srid', () => ({ levels: { eupmyeondong: zips.emdNoPrj }, srid: 2097 }), /SRID 2097 is not supported/],
      [
        'a --srid that does not fit the data (UTM-K read as EPSG:5186)',
        () => ({ levels: { sido: zips.sido, eupmyeondong: zips.eupmyeondong }, srid: 5186 }),
        /TL_SCCO_CTPRVN\.shp in .* \(EPSG:5186 from --srid, CP949 \(EUC-KR\) from \.cpg\): read as EPSG:5186 the layer lies at longitude 13\d\.\d+~13\d\.\d+, latitude \d+\.\d+~\d+\.\d+, far from Korea/,
      ],
      ['an empty layer (after a good one was written)', () => ({ levels: { sido: zips.sido, eupmyeondong: zips.empty } }), /eupmyeondong \(읍면동\) layer EMPTY\.shp in .* has no features \(empty layer\)/],
      [
        'a code field that is not in the .dbf',
        () => ({ levels: { sido: zips.sido, eupmyeondong: zips.eupmyeondong }, codeField: { ...SHP_FIELDS.codeField, eupmyeondong: 'EMD_CODE' } }),
        /TL_SCCO_EMD\.shp in .*, feature 1 has no "EMD_CODE" property \(the code field\); its properties are: "EMD_CD", "EMD_KOR_NM"/,
      ],
      [
        'attributes read in the wrong encoding',
        () => ({ levels: { eupmyeondong: zips.eupmyeondong }, encoding: 'utf-8' }),
        /TL_SCCO_EMD\.shp in .* \(EPSG:5179 from \.prj, UTF-8 from --encoding\), feature 1: the name field "EMD_KOR_NM" holds undecodable characters/,
      ],
    ];

    before(async () => {
      const { default: JSZip } = await import('jszip');
      const z = new JSZip();
      z.file('TL_SCCO_EMD/readme.txt', '도로명주소 전자지도');
      zips.noShp = join(files.dir, 'noshp.zip');
      await writeFile(zips.noShp, await z.generateAsync({ type: 'nodebuffer' }));
    });

    for (const [what, options, message] of cases) {
      it(`rejects ${what}`, async () => {
        const before_ = await snapshot();
        const given = { ...SHP_FIELDS, ...options() } as Parameters<BoundaryImporter['importGeoJson']>[0];
        await assert.rejects(
          importer.importGeoJson({ ...given, name: shpName, version: '2024-01' }),
          (e: unknown) => e instanceof BoundaryImportError && message.test(e.message),
        );
        assert.deepEqual(await snapshot(), before_);
        const fresh = uniqueName('never');
        await assert.rejects(importer.importGeoJson({ ...given, name: fresh }), BoundaryImportError);
        assert.equal(await new DatasetRepository(ds).findByName(fresh), null, 'a failed import leaves no dataset behind');
      });
    }
  });
});
