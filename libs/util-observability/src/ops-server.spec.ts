import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Metrics } from './metrics';
import { startOpsServer, type HealthReport } from './ops-server';

describe('startOpsServer', () => {
  const metrics = new Metrics('test-worker');
  let healthy = true;
  let server: Server;
  const url = (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;

  after(() => server?.close());

  it('answers /health with 200 when healthy and 503 with the report when not', async () => {
    server = await startOpsServer(0, {
      metrics: metrics.registry,
      health: async (): Promise<HealthReport> => (healthy ? { status: 'ok', kafka: 'up' } : { status: 'error', kafka: 'down' }),
    });
    const ok = await fetch(url('/health'));
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { status: 'ok', kafka: 'up' });
    healthy = false;
    const down = await fetch(url('/health'));
    assert.equal(down.status, 503);
    assert.equal(((await down.json()) as HealthReport).kafka, 'down');
  });

  it('serves the registry in Prometheus text format on /metrics, labelled with the service', async () => {
    metrics.rows.inc({ stage: 'geocoded' }, 42);
    metrics.consumerLag.set({ group: 'g', topic: 't', partition: '0' }, 7);
    const res = await fetch(url('/metrics'));
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /geobatch_rows_total\{stage="geocoded",service="test-worker"\} 42/);
    assert.match(text, /geobatch_kafka_consumer_lag\{group="g",topic="t",partition="0",service="test-worker"\} 7/);
    assert.match(text, /geobatch_process_resident_memory_bytes/);
  });

  it('answers anything else with 404', async () => {
    assert.equal((await fetch(url('/nope'))).status, 404);
  });
});
