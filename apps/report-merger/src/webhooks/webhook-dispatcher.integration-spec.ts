import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, type LoggerService } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { JobStatus, RowStatus, packChunkResult } from '@geobatch/contracts';
import { JobRepository, JobWebhookRepository } from '@geobatch/job-store';
import { openJobStoreSchema, testJobOptions } from '@geobatch/job-store/testing';
import { loadConfig } from '@geobatch/util-config';
import { dropTestSchema } from '@geobatch/util-testing';
import { ReportMergerEnvSchema } from '../config/report-merger-env.schema';
import { WebhookDispatcherService } from './webhook-dispatcher.service';
import { deliveryId, verifyWebhookSignature } from './webhook-signature';

const SECRET = 'integration-webhook-secret';
const RETRY_BASE_MS = 300;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on a free port that records every request and answers from a script (200 once the script runs out). */
class Receiver {
  readonly received: Received[] = [];
  /** Status per request, in order; `hang` never answers. */
  script: (number | 'hang')[] = [];
  private server!: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(parts).toString('utf8') });
        const next = this.script.shift() ?? 200;
        if (next === 'hang') return;
        res.writeHead(next, { 'content-type': 'text/plain' }).end(next >= 300 ? 'nope' : 'ok');
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  for(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
  }
}

/** Keeps the dispatcher's structured log lines for assertions instead of printing them. */
const logged: Record<string, unknown>[] = [];
const capture = (m: unknown) => void logged.push(m as Record<string, unknown>);
const capturingLogger: LoggerService = { log: capture, warn: capture, error: capture, debug: capture, verbose: capture };

describe('WebhookDispatcherService (real PostgreSQL, a local receiver)', () => {
  const schema = `webhook_it_${randomUUID().slice(0, 8)}`;
  const receiver = new Receiver();
  let db: DataSource;
  let jobs: JobRepository;
  let outbox: JobWebhookRepository;

  const dispatcher = (env: Record<string, string> = {}) =>
    new WebhookDispatcherService(
      loadConfig(ReportMergerEnvSchema, {
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_RETRY_BASE_MS: String(RETRY_BASE_MS),
        WEBHOOK_TIMEOUT_MS: '2000',
        GATEWAY_PUBLIC_URL: 'https://geobatch.example.com/',
        ...env,
      }),
      outbox,
      jobs,
    );

  /** A job that ended with `status`, 3 data rows (2 OK) and 1 blank line, owing its callback to `path`. */
  async function endedJob(status: JobStatus, path: string | null): Promise<string> {
    const job = await jobs.create({
      fileName: 'in.csv',
      uploadPath: 'uploads/x',
      uploadSha256: 'abc',
      options: testJobOptions({ x: 'x', y: 'y', datasetLabels: ['d@1'], ...(path ? { callbackUrl: receiver.url(path) } : {}) }),
    });
    await jobs.seal(job.id, [{ sheet: 0, name: 'in', rows: 3, chunks: 1, blankRows: 1 }]);
    await jobs.saveChunkResult(
      packChunkResult({ jobId: job.id, sheet: 0, chunk: 0 }, [RowStatus.Ok, RowStatus.Ok, RowStatus.NotFound].map((s, i) => ({ n: i + 1, matches: [{ status: s }] })), 1),
    );
    if (status === JobStatus.Completed) await jobs.complete(job.id, `results/${job.id}.xlsx`);
    else if (status === JobStatus.Failed) await jobs.fail(job.id, '입력 파일을 읽을 수 없습니다 (the upload cannot be read)');
    else await db.query(`UPDATE job SET status = $2, finished_at = now() WHERE id = $1`, [job.id, status]);
    return job.id;
  }

  const row = async (id: string) => (await jobs.findById(id))!;

  before(async () => {
    db = await openJobStoreSchema(schema);
    jobs = new JobRepository(db);
    outbox = new JobWebhookRepository(db);
    await receiver.start();
    Logger.overrideLogger(capturingLogger);
  });

  after(async () => {
    await receiver.stop();
    await dropTestSchema(db, schema);
  });

  beforeEach(async () => {
    // Each test sees only its own jobs as due.
    await db.query(`UPDATE job SET webhook_delivered_at = coalesce(webhook_delivered_at, now())`);
    receiver.script = [];
  });

  it('POSTs a signed JSON body once when a job completes, and never again once delivered', async () => {
    const id = await endedJob(JobStatus.Completed, '/hooks/completed');
    const before = Math.floor(Date.now() / 1000);
    assert.deepEqual(await dispatcher().dispatchDue(), ['delivered']);

    const [got, ...more] = receiver.for('/hooks/completed');
    assert.equal(more.length, 0);
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['x-geobatch-event'], 'job.completed');
    assert.equal(got.headers['x-geobatch-delivery'], deliveryId(id, 'job.completed' as never));
    const ts = got.headers['x-geobatch-timestamp'] as string;
    assert.ok(Number(ts) >= before && Number(ts) <= before + 5, ts);
    const signature = got.headers['x-geobatch-signature'] as string;
    assert.match(signature, /^sha256=[0-9a-f]{64}$/);
    assert.equal(verifyWebhookSignature(SECRET, ts, got.body, signature), true, 'the signature verifies');
    assert.equal(verifyWebhookSignature('some-other-secret!!', ts, got.body, signature), false);

    const body = JSON.parse(got.body);
    const job = await row(id);
    assert.deepEqual(body, {
      event: 'job.completed',
      jobId: id,
      status: 'completed',
      rows: { total: 4, processed: 3, ok: 2, problems: 1, blank: 1 },
      resultUrl: `https://geobatch.example.com/jobs/${id}/result`,
      error: null,
      finishedAt: job.finishedAt!.toISOString(),
    });
    assert.ok(job.webhookDeliveredAt, 'recorded as delivered');
    assert.equal(job.webhookAttempts, 1);
    assert.equal(job.webhookNextAt, null);
    assert.equal(job.webhookLastError, null);

    assert.deepEqual(await dispatcher().dispatchDue(), [], 'a delivered job is not sent again');
    assert.equal(receiver.for('/hooks/completed').length, 1);
  });

  it('retries after a 500 with backoff, with the same delivery id, and then delivers', async () => {
    const id = await endedJob(JobStatus.Failed, '/hooks/flaky');
    receiver.script = [500];
    const d = dispatcher();
    assert.deepEqual(await d.dispatchDue(), ['retrying']);
    let job = await row(id);
    assert.equal(job.webhookDeliveredAt, null);
    assert.equal(job.webhookAttempts, 1);
    assert.match(job.webhookLastError!, /^HTTP 500/);
    assert.ok(job.webhookNextAt, 'a retry is scheduled');

    assert.deepEqual(await d.dispatchDue(), [], 'not before the backoff has passed');
    await new Promise((r) => setTimeout(r, RETRY_BASE_MS + 200));
    assert.deepEqual(await d.dispatchDue(), ['delivered']);

    const [first, second] = receiver.for('/hooks/flaky');
    assert.equal(receiver.for('/hooks/flaky').length, 2);
    assert.equal(second.headers['x-geobatch-delivery'], first.headers['x-geobatch-delivery']);
    const body = JSON.parse(second.body);
    assert.equal(body.event, 'job.failed');
    assert.equal(body.resultUrl, null);
    assert.match(body.error, /the upload cannot be read/);
    assert.ok(verifyWebhookSignature(SECRET, second.headers['x-geobatch-timestamp'] as string, second.body, second.headers['x-geobatch-signature'] as string));
    job = await row(id);
    assert.ok(job.webhookDeliveredAt);
    assert.equal(job.webhookAttempts, 2);
    assert.equal(job.webhookLastError, null);
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS, keeping the last error; a hung receiver counts as a failure', async () => {
    const id = await endedJob(JobStatus.Cancelled, '/hooks/down');
    receiver.script = ['hang', 503];
    const d = dispatcher({ WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_TIMEOUT_MS: '300' });
    assert.deepEqual(await d.dispatchDue(), ['retrying']);
    assert.match((await row(id)).webhookLastError!, /no answer within 300 ms/);
    await new Promise((r) => setTimeout(r, RETRY_BASE_MS + 200));
    assert.deepEqual(await d.dispatchDue(), ['gave-up']);
    const job = await row(id);
    assert.equal(job.webhookAttempts, 2);
    assert.match(job.webhookLastError!, /^HTTP 503/);
    assert.equal(job.webhookNextAt, null);
    assert.equal(JSON.parse(receiver.for('/hooks/down')[1].body).event, 'job.cancelled');
    await new Promise((r) => setTimeout(r, RETRY_BASE_MS + 200));
    assert.deepEqual(await d.dispatchDue(), [], 'given up: not tried again');
    const gaveUp = logged.find((l) => l.msg === 'webhook given up' && l.jobId === id);
    assert.deepEqual(gaveUp && { ...gaveUp, jobId: undefined }, {
      msg: 'webhook given up', jobId: undefined, attempt: 2, status: 'cancelled', to: receiver.url(''), error: 'HTTP 503 Service Unavailable',
    }, 'logs the origin only, never the callback path');
  });

  it('leaves running jobs and jobs without a callback alone', async () => {
    const running = await jobs.create({
      fileName: 'in.csv', uploadPath: 'uploads/x', uploadSha256: 'abc',
      options: testJobOptions({ x: 'x', y: 'y', datasetIds: [], datasetLabels: [], callbackUrl: receiver.url('/hooks/running') }),
    });
    await endedJob(JobStatus.Completed, null);
    assert.deepEqual(await dispatcher().dispatchDue(), []);
    assert.equal(receiver.for('/hooks/running').length, 0);
    assert.equal((await row(running.id)).webhookAttempts, 0);
  });

  it('lets two dispatchers poll at once without sending any callback twice', async () => {
    const ids = [];
    for (let i = 0; i < 12; i++) ids.push(await endedJob(JobStatus.Completed, `/hooks/many/${i}`));
    const [a, b] = await Promise.all([dispatcher().dispatchDue(), dispatcher().dispatchDue()]);
    assert.equal(a.length + b.length, 12);
    for (let i = 0; i < 12; i++) assert.equal(receiver.for(`/hooks/many/${i}`).length, 1, `job ${i} exactly once`);
    for (const id of ids) assert.equal((await row(id)).webhookAttempts, 1);
  });
});
