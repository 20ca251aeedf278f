import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { ClientKafka } from '@nestjs/microservices';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { lastValueFrom, timeout } from 'rxjs';
import type { DataSource } from 'typeorm';
import {
  chunkKey,
  ChunkResultEventV2,
  decodeEvent,
  GEOCODE_TIMEOUT_MS,
  GeocodeErrorCode,
  GeocodeReplyV1,
  packPoints,
  RowStatus,
  Topics,
  unpackChunkResult,
  type GeocodeRequestV1,
  type PointV1,
  type RowResultV1,
  type RowsChunkEventV2,
} from '@geobatch/contracts';
import { BoundaryImporter, BoundaryLookup, DatasetRepository, openGeoDataSource, runMigrationsExclusive } from '@geobatch/geo-query';
import { loadConfig } from '@geobatch/util-config';
import { ensureTopics } from '@geobatch/util-kafka';
import { JsonLogger } from '@geobatch/util-observability';
import { fixturePath, KOSTAT_2018, REPO_ROOT, testEnv } from '@geobatch/util-testing';
import { GeocoderEnvSchema } from './config/geocoder-env.schema';
import { createGeocoderApp } from './create-geocoder-app';
import { ChunkGeocoder } from './geocoding/chunk-geocoder.service';
import { DATASET_ENGINES, EngineRegistry, type DatasetEngines } from './geocoding/engine-registry';

const RUN = randomUUID().slice(0, 8);
const ADMDONG_2021 = fixturePath('boundaries', 'kr-admdong-2021-04', 'admdong_2021_04_15sido.geojson');

interface AdmdongFeature {
  properties: { adm_cd: string; adm_nm: string; sidonm: string; sggnm: string };
  geometry: { type: string; coordinates: number[][][][] };
  bbox: [number, number, number, number];
}

/** The 2021 행정동 features straight from the fixture, with their bounding boxes: expectations that do not go through the importer. */
async function admdongFeatures(): Promise<AdmdongFeature[]> {
  const fc = JSON.parse(await readFile(ADMDONG_2021, 'utf8')) as { features: AdmdongFeature[] };
  for (const f of fc.features) {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const poly of f.geometry.coordinates) for (const ring of poly) for (const [x, y] of ring) {
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
    }
    f.bbox = [x0, y0, x1, y1];
  }
  return fc.features;
}
const GEOCODER_GROUP = `geobatch-geocoder-it-${RUN}`;
const READER_GROUP = `geobatch-geocoder-it-reader-${RUN}`;
/** The /geocode client's group, as the gateway's would be (Nest appends `-client`). */
const GEOCODE_CLIENT_GROUP = `geobatch-geocoder-it-geocode-${RUN}`;

/** Polls until `check` returns a value. */
async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Points a group that has never run at the current end of a topic: it then sees exactly what is published from now on. */
async function startGroupAtEnd(admin: Admin, groupId: string, topic: string): Promise<void> {
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.offset })) });
}

interface Received {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: unknown;
}

describe('geocoder on the real broker and database', () => {
  let ds: DataSource;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let reader: Consumer;
  let app: INestMicroservice | undefined;
  let dir: string;
  const received: Received[] = [];
  const logLines: Record<string, unknown>[] = [];
  const datasetIds: string[] = [];
  let kostatId: string;
  let tinyId: string;
  let admdongId: string;
  let geocodeClient: ClientKafka | undefined;

  before(async () => {
    ds = await openGeoDataSource(testEnv.TEST_DATABASE_URL);
    await runMigrationsExclusive(ds);
    const importer = new BoundaryImporter(ds);
    kostatId = (await importer.importGeoJson({ name: `it-geocoder-kostat-${RUN}`, version: '2018', levels: KOSTAT_2018 })).datasetId;
    datasetIds.push(kostatId);
    // A second dataset: one 시도 square around central Seoul, so a row gets two different answers.
    dir = await mkdtemp(join(tmpdir(), 'geobatch-geocoder-it-'));
    const square = join(dir, 'square.geojson');
    await writeFile(square, JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { code: '99', name: '네모도' }, geometry: { type: 'Polygon', coordinates: [[[126.9, 37.5], [127.1, 37.5], [127.1, 37.6], [126.9, 37.6], [126.9, 37.5]]] } }],
    }));
    tinyId = (await importer.importGeoJson({ name: `it-geocoder-tiny-${RUN}`, levels: { sido: square } })).datasetId;
    datasetIds.push(tinyId);
    // Another vintage with another level set: 행정동 polygons only, 시도/시군구 named from each feature's properties.
    const t0 = Date.now();
    admdongId = (
      await importer.importGeoJson({
        name: `it-geocoder-admdong-${RUN}`,
        version: '2021-04',
        effectiveDate: '2021-04-01',
        attribution: 'vuski/admdongkor (CC BY 4.0), 통계청 통계지리정보서비스(SGIS)',
        levels: { eupmyeondong: ADMDONG_2021 },
        codeField: 'adm_cd',
        nameField: 'adm_nm',
        nameLastWord: true,
        parentNameFields: { sido: 'sidonm', sigungu: 'sggnm' },
      })
    ).datasetId;
    datasetIds.push(admdongId);
    console.log(`2021 행정동 import: ${Date.now() - t0} ms`);

    const brokers = testEnv.KAFKA_BROKERS;
    await ensureTopics({ clientId: 'geobatch-geocoder-it', brokers });
    kafka = new Kafka({ clientId: `geobatch-geocoder-it-${RUN}`, brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    // Nest appends `-server` to the group id of its consumer.
    await startGroupAtEnd(admin, `${GEOCODER_GROUP}-server`, Topics.rows.name);
    await startGroupAtEnd(admin, `${GEOCODER_GROUP}-server`, Topics.geocode.name);
    for (const t of [Topics.results.name, Topics.deadLetter.name]) await startGroupAtEnd(admin, READER_GROUP, t);

    reader = kafka.consumer({ groupId: READER_GROUP });
    await reader.connect();
    await reader.subscribe({ topics: [Topics.results.name, Topics.deadLetter.name] });
    await reader.run({
      eachMessage: async ({ topic, partition, message }) => {
        const text = message.value?.toString() ?? 'null';
        received.push({ topic, partition, offset: message.offset, key: message.key?.toString() ?? null, value: JSON.parse(text) });
      },
    });

    const config = loadConfig(GeocoderEnvSchema, {
      DATABASE_URL: testEnv.TEST_DATABASE_URL,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_SESSION_TIMEOUT_MS: '8000',
      // The test database's default dataset belongs to whichever spec set it: load on first use only.
      GEOCODER_ENGINE_WARM: 'none',
    });
    const logger = new JsonLogger('geocoder', 'log', (line) => logLines.push(JSON.parse(line)));
    app = await createGeocoderApp(config, logger, { groupId: GEOCODER_GROUP });
    await app.listen();

    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  after(async () => {
    await geocodeClient?.close();
    await app?.close();
    await producer?.disconnect();
    await reader?.disconnect();
    await admin?.deleteGroups([`${GEOCODER_GROUP}-server`, READER_GROUP, `${GEOCODE_CLIENT_GROUP}-client`]).catch(() => undefined);
    await admin?.disconnect();
    const repo = ds && new DatasetRepository(ds);
    for (const id of datasetIds) await repo?.delete(id);
    await ds?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('geocodes a chunk into a result keyed by job, matching an independent ST_Covers query', async () => {
    const jobId = randomUUID();
    // Interior points of some 읍면동, a scatter over the whole country (sea included), and broken rows.
    const interior: { lon: number; lat: number }[] = await ds.query(
      `SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
         SELECT ST_PointOnSurface(geom) AS p FROM boundary_area
         WHERE dataset_id = $1 AND level = 'eupmyeondong' ORDER BY md5(code) LIMIT 40) s`,
      [kostatId],
    );
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const scatter = Array.from({ length: 200 }, () => ({ lon: 125.5 + rnd() * 4.5, lat: 33.5 + rnd() * 5 }));
    const points: PointV1[] = [
      ...[...interior, ...scatter].map((p, i) => ({ n: i + 1, x: String(p.lon), y: ` ${p.lat} ` })),
      { n: 241, x: 'abc', y: '37.5' },
      { n: 242, x: null, y: '37.5' },
      { n: 243, x: '200', y: '37.5' },
      { n: 244, x: '127.0', y: '37.55' }, // inside the square of the second dataset
    ];
    // Exact matching only here (nearestM 0): the scatter has sea points near the coast.
    const event: RowsChunkEventV2 = { jobId, sheet: 0, chunk: 7, datasetIds: [kostatId, tinyId], crs: 'EPSG:4326', nearestM: 0, ...packPoints(points) };
    const key = chunkKey(jobId, 0, 7);
    await producer.send({ topic: Topics.rows.name, acks: -1, messages: [{ key, value: JSON.stringify(event) }] });

    const got = await waitFor('the chunk result', () => received.find((r) => r.topic === Topics.results.name && r.key === key));
    decodeEvent(ChunkResultEventV2, got.value); // valid for the merger's own check
    const published = got.value as ChunkResultEventV2;
    const result = { ...published, rows: unpackChunkResult(published) };
    assert.deepEqual([result.jobId, result.sheet, result.chunk], [jobId, 0, 7]);
    assert.deepEqual(result.rows.map((r) => r.n), points.map((p) => p.n), 'one row per input point, in order');
    assert.ok(result.rows.every((r) => r.matches.length === 2), 'one match per dataset');

    const valid = points.slice(0, 240).concat(points[243]);
    const expected: { n: number; level: string | null; code: string | null }[] = await ds.query(
      `SELECT p.n, c.level, c.code
       FROM unnest($2::int[], $3::float8[], $4::float8[]) AS p(n, lon, lat)
       LEFT JOIN LATERAL (
         SELECT a.level, a.code FROM boundary_area a
         WHERE a.dataset_id = $1 AND ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
         ORDER BY array_position(ARRAY['sido','sigungu','eupmyeondong','ri'], a.level) DESC, a.code COLLATE "C"
         LIMIT 1) c ON true
       ORDER BY p.n`,
      [kostatId, valid.map((p) => p.n), valid.map((p) => Number(p.x)), valid.map((p) => Number(p.y))],
    );
    let ok = 0;
    for (const e of expected) {
      const m = result.rows.find((r) => r.n === e.n)!.matches[0];
      if (e.code === null) {
        assert.equal(m.status, RowStatus.NotFound, `row ${e.n}`);
        continue;
      }
      ok++;
      assert.equal(m.status, RowStatus.Ok, `row ${e.n}`);
      const level = e.level as 'sido' | 'sigungu' | 'eupmyeondong';
      assert.equal(m[level]?.code, e.code, `row ${e.n}: ${level}`);
      assert.equal(m.sido?.code, e.code.slice(0, 2), `row ${e.n}: 시도 of ${e.code}`);
      if (level === 'eupmyeondong') assert.equal(m.sigungu?.code, e.code.slice(0, 5), `row ${e.n}: 시군구 of ${e.code}`);
    }
    assert.ok(ok >= 100, `${ok} rows matched; the comparison needs land points`);
    for (const r of result.rows.slice(0, 40)) assert.equal(r.matches[0].status, RowStatus.Ok, `interior point row ${r.n}`);

    const byN = (n: number) => result.rows.find((r) => r.n === n)!.matches;
    assert.deepEqual(byN(241)[0], { status: RowStatus.Invalid, note: '좌표가 숫자가 아님 (x="abc") / x is not a decimal number' });
    assert.equal(byN(242)[1].status, RowStatus.Invalid);
    assert.match(byN(243)[0].note!, /경도가 범위를 벗어남/);
    assert.deepEqual(byN(244)[1], { status: RowStatus.Ok, sido: { code: '99', name: '네모도' } });
    assert.equal(byN(244)[0].sido?.name, '서울특별시');

    const line = await waitFor('the chunk log line', () => logLines.find((l) => l.msg === 'chunk geocoded' && l.jobId === jobId));
    assert.equal(line.topic, Topics.rows.name);
    assert.equal(typeof line.partition, 'number');
    assert.equal(typeof line.offset, 'string');
    assert.equal(line.rows, 244);
    assert.equal(line.engine, 'memory', 'GEOCODER_ENGINE defaults to the in-memory engine');
    assert.equal(typeof line.ms, 'number');

    // The offset is committed once the result is out.
    const partition = line.partition as number;
    await waitFor('the offset commit', async () => {
      const [t] = await admin.fetchOffsets({ groupId: `${GEOCODER_GROUP}-server`, topics: [Topics.rows.name] });
      const committed = t.partitions.find((p) => p.partition === partition)?.offset;
      return committed !== undefined && BigInt(committed) > BigInt(line.offset as string) ? true : undefined;
    }, 30_000);
  });

  /** Publishes one chunk and waits for its result. */
  async function geocodeChunk(
    chunk: number,
    { points, ...fields }: Pick<RowsChunkEventV2, 'datasetIds' | 'crs'> & { points: PointV1[]; nearestM?: number },
  ): Promise<ChunkResultEventV2 & { rows: RowResultV1[] }> {
    const jobId = randomUUID();
    const event: RowsChunkEventV2 = { jobId, sheet: 0, chunk, ...fields, ...packPoints(points) };
    const key = chunkKey(jobId, 0, chunk);
    await producer.send({ topic: Topics.rows.name, acks: -1, messages: [{ key, value: JSON.stringify(event) }] });
    const got = await waitFor(`the result of chunk ${chunk}`, () => received.find((r) => r.topic === Topics.results.name && r.key === key));
    decodeEvent(ChunkResultEventV2, got.value); // valid for the merger's own check
    const published = got.value as ChunkResultEventV2;
    return { ...published, rows: unpackChunkResult(published) };
  }

  it('answers from two vintages with different level sets in one job (KOSTAT 2018 and the 2021 행정동 set)', async () => {
    const dataset = await new DatasetRepository(ds).findById(admdongId);
    assert.deepEqual(dataset?.levels, ['sido', 'sigungu', 'eupmyeondong'], 'the parent levels named from properties are answered');
    assert.deepEqual(dataset?.featureCounts, { eupmyeondong: 2867 });
    const [parents] = await ds.query(
      `SELECT count(*) FILTER (WHERE level = 'sido')::int AS sido, count(*) FILTER (WHERE level = 'sigungu')::int AS sigungu,
              bool_and(ST_IsEmpty(geom)) AS empty,
              (SELECT count(*)::int FROM boundary_part WHERE dataset_id = $1 AND level <> 'eupmyeondong') AS parts
       FROM boundary_area WHERE dataset_id = $1 AND level <> 'eupmyeondong'`,
      [admdongId],
    );
    assert.deepEqual(parents, { sido: 15, sigungu: 204, empty: true, parts: 0 });

    const places = [
      { n: 1, lon: 126.978, lat: 37.5665 }, // 서울시청
      { n: 2, lon: 127.7298, lat: 37.8813 }, // 춘천시청, 강원도
      { n: 3, lon: 128.7294, lat: 36.5684 }, // 안동시청, 경상북도: absent from the 2021 file
      { n: 4, lon: 126.4629, lat: 34.8161 }, // 무안 전라남도청: absent too
    ];
    const result = await geocodeChunk(11, {
      datasetIds: [kostatId, admdongId],
      crs: 'EPSG:4326',
      points: places.map((p) => ({ n: p.n, x: String(p.lon), y: String(p.lat) })),
    });
    const byN = (n: number) => result.rows.find((r) => r.n === n)!.matches;

    // KOSTAT 2018: an independent ST_Covers on its areas.
    const kostat: { n: number; code: string; name: string }[] = await ds.query(
      `SELECT DISTINCT ON (p.n) p.n, a.code, a.name FROM unnest($2::int[], $3::float8[], $4::float8[]) AS p(n, lon, lat)
       JOIN boundary_area a ON a.dataset_id = $1 AND a.level = 'eupmyeondong' AND ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
       ORDER BY p.n, a.code COLLATE "C"`,
      [kostatId, places.map((p) => p.n), places.map((p) => p.lon), places.map((p) => p.lat)],
    );
    assert.equal(kostat.length, 4);
    for (const k of kostat) {
      const m = byN(k.n)[0];
      assert.equal(m.status, RowStatus.Ok, `row ${k.n}`);
      assert.deepEqual([m.eupmyeondong?.code, m.eupmyeondong?.name, m.sigungu?.code, m.sido?.code], [k.code, k.name, k.code.slice(0, 5), k.code.slice(0, 2)]);
    }
    assert.equal(byN(3)[0].sido?.name, '경상북도');

    // 2021 행정동: the fixture feature that covers the point, found without the importer.
    const features = await admdongFeatures();
    for (const p of places) {
      const candidates = features.filter((f) => p.lon >= f.bbox[0] && p.lon <= f.bbox[2] && p.lat >= f.bbox[1] && p.lat <= f.bbox[3]);
      const covering: AdmdongFeature[] = [];
      for (const f of candidates) {
        const [{ covers }] = await ds.query(`SELECT ST_Covers(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326), ST_SetSRID(ST_MakePoint($2, $3), 4326)) AS covers`, [JSON.stringify(f.geometry), p.lon, p.lat]);
        if (covers) covering.push(f);
      }
      const m = byN(p.n)[1];
      if (p.n >= 3) {
        assert.equal(covering.length, 0, `no 2021 feature holds row ${p.n}`);
        assert.deepEqual(m, { status: RowStatus.NotFound, note: '경계 밖 / outside every boundary' }, `row ${p.n}`);
        continue;
      }
      assert.equal(covering.length, 1, `one 2021 feature holds row ${p.n}`);
      const f = covering[0].properties;
      assert.deepEqual(m, {
        status: RowStatus.Ok,
        sido: { code: f.adm_cd.slice(0, 2), name: f.sidonm },
        sigungu: { code: f.adm_cd.slice(0, 5), name: f.sggnm },
        eupmyeondong: { code: f.adm_cd, name: f.adm_nm.split(' ').at(-1)! },
      }, `row ${p.n}: ${f.adm_nm}`);
    }
    assert.deepEqual([byN(1)[1].sido?.name, byN(1)[1].sigungu?.name], ['서울특별시', '중구']);
    assert.equal(byN(2)[1].sido?.name, '강원도');
  });

  it('matches points just off the coast to the nearest 읍면동 within the tolerance, with the PostGIS distance', async () => {
    // Points 50 m seawards of the coast: from a sea point, the closest point of the nearest 읍면동, then 50 m out.
    const sea = [[129.2, 35.15], [129.5, 36.05], [127.75, 34.7], [126.55, 33.56]];
    const offshore: { lon: number; lat: number }[] = await ds.query(
      `SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM unnest($2::float8[], $3::float8[]) AS s(lon, lat)
       CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS g) sg
       CROSS JOIN LATERAL (
         SELECT ST_ClosestPoint(a.geom, sg.g) AS c FROM boundary_area a
         WHERE a.dataset_id = $1 AND a.level = 'eupmyeondong' AND ST_DWithin(a.geom::geography, sg.g::geography, 20000)
         ORDER BY ST_Distance(a.geom::geography, sg.g::geography) LIMIT 1) near
       CROSS JOIN LATERAL (SELECT ST_Project(near.c::geography, 50, ST_Azimuth(near.c::geography, sg.g::geography))::geometry AS p) out`,
      [kostatId, sea.map((p) => p[0]), sea.map((p) => p[1])],
    );
    assert.equal(offshore.length, sea.length);
    const points = offshore.map((p, i) => ({ n: i + 1, x: String(p.lon), y: String(p.lat) }));

    // Independent expectation: whole-polygon geography distances (the lookup measures subdivided pieces).
    const expected: { n: number; covered: boolean; code: string; d: number }[] = await ds.query(
      `SELECT p.n, EXISTS (SELECT 1 FROM boundary_area b WHERE b.dataset_id = $1 AND ST_Covers(b.geom, p.g)) AS covered, c.code, c.d
       FROM (SELECT n, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS g FROM unnest($2::int[], $3::float8[], $4::float8[]) AS t(n, lon, lat)) p
       CROSS JOIN LATERAL (
         SELECT a.code, ST_Distance(a.geom::geography, p.g::geography) AS d FROM boundary_area a
         WHERE a.dataset_id = $1 AND a.level = 'eupmyeondong' ORDER BY d, a.code COLLATE "C" LIMIT 1) c
       ORDER BY p.n`,
      [kostatId, points.map((p) => p.n), offshore.map((p) => p.lon), offshore.map((p) => p.lat)],
    );

    const withDefault = await geocodeChunk(21, { datasetIds: [kostatId], crs: 'EPSG:4326', points });
    const off = await geocodeChunk(22, { datasetIds: [kostatId], crs: 'EPSG:4326', nearestM: 0, points });
    const tight = await geocodeChunk(23, { datasetIds: [kostatId], crs: 'EPSG:4326', nearestM: 20, points });
    for (const e of expected) {
      assert.equal(e.covered, false, `point ${e.n} is in the sea`);
      assert.ok(e.d > 20 && e.d <= 50.5, `point ${e.n} is ${e.d} m from the coast`);
      const m = withDefault.rows.find((r) => r.n === e.n)!.matches[0];
      assert.equal(m.status, RowStatus.Nearest, `point ${e.n}`);
      assert.equal(m.eupmyeondong?.code, e.code, `point ${e.n}: the nearest 읍면동`);
      assert.deepEqual([m.sigungu?.code, m.sido?.code], [e.code.slice(0, 5), e.code.slice(0, 2)]);
      assert.ok(Math.abs(m.distanceM! - e.d) <= 0.051, `point ${e.n}: ${m.distanceM} m reported, PostGIS says ${e.d} m`);
      assert.equal(m.distanceM, Math.round(m.distanceM! * 10) / 10, 'rounded to 0.1 m');
      assert.equal(m.note, `가장 가까운 경계까지 ${m.distanceM!.toFixed(1)} m / nearest boundary ${m.distanceM!.toFixed(1)} m away`);
      assert.deepEqual(off.rows.find((r) => r.n === e.n)!.matches[0], { status: RowStatus.NotFound, note: '경계 밖 / outside every boundary' });
      assert.equal(tight.rows.find((r) => r.n === e.n)!.matches[0].status, RowStatus.NotFound, `point ${e.n}: farther than 20 m`);
    }
  });

  it('gives a chunk in EPSG:5179 or 5174 the same answers as its EPSG:4326 equivalent', async () => {
    const pts: { lon: number; lat: number; x5179: number; y5179: number; x5174: number; y5174: number }[] = await ds.query(
      `WITH p AS (
         (SELECT ST_PointOnSurface(geom) AS g FROM boundary_area WHERE dataset_id = $1 AND level = 'eupmyeondong' ORDER BY md5(code || 'crs') LIMIT 60)
         UNION ALL
         SELECT ST_SetSRID(ST_MakePoint(126 + (i % 17) * 0.21, 34 + (i / 17) * 0.3), 4326) FROM generate_series(0, 169) AS i
       )
       SELECT ST_X(g) AS lon, ST_Y(g) AS lat,
              ST_X(ST_Transform(g, 5179)) AS x5179, ST_Y(ST_Transform(g, 5179)) AS y5179,
              ST_X(t) AS x5174, ST_Y(t) AS y5174
       FROM p, LATERAL (SELECT ST_Transform(g, '+proj=longlat +datum=WGS84 +no_defs', $2::text) AS t) tt`,
      [kostatId, '+proj=tmerc +lat_0=38 +lon_0=127.0028902777778 +k=1 +x_0=200000 +y_0=500000 +ellps=bessel +units=m +no_defs +towgs84=-115.80,474.99,674.11,1.16,-2.31,-1.63,6.43'],
    );
    const run = (chunk: number, crs: string, xy: (p: (typeof pts)[number]) => [number, number]) =>
      geocodeChunk(chunk, { datasetIds: [kostatId], crs, nearestM: 0, points: pts.map((p, i) => ({ n: i + 1, x: String(xy(p)[0]), y: String(xy(p)[1]) })) });
    const [wgs84, utmk, bessel] = await Promise.all([
      run(31, 'EPSG:4326', (p) => [p.lon, p.lat]),
      run(32, 'EPSG:5179', (p) => [p.x5179, p.y5179]),
      run(33, 'EPSG:5174', (p) => [p.x5174, p.y5174]),
    ]);
    assert.deepEqual(utmk.rows, wgs84.rows);
    assert.deepEqual(bessel.rows, wgs84.rows);
    const ok = wgs84.rows.filter((r) => r.matches[0].status === RowStatus.Ok).length;
    const notFound = wgs84.rows.filter((r) => r.matches[0].status === RowStatus.NotFound).length;
    assert.ok(ok >= 100 && notFound >= 20, `${ok} OK and ${notFound} NOT_FOUND rows: the comparison covers both`);
  });

  it('loads each dataset into memory once, on first use, logging the load time and piece count', async () => {
    // Chunks of KOSTAT have run by now, three of them concurrently.
    const loads = logLines.filter((l) => l.msg === 'engine loaded' && l.datasetId === kostatId);
    assert.equal(loads.length, 1, 'one load for every KOSTAT chunk so far');
    const [{ parts, areas }] = await ds.query(
      `SELECT (SELECT count(*)::int FROM boundary_part WHERE dataset_id = $1) AS parts, (SELECT count(*)::int FROM boundary_area WHERE dataset_id = $1) AS areas`,
      [kostatId],
    );
    const load = loads[0];
    assert.deepEqual([load.pieces, load.areas, load.dataset], [parts, areas, `it-geocoder-kostat-${RUN}@2018`]);
    assert.ok(typeof load.ms === 'number' && typeof load.mb === 'number' && load.mb > 5, JSON.stringify(load));
    console.log(`KOSTAT 2018 in memory: ${load.pieces} pieces, ${load.vertices} vertices, ${load.mb} MB, loaded in ${load.ms} ms`);
    const registry = app!.get<EngineRegistry>(DATASET_ENGINES);
    assert.ok(registry.loadedIds().includes(kostatId));
  });

  it('answers a chunk identically with GEOCODER_ENGINE=memory and GEOCODER_ENGINE=postgis, nearest-polygon rows included', async () => {
    const memoryEngines = app!.get<DatasetEngines>(DATASET_ENGINES);
    const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
    const repo = new DatasetRepository(ds);
    const postgisEngines = new EngineRegistry(
      { engine: 'postgis', idleMs: 60_000, maxDatasets: 1, warmDefault: false },
      { findById: (id) => repo.findById(id), findDefault: async () => null, loadMemory: async () => null, postgis: new BoundaryLookup(ds) },
      silent,
    );
    // Seeded points over the country and its coasts (sea points within 200 m take the nearest 읍면동), plus broken rows.
    let seed = 2_024;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const points = Array.from({ length: 2_000 }, (_, i) => ({ n: i + 1, x: String(126 + 3.5 * rnd()), y: String(34 + 4 * rnd()) }));
    points.push({ n: 2_001, x: 'abc', y: '37' }, { n: 2_002, x: '37.5665', y: '126.978' });
    const input = { points, crs: 'EPSG:4326', nearestM: 200, datasetIds: [kostatId, admdongId] };
    const memory = new ChunkGeocoder(memoryEngines);
    const postgis = new ChunkGeocoder(postgisEngines);
    await memory.geocodePoints({ ...input, points: points.slice(0, 1) }); // both datasets in memory
    const t0 = performance.now();
    const fromMemory = await memory.geocodePoints(input);
    const t1 = performance.now();
    const fromPostgis = await postgis.geocodePoints(input);
    const t2 = performance.now();
    console.log(`2,002-row chunk, 2 datasets, nearestM 200: memory ${Math.round(t1 - t0)} ms, postgis ${Math.round(t2 - t1)} ms; ${JSON.stringify(fromMemory.stats)}`);
    assert.ok(fromMemory.stats.ok > 1_000 && fromMemory.stats.notFound > 100 && fromMemory.stats.nearest > 0, JSON.stringify(fromMemory.stats));
    assert.deepEqual(fromMemory.rows, fromPostgis.rows);
  });

  it('keeps a job pinned to a dataset generation on its polygons after a re-import, while new jobs get the new generation', async () => {
    const name = `it-geocoder-gen-${RUN}`;
    const square = (file: string, code: string, label: string) =>
      writeFile(join(dir, file), JSON.stringify({
        type: 'FeatureCollection',
        features: [{ type: 'Feature', properties: { code, name: label }, geometry: { type: 'Polygon', coordinates: [[[127.0, 37.0], [127.2, 37.0], [127.2, 37.2], [127.0, 37.2], [127.0, 37.0]]] } }],
      })).then(() => join(dir, file));
    const importer = new BoundaryImporter(ds);
    const repo = new DatasetRepository(ds);
    const first = await importer.importGeoJson({ name, version: '1', levels: { sido: await square('gen1.geojson', '91', '첫째도') } });
    datasetIds.push(first.datasetId);
    const points = [{ n: 1, x: '127.1', y: '37.1' }];
    const before = await geocodeChunk(41, { datasetIds: [first.datasetId], crs: 'EPSG:4326', nearestM: 0, points });
    assert.deepEqual(before.rows[0].matches[0], { status: RowStatus.Ok, sido: { code: '91', name: '첫째도' } });

    // Re-import of the same name and version with other polygons, while "jobs" pinned to the first are running.
    const second = await importer.importGeoJson({ name, version: '1', levels: { sido: await square('gen2.geojson', '92', '둘째도') } });
    datasetIds.push(second.datasetId);
    assert.notEqual(second.datasetId, first.datasetId, 'a new generation');
    assert.equal(second.supersededId, first.datasetId);

    // A running job keeps the polygons it started with (its chunks carry the old id) ...
    const pinned = await geocodeChunk(42, { datasetIds: [first.datasetId], crs: 'EPSG:4326', nearestM: 0, points });
    assert.deepEqual(pinned.rows[0].matches[0], { status: RowStatus.Ok, sido: { code: '91', name: '첫째도' } });
    // ... and not only from the engine's memory: the old generation's polygons are still in the database.
    assert.deepEqual((await new BoundaryLookup(ds).lookup(first.datasetId, [{ n: 1, lon: 127.1, lat: 37.1 }])).get(1), { sido: { code: '91', name: '첫째도' } });
    // A new job resolves the name to the new generation and gets the new answers.
    const resolved = await repo.findByName(name);
    assert.equal(resolved?.id, second.datasetId);
    const fresh = await geocodeChunk(43, { datasetIds: [resolved!.id], crs: 'EPSG:4326', nearestM: 0, points });
    assert.deepEqual(fresh.rows[0].matches[0], { status: RowStatus.Ok, sido: { code: '92', name: '둘째도' } });
    assert.ok(logLines.some((l) => l.msg === 'engine loaded' && l.datasetId === second.datasetId), 'the new id got its own index');
  });

  let lastRoundTripMs = 0;

  /** The gateway's side of `POST /geocode`: Nest's ClientKafka request-response, as the gateway makes it. */
  async function geocodeRequest(request: GeocodeRequestV1): Promise<GeocodeReplyV1> {
    if (!geocodeClient) {
      const client = new ClientKafka({
        client: { clientId: `geobatch-geocoder-it-gw-${RUN}`, brokers: testEnv.KAFKA_BROKERS, logLevel: logLevel.WARN },
        consumer: { groupId: GEOCODE_CLIENT_GROUP, allowAutoTopicCreation: false, sessionTimeout: 8_000, heartbeatInterval: 1_000 },
        producer: { allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 },
        send: { acks: -1 },
      });
      client.subscribeToResponseOf(Topics.geocode.name);
      // A new group would start at the latest offset once it first fetches; start it at the end right away.
      await startGroupAtEnd(admin, `${GEOCODE_CLIENT_GROUP}-client`, Topics.geocodeReply.name);
      await client.connect();
      geocodeClient = client;
    }
    const t0 = performance.now();
    const reply = await lastValueFrom(geocodeClient.send<GeocodeReplyV1, GeocodeRequestV1>(Topics.geocode.name, request).pipe(timeout({ first: GEOCODE_TIMEOUT_MS })));
    lastRoundTripMs = Math.round(performance.now() - t0);
    decodeEvent(GeocodeReplyV1, reply); // the reply passes its contract
    return reply;
  }

  it('answers POST /geocode requests over Kafka (request-response) through the same path as chunks', async () => {
    const repo = new DatasetRepository(ds);
    const kostat = await repo.findById(kostatId);
    const places = [
      { x: 126.978, y: 37.5665 }, // numbers: 서울시청
      { x: ' 127.0 ', y: '37.55' }, // text, in the tiny square too
      { x: 37.5665, y: 126.978 }, // swapped
      { x: 'abc', y: '37.5' },
      { x: 125.0, y: 34.0 }, // sea
      {},
    ];
    const reply = await geocodeRequest({ points: places, datasets: [kostat!.name, tinyId] });
    assert.equal(reply.error, undefined);
    assert.deepEqual(reply.datasets.map((d) => [d.id, d.label]), [[kostatId, `it-geocoder-kostat-${RUN}@2018`], [tinyId, `it-geocoder-tiny-${RUN}@1`]]);
    assert.deepEqual([reply.crs, reply.nearestM], ['EPSG:4326', 200]);
    assert.deepEqual(reply.results.map((r) => r.n), [1, 2, 3, 4, 5, 6], 'one result per point, in order');
    assert.deepEqual(reply.results.map((r) => r.matches.map((m) => m.status)), [
      [RowStatus.Ok, RowStatus.Ok],
      [RowStatus.Ok, RowStatus.Ok],
      [RowStatus.Swapped, RowStatus.Swapped],
      [RowStatus.Invalid, RowStatus.Invalid],
      [RowStatus.NotFound, RowStatus.NotFound],
      [RowStatus.Invalid, RowStatus.Invalid],
    ]);
    assert.equal(reply.results[0].matches[0].sido?.name, '서울특별시');
    assert.deepEqual(reply.results[1].matches[1], { status: RowStatus.Ok, sido: { code: '99', name: '네모도' } });

    // The very same answers as a rows chunk of the same values.
    const chunk = await geocodeChunk(51, {
      datasetIds: [kostatId, tinyId],
      crs: 'EPSG:4326',
      points: places.map((p, i) => ({ n: i + 1, x: p.x === undefined ? null : String(p.x), y: p.y === undefined ? null : String(p.y) })),
    });
    assert.deepEqual(reply.results, JSON.parse(JSON.stringify(chunk.rows)));
    const answered = await waitFor('the request log line', () => logLines.find((l) => l.msg === 'geocode request answered' && l.points === places.length));
    assert.equal(answered.topic, Topics.geocode.name);
  });

  it('answers 10,000 points in one request, and refuses unknown datasets and oversize requests with an error reply', async () => {
    let seed = 10_000;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const points = Array.from({ length: 10_000 }, () => ({ x: 126.5 + 2.5 * rnd(), y: 35 + 2.5 * rnd() }));
    const big = await geocodeRequest({ points, datasets: [kostatId], crs: 'EPSG:4326' });
    const ms = lastRoundTripMs;
    assert.equal(big.results.length, 10_000);
    const ok = big.results.filter((r) => r.matches[0].status === RowStatus.Ok).length;
    assert.ok(ok > 7_000, `${ok} OK`);
    const line = await waitFor('the 10,000-point log line', () => logLines.find((l) => l.msg === 'geocode request answered' && l.points === 10_000));
    console.log(`POST /geocode, 10,000 points: ${ms} ms round trip, ${line.ms} ms in the geocoder`);

    const unknown = await geocodeRequest({ points: [{ x: 127, y: 37 }], datasets: [`no-such-dataset-${RUN}`] });
    assert.equal(unknown.error?.code, GeocodeErrorCode.UnknownDataset);
    assert.match(unknown.error!.message, /unknown dataset/);
    assert.deepEqual(unknown.results, []);
    const oversize = await geocodeRequest({ points: [...points, { x: 127, y: 37 }], datasets: [kostatId] });
    assert.equal(oversize.error?.code, GeocodeErrorCode.InvalidRequest);
    assert.match(oversize.error!.message, /points must contain no more than 10000 elements/);
  });

  it('parks undecodable messages on the dead-letter topic and carries on with the partition', async () => {
    const jobId = randomUUID();
    const poisonKey = `poison-${RUN}`;
    const garbage = `garbage-${RUN}`;
    const good: RowsChunkEventV2 = { jobId, sheet: 0, chunk: 0, datasetIds: [kostatId], crs: 'EPSG:4326', ...packPoints([{ n: 1, x: '126.978', y: '37.5665' }]) };
    // All on one partition, the poison first: the good chunk behind it must still be geocoded.
    await producer.send({
      topic: Topics.rows.name,
      acks: -1,
      messages: [
        { partition: 0, key: poisonKey, value: JSON.stringify({ jobId: 'not-a-uuid', points: 'nope' }) },
        { partition: 0, key: null, value: garbage },
        { partition: 0, key: chunkKey(jobId, 0, 0), value: JSON.stringify(good) },
      ],
    });
    const result = await waitFor('the good chunk behind the poison', () => received.find((r) => r.topic === Topics.results.name && r.key === chunkKey(jobId, 0, 0)));
    assert.equal(unpackChunkResult(decodeEvent(ChunkResultEventV2, result.value))[0].matches[0].sido?.name, '서울특별시');

    const keyed = await waitFor('the keyed dead letter', () => received.find((r) => r.topic === Topics.deadLetter.name && r.key === poisonKey));
    const letter = keyed.value as { source: { topic: string; partition: number; key: string }; error: string; problems: string[]; payload: unknown };
    assert.deepEqual([letter.source.topic, letter.source.partition, letter.source.key], [Topics.rows.name, 0, poisonKey]);
    assert.match(letter.error, /invalid RowsChunkEventV2/);
    assert.ok(letter.problems.some((p) => p.startsWith('jobId')));
    assert.deepEqual(letter.payload, { jobId: 'not-a-uuid', points: 'nope' });

    const unkeyed = await waitFor('the unkeyed dead letter', () =>
      received.find((r) => r.topic === Topics.deadLetter.name && (r.value as { payload: unknown }).payload === garbage),
    );
    // A keyless message is parked under where it came from, so it can be found again.
    const source = (unkeyed.value as { source: { topic: string; partition: number; offset: string } }).source;
    assert.equal(unkeyed.key, `${Topics.rows.name}:0:${source.offset}`);
    assert.deepEqual([source.topic, source.partition], [Topics.rows.name, 0]);
    const errorLog = logLines.find((l) => l.level === 'error' && l.key === poisonKey);
    assert.ok(errorLog && errorLog.topic === Topics.rows.name && errorLog.partition === 0 && typeof errorLog.offset === 'string');
  });

  it('refuses to start with an invalid configuration, saying what is wrong', async () => {
    const run = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['-r', 'reflect-metadata', '-r', '@swc-node/register', 'apps/geocoder/src/main.ts'],
        { cwd: REPO_ROOT, env: { TZ: 'UTC', GEOCODER_CONCURRENCY: '0', DATABASE_POOL_SIZE: 'lots' }, timeout: 60_000 },
        (error, _stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^geocoder: invalid configuration:/);
    assert.match(run.stderr, /GEOCODER_CONCURRENCY/);
    assert.match(run.stderr, /DATABASE_POOL_SIZE/);
  });
});
