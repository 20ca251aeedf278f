import 'reflect-metadata';
import type { INestMicroservice } from '@nestjs/common';
import type { Consumer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { ConsumerGroups, Topics } from '@geobatch/contracts';
import { ConfigValidationError, loadConfig } from '@geobatch/util-config';
import { startWorkerOps } from '@geobatch/util-kafka';
import { JsonLogger, Metrics } from '@geobatch/util-observability';
import { REPORT_MERGER_CLIENT_ID, type ReportMergerConfig } from './config/report-merger-config.module';
import { ReportMergerEnvSchema } from './config/report-merger-env.schema';
import { createReportMergerApp } from './create-report-merger-app';


function loadMergerConfig(): ReportMergerConfig {
  try {
    return loadConfig(ReportMergerEnvSchema);
  } catch (e) {
    if (e instanceof ConfigValidationError) {
      process.stderr.write(`report-merger: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}


async function main(): Promise<void> {
  const config = loadMergerConfig();
  const logger = new JsonLogger('report-merger', config.LOG_LEVEL);
  let app: INestMicroservice | undefined;
  try {
    app = await createReportMergerApp(config, logger);
    // SIGTERM/SIGINT: stop consuming (kafkajs finishes the message in hand and commits), let
    // running merges end, close the pool, then exit 0.
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
        conn: { clientId: REPORT_MERGER_CLIENT_ID, brokers: config.KAFKA_BROKERS },
        // Nest's Kafka server appends `-server` to the group id it joins.
        groupId: `${ConsumerGroups.reportMerger}-server`,
        topics: [Topics.results.name, Topics.jobs.name],
        metrics: app.get(Metrics),
        pingDatabase: () => db.query('SELECT 1'),
        consumerStatus: () => consumerStatus,
      });
    }
    logger.log({
      msg: 'report-merger consuming',
      topics: [Topics.results.name, Topics.jobs.name],
      groupId: ConsumerGroups.reportMerger,
      storageDir: config.STORAGE_DIR,
      ...(config.HTTP_PORT > 0 ? { ops: `http://0.0.0.0:${config.HTTP_PORT}/{health,metrics}` } : {}),
    });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    logger.error({ msg: 'report-merger failed to start', error: err.message }, err.stack);
    await app?.close().catch(() => undefined);
    process.exit(1);
  }
}

void main();
