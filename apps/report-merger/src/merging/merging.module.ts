import { ConsumerGroups } from '@geobatch/contracts';
import { ConsumerSkeleton, DEAD_LETTER_GROUP, DeadLetterPublisher } from '@geobatch/util-kafka';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
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
    DeadLetterPublisher,
    {
      provide: ConsumerSkeleton,
      inject: [DeadLetterPublisher, REPORT_MERGER_CONFIG, DataSource],
      useFactory: (deadLetters: DeadLetterPublisher, c: ReportMergerConfig, db: DataSource) =>
        new ConsumerSkeleton(
          deadLetters,
          { attempts: c.MERGER_RETRY_ATTEMPTS, backoffMs: c.MERGER_RETRY_BACKOFF_MS, heartbeatEveryMs: c.KAFKA_HEARTBEAT_INTERVAL_MS },
          // The outage probe: the job tables live in this database.
          () => db.query('SELECT 1'),
        ),
    },
    // Nest's Kafka server joins `<group>-server`: name that group on the letters.
    { provide: DEAD_LETTER_GROUP, useValue: `${ConsumerGroups.reportMerger}-server` },
  ],
  exports: [WorkbookMergerService],
})
export class MergingModule {}
