import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { chunkKey, JobCancelledEventV1, JobStatus, packPoints, Topics, type RowsChunkEventV2 } from '@geobatch/contracts';
import { BoundaryImporter, GEO_ENTITIES, GEO_MIGRATIONS, geoDataSourceOptions, runMigrationsExclusive } from '@geobatch/geo-query';
import { JOB_STORE_ENTITIES, JOB_STORE_MIGRATIONS, JobRepository, type JobEntity } from '@geobatch/job-store';
import { loadConfig } from '@geobatch/util-config';
import { JsonLogger } from '@geobatch/util-observability';
import { openTabularFile, planUpload } from '@geobatch/util-spreadsheet';
import { REPO_ROOT, ServiceProcess, testEnv, waitFor } from '@geobatch/util-testing';
import { ReportMergerEnvSchema } from './config/report-merger-env.schema';
import { createReportMergerApp } from './create-report-merger-app';

/*
 * Cancel stops the pipeline (issue #15): a 200,000-row job is cancelled while a geocoder process
 * (its own group) works through its queued chunks and an in-process merger (its own group) stores
 * them. The cancel is what `DELETE /jobs/:id` does to the database (status `cancelled`, results
 * deleted) plus its JobCancelledEventV1. Afterwards the geocoder skips the job's remaining chunks
 * (its geocoded-row metric stops growing), no result row of the job remains, and no workbook or
 * partial file is left.
 */
const RUN = randomUUID().replace(/-/g, '').slice(0, 10);
const ROWS = 200_000;
const CHUNK = 5_000;

function inSchema(url: string, schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema},public`)}`;
}

describe('cancelling a running job stops geocoding, storing and merging (real broker and database)', () => {
  const schema = `cancel_it_${RUN}`;
  const databaseUrl = inSchema(testEnv.TEST_DATABASE_URL, schema);
  const geocoderGroup = `geobatch-cancel-geocoder-${RUN}`;
  const mergerGroup = `geobatch-cancel-merger-${RUN}`;
  const metricsPort = 20_000 + Math.floor(Math.random() * 20_000);
  const kafka = new Kafka({ clientId: `cancel-it-${RUN}`, brokers: testEnv.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  let storage: string;
  let db: DataSource;
  let jobs: JobRepository;
  let admin: Admin;
  let producer: Producer;
  let merger: INestMicroservice;
  let geocoder: ServiceProcess;
  let datasetId: string;

  async function geocodedRows(): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('geobatch_rows_total{stage="geocoded"'));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  /** A job as the gateway leaves it before its first chunk: the upload stored, the job running. */
  async function runningJob(): Promise<JobEntity> {
    const uploadPath = `uploads/${randomUUID()}.csv`;
    const lines = Array.from({ length: ROWS }, (_, i) => `r${i + 1},127.${String(i % 1000).padStart(3, '0')},37.5`);
    await writeFile(join(storage, uploadPath), ['id,lon,lat', ...lines].join('\n') + '\n');
    const columns = [{ sheet: 0, name: 'points', x: 1, y: 2, xName: 'lon', yName: 'lat', xBy: 'given' as const, yBy: 'given' as const }];
    const upload = planUpload(await openTabularFile(join(storage, uploadPath), { encoding: 'utf-8', delimiter: ',' }), columns);
    const job = await jobs.create({
      fileName: 'points.csv',
      uploadPath,
      uploadSha256: 'n/a',
      options: {
        x: 'lon', y: 'lat', crs: 'EPSG:4326', datasetIds: [datasetId], datasetLabels: ['square@1'], datasetFacts: [],
        sheet: null, lang: 'ko', format: 'xlsx', nearestM: 0, upload,
      },
    });
    await jobs.markRunning(job.id);
    return job;
  }

  async function publishRows(job: JobEntity): Promise<void> {
    const messages = [];
    for (let chunk = 0; chunk * CHUNK < ROWS; chunk++) {
      const points = Array.from({ length: CHUNK }, (_, i) => chunk * CHUNK + i + 1).map((n) => ({ n, x: `127.${String((n - 1) % 1000).padStart(3, '0')}`, y: '37.5' }));
      const event: RowsChunkEventV2 = { jobId: job.id, sheet: 0, chunk, datasetIds: [datasetId], crs: 'EPSG:4326', nearestM: 0, ...packPoints(points) };
      messages.push({ key: chunkKey(job.id, 0, chunk), value: JSON.stringify(event) });
    }
    await producer.send({ topic: Topics.rows.name, acks: -1, messages });
  }

  before(async () => {
    storage = await mkdtemp(join(tmpdir(), 'geobatch-cancel-it-'));
    await mkdir(join(storage, 'uploads'));
    const root = await new DataSource({ type: 'postgres', url: testEnv.TEST_DATABASE_URL }).initialize();
    await root.query(`CREATE SCHEMA ${schema}`);
    await root.destroy();
    db = await new DataSource(
      geoDataSourceOptions(databaseUrl, { migrations: [...GEO_MIGRATIONS, ...JOB_STORE_MIGRATIONS], entities: [...GEO_ENTITIES, ...JOB_STORE_ENTITIES], poolSize: 4 }),
    ).initialize();
    await runMigrationsExclusive(db);
    jobs = new JobRepository(db);
    const square = join(storage, 'square.geojson');
    await writeFile(square, JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { code: '11', name: '네모' }, geometry: { type: 'Polygon', coordinates: [[[126, 36], [128, 36], [128, 38], [126, 38], [126, 36]]] } }],
    }));
    datasetId = (await new BoundaryImporter(db).importGeoJson({ name: `square-${RUN}`, levels: { sido: square } })).datasetId;

    admin = kafka.admin();
    await admin.connect();
    for (const topic of [Topics.rows.name]) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId: `${geocoderGroup}-server`, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.offset })) });
    }
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();

    const config = loadConfig(ReportMergerEnvSchema, { DATABASE_URL: databaseUrl, KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','), STORAGE_DIR: storage, LOG_LEVEL: 'warn' });
    merger = await createReportMergerApp(config, new JsonLogger('report-merger', 'warn', () => undefined), { groupId: mergerGroup, fromBeginning: false });
    await merger.listen();
    const [, consumer] = merger.unwrap<[unknown, Consumer, unknown]>();
    await new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.FETCH, () => (off(), resolve()));
    });

    geocoder = new ServiceProcess('geocoder', {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      GEOCODER_GROUP_ID: geocoderGroup,
      GEOCODER_CONCURRENCY: '1',
      GEOCODER_ENGINE_WARM: 'none',
      GEOCODER_JOB_STATUS_TTL_MS: '500',
      HTTP_PORT: String(metricsPort),
      LOG_LEVEL: 'log',
    }, join(REPO_ROOT, 'test-output', `cancel-${RUN}`)).start();
    await waitFor('the geocoder to join its group', async () => {
      const [group] = (await admin.describeGroups([`${geocoderGroup}-server`])).groups;
      return group?.state === 'Stable' && group.members.length > 0 ? true : undefined;
    }, 90_000, 500);
  });

  after(async () => {
    await geocoder?.stop();
    await merger?.close();
    await producer?.disconnect();
    await admin?.deleteGroups([`${geocoderGroup}-server`, mergerGroup]).catch(() => undefined);
    await admin?.disconnect();
    if (db?.isInitialized) {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.destroy();
    }
    if (storage) await rm(storage, { recursive: true, force: true });
  });

  it('cancels a 200,000-row job mid-run: geocoding stops within seconds, no result row stays, no workbook is written', async () => {
    const job = await runningJob();
    await publishRows(job);
    // Mid-run: some chunks are geocoded and stored, most are still queued.
    await waitFor('the first stored chunks', async () => ((await jobs.progress(job.id)).chunksDone >= 2 ? true : undefined), 60_000, 50);

    // What DELETE /jobs/:id does: the status first, then the announcement, then the stored results.
    assert.equal(await jobs.cancel(job.id), true);
    await producer.send({ topic: Topics.jobs.name, acks: -1, messages: [{ key: job.id, value: JSON.stringify({ type: JobCancelledEventV1.type, jobId: job.id }) }] });
    await jobs.deleteChunkResults(job.id);
    const atCancel = await geocodedRows();

    // The geocoder's status cache (500 ms here) and the chunk in hand: settled within a few seconds.
    await new Promise((r) => setTimeout(r, 3_000));
    const settled = await geocodedRows();
    await new Promise((r) => setTimeout(r, 3_000));
    const later = await geocodedRows();
    assert.equal(later, settled, `geocoding went on after the cancel (${settled} → ${later} rows)`);
    assert.ok(settled < ROWS, `the job's ${ROWS} rows were geocoded anyway (${atCancel} at the cancel, ${settled} after)`);

    assert.deepEqual(await jobs.progress(job.id), { chunksDone: 0, processed: 0, ok: 0, problems: 0 }, 'no result row of the job remains');
    assert.equal((await jobs.findById(job.id))!.status, JobStatus.Cancelled);
    const results = await readdir(join(storage, 'results')).catch(() => [] as string[]);
    assert.deepEqual(results.filter((f) => f.includes(job.id)), [], 'no workbook and no partial file of the job');
  });
});
