import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { chunkKey, JobCancelledEventV1, JobStatus, packPoints, Topics, type RowsChunkEventV2 } from '@geobatch/contracts';
import { JobRepository, type JobEntity } from '@geobatch/job-store';
import { JsonLogger } from '@geobatch/util-observability';
import { openTabularFile, planUpload } from '@geobatch/util-spreadsheet';
import { dropTestSchema, inSchema, REPO_ROOT, ServiceProcess, testEnv, waitFor } from '@geobatch/util-testing';
import { importSquareDataset, openPipelineSchema, startAtEnd, startTestGeocoder, startTestMerger } from './testing/merger-integration.testing';

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
    db = await openPipelineSchema(schema, 4);
    jobs = new JobRepository(db);
    datasetId = await importSquareDataset(db, storage, 'square', '11', RUN);

    admin = kafka.admin();
    await admin.connect();
    await startAtEnd(admin, `${geocoderGroup}-server`, [Topics.rows.name]);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();

    merger = await startTestMerger({ DATABASE_URL: databaseUrl, STORAGE_DIR: storage, LOG_LEVEL: 'warn' }, new JsonLogger('report-merger', 'warn', () => undefined), mergerGroup);
    geocoder = await startTestGeocoder(admin, {
      DATABASE_URL: databaseUrl,
      GEOCODER_GROUP_ID: geocoderGroup,
      GEOCODER_CONCURRENCY: '1',
      GEOCODER_ENGINE_WARM: 'none',
      GEOCODER_JOB_STATUS_TTL_MS: '500',
      HTTP_PORT: String(metricsPort),
      LOG_LEVEL: 'log',
    }, join(REPO_ROOT, 'test-output', `cancel-${RUN}`));
  });

  after(async () => {
    await geocoder?.stop();
    await merger?.close();
    await producer?.disconnect();
    await admin?.deleteGroups([`${geocoderGroup}-server`, mergerGroup]).catch(() => undefined);
    await admin?.disconnect();
    await dropTestSchema(db, schema);
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

    // The geocoder's status cache (500 ms here) and the chunks in hand: geocoding stops within seconds.
    // On a loaded machine the last fetched chunks take a while, so wait for a 3 s window without growth.
    const t0 = Date.now();
    let settled = await geocodedRows();
    for (;;) {
      await new Promise((r) => setTimeout(r, 3_000));
      const now = await geocodedRows();
      if (now === settled) break;
      settled = now;
      assert.ok(Date.now() - t0 < 20_000, `geocoding went on for 20 s after the cancel (${atCancel} → ${now} rows)`);
    }
    assert.ok(settled < ROWS, `the job's ${ROWS} rows were geocoded anyway (${atCancel} at the cancel, ${settled} after)`);

    assert.deepEqual(await jobs.progress(job.id), { chunksDone: 0, processed: 0, ok: 0, problems: 0 }, 'no result row of the job remains');
    assert.equal((await jobs.findById(job.id))!.status, JobStatus.Cancelled);
    const results = await readdir(join(storage, 'results')).catch(() => [] as string[]);
    assert.deepEqual(results.filter((f) => f.includes(job.id)), [], 'no workbook and no partial file of the job');
  });
});
