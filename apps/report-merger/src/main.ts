import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConsumerGroups, Topics } from '@geobatch/contracts';
import { runKafkaWorker } from '@geobatch/util-kafka';
import { REPORT_MERGER_CLIENT_ID } from './config/report-merger-config.module';
import { ReportMergerEnvSchema } from './config/report-merger-env.schema';
import { createReportMergerApp } from './create-report-merger-app';

void runKafkaWorker({
  service: 'report-merger',
  schema: ReportMergerEnvSchema,
  clientId: REPORT_MERGER_CLIENT_ID,
  create: (config, logger) => createReportMergerApp(config, logger),
  groupId: () => `${ConsumerGroups.reportMerger}-server`,
  topics: [Topics.results.name, Topics.jobs.name],
  pingDatabase: (app) => app.get(DataSource).query('SELECT 1'),
  describe: (config) => ({ storageDir: config.STORAGE_DIR }),
});
