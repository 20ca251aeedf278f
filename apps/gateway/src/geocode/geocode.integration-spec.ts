import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { RowStatus, Topics, type ErrorResponseDto, type GeocodeResponseDto } from '@geobatch/contracts';
import { BoundaryImporter, DatasetRepository, openGeoDataSource } from '@geobatch/geo-query';
import { loadConfig } from '@geobatch/util-config';
import { JsonLogger } from '@geobatch/util-observability';
import { issueTestApiKey, KOSTAT_2018, REPO_ROOT, ServiceProcess, testEnv, waitFor } from '@geobatch/util-testing';
import { GatewayEnvSchema } from '../config/gateway-env.schema';
import { createGatewayApp } from '../create-gateway-app';

const RUN = randomUUID().slice(0, 8);
const GEOCODER_GROUP = `gateway-geocode-it-geocoder-${RUN}`;
const REPLY_GROUP = `gateway-geocode-it-replies-${RUN}`;

interface Feature {
  properties: { code: string; name: string };
}

/** Points a group that has never run at the current end of a topic, so it skips what other suites published. */
async function startGroupAtEnd(admin: Admin, groupId: string, topic: string): Promise<void> {
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.offset })) });
}

describe('POST /geocode through the broker to a real geocoder (real Postgres + Kafka)', () => {
  const storage = mkdtempSync(join(tmpdir(), 'gateway-geocode-it-'));
  const logs = join(REPO_ROOT, 'test-output', 'integration-logs', `geocode-${RUN}`);
  const kafka = new Kafka({ clientId: `gateway-geocode-it-${RUN}`, brokers: testEnv.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const name = `it-geocode-seoul-${RUN}`;
  let admin: Admin;
  let ds: DataSource;
  let datasetId: string;
  let geocoder: ServiceProcess;
  let app: NestExpressApplication;
  let base: string;
  let key: string;

  const geocode = (body: unknown) =>
    fetch(`${base}/geocode`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    ds = await openGeoDataSource(testEnv.TEST_DATABASE_URL, 2);
    key = (await issueTestApiKey(testEnv.TEST_DATABASE_URL, { name: `geocode-it-${RUN}` })).key;
    // 서울 only (시도, 시군구, 읍면동 of code 11…): small enough to import in a second or two.
    const seoul = (file: string) => {
      const fc = JSON.parse(readFileSync(file, 'utf8')) as { features: Feature[] };
      const path = join(storage, file.split('/').at(-1)!);
      writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', features: fc.features.filter((f) => String(f.properties.code).startsWith('11')) }));
      return path;
    };
    datasetId = (
      await new BoundaryImporter(ds).importGeoJson({
        name,
        version: '2018',
        levels: { sido: seoul(KOSTAT_2018.sido), sigungu: seoul(KOSTAT_2018.sigungu), eupmyeondong: seoul(KOSTAT_2018.eupmyeondong) },
      })
    ).datasetId;

    admin = kafka.admin();
    await admin.connect();
    await startGroupAtEnd(admin, `${GEOCODER_GROUP}-server`, Topics.rows.name);
    await startGroupAtEnd(admin, `${GEOCODER_GROUP}-server`, Topics.geocode.name);

    geocoder = new ServiceProcess(
      'geocoder',
      {
        DATABASE_URL: testEnv.TEST_DATABASE_URL,
        KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
        STORAGE_DIR: storage,
        GEOCODER_GROUP_ID: GEOCODER_GROUP,
        GEOCODER_ENGINE_WARM: 'none',
        KAFKA_SESSION_TIMEOUT_MS: '8000',
        HTTP_PORT: '0',
      },
      logs,
    ).start();

    const config = loadConfig(GatewayEnvSchema, {
      DATABASE_URL: testEnv.TEST_DATABASE_URL,
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      STORAGE_DIR: storage,
      DATABASE_POOL_SIZE: '2',
      KAFKA_SESSION_TIMEOUT_MS: '8000',
      GEOCODE_REPLY_GROUP_ID: REPLY_GROUP,
    });
    app = await createGatewayApp(config, new JsonLogger('gateway', 'warn', () => undefined));
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    // The geocoder is up once it answers; its first answer may wait for its group to form.
    await waitFor('the geocoder to answer', async () => ((await geocode({ points: [{ x: 126.978, y: 37.5665 }], datasets: [datasetId] })).status === 200 ? true : undefined), 90_000, 1_000);
  });

  after(async () => {
    await app?.close();
    await geocoder?.stop();
    await admin?.deleteGroups([`${GEOCODER_GROUP}-server`, `${REPLY_GROUP}-client`]).catch(() => undefined);
    await admin?.disconnect();
    if (ds?.isInitialized) {
      if (datasetId) await new DatasetRepository(ds).delete(datasetId);
      await ds.query(`DELETE FROM api_key WHERE name = $1`, [`geocode-it-${RUN}`]).catch(() => undefined);
      await ds.destroy();
    }
    rmSync(storage, { recursive: true, force: true });
  });

  it('answers known points with the 읍면동 PostGIS ST_Covers gives, ids echoed, one result per point in order', async () => {
    const points = [
      { id: 'city-hall', x: 126.978, y: 37.5665 },
      { id: 'gangnam', x: 127.0276, y: 37.4979 },
      { id: 'jamsil', x: '127.1002', y: '37.5133' },
      { id: 'swapped', x: 37.5704, y: 126.9918 },
      { id: 'busan', x: 129.0756, y: 35.1796 }, // not in this 서울-only dataset
      { x: 'abc', y: 37.5 },
    ];
    const res = await geocode({ points, datasets: [name], nearestM: 0 });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as GeocodeResponseDto;
    assert.deepEqual(body.datasets.map((d) => [d.id, d.label]), [[datasetId, `${name}@2018`]]);
    assert.deepEqual([body.crs, body.nearestM], ['EPSG:4326', 0]);
    assert.deepEqual(body.results.map((r) => [r.n, r.id]), [[1, 'city-hall'], [2, 'gangnam'], [3, 'jamsil'], [4, 'swapped'], [5, 'busan'], [6, undefined]]);
    assert.deepEqual(body.results.map((r) => r.matches[0].status), [RowStatus.Ok, RowStatus.Ok, RowStatus.Ok, RowStatus.Swapped, RowStatus.NotFound, RowStatus.Invalid]);

    // The reference: PostGIS ST_Covers on the imported polygons, smallest code on a shared edge.
    const covers = async (x: number, y: number): Promise<string | null> => {
      const [row] = await ds.query(
        `SELECT code FROM boundary_area WHERE dataset_id = $1 AND level = 'eupmyeondong' AND ST_Covers(geom, ST_SetSRID(ST_MakePoint($2, $3), 4326)) ORDER BY code LIMIT 1`,
        [datasetId, x, y],
      );
      return row?.code ?? null;
    };
    const lonLat: [number, number][] = [[126.978, 37.5665], [127.0276, 37.4979], [127.1002, 37.5133], [126.9918, 37.5704]];
    for (const [i, [x, y]] of lonLat.entries()) {
      const m = body.results[i].matches[0];
      assert.equal(m.eupmyeondong?.code, await covers(x, y), `point ${i + 1}`);
      assert.equal(m.sido?.name, '서울특별시');
      assert.equal(m.sigungu?.code, m.eupmyeondong?.code.slice(0, 5));
    }
    assert.match(body.results[5].matches[0].note ?? '', /decimal number/);
  });

  it('refuses more than 10,000 points, a malformed request and an unknown dataset with 400', async () => {
    const many = Array.from({ length: 10_001 }, () => ({ x: 127, y: 37.5 }));
    const tooMany = await geocode({ points: many });
    assert.equal(tooMany.status, 400);
    assert.match(((await tooMany.json()) as ErrorResponseDto).message, /at most 10000 points/);
    const bad = await geocode({ points: [{ x: [1], y: 37 }], crs: 'WGS84' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as ErrorResponseDto).message, /points\.0\.x: .*crs: /);
    const unknown = await geocode({ points: [{ x: 127, y: 37.5 }], datasets: [`no-such-${RUN}`] });
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as ErrorResponseDto).message, /unknown dataset/);
  });

  it('answers each dated point from the version of the series in force on its date, saying which', async () => {
    // A series of two versions: the 2023 one renames the 읍면동 that holds 서울시청.
    const series = `it-geocode-dated-${RUN}`;
    const cityHall = { x: 126.978, y: 37.5665 };
    const [held] = await ds.query(
      `SELECT code, name FROM boundary_area WHERE dataset_id = $1 AND level = 'eupmyeondong' AND ST_Covers(geom, ST_SetSRID(ST_MakePoint($2, $3), 4326))`,
      [datasetId, cityHall.x, cityHall.y],
    );
    const emd = JSON.parse(readFileSync(KOSTAT_2018.eupmyeondong, 'utf8')) as { features: Feature[] };
    const version = (v: string, rename: string | null) => {
      const path = join(storage, `${series}-${v}.geojson`);
      const features = emd.features
        .filter((f) => String(f.properties.code).startsWith(String(held.code).slice(0, 5)))
        .map((f) => (rename && f.properties.code === held.code ? { ...f, properties: { ...f.properties, name: rename } } : f));
      writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', features }));
      return path;
    };
    const imported = [
      await new BoundaryImporter(ds).importGeoJson({ name: series, version: '2020', effectiveDate: '2020-01-01', levels: { eupmyeondong: version('2020', null) } }),
      await new BoundaryImporter(ds).importGeoJson({ name: series, version: '2023', effectiveDate: '2023-01-01', levels: { eupmyeondong: version('2023', '새이름동') } }),
    ];
    try {
      const res = await geocode({
        points: [
          { id: 'before', ...cityHall, date: '2021-06-30' },
          { id: 'after', ...cityHall, date: '20240422' },
          { id: 'oracle', ...cityHall, date: '22-APR-24 10:43:00' },
          { id: 'undated', ...cityHall },
        ],
        datasets: [series],
      });
      assert.equal(res.status, 200, await res.clone().text());
      const body = (await res.json()) as GeocodeResponseDto;
      const got = body.results.map((r) => [r.id, r.matches[0].version, r.matches[0].eupmyeondong?.name]);
      assert.deepEqual(got, [
        ['before', '2020', held.name],
        ['after', '2023', '새이름동'],
        ['oracle', '2023', '새이름동'],
        ['undated', '2023', '새이름동'],
      ]);
      assert.match(body.results[3].matches[0].note ?? '', /no date/);
      const bad = await geocode({ points: [{ ...cityHall, date: '2024-02-30' }], datasets: [series] });
      assert.equal(bad.status, 400);
    } finally {
      for (const d of imported) await new DatasetRepository(ds).delete(d.datasetId);
    }
  });

  it('takes exactly 10,000 points in one request', async () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const points = Array.from({ length: 10_000 }, (_, i) => ({ id: i, x: 126.85 + 0.25 * rnd(), y: 37.45 + 0.2 * rnd() }));
    const res = await geocode({ points, datasets: [datasetId] });
    assert.equal(res.status, 200);
    const body = (await res.json()) as GeocodeResponseDto;
    assert.equal(body.results.length, 10_000);
    assert.equal(body.results[9_999].id, 9_999);
    assert.ok(body.results.filter((r) => r.matches[0].status === RowStatus.Ok).length > 5_000);
  });
});
