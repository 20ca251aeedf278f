import type { Server } from 'node:http';
import { answersWithin } from '@geobatch/util-retry';
import { startOpsServer, type HealthReport, type Metrics } from '@geobatch/util-observability';
import { ConsumerLagMonitor } from './consumer-lag-monitor';
import type { KafkaConnection } from './kafka-options';
import { pingKafka } from './topic-provisioner';

const PROBE_TIMEOUT_MS = 3_000;

/**
 * The HTTP surface of a Kafka worker: `/health` (database, broker and consumer all up) and
 * `/metrics`, including the lag of the worker's consumer group, sampled in the background.
 */
export async function startWorkerOps(options: {
  port: number;
  conn: KafkaConnection;
  /** The group as the broker knows it (Nest's server appends `-server`). */
  groupId: string;
  topics: string[];
  metrics: Metrics;
  pingDatabase: () => Promise<unknown>;
  consumerStatus: () => string;
}): Promise<{ server: Server; lag: ConsumerLagMonitor }> {
  const lag = new ConsumerLagMonitor(options.conn, options.groupId, options.topics, options.metrics.consumerLag);
  await lag.start();
  const server = await startOpsServer(options.port, {
    metrics: options.metrics.registry,
    health: async (): Promise<HealthReport> => {
      const [database, kafka] = await Promise.all([
        answersWithin(options.pingDatabase, PROBE_TIMEOUT_MS),
        pingKafka(options.conn, PROBE_TIMEOUT_MS),
      ]);
      const consumer = options.consumerStatus();
      const consumerUp = !['disconnected', 'stopped'].includes(consumer);
      return {
        status: database && kafka && consumerUp ? 'ok' : 'error',
        database: database ? 'up' : 'down',
        kafka: kafka ? 'up' : 'down',
        consumer,
      };
    },
  });
  return { server, lag };
}
