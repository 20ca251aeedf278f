import 'reflect-metadata';
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
  describe: (config) => ({ storageDir: config.STORAGE_DIR }),
});
