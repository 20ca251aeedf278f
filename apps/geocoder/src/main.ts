import 'reflect-metadata';
import { Topics } from '@geobatch/contracts';
import { runKafkaWorker } from '@geobatch/util-kafka';
import { GEOCODER_CLIENT_ID } from './config/geocoder-config.module';
import { GeocoderEnvSchema } from './config/geocoder-env.schema';
import { createGeocoderApp } from './create-geocoder-app';

void runKafkaWorker({
  service: 'geocoder',
  schema: GeocoderEnvSchema,
  clientId: GEOCODER_CLIENT_ID,
  create: (config, logger) => createGeocoderApp(config, logger),
  groupId: (config) => `${config.GEOCODER_GROUP_ID}-server`,
  topics: [Topics.rows.name, Topics.geocode.name],
  describe: (config) => ({ concurrency: config.GEOCODER_CONCURRENCY, engine: config.GEOCODER_ENGINE }),
});
