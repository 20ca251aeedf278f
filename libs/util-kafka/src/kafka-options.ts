import { Transport, type KafkaOptions } from '@nestjs/microservices';
import { CompressionTypes, logLevel } from 'kafkajs';
import { JsonValueDeserializer } from './json-value.deserializer';

export interface KafkaConnection {
  clientId: string;
  brokers: string[];
  /** Of what this client publishes (KAFKA_COMPRESSION); consumers read either. */
  compression?: 'none' | 'gzip';
}

/** Retries with backoff so a broker that is briefly away does not crash a service. */
const RETRY = { initialRetryTime: 300, retries: 12, maxRetryTime: 10_000 };
/**
 * How old partition-leader metadata may get. A fetch or send that fails on a dead broker's connection
 * does not refresh it (kafkajs refreshes on stale-metadata errors only), but each retry refreshes it
 * once it is this old: so a cluster's new leaders are found within seconds, not after the retries run out.
 */
const METADATA_MAX_AGE_MS = 3_000;
/**
 * A consumer's fetches from a dead broker are retried with the assignment it has; only a restart
 * (kafkajs restarts a consumer whose retries ran out, and it rejoins with fresh metadata) moves
 * them to the new leaders. Short retries make that restart come after seconds, not minutes.
 */
const CONSUMER_RETRY = { initialRetryTime: 300, retries: 5, maxRetryTime: 2_000 };

/**
 * Options for a service's Kafka consumer (a Nest microservice server). Offsets are committed
 * by kafkajs only for messages whose handler has resolved, so a crash replays unfinished work.
 */
export function consumerServerOptions(
  conn: KafkaConnection,
  groupId: string,
  extra: { sessionTimeout?: number; partitionsConsumedConcurrently?: number; heartbeatInterval?: number } = {},
): KafkaOptions {
  return {
    transport: Transport.KAFKA,
    options: {
      client: { clientId: conn.clientId, brokers: conn.brokers, retry: RETRY, logLevel: logLevel.WARN },
      consumer: {
        groupId,
        sessionTimeout: extra.sessionTimeout ?? 30_000,
        heartbeatInterval: extra.heartbeatInterval ?? 3_000,
        allowAutoTopicCreation: false,
        retry: CONSUMER_RETRY,
        metadataMaxAge: METADATA_MAX_AGE_MS,
      },
      subscribe: { fromBeginning: true },
      run: { partitionsConsumedConcurrently: extra.partitionsConsumedConcurrently ?? 1 },
      producer: { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, metadataMaxAge: METADATA_MAX_AGE_MS },
      send: { acks: -1 },
      // Values stay bytes past Nest's parser and are decoded once, by the deserializer.
      parser: { keepBinary: true },
      deserializer: new JsonValueDeserializer(),
    },
  };
}

/** Options for a service's producer (a Nest ClientKafka): idempotent, acknowledged by all replicas. */
export function producerClientOptions(conn: KafkaConnection): NonNullable<KafkaOptions['options']> {
  return {
    client: { clientId: conn.clientId, brokers: conn.brokers, retry: RETRY, logLevel: logLevel.WARN },
    producer: { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: RETRY, metadataMaxAge: METADATA_MAX_AGE_MS },
    producerOnlyMode: true,
    send: { acks: -1, ...(conn.compression === 'gzip' ? { compression: CompressionTypes.GZIP } : {}) },
  };
}
