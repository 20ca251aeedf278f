import { ConsumerGroups } from '@geobatch/contracts';
import { consumerSkeletonProviders } from '@geobatch/util-kafka';
import { Module } from '@nestjs/common';
import { REPORT_MERGER_CONFIG, type ReportMergerConfig } from '../config/report-merger-config.module';
import { ChunkResultHandler } from './chunk-result.handler';
import { JobEventsHandler } from './job-events.handler';
import { MergeRecoveryService } from './merge-recovery.service';
import { WorkbookMergerService } from './workbook-merger.service';

@Module({
  controllers: [ChunkResultHandler, JobEventsHandler],
  providers: [
    WorkbookMergerService,
    MergeRecoveryService,
    ...consumerSkeletonProviders(REPORT_MERGER_CONFIG, (c: ReportMergerConfig) => ({
      attempts: c.MERGER_RETRY_ATTEMPTS,
      backoffMs: c.MERGER_RETRY_BACKOFF_MS,
      heartbeatEveryMs: c.KAFKA_HEARTBEAT_INTERVAL_MS,
      consumerGroup: `${ConsumerGroups.reportMerger}-server`,
    })),
  ],
  exports: [WorkbookMergerService],
})
export class MergingModule {}
