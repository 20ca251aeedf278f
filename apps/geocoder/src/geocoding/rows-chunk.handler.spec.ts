import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { packChunkResult, packPoints, RowStatus, Topics, type RowsChunkEventV2 } from '@geobatch/contracts';
import type { EventPublisher } from '@geobatch/util-kafka';
import { Metrics } from '@geobatch/util-observability';
import type { GeocoderConfig } from '../config/geocoder-config.module';
import { captureLogs, fakeContext } from '../testing/handler-fakes';
import type { ChunkGeocoder } from './chunk-geocoder.service';
import type { DeadLetterPublisher } from '@geobatch/util-kafka';
import { RowsChunkHandler } from './rows-chunk.handler';

const config = { GEOCODER_RETRY_ATTEMPTS: 4, GEOCODER_RETRY_BACKOFF_MS: 10, GEOCODER_ENGINE: 'memory' } as GeocoderConfig;
const metrics = new Metrics('geocoder-spec');

function event(): RowsChunkEventV2 {
  return { jobId: randomUUID(), sheet: 0, chunk: 3, datasetIds: [randomUUID()], crs: 'EPSG:4326', ...packPoints([{ n: 1, x: '127', y: '37' }]) };
}

/** A handler whose geocoder fails `failures` times (or with `error`), taking `ms` per attempt. */
function handler(options: { failures?: number; error?: () => Error; ms?: number } = {}) {
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
      return { result, stats: { rows: 1, ok: 1, notFound: 0, invalid: 0, swapped: 0, nearest: 0 } };
    },
  } as unknown as ChunkGeocoder;
  const publisher = { publish: async (topic: string, key: string, value: object) => void published.push({ topic, key, value }) } as unknown as EventPublisher;
  const dead = { publish: async (_ctx: unknown, e: Error) => void deadLetters.push(e) } as unknown as DeadLetterPublisher;
  const h = new RowsChunkHandler(geocoder, publisher, dead, metrics, config);
  h.heartbeatEveryMs = 10;
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
    assert.deepEqual([published[0].topic, published[0].key], [Topics.results.name, ev.jobId]);
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

  it('does not retry what another attempt cannot cure', async () => {
    const { h, attempts } = handler({ error: () => new RangeError('point key n=1 is used twice') });
    await assert.rejects(h.onRowsChunk(event(), fakeContext({ topic: Topics.rows.name }).ctx), RangeError);
    assert.equal(attempts.count, 1);
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

  it('parks an undecodable chunk on the dead-letter topic without looking anything up', async () => {
    const { h, attempts, published, deadLetters } = handler();
    await h.onRowsChunk({ jobId: 'nope' }, fakeContext({ topic: Topics.rows.name }).ctx);
    assert.equal(attempts.count, 0);
    assert.equal(published.length, 0);
    assert.match(deadLetters[0].message, /invalid RowsChunkEventV2/);
  });
});
