import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DataSource } from 'typeorm';
import { JobCancelledEventV1, Topics, type ErrorResponseDto, type JobCreatedDto, type JobListDto, type JobStatusDto, type JobSummaryDto } from '@geobatch/contracts';
import { Dataset } from '@geobatch/geo-query';
import { ApiKeyRepository, JobRepository } from '@geobatch/job-store';
import { JsonLogger } from '@geobatch/util-observability';
import { deleteConsumerGroups, dropTestSchema, issueTestApiKey, testEnv, waitFor } from '@geobatch/util-testing';
import { gatewaySchemaUrl, openGatewaySchema, startTestGateway } from '../gateway-integration.testing';
import { RetentionSweeperService } from '../jobs/retention-sweeper.service';

const REQUESTS_PER_MINUTE = 40;
const UPLOADS_PER_MINUTE = 5;

/**
 * API keys, ownership, rate limits, dedupe, cancellation, listing and retention, against a real
 * gateway on the real broker and database. No geocoder or merger reads this schema, so a job stays
 * `running` once published until a test moves it.
 */
describe('gateway access and job management (real Postgres + Kafka)', () => {
  const storage = mkdtempSync(join(tmpdir(), 'gateway-access-it-'));
  const schema = `gateway_access_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const databaseUrl = gatewaySchemaUrl(schema);
  const groupId = `gateway-access-it-${randomUUID()}`;
  const kafka = new Kafka({ clientId: 'gateway-access-it', brokers: testEnv.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const jobEvents: { key: string; value: { type?: string; jobId?: string } }[] = [];
  let consumer: Consumer;
  let db: DataSource;
  let jobs: JobRepository;
  let dataset: Dataset;
  let app: NestExpressApplication;
  let base: string;
  /** One key per test group, so rate-limit budgets never mix. */
  const keys: Record<'alice' | 'bob' | 'dedupe' | 'cancel' | 'list' | 'retention' | 'limited' | 'other' | 'admin', { key: string; keyId: string }> = {} as never;

  const auth = (who: keyof typeof keys) => ({ authorization: `Bearer ${keys[who].key}` });
  /** A small CSV; `tag` makes its bytes (and so its SHA-256) unique. */
  const csv = (tag: string) => `id,경도,위도\n${tag},127.0276,37.4979\n${tag}-2,126.9780,37.5665\n`;

  function form(content: string, fields: Record<string, string> = {}, fileName = 'points.csv'): FormData {
    const f = new FormData();
    f.append('file', new Blob([content], { type: 'text/csv' }), fileName);
    f.append('dataset', dataset.name);
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    return f;
  }

  async function submit(who: keyof typeof keys, content: string, fields: Record<string, string> = {}): Promise<{ status: number; body: JobCreatedDto }> {
    const res = await fetch(`${base}/jobs`, { method: 'POST', headers: auth(who), body: form(content, fields) });
    const body = (await res.json()) as JobCreatedDto;
    assert.ok(res.status === 200 || res.status === 202, `${res.status} ${JSON.stringify(body)}`);
    return { status: res.status, body };
  }

  /** Waits until the gateway has published the job (it is then `running`, and stays so: no merger reads this schema). */
  async function published(id: string): Promise<void> {
    await waitFor(`job ${id} sealed`, async () => ((await jobs.findById(id))?.sealedAt ? true : undefined), 30_000, 100);
  }

  before(async () => {
    db = await openGatewaySchema(schema);
    jobs = new JobRepository(db);
    dataset = await db.getRepository(Dataset).save({ name: `access-it-${randomUUID().slice(0, 8)}`, version: '1', levels: ['sido'] });
    for (const who of Object.keys({ alice: 0, bob: 0, dedupe: 0, cancel: 0, list: 0, retention: 0, limited: 0, other: 0 }) as (keyof typeof keys)[]) {
      keys[who] = await issueTestApiKey(databaseUrl, { name: `access-it-${who}` });
    }
    keys.admin = await issueTestApiKey(databaseUrl, { name: 'access-it-admin', admin: true });

    consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    await consumer.subscribe({ topics: [Topics.jobs.name], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        try {
          jobEvents.push({ key: message.key?.toString() ?? '', value: JSON.parse(message.value?.toString() ?? '') });
        } catch {
          // other suites publish poison messages on purpose
        }
      },
    });

    ({ app, base } = await startTestGateway({
      DATABASE_URL: databaseUrl,
      STORAGE_DIR: storage,
      CHUNK_SIZE: '1',
      DATABASE_POOL_SIZE: '2',
      RATE_LIMIT_PER_MINUTE: String(REQUESTS_PER_MINUTE),
      UPLOAD_RATE_LIMIT_PER_MINUTE: String(UPLOADS_PER_MINUTE),
      RETENTION_DAYS: '7',
    }, new JsonLogger('gateway', 'warn', () => undefined)));
  });

  after(async () => {
    await app?.close();
    await consumer?.disconnect();
    await deleteConsumerGroups(kafka, [groupId]);
    await dropTestSchema(db, schema);
    rmSync(storage, { recursive: true, force: true });
  });

  it('401 without a key, with a made-up key and with a revoked key: the usual error body and WWW-Authenticate: Bearer', async () => {
    const revoked = await issueTestApiKey(databaseUrl, { name: 'access-it-revoked' });
    assert.equal(await new ApiKeyRepository(db).revoke(revoked.keyId), true);
    const attempts: [string, Record<string, string>, RegExp][] = [
      ['none', {}, /API key is required/],
      ['made up', { authorization: `Bearer gbk_${'x'.repeat(43)}` }, /not valid or was revoked/],
      ['not a key at all', { authorization: 'Bearer hello' }, /not valid or was revoked/],
      ['revoked', { authorization: `Bearer ${revoked.key}` }, /not valid or was revoked/],
    ];
    for (const [what, headers, message] of attempts) {
      for (const [method, path] of [['GET', '/jobs'], ['GET', `/jobs/${randomUUID()}`], ['POST', '/jobs']]) {
        const res = await fetch(`${base}${path}`, { method, headers, body: method === 'POST' ? form(csv('x')) : undefined });
        assert.equal(res.status, 401, `${what}: ${method} ${path}`);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer\b/, `${what}: ${method} ${path}`);
        const body = (await res.json()) as ErrorResponseDto;
        assert.deepEqual([body.statusCode, body.error], [401, 'Unauthorized']);
        assert.match(body.message, message);
        assert.match(body.requestId ?? '', /^[0-9a-f-]{36}$/);
      }
    }
    // A refused upload leaves nothing behind: the guard runs before the file is read.
    assert.deepEqual(readdirSync(join(storage, 'uploads')), []);
  });

  it('keeps /health, the web page and Swagger open without a key', async () => {
    assert.equal((await fetch(`${base}/health`)).status, 200);
    assert.equal((await fetch(`${base}/`)).status, 200);
    assert.equal((await fetch(`${base}/app.js`)).status, 200);
    assert.equal((await fetch(`${base}/docs`)).status, 200);
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as { paths: Record<string, Record<string, { security?: unknown }>> };
    assert.deepEqual(doc.paths['/jobs/{id}'].get.security, [{ bearer: [] }]);
  });

  it("answers 404 for another key's job on status, result and cancel, and lists only the caller's jobs", async () => {
    const { body } = await submit('alice', csv('alice'));
    const id = body.id;
    assert.equal((await fetch(`${base}/jobs/${id}`, { headers: auth('alice') })).status, 200);
    for (const [method, path] of [['GET', `/jobs/${id}`], ['GET', `/jobs/${id}/result`], ['DELETE', `/jobs/${id}`]]) {
      const res = await fetch(`${base}${path}`, { method, headers: auth('bob') });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(((await res.json()) as ErrorResponseDto).message, `job ${id} not found`);
    }
    // An admin key is no exception: it sees its own jobs only.
    assert.equal((await fetch(`${base}/jobs/${id}`, { headers: auth('admin') })).status, 404);
    const bobs = (await (await fetch(`${base}/jobs`, { headers: auth('bob') })).json()) as JobListDto;
    assert.deepEqual(bobs, { items: [], next: null });
    const alices = (await (await fetch(`${base}/jobs`, { headers: auth('alice') })).json()) as JobListDto;
    assert.deepEqual(alices.items.map((j) => j.id), [id]);
    // Bob's delete changed nothing.
    assert.notEqual(((await (await fetch(`${base}/jobs/${id}`, { headers: auth('alice') })).json()) as JobStatusDto).status, 'cancelled');
  });

  it("refuses another key's dataset as an unknown dataset, and takes the caller's own", async () => {
    const owned = await db.getRepository(Dataset).save({ name: `access-it-owned-${randomUUID().slice(0, 8)}`, version: '1', levels: ['sido'], ownerKeyId: keys.bob.keyId });
    const refused = await fetch(`${base}/jobs`, { method: 'POST', headers: auth('alice'), body: form(csv('owned'), { dataset: owned.name }) });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as ErrorResponseDto).message, new RegExp(`"${owned.name}".*unknown dataset`));
    const mine = await fetch(`${base}/jobs`, { method: 'POST', headers: auth('bob'), body: form(csv('owned'), { dataset: owned.name }) });
    assert.equal(mine.status, 202, await mine.clone().text());
  });

  it('answers 403 to a user key on an admin-only route', async () => {
    const user = await fetch(`${base}/datasets/${randomUUID()}`, { method: 'DELETE', headers: auth('alice') });
    assert.equal(user.status, 403);
    const body = (await user.json()) as ErrorResponseDto;
    assert.deepEqual([body.statusCode, body.error], [403, 'Forbidden']);
    assert.match(body.message, /admin API key/);
    assert.notEqual((await fetch(`${base}/datasets/${randomUUID()}`, { method: 'DELETE', headers: auth('admin') })).status, 403);
  });

  it('dedupes the same file with the same options for the same key (200, same id); force=true or other options make a new job', async () => {
    const first = await submit('dedupe', csv('dedupe'));
    assert.deepEqual([first.status, first.body.deduplicated], [202, false]);
    const again = await submit('dedupe', csv('dedupe'));
    assert.deepEqual([again.status, again.body.id, again.body.deduplicated], [200, first.body.id, true]);
    const forced = await submit('dedupe', csv('dedupe'), { force: 'true' });
    assert.deepEqual([forced.status, forced.body.deduplicated], [202, false]);
    assert.notEqual(forced.body.id, first.body.id);
    const otherOptions = await submit('dedupe', csv('dedupe'), { lang: 'en' });
    assert.equal(otherOptions.status, 202);
    // Another key sending the same bytes gets its own job.
    const otherKey = await submit('other', csv('dedupe'));
    assert.equal(otherKey.status, 202);
    assert.ok(![first.body.id, forced.body.id, otherOptions.body.id].includes(otherKey.body.id));
    // A failed job is not reused.
    await jobs.fail(forced.body.id, 'test');
    await jobs.fail(first.body.id, 'test');
    const afterFailure = await submit('dedupe', csv('dedupe'));
    assert.equal(afterFailure.status, 202);
    const count: { n: number }[] = await db.query(`SELECT count(*)::int AS n FROM job WHERE owner_key_id = $1`, [keys.dedupe.keyId]);
    assert.equal(count[0].n, 4);
  });

  it('cancels a running job: status cancelled, upload and row results deleted, JobCancelledEventV1 published; 409 once ended', async () => {
    const { body } = await submit('cancel', csv('cancel'));
    await published(body.id);
    const job = (await jobs.findById(body.id))!;
    assert.equal(job.status, 'running');
    assert.equal(existsSync(join(storage, job.uploadPath)), true);
    await db.query(`INSERT INTO job_chunk_result (job_id, sheet, chunk, row_count, ok_count, problem_count, rows) VALUES ($1, 0, 0, 1, 1, 0, '[]')`, [body.id]);

    const res = await fetch(`${base}/jobs/${body.id}`, { method: 'DELETE', headers: auth('cancel') });
    assert.equal(res.status, 200, await res.clone().text());
    const summary = (await res.json()) as JobSummaryDto;
    assert.deepEqual([summary.id, summary.status, summary.resultUrl], [body.id, 'cancelled', null]);
    assert.ok(summary.finishedAt);
    const status = (await (await fetch(`${base}/jobs/${body.id}`, { headers: auth('cancel') })).json()) as JobStatusDto;
    assert.equal(status.status, 'cancelled');
    assert.equal(existsSync(join(storage, job.uploadPath)), false, 'the upload is deleted');
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM job_chunk_result WHERE job_id = $1`, [body.id]);
    assert.equal(n, 0, 'the stored row results are deleted');
    // The merger could not complete it any more.
    await jobs.complete(body.id, 'results/late.xlsx');
    assert.equal((await jobs.findById(body.id))?.status, 'cancelled');

    await waitFor('JobCancelledEventV1', async () => (jobEvents.some((e) => e.value.jobId === body.id && e.value.type === JobCancelledEventV1.type) ? true : undefined), 30_000, 100);
    assert.equal(jobEvents.find((e) => e.value.jobId === body.id && e.value.type === JobCancelledEventV1.type)?.key, body.id);

    const again = await fetch(`${base}/jobs/${body.id}`, { method: 'DELETE', headers: auth('cancel') });
    assert.equal(again.status, 409);
    assert.match(((await again.json()) as ErrorResponseDto).message, /is cancelled/);
    // A completed job cannot be cancelled either, and the result of a cancelled one is a 409.
    const done = await submit('cancel', csv('cancel-done'));
    await published(done.body.id);
    await jobs.complete(done.body.id, 'results/done.xlsx');
    const late = await fetch(`${base}/jobs/${done.body.id}`, { method: 'DELETE', headers: auth('cancel') });
    assert.equal(late.status, 409);
    assert.match(((await late.json()) as ErrorResponseDto).message, /is completed/);
    assert.equal((await fetch(`${base}/jobs/${body.id}/result`, { headers: auth('cancel') })).status, 409);
  });

  it('lists jobs newest first in pages (limit, before, offset), each without its options', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await submit('list', csv(`list-${i}`))).body.id);
    const newestFirst = [...ids].reverse();
    const page1 = (await (await fetch(`${base}/jobs?limit=2`, { headers: auth('list') })).json()) as JobListDto;
    assert.deepEqual(page1.items.map((j) => j.id), newestFirst.slice(0, 2));
    assert.equal(page1.next, newestFirst[1]);
    const item = page1.items[0];
    assert.deepEqual(Object.keys(item).sort(), ['createdAt', 'datasets', 'error', 'fileName', 'finishedAt', 'id', 'resultUrl', 'rows', 'status']);
    assert.deepEqual(item.datasets, [`${dataset.name}@1`]);
    assert.equal(item.fileName, 'points.csv');
    const page2 = (await (await fetch(`${base}/jobs?limit=2&before=${page1.next}`, { headers: auth('list') })).json()) as JobListDto;
    assert.deepEqual(page2, { items: [page2.items[0]], next: null });
    assert.equal(page2.items[0].id, newestFirst[2]);
    const skipped = (await (await fetch(`${base}/jobs?offset=1`, { headers: auth('list') })).json()) as JobListDto;
    assert.deepEqual(skipped.items.map((j) => j.id), newestFirst.slice(1));
    for (const bad of ['limit=0', 'limit=101', 'offset=-1', 'before=nope']) {
      const res = await fetch(`${base}/jobs?${bad}`, { headers: auth('list') });
      assert.equal(res.status, 400, bad);
    }
  });

  it('expires jobs past the retention period: status expired, files and row results deleted, result 410; newer jobs kept', async () => {
    const old = await submit('retention', csv('retention-old'));
    const recent = await submit('retention', csv('retention-recent'));
    await published(old.body.id);
    await published(recent.body.id);
    mkdirSync(join(storage, 'results'), { recursive: true });
    for (const [id, daysAgo] of [[old.body.id, 8], [recent.body.id, 6]] as const) {
      writeFileSync(join(storage, 'results', `${id}.xlsx`), 'PK');
      await jobs.complete(id, `results/${id}.xlsx`);
      await db.query(`UPDATE job SET finished_at = now() - make_interval(days => $2::int), created_at = now() - make_interval(days => $2::int + 1) WHERE id = $1`, [id, daysAgo]);
      await db.query(`INSERT INTO job_chunk_result (job_id, sheet, chunk, row_count, ok_count, problem_count, rows) VALUES ($1, 0, 99, 1, 1, 0, '[]') ON CONFLICT DO NOTHING`, [id]);
    }
    const oldUpload = (await jobs.findById(old.body.id))!.uploadPath;
    assert.equal((await fetch(`${base}/jobs/${old.body.id}/result`, { headers: auth('retention') })).status, 200);

    const expired = await app.get(RetentionSweeperService).sweep();
    assert.ok(expired >= 1, `expired ${expired}`);
    const status = (await (await fetch(`${base}/jobs/${old.body.id}`, { headers: auth('retention') })).json()) as JobStatusDto;
    assert.equal(status.status, 'expired');
    assert.equal(status.resultUrl, null);
    const gone = await fetch(`${base}/jobs/${old.body.id}/result`, { headers: auth('retention') });
    assert.equal(gone.status, 410);
    assert.match(((await gone.json()) as ErrorResponseDto).message, /expired after 7 days/);
    assert.equal(existsSync(join(storage, oldUpload)), false, 'upload deleted');
    assert.equal(existsSync(join(storage, 'results', `${old.body.id}.xlsx`)), false, 'result deleted');
    const counts: { job_id: string; n: number }[] = await db.query(
      `SELECT j.id AS job_id, count(c.job_id)::int AS n FROM job j LEFT JOIN job_chunk_result c ON c.job_id = j.id WHERE j.id = ANY($1) GROUP BY j.id`,
      [[old.body.id, recent.body.id]],
    );
    assert.deepEqual(Object.fromEntries(counts.map((c) => [c.job_id, c.n > 0])), { [old.body.id]: false, [recent.body.id]: true });

    // The job within the period is untouched; a second sweep has nothing to do for these two.
    assert.equal((await jobs.findById(recent.body.id))?.status, 'completed');
    assert.equal((await fetch(`${base}/jobs/${recent.body.id}/result`, { headers: auth('retention') })).status, 200);
    await app.get(RetentionSweeperService).sweep();
    assert.equal((await jobs.findById(recent.body.id))?.status, 'completed');
    // An expired job cannot be cancelled, and sending its file again makes a new job.
    assert.equal((await fetch(`${base}/jobs/${old.body.id}`, { method: 'DELETE', headers: auth('retention') })).status, 409);
    assert.equal((await submit('retention', csv('retention-old'))).status, 202);
  });

  it('limits requests per key: 429 with Retry-After and a clear message, other keys unaffected', async () => {
    // Uploads: UPLOADS_PER_MINUTE previews pass, the next is refused.
    const preview = () => {
      const f = new FormData();
      f.append('file', new Blob([csv('limit')], { type: 'text/csv' }), 'limit.csv');
      return fetch(`${base}/jobs/preview`, { method: 'POST', headers: auth('limited'), body: f });
    };
    for (let i = 0; i < UPLOADS_PER_MINUTE; i++) assert.equal((await preview()).status, 200, `preview ${i + 1}`);
    const refused = await preview();
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const body = (await refused.json()) as ErrorResponseDto;
    assert.deepEqual([body.statusCode, body.error], [429, 'Too Many Requests']);
    assert.match(body.message, new RegExp(`at most ${UPLOADS_PER_MINUTE} uploads per minute per API key`));
    // Other routes still answer this key until its overall budget is spent.
    assert.equal((await fetch(`${base}/jobs`, { headers: auth('limited') })).status, 200);
    let status = 200;
    let calls = UPLOADS_PER_MINUTE + 2;
    while (status === 200 && calls < REQUESTS_PER_MINUTE + 5) {
      status = (await fetch(`${base}/jobs`, { headers: auth('limited') })).status;
      calls++;
    }
    assert.equal(status, 429);
    assert.equal(calls, REQUESTS_PER_MINUTE + 1, 'refused right after the per-minute budget');
    // Counted per key: another key is not affected, and /health never is.
    assert.equal((await fetch(`${base}/jobs`, { headers: auth('alice') })).status, 200);
    assert.equal((await fetch(`${base}/health`)).status, 200);
  });
});
