import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { chunkKey, ChunkResultEventV1, decodeEvent, RowStatus, Topics, type RowsChunkEventV1 } from '@geobatch/contracts';
import { BoundaryImporter, DatasetRepository, openGeoDataSource, runMigrationsExclusive } from '@geobatch/geo-query';
import { loadConfig } from '@geobatch/util-config';
import { ensureTopics } from '@geobatch/util-kafka';
import { JsonLogger } from '@geobatch/util-observability';
import { KOSTAT_2018, REPO_ROOT, testEnv } from '@geobatch/util-testing';
import { GeocoderEnvSchema } from './config/geocoder-env.schema';
import { createGeocoderApp } from './create-geocoder-app';

const RUN = randomUUID().slice(0, 8);
const GEOCODER_GROUP = `geobatch-geocoder-it-${RUN}`;
const READER_GROUP = `geobatch-geocoder-it-reader-${RUN}`;

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

    const brokers = testEnv.KAFKA_BROKERS;
    await ensureTopics({ clientId: 'geobatch-geocoder-it', brokers });
    kafka = new Kafka({ clientId: `geobatch-geocoder-it-${RUN}`, brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    // Nest appends `-server` to the group id of its consumer.
    await startGroupAtEnd(admin, `${GEOCODER_GROUP}-server`, Topics.rows.name);
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
    });
    const logger = new JsonLogger('geocoder', 'log', (line) => logLines.push(JSON.parse(line)));
    app = await createGeocoderApp(config, logger, { groupId: GEOCODER_GROUP });
    await app.listen();

    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  after(async () => {
    await app?.close();
    await producer?.disconnect();
    await reader?.disconnect();
    await admin?.deleteGroups([`${GEOCODER_GROUP}-server`, READER_GROUP]).catch(() => undefined);
    await admin?.disconnect();
    const repo = ds && new DatasetRepository(ds);
    for (const id of datasetIds) await repo?.delete(id);
    await ds?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('geocodes a chunk into a result keyed by chunk, matching an independent ST_Covers query', async () => {
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
    const points: RowsChunkEventV1['points'] = [
      ...[...interior, ...scatter].map((p, i) => ({ n: i + 1, x: String(p.lon), y: ` ${p.lat} ` })),
      { n: 241, x: 'abc', y: '37.5' },
      { n: 242, x: null, y: '37.5' },
      { n: 243, x: '200', y: '37.5' },
      { n: 244, x: '127.0', y: '37.55' }, // inside the square of the second dataset
    ];
    const event: RowsChunkEventV1 = { jobId, sheet: 0, chunk: 7, datasetIds: [kostatId, tinyId], crs: 'EPSG:4326', points };
    const key = chunkKey(jobId, 0, 7);
    await producer.send({ topic: Topics.rows.name, acks: -1, messages: [{ key, value: JSON.stringify(event) }] });

    const got = await waitFor('the chunk result', () => received.find((r) => r.topic === Topics.results.name && r.key === key));
    decodeEvent(ChunkResultEventV1, got.value); // valid for the merger's own check
    const result = got.value as ChunkResultEventV1;
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
    assert.equal(typeof line.ms, 'number');

    // The offset is committed once the result is out.
    const partition = line.partition as number;
    await waitFor('the offset commit', async () => {
      const [t] = await admin.fetchOffsets({ groupId: `${GEOCODER_GROUP}-server`, topics: [Topics.rows.name] });
      const committed = t.partitions.find((p) => p.partition === partition)?.offset;
      return committed !== undefined && BigInt(committed) > BigInt(line.offset as string) ? true : undefined;
    }, 30_000);
  });

  it('parks undecodable messages on the dead-letter topic and carries on with the partition', async () => {
    const jobId = randomUUID();
    const poisonKey = `poison-${RUN}`;
    const garbage = `garbage-${RUN}`;
    const good: RowsChunkEventV1 = { jobId, sheet: 0, chunk: 0, datasetIds: [kostatId], crs: 'EPSG:4326', points: [{ n: 1, x: '126.978', y: '37.5665' }] };
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
    const result = await waitFor('the good chunk behind the poison', () => received.find((r) => r.key === chunkKey(jobId, 0, 0)));
    assert.equal(decodeEvent(ChunkResultEventV1, result.value).rows[0].matches[0].sido?.name, '서울특별시');

    const keyed = await waitFor('the keyed dead letter', () => received.find((r) => r.topic === Topics.deadLetter.name && r.key === poisonKey));
    const letter = keyed.value as { source: { topic: string; partition: number; key: string }; error: string; problems: string[]; payload: unknown };
    assert.deepEqual([letter.source.topic, letter.source.partition, letter.source.key], [Topics.rows.name, 0, poisonKey]);
    assert.match(letter.error, /invalid RowsChunkEventV1/);
    assert.ok(letter.problems.some((p) => p.startsWith('jobId')));
    assert.deepEqual(letter.payload, { jobId: 'not-a-uuid', points: 'nope' });

    const unkeyed = await waitFor('the unkeyed dead letter', () =>
      received.find((r) => r.topic === Topics.deadLetter.name && (r.value as { payload: unknown }).payload === garbage),
    );
    assert.equal(unkeyed.key, 'undecodable');
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
