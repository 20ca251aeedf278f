import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { AssignerProtocol, Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { chunkKey, packPoints, RowStatus, Topics, unpackChunkResult, type ChunkResultEventV2, type RowsChunkEventV2 } from '@geobatch/contracts';
import { BoundaryImporter, DatasetRepository, openGeoDataSource, runMigrationsExclusive } from '@geobatch/geo-query';
import { loadConfig } from '@geobatch/util-config';
import { ensureTopics } from '@geobatch/util-kafka';
import { JsonLogger, Metrics } from '@geobatch/util-observability';
import { ServiceProcess, testEnv, waitFor } from '@geobatch/util-testing';
import { GeocoderEnvSchema } from './config/geocoder-env.schema';
import { createGeocoderApp } from './create-geocoder-app';
import { DATASET_ENGINES, type EngineRegistry } from './geocoding/engine-registry';

/*
 * How the geocoder delivers under trouble and at scale, with small synthetic boundaries (no KOSTAT):
 * a database outage while a chunk is in hand, SIGTERM in the middle of it, and two geocoders sharing
 * the rows topic's partitions.
 */
const RUN = randomUUID().slice(0, 8);
const READER_GROUP = `geobatch-geocoder-delivery-reader-${RUN}`;
/** A database role of this spec's own, so that its "outage" touches no other connection. */
const ROLE = `it_geocoder_${RUN}`;

type LogLine = Record<string, unknown>;

/** Points a group that has never run at the current end of the topics it reads. */
async function startGroupAtEnd(admin: Admin, groupId: string, topics: string[]): Promise<void> {
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.offset })) });
  }
}

/** The JSON log lines a service process has written so far. */
async function processLog(path: string): Promise<LogLine[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').flatMap((line) => {
    try {
      const v = JSON.parse(line) as unknown;
      return v && typeof v === 'object' ? [v as LogLine] : [];
    } catch {
      return [];
    }
  });
}

describe('geocoder delivery: database outage, SIGTERM drain, scale-out (real broker and database)', () => {
  let ds: DataSource;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let reader: Consumer;
  let dir: string;
  let datasetId: string;
  let roleCreated = false;
  const groups: string[] = [READER_GROUP];
  /** Results by message key, which is the job id (each chunk here is a job of its own). */
  const results = new Map<string, ChunkResultEventV2>();

  before(async () => {
    ds = await openGeoDataSource(testEnv.TEST_DATABASE_URL);
    await runMigrationsExclusive(ds);
    dir = await mkdtemp(join(tmpdir(), 'geobatch-geocoder-delivery-'));
    const square = join(dir, 'square.geojson');
    await writeFile(square, JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { code: '98', name: '배달도' }, geometry: { type: 'Polygon', coordinates: [[[126.0, 36.0], [128.0, 36.0], [128.0, 38.0], [126.0, 38.0], [126.0, 36.0]]] } }],
    }));
    datasetId = (await new BoundaryImporter(ds).importGeoJson({ name: `it-geocoder-delivery-${RUN}`, levels: { sido: square } })).datasetId;

    const brokers = testEnv.KAFKA_BROKERS;
    await ensureTopics({ clientId: 'geobatch-geocoder-delivery-it', brokers });
    kafka = new Kafka({ clientId: `geobatch-geocoder-delivery-it-${RUN}`, brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await startGroupAtEnd(admin, READER_GROUP, [Topics.results.name]);
    reader = kafka.consumer({ groupId: READER_GROUP });
    await reader.connect();
    await reader.subscribe({ topics: [Topics.results.name] });
    await reader.run({
      eachMessage: async ({ message }) => {
        const result = JSON.parse(message.value!.toString()) as ChunkResultEventV2;
        results.set(result.jobId, result);
      },
    });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  after(async () => {
    await producer?.disconnect();
    await reader?.disconnect();
    await admin?.deleteGroups(groups).catch(() => undefined);
    await admin?.disconnect();
    if (roleCreated) {
      await ds.query(`ALTER ROLE ${ROLE} LOGIN`).catch(() => undefined);
      await ds.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [ROLE]).catch(() => undefined);
      await ds.query(`DROP OWNED BY ${ROLE}`).catch(() => undefined);
      await ds.query(`DROP ROLE IF EXISTS ${ROLE}`).catch(() => undefined);
    }
    if (datasetId) await new DatasetRepository(ds).delete(datasetId);
    await ds?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Publishes one chunk of points inside (and one outside) the square; resolves with where it landed. */
  async function publishChunk(options: { partition?: number } = {}): Promise<{ key: string; jobId: string; partition: number; offset: string }> {
    const jobId = randomUUID();
    const event: RowsChunkEventV2 = {
      jobId,
      sheet: 0,
      chunk: 0,
      datasetIds: [datasetId],
      crs: 'EPSG:4326',
      nearestM: 0,
      ...packPoints([{ n: 1, x: '127', y: '37' }, { n: 2, x: '125', y: '35' }]),
    };
    const key = chunkKey(jobId, 0, 0);
    const [meta] = await producer.send({ topic: Topics.rows.name, acks: -1, messages: [{ key, value: JSON.stringify(event), partition: options.partition }] });
    return { key, jobId, partition: meta.partition, offset: meta.baseOffset! };
  }

  function assertAnswered(jobId: string): void {
    const rows = unpackChunkResult(results.get(jobId)!);
    assert.deepEqual(rows.map((row) => row.matches[0].status), [RowStatus.Ok, RowStatus.NotFound]);
    assert.deepEqual(rows[0].matches[0].sido, { code: '98', name: '배달도' });
  }

  async function committedOffset(groupId: string, partition: number): Promise<bigint> {
    const [t] = await admin.fetchOffsets({ groupId, topics: [Topics.rows.name] });
    return BigInt(t.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
  }

  it('retries a chunk through a database outage and, on SIGTERM mid-chunk, finishes it, commits and exits 0', async (t) => {
    const [{ can }] = await ds.query(`SELECT rolsuper OR rolcreaterole AS can FROM pg_roles WHERE rolname = current_user`);
    if (!can) return t.skip('the test database user cannot create a role to take offline');
    await ds.query(`CREATE ROLE ${ROLE} LOGIN`);
    roleCreated = true;
    await ds.query(`GRANT SELECT ON dataset, boundary_area, boundary_part TO ${ROLE}`);
    const url = new URL(testEnv.TEST_DATABASE_URL);
    url.username = ROLE;
    url.password = '';

    const group = `geobatch-geocoder-it-drain-${RUN}`;
    groups.push(`${group}-server`);
    await startGroupAtEnd(admin, `${group}-server`, [Topics.rows.name, Topics.geocode.name]);
    const logDir = join(dir, 'logs');
    const geocoder = new ServiceProcess('geocoder', {
      DATABASE_URL: url.toString(),
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      GEOCODER_GROUP_ID: group,
      // Every chunk reads the database, so the outage hits the chunk in hand.
      GEOCODER_ENGINE: 'postgis',
      GEOCODER_ENGINE_WARM: 'none',
      GEOCODER_RETRY_ATTEMPTS: '10',
      GEOCODER_RETRY_BACKOFF_MS: '300',
      KAFKA_SESSION_TIMEOUT_MS: '8000',
      DATABASE_POOL_SIZE: '2',
      HTTP_PORT: '0',
      LOG_LEVEL: 'log',
    }, logDir).start();
    const logPath = join(logDir, 'geocoder.log');
    try {
      await waitFor(
        'the geocoder to consume',
        async () => {
          if (!geocoder.running) throw new Error(`the geocoder exited; see ${logPath}`);
          return (await processLog(logPath)).some((l) => l.msg === 'geocoder consuming') ? true : undefined;
        },
        90_000,
        500,
        (e) => /exited/.test(String(e)),
      );

      const healthy = await publishChunk();
      await waitFor('the first chunk', async () => (results.has(healthy.jobId) ? true : undefined), 60_000);
      assertAnswered(healthy.jobId);

      // The database goes away for this geocoder: new connections refused, open ones killed.
      await ds.query(`ALTER ROLE ${ROLE} NOLOGIN`);
      await ds.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [ROLE]);
      const inHand = await publishChunk();
      await waitFor('the chunk to fail and be retried', async () =>
        (await processLog(logPath)).some((l) => l.msg === 'chunk lookup failed; retrying' && l.jobId === inHand.jobId) ? true : undefined, 60_000);

      // SIGTERM while the chunk is in hand: the process must not leave before it is done.
      const exited = geocoder.stop(60_000);
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(geocoder.running, true, 'still draining the chunk in hand');
      const geocoded = (l: LogLine) => l.msg === 'chunk geocoded' && l.jobId === inHand.jobId;
      assert.equal((await processLog(logPath)).some(geocoded), false, 'not answered while the database is away');
      await ds.query(`ALTER ROLE ${ROLE} LOGIN`); // the database is back
      assert.equal(await exited, 0, 'a clean exit');

      // 'chunk geocoded' is logged once the broker has acknowledged the result (results from other
      // geocoders on the shared broker may also be on the topic: the log line is this process's own).
      const log = await processLog(logPath);
      assert.ok(log.some(geocoded), 'the chunk in hand was geocoded and its result published before the exit');
      assert.ok((await committedOffset(`${group}-server`, inHand.partition)) > BigInt(inHand.offset), 'and its offset committed');
      await waitFor('the drained chunk\'s result', async () => (results.has(inHand.jobId) ? true : undefined), 30_000);
      assertAnswered(inHand.jobId);
      const retries = log.filter((l) => l.msg === 'chunk lookup failed; retrying' && l.jobId === inHand.jobId);
      assert.ok(retries.length >= 2, `${retries.length} retries`);
      assert.deepEqual(retries.slice(0, 2).map((l) => [l.level, l.attempt, l.delayMs]), [['warn', 1, 300], ['warn', 2, 600]]);
      assert.ok(!log.some((l) => l.msg === 'chunk failed; kafkajs will retry it' && l.jobId === inHand.jobId), 'never thrown back to kafkajs');
      console.log(`outage: ${retries.length} retries, then answered and committed during the SIGTERM drain`);
    } finally {
      await geocoder.kill();
    }
  });

  it('splits the rows topic\'s 6 partitions between two geocoders in one group, each with its own engine', async () => {
    const group = `geobatch-geocoder-it-scale-${RUN}`;
    groups.push(`${group}-server`);
    await startGroupAtEnd(admin, `${group}-server`, [Topics.rows.name, Topics.geocode.name]);
    const config = loadConfig(GeocoderEnvSchema, {
      DATABASE_URL: testEnv.TEST_DATABASE_URL,
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_SESSION_TIMEOUT_MS: '8000',
      GEOCODER_ENGINE_WARM: 'none',
      DATABASE_POOL_SIZE: '2',
    });
    // Nest's logger is one per process (the last app's gets every line): per-app facts come from each app's metrics and registry.
    const logs: LogLine[] = [];
    const apps: INestMicroservice[] = [];
    try {
      for (const i of [0, 1]) {
        const app = await createGeocoderApp(config, new JsonLogger(`geocoder-${i}`, 'log', (line) => logs.push(JSON.parse(line))), { groupId: group });
        apps.push(app);
        await app.listen();
      }
      // Both members hold 3 of the rows topic's 6 partitions once the group has rebalanced.
      const assignments = await waitFor('the group to rebalance over both geocoders', async () => {
        const [g] = (await admin.describeGroups([`${group}-server`])).groups;
        if (g.state !== 'Stable' || g.members.length !== 2) return undefined;
        const rows = g.members.map((m) => [...(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[Topics.rows.name] ?? [])].sort());
        return rows.every((p) => p.length === 3) ? rows : undefined;
      }, 60_000, 500);
      assert.deepEqual(assignments.flat().sort(), [0, 1, 2, 3, 4, 5], 'every partition, none twice');

      // Each app's own engine registry counts the chunks of this spec's dataset it looked up (the shared
      // broker may carry other specs' chunks too, which either geocoder may take meanwhile).
      const counts = [0, 0];
      apps.forEach((app, i) => {
        const registry = app.get<EngineRegistry>(DATASET_ENGINES);
        const acquire = registry.acquire.bind(registry);
        registry.acquire = (id: string) => {
          if (id === datasetId) counts[i]++;
          return acquire(id);
        };
      });
      const sent: Awaited<ReturnType<typeof publishChunk>>[] = [];
      for (let partition = 0; partition < Topics.rows.partitions; partition++) {
        for (let k = 0; k < 2; k++) sent.push(await publishChunk({ partition }));
      }
      await waitFor('all 12 chunks geocoded', async () => (counts[0] + counts[1] >= 12 ? true : undefined), 60_000);
      await waitFor('all 12 results', async () => (sent.every((s) => results.has(s.jobId)) ? true : undefined), 30_000);
      for (const s of sent) assertAnswered(s.jobId);
      assert.deepEqual(counts, [6, 6], 'each geocoder geocoded the 6 chunks of its 3 partitions, none twice');
      const rowsGeocoded = await Promise.all(apps.map(async (app) => (await app.get(Metrics).rows.get()).values.find((v) => v.labels.stage === 'geocoded')?.value ?? 0));
      assert.ok(rowsGeocoded.every((n) => n >= 12), `rows geocoded per geocoder: ${rowsGeocoded.join(', ')}`);
      for (const app of apps) {
        assert.ok(app.get<EngineRegistry>(DATASET_ENGINES).loadedIds().includes(datasetId), 'each geocoder has its own in-memory engine');
      }
      const loads = logs.filter((l) => l.msg === 'engine loaded' && l.datasetId === datasetId);
      assert.equal(loads.length, 2, 'one load per geocoder');
      console.log(`rows partitions: ${assignments.map((p) => p.join(',')).join(' | ')}; chunks of this spec per geocoder: ${counts.join(' | ')}`);
    } finally {
      for (const app of apps) await app.close();
    }
  });
});
