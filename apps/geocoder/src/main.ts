import 'reflect-metadata';
import type { INestMicroservice } from '@nestjs/common';
import type { Consumer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Topics } from '@geobatch/contracts';
import { ConfigValidationError, loadConfig } from '@geobatch/util-config';
import { startWorkerOps } from '@geobatch/util-kafka';
import { JsonLogger, Metrics } from '@geobatch/util-observability';
import { GEOCODER_CLIENT_ID } from './config/geocoder-config.module';
import { GeocoderEnvSchema } from './config/geocoder-env.schema';
import { createGeocoderApp } from './create-geocoder-app';


function loadGeocoderConfig(): Readonly<GeocoderEnvSchema> {
  try {
    return loadConfig(GeocoderEnvSchema);
  } catch (e) {
    if (e instanceof ConfigValidationError) {
      process.stderr.write(`geocoder: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}


async function main(): Promise<void> {
  const config = loadGeocoderConfig();
  const logger = new JsonLogger('geocoder', config.LOG_LEVEL);
  let app: INestMicroservice | undefined;
  try {
    app = await createGeocoderApp(config, logger);
    // SIGTERM/SIGINT: stop consuming (kafkajs finishes the chunk in hand, retries included, its
    // result is published and the offset committed), close the producer and the pool, then exit 0.
    app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
    let consumerStatus = 'starting';
    app.status.subscribe((s) => (consumerStatus = s));
    await app.listen();

    const [, consumer] = app.unwrap<[unknown, Consumer, unknown]>();
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return; // kafkajs restarts the consumer by itself
      logger.error({ msg: 'Kafka consumer crashed for good; exiting so the service is restarted', error: payload.error.message });
      void app!.close().finally(() => process.exit(1));
    });

    if (config.HTTP_PORT > 0) {
      const db = app.get(DataSource);
      await startWorkerOps({
        port: config.HTTP_PORT,
        conn: { clientId: GEOCODER_CLIENT_ID, brokers: config.KAFKA_BROKERS },
        // Nest's Kafka server appends `-server` to the group id it joins.
        groupId: `${config.GEOCODER_GROUP_ID}-server`,
        topics: [Topics.rows.name, Topics.geocode.name],
        metrics: app.get(Metrics),
        pingDatabase: () => db.query('SELECT 1'),
        consumerStatus: () => consumerStatus,
      });
    }
    logger.log({
      msg: 'geocoder consuming',
      topics: [Topics.rows.name, Topics.geocode.name],
      groupId: config.GEOCODER_GROUP_ID,
      concurrency: config.GEOCODER_CONCURRENCY,
      engine: config.GEOCODER_ENGINE,
      ...(config.HTTP_PORT > 0 ? { ops: `http://0.0.0.0:${config.HTTP_PORT}/{health,metrics}` } : {}),
    });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    logger.error({ msg: 'geocoder failed to start', error: err.message }, err.stack);
    await app?.close().catch(() => undefined);
    process.exit(1);
  }
}

void main();
