import type { INestMicroservice } from '@nestjs/common';
import type { Consumer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { ConfigValidationError, loadConfig, type CommonEnvSchema } from '@geobatch/util-config';
import { pingDatabase } from '@geobatch/util-database';
import { JsonLogger, Metrics } from '@geobatch/util-observability';
import { startWorkerOps } from './worker-ops';

interface WorkerEnv extends CommonEnvSchema {
  HTTP_PORT: number;
}

/**
 * The start-up every Kafka worker shares: validated config (exit 1 with the problems), JSON
 * logging, SIGTERM draining, exit on a consumer that crashed for good (so it gets restarted),
 * and the optional `/health` + `/metrics` surface.
 */
export async function runKafkaWorker<C extends WorkerEnv>(spec: {
  service: string;
  schema: new () => C;
  clientId: string;
  create: (config: Readonly<C>, logger: JsonLogger) => Promise<INestMicroservice>;
  /** The group as the broker knows it (Nest's server appends `-server`). */
  groupId: (config: Readonly<C>) => string;
  topics: string[];
  /** Extra fields for the "consuming" log line. */
  describe?: (config: Readonly<C>) => Record<string, unknown>;
}): Promise<void> {
  const config = loadWorkerConfig(spec.service, spec.schema);
  const logger = new JsonLogger(spec.service, config.LOG_LEVEL);
  let app: INestMicroservice | undefined;
  try {
    app = await spec.create(config, logger);
    // SIGTERM/SIGINT: stop consuming (kafkajs finishes the message in hand and commits), close
    // producers and pools, then exit 0.
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
      const running = app;
      await startWorkerOps({
        port: config.HTTP_PORT,
        conn: { clientId: spec.clientId, brokers: config.KAFKA_BROKERS },
        groupId: spec.groupId(config),
        topics: spec.topics,
        metrics: app.get(Metrics),
        pingDatabase: () => pingDatabase(running.get(DataSource)),
        consumerStatus: () => consumerStatus,
      });
    }
    logger.log({
      msg: `${spec.service} consuming`,
      topics: spec.topics,
      groupId: spec.groupId(config),
      ...(spec.describe?.(config) ?? {}),
      ...(config.HTTP_PORT > 0 ? { ops: `http://0.0.0.0:${config.HTTP_PORT}/{health,metrics}` } : {}),
    });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    logger.error({ msg: `${spec.service} failed to start`, error: err.message }, err.stack);
    await app?.close().catch(() => undefined);
    process.exit(1);
  }
}

/** The validated config, or exit 1 with the problems. */
function loadWorkerConfig<C extends WorkerEnv>(service: string, schema: new () => C): Readonly<C> {
  try {
    return loadConfig(schema);
  } catch (e) {
    if (e instanceof ConfigValidationError) {
      process.stderr.write(`${service}: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}
