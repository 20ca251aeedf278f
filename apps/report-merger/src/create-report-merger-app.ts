import type { INestMicroservice, LoggerService } from '@nestjs/common';
import { ConsumerGroups } from '@geobatch/contracts';
import { createKafkaWorkerApp, type KafkaWorkerAppOptions } from '@geobatch/util-kafka';
import { REPORT_MERGER_CLIENT_ID, type ReportMergerConfig } from './config/report-merger-config.module';
import { ReportMergerModule } from './report-merger.module';

/** Consumer group (default the merger's) and start position, for the tests. */
export type ReportMergerAppOptions = KafkaWorkerAppOptions;

/** Builds the merger (topics ensured, not yet listening); `main.ts` and the tests share it. */
export function createReportMergerApp(config: ReportMergerConfig, logger: LoggerService, options: ReportMergerAppOptions = {}): Promise<INestMicroservice> {
  return createKafkaWorkerApp({
    module: ReportMergerModule.forRoot(config),
    clientId: REPORT_MERGER_CLIENT_ID,
    groupId: ConsumerGroups.reportMerger,
    concurrency: config.KAFKA_PARTITIONS_CONCURRENTLY,
    config,
    logger,
    options,
  });
}
