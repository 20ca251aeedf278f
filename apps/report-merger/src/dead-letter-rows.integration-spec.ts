import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import ExcelJS from 'exceljs';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import {
  chunkKey,
  DeadLetterEventV1,
  JobSealedEventV1,
  JobStatus,
  RowStatus,
  Topics,
  packChunkResult,
  packPoints,
  type RowsChunkEventV2,
} from '@geobatch/contracts';
import { JobRepository, type JobEntity } from '@geobatch/job-store';
import { testJobOptions } from '@geobatch/job-store/testing';
import { JsonLogger } from '@geobatch/util-observability';
import { dropTestSchema, inSchema, REPO_ROOT, ServiceProcess, testEnv, waitFor } from '@geobatch/util-testing';
import { importSquareDataset, openPipelineSchema, startAtEnd, startTestGeocoder, startTestMerger } from './testing/merger-integration.testing';

/*
 * Poisoned chunks end as problem rows or as a failed job, never as a hung job or a blocked partition
 * (issue #5): a geocoder process (its own group) and an in-process merger (its own group) on the test
 * broker, one database schema of this spec's own.
 *
 * - A rows chunk whose lookup cannot succeed (its dataset's boundary is corrupt: the engine refuses to
 *   load it) is dead-lettered by the geocoder, which publishes every row of it as ERROR.
 * - A rows chunk that does not decode but still tells its job, chunk and row numbers: ERROR rows too.
 * - One that does not tell its rows: the job fails with the reason.
 * - A chunk result the merger can decode but not store: dead-lettered, the job fails with the reason.
 */
const RUN = randomUUID().replace(/-/g, '').slice(0, 10);

describe('poisoned chunks: dead letters, ERROR rows and failed jobs (real broker and database)', () => {
  const schema = `dead_rows_it_${RUN}`;
  const databaseUrl = inSchema(testEnv.TEST_DATABASE_URL, schema);
  const geocoderGroup = `geobatch-dead-rows-geocoder-${RUN}`;
  const mergerGroup = `geobatch-dead-rows-merger-${RUN}`;
  const letterGroup = `geobatch-dead-rows-letters-${RUN}`;
  const kafka = new Kafka({ clientId: `dead-rows-it-${RUN}`, brokers: testEnv.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const letters: { key: string; value: DeadLetterEventV1 }[] = [];
  let storage: string;
  let db: DataSource;
  let jobs: JobRepository;
  let admin: Admin;
  let producer: Producer;
  let letterReader: Consumer;
  let merger: INestMicroservice;
  let geocoder: ServiceProcess;
  let goodDataset: string;
  let badDataset: string;

  const square = (name: string, code: string) => importSquareDataset(db, storage, name, code, RUN);

  /** A job of `rows` data rows (x in column 2, y in column 3), sealed in chunks of 2. */
  async function newJob(rows: number): Promise<JobEntity> {
    const path = `uploads/${randomUUID()}.csv`;
    await writeFile(join(storage, path), ['id,lon,lat', ...Array.from({ length: rows }, (_, i) => `r${i + 1},127.${i},37.${i}`)].join('\n') + '\n');
    const job = await jobs.create({
      fileName: 'poison.csv',
      uploadPath: path,
      uploadSha256: 'n/a',
      options: testJobOptions(
        { x: 'lon', y: 'lat', datasetIds: [goodDataset], datasetLabels: ['good@1'] },
        { columns: [{ sheet: 0, name: 'poison', x: 1, y: 2, xName: 'lon', yName: 'lat', xBy: 'given', yBy: 'given' }] },
      ),
    });
    await jobs.markRunning(job.id);
    return job;
  }

  async function seal(job: JobEntity, rows: number): Promise<void> {
    const sheets = [{ sheet: 0, name: 'poison', rows, chunks: Math.ceil(rows / 2), blankRows: 0 }];
    await jobs.seal(job.id, sheets);
    await send(Topics.jobs.name, job.id, { type: JobSealedEventV1.type, jobId: job.id, sheets });
  }

  async function send(topic: string, key: string, value: unknown): Promise<void> {
    await producer.send({ topic, acks: -1, messages: [{ key, value: typeof value === 'string' ? value : JSON.stringify(value) }] });
  }

  function rowsChunk(job: JobEntity, chunk: number, datasetId: string, ns: number[]): RowsChunkEventV2 {
    return { jobId: job.id, sheet: 0, chunk, datasetIds: [datasetId], crs: 'EPSG:4326', nearestM: 0, ...packPoints(ns.map((n) => ({ n, x: `127.${n - 1}`, y: `37.${n - 1}` }))) };
  }

  function ended(id: string, timeoutMs = 90_000): Promise<JobEntity> {
    return waitFor(`job ${id} to end`, async () => {
      const job = await jobs.findById(id);
      return job && ([JobStatus.Completed, JobStatus.Failed] as JobStatus[]).includes(job.status) ? job : undefined;
    }, timeoutMs, 250);
  }

  before(async () => {
    storage = await mkdtemp(join(tmpdir(), 'geobatch-dead-rows-it-'));
    await mkdir(join(storage, 'uploads'));
    db = await openPipelineSchema(schema, 2);
    jobs = new JobRepository(db);
    goodDataset = await square('good', '11');
    // A dataset whose boundary was damaged after import: no engine can load it, however often it tries.
    badDataset = await square('bad', '22');
    // (This schema's own table: its column may hold any geometry, and this boundary becomes a point.)
    await db.query(`ALTER TABLE boundary_part ALTER COLUMN geom TYPE geometry(Geometry, 4326)`);
    await db.query(`UPDATE boundary_part SET geom = ST_SetSRID(ST_MakePoint(127, 37), 4326) WHERE dataset_id = $1`, [badDataset]);

    admin = kafka.admin();
    await admin.connect();
    await startAtEnd(admin, `${geocoderGroup}-server`, [Topics.rows.name]);
    await startAtEnd(admin, letterGroup, [Topics.deadLetter.name]);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    letterReader = kafka.consumer({ groupId: letterGroup });
    await letterReader.connect();
    await letterReader.subscribe({ topics: [Topics.deadLetter.name] });
    await letterReader.run({ eachMessage: async ({ message }) => void letters.push({ key: message.key?.toString() ?? '', value: JSON.parse(message.value!.toString()) }) });

    merger = await startTestMerger({ DATABASE_URL: databaseUrl, STORAGE_DIR: storage, LOG_LEVEL: 'warn' }, new JsonLogger('report-merger', 'warn', () => undefined), mergerGroup);
    geocoder = await startTestGeocoder(admin, {
      DATABASE_URL: databaseUrl,
      STORAGE_DIR: storage,
      GEOCODER_GROUP_ID: geocoderGroup,
      GEOCODER_RETRY_ATTEMPTS: '2',
      GEOCODER_RETRY_BACKOFF_MS: '100',
      LOG_LEVEL: 'log',
    }, join(REPO_ROOT, 'test-output', `dead-rows-${RUN}`));
  });

  after(async () => {
    await geocoder?.stop();
    await merger?.close();
    await letterReader?.disconnect();
    await producer?.disconnect();
    await admin?.deleteGroups([`${geocoderGroup}-server`, mergerGroup, letterGroup]).catch(() => undefined);
    await admin?.disconnect();
    await dropTestSchema(db, schema);
    if (storage) await rm(storage, { recursive: true, force: true });
  });

  it('completes a job whose chunks were given up on, with those rows as ERROR among the problem rows', async () => {
    const job = await newJob(6);
    await send(Topics.rows.name, chunkKey(job.id, 0, 0), rowsChunk(job, 0, goodDataset, [1, 2]));
    // The lookup of this one keeps failing although the database answers.
    await send(Topics.rows.name, chunkKey(job.id, 0, 1), rowsChunk(job, 1, badDataset, [3, 4]));
    // This one does not decode (no such coordinate system), yet its key and row numbers are readable.
    await send(Topics.rows.name, chunkKey(job.id, 0, 2), { ...rowsChunk(job, 2, goodDataset, [5, 6]), crs: 'WGS84' });
    await seal(job, 6);

    const done = await ended(job.id);
    assert.equal(done.status, JobStatus.Completed, done.error ?? '');
    assert.deepEqual(await jobs.progress(job.id), { chunksDone: 3, processed: 6, ok: 2, problems: 4 });

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(storage, done.resultPath!));
    const problems = wb.getWorksheet('문제 행')!;
    const listed = problems.getSheetValues().slice(2).map((r) => (r as unknown[]).slice(2, 5));
    assert.equal(listed.length, 4);
    // `행` is the spreadsheet row: data row n sits below the header.
    assert.deepEqual(listed.map(([row, status]) => [row, status]), [[4, RowStatus.Error], [5, RowStatus.Error], [6, RowStatus.Error], [7, RowStatus.Error]]);
    assert.match(String(listed[0][2]), /^처리 실패 \/ processing failed after retries: /);
    assert.match(String(listed[2][2]), /^청크를 읽을 수 없음 \/ chunk could not be read: invalid RowsChunkEventV2/);

    await waitFor('both dead letters', async () => (letters.filter((l) => l.value.source.key?.startsWith(job.id)).length >= 2 ? true : undefined), 30_000);
    const mine = letters.filter((l) => l.value.source.key?.startsWith(job.id));
    assert.deepEqual(mine.map((l) => l.key).sort(), [chunkKey(job.id, 0, 1), chunkKey(job.id, 0, 2)]);
    assert.ok(mine.every((l) => l.value.source.topic === Topics.rows.name && l.value.error.length > 0));
  });

  it('fails a job whose undecodable chunk does not tell its rows, with the reason', async () => {
    const job = await newJob(2);
    await send(Topics.rows.name, chunkKey(job.id, 0, 0), '{"not":"a chunk"');
    await seal(job, 2);
    const done = await ended(job.id);
    assert.equal(done.status, JobStatus.Failed);
    assert.match(done.error!, /^입력 청크를 읽을 수 없어 작업을 중단함 \(시트 1, 청크 0\) \(a rows chunk could not be read/);
  });

  it('dead-letters a chunk result the merger cannot store, and fails its job instead of blocking the partition', async () => {
    const job = await newJob(2);
    await seal(job, 2);
    // Decodes, but chunk 2^31 does not fit the chunk column: every attempt to store it fails.
    const unstorable = packChunkResult({ jobId: job.id, sheet: 0, chunk: 2 ** 31 }, [{ n: 1, matches: [{ status: RowStatus.Ok }] }], 1);
    await send(Topics.results.name, chunkKey(job.id, 0, 2 ** 31), unstorable);
    const done = await ended(job.id);
    assert.equal(done.status, JobStatus.Failed);
    assert.match(done.error!, /^결과 청크를 저장할 수 없음: 시트 1, 청크 2147483648 \(a geocoded chunk could not be stored: /);
    await waitFor('its dead letter', async () => (letters.some((l) => l.key === chunkKey(job.id, 0, 2 ** 31) && l.value.source.topic === Topics.results.name) ? true : undefined), 30_000);

    // The partition moved on: a later chunk of another job on the same topic is still stored.
    const next = await newJob(2);
    await send(Topics.rows.name, chunkKey(next.id, 0, 0), rowsChunk(next, 0, goodDataset, [1, 2]));
    await seal(next, 2);
    assert.equal((await ended(next.id)).status, JobStatus.Completed);
  });
});
