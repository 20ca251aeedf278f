import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { JobStatus, type DatasetDto, type DatasetListDto, type ErrorResponseDto } from '@geobatch/contracts';
import { DatasetRepository, GEO_ENTITIES, geoDataSourceOptions } from '@geobatch/geo-query';
import { JOB_STORE_ENTITIES, JobRepository } from '@geobatch/job-store';
import { JsonLogger } from '@geobatch/util-observability';
import { issueTestApiKey, KOSTAT_2018, testEnv } from '@geobatch/util-testing';
import { fakeOptions } from '../testing/gateway-fakes';
// Test support of geo-query, deliberately outside its barrel (it pulls in writer-only libraries).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { PRJ_5179_ESRI, writeZippedShapefile, type ShapeFeature } from '../../../../libs/geo-query/src/import/shapefile-writer.testing';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { JUSO_ADMIN_ROWS, JUSO_LEGAL_ROWS, writeJusoDownload } from '../../../../libs/geo-query/src/import/presets/juso-download.testing';
import { startTestGateway } from '../gateway-integration.testing';
import { DATASET_UPLOADS_DIR } from './datasets.module';

const RUN = randomUUID().slice(0, 8);
/** 종로구: one 시군구 and a few of its 읍면동 keep the uploads small. */
const SGG = '11010';

interface Feature {
  type: 'Feature';
  properties: { code: string; name: string };
  geometry: { type: string; coordinates: unknown[] };
}

function fixtureFeatures(file: string, keep: (code: string) => boolean): Feature[] {
  const fc = JSON.parse(readFileSync(file, 'utf8')) as { features: Feature[] };
  return fc.features.filter((f) => keep(String(f.properties.code)));
}

describe('REST datasets (real Postgres + Kafka)', () => {
  const storage = mkdtempSync(join(tmpdir(), 'gateway-datasets-it-'));
  const files = join(storage, 'fixtures');
  const created: string[] = [];
  const jobs: string[] = [];
  let ds: DataSource;
  let app: NestExpressApplication;
  let base: string;
  let admin: string;
  let user: string;
  let userKeyId: string;
  const sigungu: Feature[] = [];
  const emd: Feature[] = [];
  const upload: Record<string, string> = {};

  const auth = (key: string) => ({ authorization: `Bearer ${key}` });

  function form(fields: Record<string, string>, levelFiles: Record<string, string | Buffer>): FormData {
    const f = new FormData();
    for (const [level, file] of Object.entries(levelFiles)) {
      const bytes = typeof file === 'string' ? readFileSync(file) : file;
      f.append(level, new Blob([bytes]), typeof file === 'string' ? file.split('/').at(-1)! : `${level}.bin`);
    }
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    return f;
  }

  async function post(fields: Record<string, string>, levelFiles: Record<string, string | Buffer>, key = admin): Promise<Response> {
    return fetch(`${base}/datasets`, { method: 'POST', headers: auth(key), body: form(fields, levelFiles) });
  }

  async function list(query = '', key = admin): Promise<DatasetDto[]> {
    const res = await fetch(`${base}/datasets${query}`, { headers: auth(key) });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as DatasetListDto).items;
  }

  /** Smallest 읍면동 code covering each point in a dataset, straight from boundary_area. */
  async function coveringCodes(datasetId: string, points: [number, number][]): Promise<(string | null)[]> {
    const rows: { code: string | null }[] = await ds.query(
      `SELECT (SELECT a.code FROM boundary_area a
                WHERE a.dataset_id = $1 AND a.level = 'eupmyeondong' AND a.geom IS NOT NULL
                  AND ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326))
                ORDER BY a.code LIMIT 1) AS code
         FROM unnest($2::float8[], $3::float8[]) WITH ORDINALITY AS p(x, y, i) ORDER BY p.i`,
      [datasetId, points.map((p) => p[0]), points.map((p) => p[1])],
    );
    return rows.map((r) => r.code);
  }

  before(async () => {
    ds = await new DataSource(geoDataSourceOptions(testEnv.TEST_DATABASE_URL, { entities: [...GEO_ENTITIES, ...JOB_STORE_ENTITIES], poolSize: 2 })).initialize();
    admin = (await issueTestApiKey(testEnv.TEST_DATABASE_URL, { admin: true, name: `datasets-it-admin-${RUN}` })).key;
    const u = await issueTestApiKey(testEnv.TEST_DATABASE_URL, { name: `datasets-it-user-${RUN}` });
    user = u.key;
    userKeyId = u.keyId;

    sigungu.push(...fixtureFeatures(KOSTAT_2018.sigungu, (c) => c === SGG));
    emd.push(...fixtureFeatures(KOSTAT_2018.eupmyeondong, (c) => c.startsWith(SGG)).slice(0, 6));
    assert.deepEqual([sigungu.length, emd.length], [1, 6]);
    mkdirSync(files, { recursive: true });
    upload.sggJson = join(files, 'jongno-sgg.geojson');
    upload.emdJson = join(files, 'jongno-emd.geojson');
    writeFileSync(upload.sggJson, JSON.stringify({ type: 'FeatureCollection', features: sigungu }));
    writeFileSync(upload.emdJson, JSON.stringify({ type: 'FeatureCollection', features: emd }));

    // The same features as the official files have them: EPSG:5179, CP949 attributes, official field names.
    const toShape = async (features: Feature[], code: string, name: string): Promise<ShapeFeature[]> => {
      const out: ShapeFeature[] = [];
      for (const f of features) {
        const [{ g }] = await ds.query(`SELECT ST_AsGeoJSON(ST_ForcePolygonCW(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326), 5179)), 9) AS g`, [
          JSON.stringify(f.geometry),
        ]);
        out.push({ properties: { [code]: f.properties.code, [name]: f.properties.name }, geometry: JSON.parse(g) });
      }
      return out;
    };
    const fields = (code: string, name: string) => [{ name: code, size: 10 }, { name, size: 60 }];
    upload.sggZip = await writeZippedShapefile(files, 'TL_SCCO_SIG', await toShape(sigungu, 'SIG_CD', 'SIG_KOR_NM'), {
      fields: fields('SIG_CD', 'SIG_KOR_NM'),
      encoding: 'cp949',
      prj: PRJ_5179_ESRI,
      cpg: 'CP949',
    });
    upload.emdZip = await writeZippedShapefile(files, 'TL_SCCO_EMD', await toShape(emd, 'EMD_CD', 'EMD_KOR_NM'), {
      fields: fields('EMD_CD', 'EMD_KOR_NM'),
      encoding: 'cp949',
      prj: PRJ_5179_ESRI,
      cpg: 'CP949',
      folder: 'TL_SCCO_EMD_20240101/',
    });
    upload.noShp = await writeZippedShapefile(files, 'NO_SHP', await toShape(emd, 'EMD_CD', 'EMD_KOR_NM'), {
      fields: fields('EMD_CD', 'EMD_KOR_NM'),
      encoding: 'cp949',
      prj: PRJ_5179_ESRI,
      omit: ['.shp'],
    });

    ({ app, base } = await startTestGateway(
      { DATABASE_URL: testEnv.TEST_DATABASE_URL, STORAGE_DIR: storage, DATABASE_POOL_SIZE: '3', GEOCODE_REPLY_GROUP_ID: `gateway-datasets-it-${RUN}` },
      new JsonLogger('gateway', 'warn', (l) => (JSON.parse(l).level === 'error' ? console.error(l) : undefined)),
    ));
  });

  after(async () => {
    await app?.close();
    if (ds?.isInitialized) {
      if (jobs.length > 0) await ds.query('DELETE FROM job WHERE id = ANY($1)', [jobs]);
      const repo = new DatasetRepository(ds);
      for (const id of created) await repo.delete(id);
      await ds.query(`DELETE FROM api_key WHERE name LIKE $1`, [`datasets-it-%-${RUN}`]).catch(() => undefined);
      await ds.destroy();
    }
    rmSync(storage, { recursive: true, force: true });
  });

  it('imports GeoJSON uploads (one per level) with 201 and lists the dataset with its metadata and counts', async () => {
    const name = `it-rest-geojson-${RUN}`;
    const res = await post(
      { name, version: '2018', effectiveDate: '2018-12-24', attribution: '통계청 통계지리정보서비스(SGIS)' },
      { sigungu: upload.sggJson, eupmyeondong: upload.emdJson },
    );
    assert.equal(res.status, 201, await res.clone().text());
    const body = (await res.json()) as DatasetDto;
    created.push(body.id);
    assert.deepEqual(
      { ...body, id: undefined, createdAt: undefined },
      {
        id: undefined,
        createdAt: undefined,
        name,
        version: '2018',
        effectiveDate: '2018-12-24',
        levels: ['sigungu', 'eupmyeondong'],
        featureCounts: { sigungu: 1, eupmyeondong: 6 },
        attribution: '통계청 통계지리정보서비스(SGIS)',
        simplified: false,
        notes: '',
        isDefault: false,
        shared: true,
        superseded: false,
        supersededAt: null,
      },
    );
    assert.match(body.createdAt, /^\d{4}-\d\d-\d\dT/);
    // A user key sees shared datasets too.
    assert.deepEqual((await list('', user)).find((d) => d.id === body.id), body);
    const one = await fetch(`${base}/datasets/${body.id}`, { headers: auth(user) });
    assert.equal(one.status, 200);
    assert.deepEqual(await one.json(), body);
    // The uploads are gone once imported.
    assert.deepEqual(await readdir(join(storage, DATASET_UPLOADS_DIR)), []);
  });

  it('imports zipped shapefiles made in EPSG:5179 with CP949 names: Korean names intact, the same 읍면동 for the same points', async () => {
    const json = await post({ name: `it-rest-src-${RUN}` }, { sigungu: upload.sggJson, eupmyeondong: upload.emdJson });
    assert.equal(json.status, 201);
    const source = (await json.json()) as DatasetDto;
    created.push(source.id);

    const res = await post(
      { name: `it-rest-shp-${RUN}`, version: '2024', codeField: 'sigungu=SIG_CD,eupmyeondong=EMD_CD', nameField: 'sigungu=SIG_KOR_NM,eupmyeondong=EMD_KOR_NM' },
      { sigungu: upload.sggZip, eupmyeondong: upload.emdZip },
    );
    assert.equal(res.status, 201, await res.clone().text());
    const shp = (await res.json()) as DatasetDto;
    created.push(shp.id);
    assert.deepEqual(shp.featureCounts, { sigungu: 1, eupmyeondong: 6 });

    const names = async (id: string) =>
      (await ds.query(`SELECT level, code, name FROM boundary_area WHERE dataset_id = $1 ORDER BY level, code`, [id])) as { code: string; name: string }[];
    const expected = [...sigungu, ...emd].map((f) => f.properties.name).sort();
    assert.deepEqual((await names(shp.id)).map((a) => a.name).sort(), expected);
    assert.ok(expected.includes('종로구'));

    // Points across the 종로구 polygons: the shapefile answers as its GeoJSON source does.
    const [box] = await ds.query(
      `SELECT ST_XMin(e) x0, ST_YMin(e) y0, ST_XMax(e) x1, ST_YMax(e) y1 FROM (SELECT ST_Extent(geom) e FROM boundary_area WHERE dataset_id = $1 AND level = 'eupmyeondong') s`,
      [source.id],
    );
    let seed = 5179;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const points = Array.from({ length: 300 }, () => [box.x0 + (box.x1 - box.x0) * rnd(), box.y0 + (box.y1 - box.y0) * rnd()] as [number, number]);
    const fromJson = await coveringCodes(source.id, points);
    const fromShp = await coveringCodes(shp.id, points);
    assert.ok(fromJson.filter((c) => c !== null).length > 50, 'enough points fall inside');
    const differ = fromJson.filter((c, i) => c !== fromShp[i]).length;
    // A round trip through EPSG:5179 moves vertices by far less than a millimetre: at most a point on an edge may flip.
    assert.ok(differ <= 1, `${differ} of ${points.length} points answered differently`);
  });

  it('refuses bad files with 400 and a clear message naming the file, leaving every dataset as it was', async () => {
    const name = `it-rest-keep-${RUN}`;
    const first = await post({ name, version: '1' }, { sigungu: upload.sggJson });
    assert.equal(first.status, 201);
    const kept = (await first.json()) as DatasetDto;
    created.push(kept.id);
    const before = await list('?all=true');
    const [{ n: areasBefore }] = await ds.query('SELECT count(*)::int AS n FROM boundary_area');

    const refusals: [string, Record<string, string>, Record<string, string | Buffer>, RegExp][] = [
      ['broken zip', { name, version: '1' }, { sigungu: Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(64, 7)]) }, /sigungu\.bin/],
      ['no .shp', { name, version: '1' }, { eupmyeondong: upload.noShp }, /NO_SHP\.zip.*\.shp/],
      ['unknown SRID', { name, version: '1', srid: '2097' }, { sigungu: upload.sggJson }, /SRID 2097 is not supported/],
      ['missing field', { name, version: '1', codeField: 'NO_SUCH' }, { sigungu: upload.sggJson }, /NO_SUCH/],
      ['empty layer', { name, version: '1' }, { sigungu: Buffer.from('{"type":"FeatureCollection","features":[]}') }, /sigungu\.bin.*(no features|empty)/i],
      ['no file', { name }, {}, /no boundary file/],
      ['unknown level field', { name }, { gu: upload.sggJson }, /unexpected file field "gu"/],
      ['bad form field', { name, effectiveDate: '2018/12/24' }, { sigungu: upload.sggJson }, /effectiveDate: /],
    ];
    for (const [what, fields, levelFiles, message] of refusals) {
      const res = await post(fields, levelFiles);
      const err = (await res.json()) as ErrorResponseDto;
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(err)}`);
      assert.match(err.message, message, what);
      assert.doesNotMatch(err.message, new RegExp(`${storage}|${DATASET_UPLOADS_DIR}`), `${what}: no server paths`);
    }

    assert.deepEqual(await list('?all=true'), before, 'no dataset added, replaced or superseded');
    const [{ n: areasAfter }] = await ds.query('SELECT count(*)::int AS n FROM boundary_area');
    assert.equal(areasAfter, areasBefore);
    assert.equal((await fetch(`${base}/datasets/${kept.id}`, { headers: auth(admin) })).status, 200);
    assert.deepEqual(await readdir(join(storage, DATASET_UPLOADS_DIR)), [], 'refused uploads are deleted too');
  });

  it('imports a 도로명주소 download with preset=juso (zips in "files"): a 법정 and a 행정동 dataset, listed', async () => {
    const zips = await writeJusoDownload(files);
    const name = `it-rest-juso-${RUN}`;
    const send = (fields: Record<string, string>, field = 'files') => {
      const f = new FormData();
      for (const z of [zips.seoul, zips.sejong]) f.append(field, new Blob([readFileSync(z)]), z.split('/').at(-1)!);
      for (const [k, v] of Object.entries(fields)) f.append(k, v);
      return fetch(`${base}/datasets`, { method: 'POST', headers: auth(admin), body: f });
    };
    const res = await send({ preset: 'juso', name });
    assert.equal(res.status, 201, await res.clone().text());
    const { items } = (await res.json()) as DatasetListDto;
    created.push(...items.map((d) => d.id));
    assert.deepEqual(
      items.map((d) => [d.name, d.version, d.effectiveDate, d.levels, d.featureCounts, d.attribution]),
      [
        [name, '2024-01', '2024-01-05', ['sido', 'sigungu', 'eupmyeondong', 'ri'], { sido: 2, sigungu: 3, eupmyeondong: 5, ri: 2 }, '행정안전부 도로명주소 전자지도'],
        [`${name}-hjd`, '2024-01', '2024-01-05', ['sido', 'sigungu', 'eupmyeondong'], { sido: 2, sigungu: 3, eupmyeondong: 4 }, '행정안전부 도로명주소 전자지도'],
      ],
    );
    const rows = (id: string) => ds.query(`SELECT level, code, name, parent_code FROM boundary_area WHERE dataset_id = $1 ORDER BY code COLLATE "C"`, [id]);
    assert.deepEqual(await rows(items[0].id), JUSO_LEGAL_ROWS);
    assert.deepEqual(await rows(items[1].id), JUSO_ADMIN_ROWS);
    const listed = await list();
    assert.ok(items.every((d) => listed.some((l) => l.id === d.id)));

    const refused: [Record<string, string>, string, RegExp][] = [
      [{ preset: 'juso', name: `${name}-x` }, 'sido', /with a preset, send the downloads in the "files" field, not "sido"/],
      [{ name: `${name}-x` }, 'files', /the "files" field is for a preset/],
      [{ preset: 'vworld', name: `${name}-x` }, 'files', /preset: /],
    ];
    for (const [fields, field, message] of refused) {
      const r = await send(fields, field);
      const err = (await r.json()) as ErrorResponseDto;
      assert.equal(r.status, 400, JSON.stringify(err));
      assert.match(err.message, message);
    }
    const bad = new FormData();
    bad.append('preset', 'juso');
    bad.append('files', new Blob([Buffer.from('PK\u0005\u0006'.padEnd(22, '\u0000'))]), 'empty.zip');
    const r = await fetch(`${base}/datasets`, { method: 'POST', headers: auth(admin), body: bad });
    const err = (await r.json()) as ErrorResponseDto;
    assert.equal(r.status, 400, JSON.stringify(err));
    assert.match(err.message, /"empty\.zip" holds none of the 도로명주소 전자지도 layers/);
    assert.doesNotMatch(err.message, new RegExp(`${storage}|${DATASET_UPLOADS_DIR}`), 'no server paths');
    assert.deepEqual(await readdir(join(storage, DATASET_UPLOADS_DIR)), [], 'the uploads are gone');
  });

  it('re-import makes a new generation: the old one is listed only with all=true, superseded', async () => {
    const name = `it-rest-gen-${RUN}`;
    const a = (await (await post({ name, version: '1' }, { sigungu: upload.sggJson })).json()) as DatasetDto;
    const b = (await (await post({ name, version: '1' }, { sigungu: upload.sggJson })).json()) as DatasetDto;
    created.push(a.id, b.id);
    assert.notEqual(a.id, b.id);
    assert.deepEqual((await list()).filter((d) => d.name === name).map((d) => d.id), [b.id]);
    const all = (await list('?all=true')).filter((d) => d.name === name);
    assert.deepEqual(all.map((d) => [d.id, d.superseded]), [[b.id, false], [a.id, true]]);
    const old = (await (await fetch(`${base}/datasets/${a.id}`, { headers: auth(admin) })).json()) as DatasetDto;
    assert.equal(old.superseded, true);
    assert.match(old.supersededAt ?? '', /^\d{4}-/);
    assert.equal((await fetch(`${base}/datasets?all=yes`, { headers: auth(admin) })).status, 400);
  });

  it('keeps a private dataset to its key (shared=false)', async () => {
    const res = await post({ name: `it-rest-private-${RUN}`, shared: 'false' }, { sigungu: upload.sggJson });
    assert.equal(res.status, 201);
    const mine = (await res.json()) as DatasetDto;
    created.push(mine.id);
    assert.equal(mine.shared, false);
    assert.ok(!(await list('', user)).some((d) => d.id === mine.id), 'another key does not see it');
    assert.equal((await fetch(`${base}/datasets/${mine.id}`, { headers: auth(user) })).status, 404);
    assert.ok((await list('', admin)).some((d) => d.id === mine.id));
  });

  it('deletes with 204; 409 while a job that has not ended is pinned to it; 404 when unknown', async () => {
    const res = await post({ name: `it-rest-del-${RUN}` }, { sigungu: upload.sggJson });
    const d = (await res.json()) as DatasetDto;
    created.push(d.id);
    const job = await new JobRepository(ds).create({
      fileName: 'pinned.csv',
      uploadPath: 'uploads/none',
      uploadSha256: 'n/a',
      options: { ...fakeOptions(), datasetIds: [d.id], datasetLabels: [`${d.name}@${d.version}`] },
    });
    jobs.push(job.id);
    const refused = await fetch(`${base}/datasets/${d.id}`, { method: 'DELETE', headers: auth(admin) });
    assert.equal(refused.status, 409);
    assert.match(((await refused.json()) as ErrorResponseDto).message, /1 job\(s\) not yet ended are pinned/);
    assert.equal((await fetch(`${base}/datasets/${d.id}`, { headers: auth(admin) })).status, 200);

    // An older version a dated job may answer rows from is as pinned as an output group.
    await ds.query(`UPDATE job SET options = options || $2::jsonb WHERE id = $1`, [
      job.id,
      JSON.stringify({ datasetIds: [randomUUID()], datasetVersionIds: [d.id] }),
    ]);
    assert.equal((await fetch(`${base}/datasets/${d.id}`, { method: 'DELETE', headers: auth(admin) })).status, 409);

    await ds.query(`UPDATE job SET status = $2 WHERE id = $1`, [job.id, JobStatus.Completed]);
    const deleted = await fetch(`${base}/datasets/${d.id}`, { method: 'DELETE', headers: auth(admin) });
    assert.equal(deleted.status, 204);
    assert.equal((await fetch(`${base}/datasets/${d.id}`, { headers: auth(admin) })).status, 404);
    const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM boundary_area WHERE dataset_id = $1', [d.id]);
    assert.equal(n, 0, 'its polygons are gone');
    assert.equal((await fetch(`${base}/datasets/${d.id}`, { method: 'DELETE', headers: auth(admin) })).status, 404);
    assert.equal((await fetch(`${base}/datasets/not-a-uuid`, { method: 'DELETE', headers: auth(admin) })).status, 400);
  });

  it('refuses imports and deletes with a user key (403) and any call without a key (401)', async () => {
    const res = await post({ name: `it-rest-user-${RUN}` }, { sigungu: upload.sggJson }, user);
    assert.equal(res.status, 403, await res.clone().text());
    assert.ok(!(await list('?all=true')).some((d) => d.name === `it-rest-user-${RUN}`));
    const someId = created[0];
    assert.equal((await fetch(`${base}/datasets/${someId}`, { method: 'DELETE', headers: auth(user) })).status, 403);
    assert.equal((await fetch(`${base}/datasets`)).status, 401);
    assert.ok(userKeyId);
  });
});
