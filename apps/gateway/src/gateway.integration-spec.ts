import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import {
  chunkKey,
  decodeEvent,
  JobSealedEventV1,
  pointsOf,
  RowsChunkEventV2,
  Topics,
  type ErrorResponseDto,
  type JobPreviewDto,
  type JobStatusDto,
  type PointV1,
} from '@geobatch/contracts';
import { Dataset } from '@geobatch/geo-query';
import { JobRepository } from '@geobatch/job-store';
import { JsonLogger } from '@geobatch/util-observability';
import { deleteConsumerGroups, dropTestSchema, issueTestApiKey, SAMPLE_INPUTS, testEnv } from '@geobatch/util-testing';
import { fakeOptions } from './testing/gateway-fakes';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { gatewaySchemaUrl, openGatewaySchema, startTestGateway } from './gateway-integration.testing';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CHUNK_SIZE = 3;

/** 7 data rows (n = 1,2,3,5,6,7,9) and 2 blank lines (n = 4, 8); row 6 has no latitude cell. */
const CSV = ['id,경도,위도', 'a,127.0276,37.4979', 'b,126.9780,37.5665', 'c,129.0756,35.1796', '', 'd,126.7052,37.4563', 'e,127.3845', 'f,126.8526,35.1595', ',,', 'g,128.6014,35.8714', ''].join('\n');
const EXPECTED_POINTS = [
  [{ n: 1, x: '127.0276', y: '37.4979' }, { n: 2, x: '126.9780', y: '37.5665' }, { n: 3, x: '129.0756', y: '35.1796' }],
  [{ n: 5, x: '126.7052', y: '37.4563' }, { n: 6, x: '127.3845', y: null }, { n: 7, x: '126.8526', y: '35.1595' }],
  [{ n: 9, x: '128.6014', y: '35.8714' }],
];

type Seen = { topic: string; key: string; value: any };

describe('gateway (real Postgres + Kafka)', () => {
  const storage = mkdtempSync(join(tmpdir(), 'gateway-itest-'));
  const schema = `gateway_it_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const databaseUrl = gatewaySchemaUrl(schema);
  const groupId = `gateway-itest-${randomUUID()}`;
  const kafka = new Kafka({ clientId: 'gateway-itest', brokers: testEnv.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const seen: Seen[] = [];
  const createdJobs: string[] = [];
  const logLines: any[] = [];
  let db: DataSource;
  let dataset: Dataset;
  let consumer: Consumer;
  let app: NestExpressApplication;
  let base: string;
  let resumedJobId: string;
  let idleJobId: string;
  let uploadedJobId: string;
  let apiKey: string;
  let apiKeyId: string;

  /** fetch with this suite's API key. */
  const authed = (url: string, init: RequestInit = {}) =>
    fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${apiKey}` } });

  const messagesOf = (jobId: string) => seen.filter((m) => m.value?.jobId === jobId);

  /** Waits until the job's JobSealed event and all the chunks it announces have arrived. */
  async function awaitPublished(jobId: string, timeoutMs = 60_000): Promise<{ chunks: (RowsChunkEventV2 & { points: PointV1[] })[]; sealed: JobSealedEventV1 }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mine = messagesOf(jobId);
      const sealed = mine.find((m) => m.topic === Topics.jobs.name);
      const chunks = mine.filter((m) => m.topic === Topics.rows.name);
      if (sealed && chunks.length >= sealed.value.sheets.reduce((n: number, t: { chunks: number }) => n + t.chunks, 0)) {
        for (const c of chunks) assert.equal(c.key, chunkKey(jobId, c.value.sheet, c.value.chunk));
        assert.equal(sealed.key, jobId);
        return {
          chunks: chunks.map((c) => decodeEvent(RowsChunkEventV2, c.value)).map((c) => ({ ...c, points: pointsOf(c) })).sort((a, b) => a.sheet - b.sheet || a.chunk - b.chunk),
          sealed: decodeEvent(JobSealedEventV1, sealed.value),
        };
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for job ${jobId}: saw ${mine.length} messages`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  function form(fields: Record<string, string>, csv: string | null, fileName = '측정 자료.csv'): FormData {
    const f = new FormData();
    if (csv !== null) f.append('file', new Blob([csv], { type: 'text/csv' }), fileName);
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    return f;
  }

  before(async () => {
    db = await openGatewaySchema(schema);
    ({ key: apiKey, keyId: apiKeyId } = await issueTestApiKey(databaseUrl, { name: 'gateway-itest' }));
    dataset = await db.getRepository(Dataset).save({ name: `gateway-itest-${randomUUID().slice(0, 8)}`, version: '2018', levels: ['sido'] });

    // A job a "previous" gateway accepted but never sealed: the new one must publish it at start-up.
    writeFileSync(join(storage, 'uploads-resume.csv'), 'lon,lat\n127.1,37.1\n\n127.2,37.2\n');
    const resumed = await new JobRepository(db).create({
      fileName: 'resume.csv',
      uploadPath: 'uploads-resume.csv',
      uploadSha256: 'n/a',
      options: { ...fakeOptions('resume'), datasetIds: [dataset.id], datasetLabels: [`${dataset.name}@2018`] },
      ownerKeyId: apiKeyId,
    });
    resumedJobId = resumed.id;
    createdJobs.push(resumedJobId);
    // One whose upload is not in this STORAGE_DIR: left queued, never failed, by the start-up pass.
    const idle = await new JobRepository(db).create({ ...resumed, uploadPath: 'uploads/not-here', fileName: 'idle.csv' });
    idleJobId = idle.id;
    createdJobs.push(idleJobId);

    consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    await consumer.subscribe({ topics: [Topics.rows.name, Topics.jobs.name], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        // Other suites share these topics and some publish poison messages on purpose: skip what is not JSON.
        let value: unknown;
        try {
          value = JSON.parse(message.value?.toString() ?? '');
        } catch {
          return;
        }
        seen.push({ topic, key: message.key?.toString() ?? '', value });
      },
    });

    const logger = new JsonLogger('gateway', 'log', (line) => logLines.push(JSON.parse(line)));
    ({ app, base } = await startTestGateway({ DATABASE_URL: databaseUrl, STORAGE_DIR: storage, CHUNK_SIZE: String(CHUNK_SIZE), DATABASE_POOL_SIZE: '2' }, logger));
  });

  after(async () => {
    await app?.close();
    await consumer?.disconnect();
    await deleteConsumerGroups(kafka, [groupId]);
    if (db?.isInitialized) {
      if (createdJobs.length > 0) await db.query('DELETE FROM job WHERE id = ANY($1)', [createdJobs]);
      if (dataset) await db.getRepository(Dataset).delete({ id: dataset.id });
    }
    await dropTestSchema(db, schema);
    rmSync(storage, { recursive: true, force: true });
  });

  it('accepts a CSV with 202 and a UUID, stores it, and publishes its points in chunks, then the sealed totals', async () => {
    const res = await authed(`${base}/jobs`, {
      method: 'POST',
      headers: { 'x-request-id': 'itest-upload-1' },
      body: form({ x: '경도', y: '3', dataset: dataset.name }, CSV),
    });
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal(res.headers.get('x-request-id'), 'itest-upload-1');
    const body = (await res.json()) as { id: string; status: string };
    assert.match(body.id, UUID);
    assert.equal(body.status, 'queued');
    createdJobs.push(body.id);
    uploadedJobId = body.id;

    const { chunks, sealed } = await awaitPublished(body.id);
    assert.deepEqual(chunks.map((c) => c.chunk), [0, 1, 2]);
    assert.deepEqual(chunks.map((c) => c.points.map((p) => ({ ...p }))), EXPECTED_POINTS);
    for (const c of chunks) {
      assert.deepEqual(c.datasetIds, [dataset.id]);
      assert.equal(c.crs, 'EPSG:4326');
      assert.equal(c.sheet, 0);
    }
    assert.equal(sealed.type, 'job.sealed');
    assert.deepEqual(sealed.sheets.map((s) => ({ ...s })), [{ sheet: 0, name: '측정 자료', rows: 7, chunks: 3, blankRows: 2 }]);

    // The upload is on disk under STORAGE_DIR with the hash the job recorded.
    const job = await new JobRepository(db).findById(body.id);
    assert.ok(job);
    assert.match(job.uploadPath, /^uploads\/[0-9a-f-]{36}$/);
    assert.equal(job.uploadSha256, createHash('sha256').update(readFileSync(join(storage, job.uploadPath))).digest('hex'));
    assert.equal(job.fileName, '측정 자료.csv');

    // The structured log carries both the job id and the request id.
    assert.ok(logLines.some((l) => l.msg === 'job accepted' && l.jobId === body.id && l.requestId === 'itest-upload-1'));
    assert.ok(logLines.some((l) => l.msg === 'job sealed' && l.jobId === body.id));
  });

  it('reports the sealed job through GET /jobs/:id with its row totals', async () => {
    const res = await authed(`${base}/jobs/${uploadedJobId}`);
    assert.equal(res.status, 200);
    const status = (await res.json()) as JobStatusDto;
    assert.equal(status.id, uploadedJobId);
    // A geocoder and merger sharing this broker may already be working on it; nothing else moves it.
    assert.ok(['running', 'completed'].includes(status.status), status.status);
    assert.equal(status.rows.total, 9);
    assert.equal(status.rows.blank, 2);
    assert.ok(status.rows.processed <= 7 && status.rows.ok + status.rows.problems === status.rows.processed);
    assert.deepEqual(status.datasets, [`${dataset.name}@2018`]);
    assert.equal(status.fileName, '측정 자료.csv');
    assert.equal(status.error, null);
    assert.match(status.createdAt, /^\d{4}-\d\d-\d\dT/);
    // Progress counts blank rows as done, as the total (9) does, exact once sealed; the rate and ETA follow the rows geocoded so far.
    assert.equal(status.progress.fraction, status.status === 'completed' ? 1 : Math.round(((status.rows.processed + status.rows.blank) / 9) * 1000) / 1000);
    assert.equal(status.progress.totalEstimated, false);
    if (status.rows.processed === 0) assert.deepEqual([status.progress.rowsPerSecond, status.progress.etaSeconds], [null, null]);
  });

  it('serves Prometheus metrics at /metrics without a key: rows read and chunk publish latency', async () => {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    const read = /^geobatch_rows_total\{[^}]*stage="read"[^}]*\} (\d+)/m.exec(text);
    assert.ok(read && Number(read[1]) >= 7, 'the rows of the uploaded CSV are counted as read');
    assert.match(text, /^geobatch_chunk_duration_seconds_count\{[^}]*stage="read"[^}]*\} [1-9]/m);
    assert.match(text, /^geobatch_process_resident_memory_bytes/m);
  });

  it('takes the sample XLSX (data on its second sheet) with no x/y given: detects the columns and publishes that sheet only', async () => {
    const f = new FormData();
    f.append('file', new Blob([readFileSync(SAMPLE_INPUTS.xlsx)]), 'overspeed-200.xlsx');
    f.append('dataset', dataset.name);
    const res = await authed(`${base}/jobs`, { method: 'POST', body: f });
    assert.equal(res.status, 202, await res.clone().text());
    const { id } = (await res.json()) as { id: string };
    createdJobs.push(id);
    const { chunks, sealed } = await awaitPublished(id);
    assert.deepEqual(sealed.sheets.map((s) => ({ ...s })), [{ sheet: 1, name: '과속 상세내역', rows: 200, chunks: Math.ceil(200 / CHUNK_SIZE), blankRows: 0 }]);
    assert.ok(chunks.every((c) => c.sheet === 1));
    // Numbers of the workbook travel as their exact text: the first row of the sample.
    assert.deepEqual({ ...chunks[0].points[0] }, { n: 1, x: '127.229305', y: '37.646395' });
    assert.equal(chunks.flatMap((c) => c.points).length, 200);

    const status = (await (await authed(`${base}/jobs/${id}`)).json()) as JobStatusDto;
    assert.equal(status.options?.kind, 'xlsx');
    assert.deepEqual(status.options?.columns, [
      { sheet: 2, name: '과속 상세내역', x: { name: '주소', number: 5, letter: 'E', by: 'values' }, y: { name: '', number: 6, letter: 'F', by: 'values' } },
    ]);
  });

  it('previews the CP949 sample over HTTP: kind, encoding, header, 20 rows and the suggested columns, keeping nothing', async () => {
    const before = readdirSync(join(storage, 'uploads')).length;
    const f = new FormData();
    f.append('file', new Blob([readFileSync(SAMPLE_INPUTS.cp949Csv)]), 'overspeed-200.cp949.csv');
    const res = await authed(`${base}/jobs/preview`, { method: 'POST', body: f });
    assert.equal(res.status, 200, await res.clone().text());
    const preview = (await res.json()) as JobPreviewDto;
    assert.deepEqual([preview.kind, preview.encoding, preview.delimiter], ['csv', 'cp949', ',']);
    assert.deepEqual(preview.header, ['회사코드', '차량번호', '차량ID', '날짜', '주소', '', '속도', '발생시각']);
    assert.equal(preview.rows.length, 20);
    assert.deepEqual(preview.rows[0].slice(0, 2), ['testse01', '울산100바10000']);
    assert.deepEqual([preview.x?.number, preview.x?.name, preview.y?.number, preview.y?.name, preview.crs], [5, '주소', 6, '', 'EPSG:4326']);
    assert.equal(readdirSync(join(storage, 'uploads')).length, before);

    const xls = new FormData();
    xls.append('file', new Blob([Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(1024)])]), 'old.xls');
    const refused = await authed(`${base}/jobs/preview`, { method: 'POST', body: xls });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as ErrorResponseDto).message, /\.xls/);
  });

  it('leaves a job whose upload it cannot see queued, and refuses its result with 409 naming the status', async () => {
    const status = (await (await authed(`${base}/jobs/${idleJobId}`)).json()) as JobStatusDto;
    assert.equal(status.status, 'queued');
    assert.equal(status.rows.total, null);
    assert.equal(status.resultUrl, null);
    assert.ok(logLines.some((l) => l.level === 'warn' && l.jobId === idleJobId && /cannot resume/.test(l.msg)));

    const result = await authed(`${base}/jobs/${idleJobId}/result`);
    assert.equal(result.status, 409);
    assert.match(((await result.json()) as ErrorResponseDto).message, /is queued/);
  });

  it('resumed the unsealed job it found at start-up, from chunk 0', async () => {
    const { chunks, sealed } = await awaitPublished(resumedJobId);
    assert.deepEqual(chunks.map((c) => c.points.map((p) => ({ ...p }))), [[{ n: 1, x: '127.1', y: '37.1' }, { n: 3, x: '127.2', y: '37.2' }]]);
    assert.deepEqual(sealed.sheets.map((s) => ({ ...s })), [{ sheet: 0, name: 'resume', rows: 2, chunks: 1, blankRows: 1 }]);
  });

  it('answers 400 with a clear message for an unknown column, and keeps nothing of the upload', async () => {
    const before = readdirSync(join(storage, 'uploads')).length;
    const res = await authed(`${base}/jobs`, { method: 'POST', body: form({ x: '경도', y: 'latitude', dataset: dataset.name }, CSV) });
    assert.equal(res.status, 400);
    const err = (await res.json()) as ErrorResponseDto;
    assert.equal(err.statusCode, 400);
    assert.equal(err.error, 'Bad Request');
    assert.match(err.message, /y: .*"latitude".*headers: "id", "경도", "위도"/);
    assert.match(err.requestId ?? '', UUID);
    assert.equal(readdirSync(join(storage, 'uploads')).length, before);
  });

  it('answers 400 for an unknown dataset and for a missing file', async () => {
    const unknown = await authed(`${base}/jobs`, { method: 'POST', body: form({ x: '2', y: '3', dataset: `nope-${randomUUID()}` }, CSV) });
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as ErrorResponseDto).message, /unknown dataset/);
    const noFile = await authed(`${base}/jobs`, { method: 'POST', body: form({ x: '2', y: '3' }, null) });
    assert.equal(noFile.status, 400);
    assert.match(((await noFile.json()) as ErrorResponseDto).message, /"file" is required/);
  });

  it('answers 404 for an unknown job id and 400 for a malformed one', async () => {
    const unknownId = randomUUID();
    const res = await authed(`${base}/jobs/${unknownId}`);
    assert.equal(res.status, 404);
    const err = (await res.json()) as ErrorResponseDto;
    assert.deepEqual({ ...err, requestId: undefined }, { statusCode: 404, error: 'Not Found', message: `job ${unknownId} not found`, requestId: undefined });
    assert.equal((await authed(`${base}/jobs/${unknownId}/result`)).status, 404);
    assert.equal((await authed(`${base}/jobs/not-a-uuid`)).status, 400);
  });

  it('is healthy when Kafka and the database both answer', async () => {
    const res = await fetch(`${base}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', kafka: 'up', database: 'up' });
  });

  it('serves Swagger UI at /docs and the document at /docs-json', async () => {
    const ui = await fetch(`${base}/docs`);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /swagger/i);
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as { paths: Record<string, unknown> };
    assert.ok(doc.paths['/jobs'] && doc.paths['/jobs/{id}'] && doc.paths['/jobs/{id}/result'] && doc.paths['/health']);
  });
});
