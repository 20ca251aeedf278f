import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { KafkaContext } from '@nestjs/microservices';
import { EventDecodeError, JobSealedEventV1, packChunkResult, RowStatus, Topics, unpackChunkResult, type ChunkResultEventV2 } from '@geobatch/contracts';
import type { JobRepository } from '@geobatch/job-store';
import { ConsumerSkeleton, DeadLetterPublisher, type EventPublisher } from '@geobatch/util-kafka';
import type { ReportMergerConfig } from '../config/report-merger-config.module';
import { Metrics } from '@geobatch/util-observability';
import { ChunkResultHandler } from './chunk-result.handler';
import { JobEventsHandler } from './job-events.handler';
import { MergeRecoveryService } from './merge-recovery.service';
import type { WorkbookMergerService } from './workbook-merger.service';

const heartbeat = async () => undefined;

function ctxFor(topic: string, value: unknown, key = 'k1', offset = '42'): KafkaContext {
  const message = { key, value, offset, timestamp: '0', headers: {}, attributes: 0, size: 0 };
  return new KafkaContext([message as never, 1, topic, undefined as never, heartbeat, undefined as never]);
}

/** Records the calls of the collaborators, in order. */
function fakes(job: { sealedAt: Date | null } | null = { sealedAt: new Date() }, stores = true) {
  const calls: unknown[][] = [];
  const offered: ChunkResultEventV2[] = [];
  const jobs = {
    saveChunkResult: async (e: { jobId: string; chunk: number }) => (calls.push(['saveChunkResult', e.chunk]), stores),
    findById: async () => (calls.push(['findById']), job),
    seal: async (_id: string, sheets: unknown[]) => void calls.push(['seal', sheets.length]),
    fail: async (id: string, error: string) => void calls.push(['fail', id, error]),
    hasChunkResult: async (_id: string, _sheet: number, chunk: number) => (calls.push(['hasChunkResult', chunk]), chunk === 0),
  };
  const merger = {
    offer: async (e: ChunkResultEventV2) => void (calls.push(['offer', e.chunk]), offered.push(e)),
    tryFinalize: async (jobId: string, options?: { heartbeat?: unknown }) => (calls.push(['tryFinalize', jobId, options?.heartbeat === heartbeat]), 'not-ready'),
    abandon: async (jobId: string) => void calls.push(['abandon', jobId]),
    abandonIfEnded: async (jobId: string) => void calls.push(['abandonIfEnded', jobId]),
  };
  const deadLetters = { publish: async (_ctx: KafkaContext, e: Error) => void calls.push(['deadLetter', e.constructor.name]) };
  // The outage probe (SELECT 1 in the app): answers unless a test takes the database down.
  const database = { up: true, probes: 0 };
  const probe = async () => {
    database.probes++;
    if (!database.up) throw new Error('connection refused');
  };
  const config = { MERGER_RETRY_ATTEMPTS: 4, MERGER_RETRY_BACKOFF_MS: 1, MERGER_UNDECODABLE_GRACE_MS: 1, KAFKA_HEARTBEAT_INTERVAL_MS: 10 } as ReportMergerConfig;
  const settings = { attempts: config.MERGER_RETRY_ATTEMPTS, backoffMs: config.MERGER_RETRY_BACKOFF_MS, heartbeatEveryMs: config.KAFKA_HEARTBEAT_INTERVAL_MS };
  const consumer = new ConsumerSkeleton(deadLetters as unknown as DeadLetterPublisher, settings, probe);
  const chunkHandler = new ChunkResultHandler(
    jobs as unknown as JobRepository,
    merger as unknown as WorkbookMergerService,
    consumer,
    new Metrics('report-merger-spec'),
    config,
  );
  return {
    calls,
    offered,
    jobs,
    database,
    chunkHandler,
    jobHandler: new JobEventsHandler(jobs as unknown as JobRepository, merger as unknown as WorkbookMergerService, consumer),
  };
}

const jobId = randomUUID();
const chunkRows = [{ n: 7, matches: [{ status: RowStatus.Ok }] }];
const chunkEvent = packChunkResult({ jobId, sheet: 0, chunk: 3 }, chunkRows, 1);
const sealedEvent = { type: JobSealedEventV1.type, jobId, sheets: [{ sheet: 0, name: 's', rows: 7, chunks: 4, blankRows: 0 }] };

describe('ChunkResultHandler', () => {
  it('stores the chunk, offers it to the progressive merge, then tries to finish the job with the consumer heartbeat', async () => {
    const f = fakes();
    await f.chunkHandler.onChunkResult(chunkEvent, ctxFor(Topics.results.name, chunkEvent));
    assert.deepEqual(f.calls, [['saveChunkResult', 3], ['offer', 3], ['tryFinalize', jobId, true]]);
    assert.deepEqual(unpackChunkResult(f.offered[0]), chunkRows, 'the decoded chunk is offered');
  });

  it('does not offer a chunk that was not stored (a replay, an unknown or cancelled job), drops the merge of a job that ended, and still tries to finish the job', async () => {
    const f = fakes(undefined, false);
    await f.chunkHandler.onChunkResult(chunkEvent, ctxFor(Topics.results.name, chunkEvent));
    assert.deepEqual(f.calls, [['saveChunkResult', 3], ['abandonIfEnded', jobId], ['tryFinalize', jobId, true]]);
  });

  it('parks an undecodable payload on the dead-letter topic instead of throwing', async () => {
    const f = fakes();
    const misaligned = { ...chunkEvent, datasets: [{ ...chunkEvent.datasets[0], status: [] }] };
    const badArea = { ...chunkEvent, datasets: [{ ...chunkEvent.datasets[0], sido: [5] }] };
    for (const bad of ['not json', { ...chunkEvent, jobId: 'nope' }, { ...chunkEvent, n: [0] }, misaligned, badArea, null]) {
      await f.chunkHandler.onChunkResult(bad, ctxFor(Topics.results.name, bad));
    }
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(f.calls.filter((c) => c[0] === 'deadLetter'), Array(6).fill(['deadLetter', 'EventDecodeError']));
  });

  it('fails the job an undecodable result is keyed to once no good copy of that chunk came within the grace period', async () => {
    const f = fakes();
    // Chunk 0 is stored by a good copy (a replay); chunk 9 never is.
    await f.chunkHandler.onChunkResult('garbage', ctxFor(Topics.results.name, 'garbage', `${jobId}:0:0`));
    await f.chunkHandler.onChunkResult('garbage', ctxFor(Topics.results.name, 'garbage', `${jobId}:0:9`));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(f.calls.map((c) => c.slice(0, 2)), [['deadLetter', 'EventDecodeError'], ['deadLetter', 'EventDecodeError'], ['hasChunkResult', 0], ['hasChunkResult', 9], ['fail', jobId]]);
    assert.match(String(f.calls[4][2]), /^결과 청크를 읽을 수 없음: 시트 1, 청크 9 \(a geocoded chunk could not be read: invalid ChunkResultEventV2/);
  });

  it('retries a failing write, and lets it through while the database does not answer, so kafkajs retries and commits nothing', async () => {
    const f = fakes();
    let attempts = 0;
    f.jobs.saveChunkResult = async () => {
      attempts++;
      throw new Error('connection refused');
    };
    f.database.up = false;
    await assert.rejects(f.chunkHandler.onChunkResult(chunkEvent, ctxFor(Topics.results.name, chunkEvent)), /connection refused/);
    assert.equal(attempts, 4);
    assert.deepEqual(f.calls, []);
  });

  it('stores a chunk that succeeds on a retry as usual', async () => {
    const f = fakes();
    let attempts = 0;
    f.jobs.saveChunkResult = async () => {
      if (++attempts < 3) throw new Error('connection reset');
      f.calls.push(['saveChunkResult', 3]);
      return true;
    };
    await f.chunkHandler.onChunkResult(chunkEvent, ctxFor(Topics.results.name, chunkEvent));
    assert.deepEqual(f.calls, [['saveChunkResult', 3], ['offer', 3], ['tryFinalize', jobId, true]]);
  });

  it('dead-letters a chunk it cannot store although the database answers, and fails its job with the reason', async () => {
    const f = fakes();
    let attempts = 0;
    f.jobs.saveChunkResult = async () => {
      attempts++;
      throw new Error('unsupported Unicode escape sequence');
    };
    await f.chunkHandler.onChunkResult(chunkEvent, ctxFor(Topics.results.name, chunkEvent));
    assert.equal(f.database.probes, 1, 'the database was probed once the attempts ran out');
    assert.deepEqual(f.calls.map((c) => c.slice(0, 2)), [['deadLetter', 'Error'], ['fail', jobId]]);
    assert.equal(attempts, 5, 'four attempts, then one more once the database answered');
    assert.equal(f.calls[1][2], '결과 청크를 저장할 수 없음: 시트 1, 청크 3 (a geocoded chunk could not be stored: unsupported Unicode escape sequence)');
  });
});

describe('JobEventsHandler', () => {
  it('tries to finish a job the gateway has sealed, without sealing it again', async () => {
    const f = fakes({ sealedAt: new Date() });
    await f.jobHandler.onJobEvent(sealedEvent, ctxFor(Topics.jobs.name, sealedEvent));
    assert.deepEqual(f.calls, [['findById'], ['tryFinalize', jobId, true]]);
  });

  it('seals a job that is not sealed yet with the event totals, then tries to finish it', async () => {
    const f = fakes({ sealedAt: null });
    await f.jobHandler.onJobEvent(sealedEvent, ctxFor(Topics.jobs.name, sealedEvent));
    assert.deepEqual(f.calls, [['findById'], ['seal', 1], ['tryFinalize', jobId, true]]);
  });

  it('ignores an event for an unknown job and other event types', async () => {
    const f = fakes(null);
    await f.jobHandler.onJobEvent(sealedEvent, ctxFor(Topics.jobs.name, sealedEvent));
    await f.jobHandler.onJobEvent({ type: 'job.archived', jobId }, ctxFor(Topics.jobs.name, {}));
    assert.deepEqual(f.calls, [['findById']]);
  });

  it('drops what it holds for a cancelled job (job.cancelled), and dead-letters a malformed one', async () => {
    const f = fakes();
    await f.jobHandler.onJobEvent({ type: 'job.cancelled', jobId }, ctxFor(Topics.jobs.name, {}));
    await f.jobHandler.onJobEvent({ type: 'job.cancelled', jobId: 'nope' }, ctxFor(Topics.jobs.name, {}));
    assert.deepEqual(f.calls, [['abandon', jobId], ['deadLetter', 'EventDecodeError']]);
  });

  it('fails a job another service gave up on (job.failed) with its reason', async () => {
    const f = fakes();
    const failed = { type: 'job.failed', jobId, reason: '입력 청크를 읽을 수 없음 (a rows chunk could not be read)' };
    await f.jobHandler.onJobEvent(failed, ctxFor(Topics.jobs.name, failed));
    await f.jobHandler.onJobEvent({ type: 'job.failed', jobId, reason: '' }, ctxFor(Topics.jobs.name, {}));
    assert.deepEqual(f.calls, [['fail', jobId, failed.reason], ['deadLetter', 'EventDecodeError']]);
  });

  it('parks a malformed job.sealed on the dead-letter topic', async () => {
    const f = fakes();
    const bad = { ...sealedEvent, sheets: [{ sheet: -1 }] };
    await f.jobHandler.onJobEvent(bad, ctxFor(Topics.jobs.name, bad));
    await f.jobHandler.onJobEvent({ jobId }, ctxFor(Topics.jobs.name, { jobId }));
    assert.deepEqual(f.calls, [['deadLetter', 'EventDecodeError'], ['deadLetter', 'EventDecodeError']]);
  });
});

describe('DeadLetterPublisher', () => {
  it('publishes the original message, where it came from and why it was refused, under the original key', async () => {
    const sent: { topic: string; key: string; value: Record<string, any> }[] = [];
    const publisher = { publish: async (topic: string, key: string, value: object) => void sent.push({ topic, key, value: value as never }) };
    const dlq = new DeadLetterPublisher(publisher as unknown as EventPublisher, 'geobatch-report-merger-server');
    await dlq.publish(ctxFor(Topics.results.name, 'garbage{', 'job:0:1', '17'), new EventDecodeError('ChunkResultEventV2', ['jobId: must be a UUID']));
    assert.equal(sent.length, 1);
    assert.equal(sent[0].topic, Topics.deadLetter.name);
    assert.equal(sent[0].key, 'job:0:1');
    assert.deepEqual(sent[0].value.source, { topic: Topics.results.name, partition: 1, offset: '17', key: 'job:0:1' });
    assert.deepEqual(sent[0].value.problems, ['jobId: must be a UUID']);
    assert.match(sent[0].value.error, /invalid ChunkResultEventV2/);
    assert.equal(sent[0].value.payload, 'garbage{');
  });
});

describe('MergeRecoveryService sweep', () => {
  it('tries to finish sealed running jobs nobody is merging, and leaves claimed ones alone', async () => {
    const tried: string[] = [];
    const jobs = { findSealedRunning: async () => [{ id: 'a', mergeStartedAt: null }, { id: 'b', mergeStartedAt: new Date() }] };
    const merger = { tryFinalize: async (id: string) => (tried.push(id), 'completed') };
    await new MergeRecoveryService(jobs as unknown as JobRepository, merger as unknown as WorkbookMergerService).sweep();
    assert.deepEqual(tried, ['a']);
  });
});
