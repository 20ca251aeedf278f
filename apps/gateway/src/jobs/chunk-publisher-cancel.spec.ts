import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@nestjs/common';
import { JobCancelledEventV1, Topics } from '@geobatch/contracts';
import type { JobRepository } from '@geobatch/job-store';
import type { EventPublisher } from '@geobatch/util-kafka';
import { CapturingLogger, FakeWorld, TempStorage, fakeJob } from '../testing/gateway-fakes';
import { Metrics } from '@geobatch/util-observability';
import { ChunkPublisherService, PUBLISH_WINDOW } from './chunk-publisher.service';

/** Cancelling (DELETE /jobs/:id) and expiring stop a job's publishing between two chunks. */
describe('ChunkPublisherService cancel and stop', () => {
  let storage: TempStorage;
  let world: FakeWorld;
  /** Chunks after the first wait for this gate: the test decides when the broker "acknowledges" them. */
  let gate: { open: () => void; wait: Promise<void> };

  const newGate = () => {
    let open = () => undefined as void;
    const wait = new Promise<void>((r) => (open = r));
    return { open, wait };
  };

  const service = () => {
    let rows = 0;
    const slow = {
      publish: async (topic: typeof Topics.rows.name, key: string, value: object) => {
        if (topic === Topics.rows.name && rows++ > 0) await gate.wait;
        await world.publisher.publish(topic, key, value);
      },
    } as unknown as EventPublisher;
    return new ChunkPublisherService(
      storage.config({ CHUNK_SIZE: '1' }),
      slow,
      { ...world.repository, findUnsealed: async () => [] } as unknown as JobRepository,
      new Metrics('gateway-spec'),
    );
  };

  beforeEach(() => {
    storage = new TempStorage();
    world = new FakeWorld();
    gate = newGate();
    Logger.overrideLogger(new CapturingLogger());
  });
  afterEach(() => storage.dispose());

  it('stops before the next chunk, never seals, records no failure, then announces JobCancelledEventV1', async () => {
    storage.write('upload.csv', `lon,lat\n${Array.from({ length: 50 }, (_, i) => `127.${i},37.5`).join('\n')}\n`);
    const job = fakeJob({ uploadPath: 'upload.csv' });
    const publisher = service();
    const run = publisher.start(job);
    // The first chunk goes through; cancel while the next ones wait for their acknowledgements.
    while (world.ofOp('publish').length === 0) await new Promise((r) => setTimeout(r, 5));
    const cancelled = publisher.cancel(job.id);
    gate.open();
    await cancelled;
    await run;

    const rows = world.ofOp('publish').filter((c) => c.topic === Topics.rows.name);
    // The chunks in flight when the job was cancelled (the publish window) complete; nothing after them is published.
    assert.ok(rows.length >= 2 && rows.length <= 1 + PUBLISH_WINDOW, `published ${rows.length} of 50 chunks`);
    assert.deepEqual(world.ofOp('seal'), []);
    assert.deepEqual(world.ofOp('fail'), []);
    const lifecycle = world.ofOp('publish').filter((c) => c.topic === Topics.jobs.name);
    assert.deepEqual(lifecycle.map((c) => [c.key, c.value]), [[job.id, { type: JobCancelledEventV1.type, jobId: job.id }]]);
  });

  it('stop() without a run in progress returns at once and publishes nothing', async () => {
    gate.open();
    await service().stop(fakeJob().id);
    assert.deepEqual(world.calls, []);
  });
});
