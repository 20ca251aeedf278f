import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chunkKey, JobStatus, packChunkResult, packPoints, RowStatus, Topics, unpackChunkResult, type ChunkResultEventV2, type RowsChunkEventV2 } from '@geobatch/contracts';
import { JobStatusCache } from '@geobatch/job-store';
import { ConsumerSkeleton, type EventPublisher } from '@geobatch/util-kafka';
import { Metrics } from '@geobatch/util-observability';
import type { GeocoderConfig } from '../config/geocoder-config.module';
import { captureLogs, fakeContext } from '../testing/handler-fakes';
import type { ChunkGeocoder } from './chunk-geocoder.service';
import type { DeadLetterPublisher } from '@geobatch/util-kafka';
import type { DataSource } from 'typeorm';
import { RowsChunkHandler } from './rows-chunk.handler';

const config = { GEOCODER_RETRY_ATTEMPTS: 4, GEOCODER_RETRY_BACKOFF_MS: 10, GEOCODER_ENGINE: 'memory', KAFKA_HEARTBEAT_INTERVAL_MS: 10 } as GeocoderConfig;
const metrics = new Metrics('geocoder-spec');

function event(): RowsChunkEventV2 {
  return { jobId: randomUUID(), sheet: 0, chunk: 3, datasetIds: [randomUUID()], crs: 'EPSG:4326', ...packPoints([{ n: 1, x: '127', y: '37' }]) };
}

/** A handler whose geocoder fails `failures` times (or with `error`), taking `ms` per attempt; `database` answers or not. */
function handler(options: { failures?: number; error?: () => Error; ms?: number; database?: 'up' | 'down'; jobStatus?: JobStatus } = {}) {
  const attempts = { count: 0 };
  const published: { topic: string; key: string; value: object }[] = [];
  const deadLetters: Error[] = [];
  const geocoder = {
    geocode: async (e: RowsChunkEventV2) => {
      attempts.count++;
      if (options.ms) await new Promise((r) => setTimeout(r, options.ms));
      if (options.error) throw options.error();
      if (attempts.count <= (options.failures ?? 0)) throw new Error(`Connection terminated unexpectedly (${attempts.count})`);
      const result = packChunkResult({ jobId: e.jobId, sheet: e.sheet, chunk: e.chunk }, [{ n: 1, matches: [{ status: RowStatus.Ok }] }], 1);
      return { result, stats: { rows: 1, ok: 1, notFound: 0, invalid: 0, swapped: 0, nearest: 0, partial: 0 } };
    },
  } as unknown as ChunkGeocoder;
  const publisher = { publish: async (topic: string, key: string, value: object) => void published.push({ topic, key, value }) } as unknown as EventPublisher;
  const dead = { publish: async (_ctx: unknown, e: Error) => void deadLetters.push(e) } as unknown as DeadLetterPublisher;
  const db = options.database
    ? ({ query: async () => (options.database === 'up' ? [{ '?column?': 1 }] : Promise.reject(new Error('ECONNREFUSED'))) } as unknown as DataSource)
    : undefined;
  const settings = { attempts: config.GEOCODER_RETRY_ATTEMPTS, backoffMs: config.GEOCODER_RETRY_BACKOFF_MS, heartbeatEveryMs: config.KAFKA_HEARTBEAT_INTERVAL_MS };
  const consumer = new ConsumerSkeleton(dead, settings, db ? () => db.query('SELECT 1') : undefined);
  const status = options.jobStatus;
  const jobStatus = status ? new JobStatusCache({ query: async () => [{ status }] }, 1_000) : undefined;
  const h = new RowsChunkHandler(geocoder, publisher, consumer, metrics, config, jobStatus);
  return { h, attempts, published, deadLetters };
}

describe('RowsChunkHandler delivery', () => {
  let logs: ReturnType<typeof captureLogs>;
  before(() => (logs = captureLogs()));
  after(() => logs.restore());

  it('retries a chunk whose lookup fails (database down) with backoff, then publishes its result once', async () => {
    const { h, attempts, published } = handler({ failures: 2 });
    const ev = event();
    const { ctx } = fakeContext({ topic: Topics.rows.name });
    await h.onRowsChunk(ev, ctx);
    assert.equal(attempts.count, 3);
    assert.equal(published.length, 1);
    // Keyed by job, so one merger receives all of a job's chunks.
    assert.deepEqual([published[0].topic, published[0].key], [Topics.results.name, chunkKey(ev.jobId, ev.sheet, ev.chunk)]);
    assert.deepEqual((published[0].value as { n: number[] }).n, [1]);
    const retries = logs.lines.filter((l) => l.msg === 'chunk lookup failed; retrying' && l.jobId === ev.jobId);
    assert.deepEqual(retries.map((l) => [l.level, l.attempt, l.delayMs]), [['warn', 1, 10], ['warn', 2, 20]]);
    assert.match(String(retries[0].error), /Connection terminated/);
    assert.deepEqual([retries[0].topic, retries[0].partition, retries[0].offset], [Topics.rows.name, 2, '17']);
    assert.ok(logs.lines.some((l) => l.msg === 'chunk geocoded' && l.jobId === ev.jobId));
  });

  it('throws the chunk back to kafkajs when every attempt fails, publishing nothing', async () => {
    const { h, attempts, published } = handler({ failures: 99 });
    const ev = event();
    await assert.rejects(h.onRowsChunk(ev, fakeContext({ topic: Topics.rows.name }).ctx), /Connection terminated unexpectedly \(4\)/);
    assert.equal(attempts.count, 4, 'GEOCODER_RETRY_ATTEMPTS');
    assert.equal(published.length, 0);
    assert.ok(logs.lines.some((l) => l.level === 'error' && l.msg === 'chunk failed; kafkajs will retry it' && l.jobId === ev.jobId));
  });

  it('does not retry what another attempt cannot cure: dead-letters it and reports its rows as ERROR', async () => {
    const { h, attempts, published, deadLetters } = handler({ error: () => new RangeError('point key n=1 is used twice') });
    const ev = event();
    await h.onRowsChunk(ev, fakeContext({ topic: Topics.rows.name }).ctx);
    assert.equal(attempts.count, 1);
    assert.match(deadLetters[0].message, /used twice/);
    assert.deepEqual([published[0].topic, published[0].key], [Topics.results.name, chunkKey(ev.jobId, 0, 3)]);
    const result = unpackChunkResult(published[0].value as ChunkResultEventV2);
    assert.deepEqual(result.map((r) => [r.n, r.matches.map((m) => m.status)]), [[1, [RowStatus.Error]]]);
    assert.match(result[0].matches[0].note!, /^처리 실패 \/ processing failed after retries: point key n=1 is used twice$/);
  });

  it('gives a chunk up after its retries when the database answers (the chunk itself fails): dead letter, then an all-ERROR result', async () => {
    const { h, attempts, published, deadLetters } = handler({ error: () => new Error('engine exploded'), database: 'up' });
    const ev = { ...event(), datasetIds: [randomUUID(), randomUUID()], ...packPoints([{ n: 4, x: '1', y: '2' }, { n: 6, x: null, y: null }]) };
    await h.onRowsChunk(ev, fakeContext({ topic: Topics.rows.name, key: chunkKey(ev.jobId, 0, 3) }).ctx);
    assert.equal(attempts.count, 5, 'GEOCODER_RETRY_ATTEMPTS, then one more once the database answered');
    assert.equal(deadLetters.length, 1);
    assert.equal(deadLetters[0].message, 'engine exploded');
    assert.equal(published.length, 1);
    const result = unpackChunkResult(published[0].value as ChunkResultEventV2);
    const packed = published[0].value as ChunkResultEventV2;
    assert.deepEqual([packed.jobId, packed.sheet, packed.chunk], [ev.jobId, 0, 3]);
    // One ERROR match per dataset of the job, so the row lines up like any other.
    assert.deepEqual(result.map((r) => [r.n, r.matches.map((m) => m.status)]), [[4, ['ERROR', 'ERROR']], [6, ['ERROR', 'ERROR']]]);
    assert.ok(logs.lines.some((l) => l.level === 'error' && l.msg === 'chunk given up on: dead-lettered, its rows reported as ERROR' && l.jobId === ev.jobId));
  });

  it('geocodes the chunk after all when the database answers again (an outage that just ended)', async () => {
    const { h, attempts, published, deadLetters } = handler({ failures: 4, database: 'up' });
    const ev = event();
    await h.onRowsChunk(ev, fakeContext({ topic: Topics.rows.name }).ctx);
    assert.equal(attempts.count, 5);
    assert.equal(deadLetters.length, 0);
    assert.deepEqual(unpackChunkResult(published[0].value as ChunkResultEventV2)[0].matches.map((m) => m.status), [RowStatus.Ok]);
  });

  it('keeps throwing the chunk back (an outage is waited out) while the database does not answer', async () => {
    const { h, published, deadLetters } = handler({ failures: 99, database: 'down' });
    await assert.rejects(h.onRowsChunk(event(), fakeContext({ topic: Topics.rows.name }).ctx), /Connection terminated/);
    assert.equal(published.length, 0);
    assert.equal(deadLetters.length, 0);
  });

  it('stands in an all-ERROR result for an undecodable chunk whose key and row numbers can still be read', async () => {
    const { h, published, deadLetters } = handler();
    const jobId = randomUUID();
    const poisoned = { jobId, sheet: 1, chunk: 5, datasetIds: ['not-a-uuid'], crs: 'EPSG:4326', n: [7, 8], x: [1, null], y: [null] };
    await h.onRowsChunk(poisoned, fakeContext({ topic: Topics.rows.name, key: chunkKey(jobId, 1, 5) }).ctx);
    assert.match(deadLetters[0].message, /invalid RowsChunkEventV2/);
    assert.deepEqual([published[0].topic, published[0].key], [Topics.results.name, chunkKey(jobId, 1, 5)]);
    const result = unpackChunkResult(published[0].value as ChunkResultEventV2);
    assert.deepEqual(result.map((r) => [r.n, r.matches.map((m) => m.status)]), [[7, ['ERROR']], [8, ['ERROR']]]);
    assert.match(result[0].matches[0].note!, /^청크를 읽을 수 없음 \/ chunk could not be read: invalid RowsChunkEventV2/);
  });

  it('fails the job (JobFailedEventV1) for an undecodable chunk whose rows are unknown, found by its key', async () => {
    const { h, published, deadLetters } = handler();
    const jobId = randomUUID();
    await h.onRowsChunk('\u0000garbage', fakeContext({ topic: Topics.rows.name, key: chunkKey(jobId, 0, 2) }).ctx);
    assert.equal(deadLetters.length, 1);
    assert.deepEqual([published[0].topic, published[0].key], [Topics.jobs.name, jobId]);
    const failed = published[0].value as { type: string; jobId: string; reason: string };
    assert.deepEqual([failed.type, failed.jobId], ['job.failed', jobId]);
    assert.match(failed.reason, /^입력 청크를 읽을 수 없어 작업을 중단함 \(시트 1, 청크 2\) \(a rows chunk could not be read/);
  });

  it('heartbeats while a chunk takes long, and stops once it is done', async () => {
    const { h, published } = handler({ ms: 80 });
    const { ctx, heartbeats } = fakeContext({ topic: Topics.rows.name });
    await h.onRowsChunk(event(), ctx);
    assert.equal(published.length, 1);
    const seen = heartbeats.count;
    assert.ok(seen >= 4, `${seen} heartbeats in 80 ms at 10 ms`);
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(heartbeats.count, seen);
  });

  it('skips a chunk of a cancelled job: nothing looked up, nothing published, the offset committed', async () => {
    const { h, attempts, published } = handler({ jobStatus: JobStatus.Cancelled });
    const ev = event();
    await h.onRowsChunk(ev, fakeContext({ topic: Topics.rows.name }).ctx);
    assert.equal(attempts.count, 0);
    assert.equal(published.length, 0);
    assert.ok(logs.lines.some((l) => l.msg === 'chunk skipped: its job has ended (cancelled)' && l.jobId === ev.jobId));
    const running = handler({ jobStatus: JobStatus.Running });
    await running.h.onRowsChunk(event(), fakeContext({ topic: Topics.rows.name }).ctx);
    assert.equal(running.published.length, 1, 'a running job is geocoded');
  });

  it('parks an undecodable chunk on the dead-letter topic without looking anything up', async () => {
    const { h, attempts, published, deadLetters } = handler();
    await h.onRowsChunk({ jobId: 'nope' }, fakeContext({ topic: Topics.rows.name }).ctx);
    assert.equal(attempts.count, 0);
    assert.equal(published.length, 0);
    assert.match(deadLetters[0].message, /invalid RowsChunkEventV2/);
  });
});
