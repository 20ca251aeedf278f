import type { INestMicroservice, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { consumerServerOptions, ensureTopics } from '@geobatch/util-kafka';
import { GEOCODER_CLIENT_ID } from './config/geocoder-config.module';
import type { GeocoderEnvSchema } from './config/geocoder-env.schema';
import { GeocoderModule } from './geocoder.module';

export interface GeocoderAppOptions {
  /** Consumer group (default GEOCODER_GROUP_ID); tests use their own so they neither share offsets nor partitions with a running geocoder. */
  groupId?: string;
  /** Read the topic from the start when the group has no committed offsets (default true). */
  fromBeginning?: boolean;
}

/** Builds the geocoder (topics ensured, not yet listening); `main.ts` and the tests share it. */
export async function createGeocoderApp(
  config: Readonly<GeocoderEnvSchema>,
  logger: LoggerService,
  options: GeocoderAppOptions = {},
): Promise<INestMicroservice> {
  const conn = { clientId: GEOCODER_CLIENT_ID, brokers: config.KAFKA_BROKERS };
  // The broker never auto-creates topics: subscribing to a missing one would fail.
  await ensureTopics(conn);
  const transport = consumerServerOptions(conn, options.groupId ?? config.GEOCODER_GROUP_ID, {
    sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
    partitionsConsumedConcurrently: config.GEOCODER_CONCURRENCY,
    heartbeatInterval: config.KAFKA_HEARTBEAT_INTERVAL_MS,
  });
  if (options.fromBeginning !== undefined && transport.options) transport.options.subscribe = { fromBeginning: options.fromBeginning };
  return NestFactory.createMicroservice(GeocoderModule.forRoot(config), { ...transport, logger });
}
