import type { INestMicroservice, LoggerService } from '@nestjs/common';
import { createKafkaWorkerApp, type KafkaWorkerAppOptions } from '@geobatch/util-kafka';
import { GEOCODER_CLIENT_ID } from './config/geocoder-config.module';
import type { GeocoderEnvSchema } from './config/geocoder-env.schema';
import { GeocoderModule } from './geocoder.module';

/** Consumer group (default GEOCODER_GROUP_ID) and start position, for the tests. */
export type GeocoderAppOptions = KafkaWorkerAppOptions;

/** Builds the geocoder (topics ensured, not yet listening); `main.ts` and the tests share it. */
export function createGeocoderApp(config: Readonly<GeocoderEnvSchema>, logger: LoggerService, options: GeocoderAppOptions = {}): Promise<INestMicroservice> {
  return createKafkaWorkerApp({
    module: GeocoderModule.forRoot(config),
    clientId: GEOCODER_CLIENT_ID,
    groupId: config.GEOCODER_GROUP_ID,
    concurrency: config.GEOCODER_CONCURRENCY,
    config,
    logger,
    options,
  });
}
