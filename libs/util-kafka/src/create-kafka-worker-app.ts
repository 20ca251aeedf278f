import type { INestMicroservice, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { consumerServerOptions, type KafkaConnection } from './kafka-options';
import { ensureTopics } from './topic-provisioner';

/** What a test may change about a worker's consumer. */
export interface KafkaWorkerAppOptions {
  /** Consumer group (default: the service's own); tests use their own so they neither share offsets nor partitions with a running worker. */
  groupId?: string;
  /** Read the topics from the start when the group has no committed offsets (default true). */
  fromBeginning?: boolean;
}

/** The Kafka settings every worker's config has. */
interface KafkaWorkerEnv {
  KAFKA_BROKERS: string[];
  KAFKA_SESSION_TIMEOUT_MS: number;
  KAFKA_HEARTBEAT_INTERVAL_MS: number;
}

/**
 * Builds a Kafka worker's Nest microservice on `module` (topics ensured, not yet listening): the
 * wiring every worker's `create…App` shares with its `main.ts` and tests.
 */
export async function createKafkaWorkerApp(spec: {
  module: Parameters<typeof NestFactory.createMicroservice>[0];
  clientId: string;
  /** The service's own group (Nest's server appends `-server`). */
  groupId: string;
  /** Partitions consumed at once. */
  concurrency: number;
  config: Readonly<KafkaWorkerEnv>;
  logger: LoggerService;
  options?: KafkaWorkerAppOptions;
}): Promise<INestMicroservice> {
  const { config } = spec;
  const conn: KafkaConnection = { clientId: spec.clientId, brokers: config.KAFKA_BROKERS };
  // The broker never auto-creates topics: subscribing to a missing one would fail.
  await ensureTopics(conn);
  const transport = consumerServerOptions(conn, spec.options?.groupId ?? spec.groupId, {
    sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
    partitionsConsumedConcurrently: spec.concurrency,
    heartbeatInterval: config.KAFKA_HEARTBEAT_INTERVAL_MS,
  });
  if (spec.options?.fromBeginning !== undefined && transport.options) transport.options.subscribe = { fromBeginning: spec.options.fromBeginning };
  return NestFactory.createMicroservice(spec.module, { ...transport, logger: spec.logger });
}
