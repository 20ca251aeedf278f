import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Gauge, Registry } from 'prom-client';
import { testEnv } from '@geobatch/util-testing';
import { ConsumerLagMonitor } from './consumer-lag-monitor';

describe('ConsumerLagMonitor (real broker)', () => {
  const topic = `geobatch.test-lag.${randomUUID().slice(0, 8)}`;
  const groupId = `geobatch-test-lag-${randomUUID().slice(0, 8)}`;
  const kafka = new Kafka({ clientId: 'lag-test', brokers: testEnv.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const registry = new Registry();
  const gauge = new Gauge({ name: 'lag', help: 'lag', labelNames: ['group', 'topic', 'partition'] as const, registers: [registry] });
  const monitor = new ConsumerLagMonitor({ clientId: 'lag-test', brokers: testEnv.KAFKA_BROKERS }, groupId, [topic], gauge);

  before(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: String(i) })) });
    await producer.disconnect();
  });

  after(async () => {
    await monitor.stop();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  const lag = async () => (await gauge.get()).values.find((v) => v.labels.topic === topic)?.value;

  it('reports the whole partition as lag before the group commits, and the remainder after', async () => {
    await monitor.start(60_000);
    await monitor.sample();
    assert.equal(await lag(), 5);
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] });
    await monitor.sample();
    assert.equal(await lag(), 3);
  });
});
