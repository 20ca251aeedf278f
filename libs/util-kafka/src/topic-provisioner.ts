import { Kafka, logLevel } from 'kafkajs';
import { ALL_TOPICS } from '@geobatch/contracts';
import type { KafkaConnection } from './kafka-options';

/** How a topic is replicated on a cluster of `brokers`: three copies where there are three, two of them in sync for a write to count. */
export function replicationFor(brokers: number): { replicationFactor: number; minInsyncReplicas: number } {
  const replicationFactor = Math.max(1, Math.min(3, brokers));
  return { replicationFactor, minInsyncReplicas: replicationFactor >= 3 ? 2 : 1 };
}

/**
 * Creates the project's topics with their declared partition counts, replicated as the cluster
 * allows (replicationFor), and adds partitions to topics that have fewer. Safe to run from every
 * service at start-up: existing topics are left alone.
 */
export async function ensureTopics(conn: KafkaConnection, topics = ALL_TOPICS): Promise<void> {
  const admin = new Kafka({ clientId: `${conn.clientId}-admin`, brokers: conn.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      const { replicationFactor, minInsyncReplicas } = replicationFor((await admin.describeCluster()).brokers.length);
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor,
          configEntries: [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }],
        })),
      });
    }
    const present = topics.filter((t) => existing.has(t.name));
    if (present.length > 0) {
      const meta = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
      const grow = meta.topics
        .map((m) => ({ topic: m.name, have: m.partitions.length, want: present.find((t) => t.name === m.name)!.partitions }))
        .filter((g) => g.have < g.want)
        .map((g) => ({ topic: g.topic, count: g.want }));
      if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow });
    }
  } finally {
    await admin.disconnect();
  }
}

/** True when the broker answers a metadata request within the timeout. */
export async function pingKafka(conn: KafkaConnection, timeoutMs = 3_000): Promise<boolean> {
  const admin = new Kafka({
    clientId: `${conn.clientId}-health`,
    brokers: conn.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    retry: { retries: 0 },
  }).admin();
  const attempt = (async () => {
    await admin.connect();
    await admin.listTopics();
    return true;
  })();
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  try {
    return await Promise.race([attempt.catch(() => false), timeout]);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
