import { ConsumerGroups } from '@geobatch/contracts';
import { DEAD_LETTER_GROUP, DeadLetterPublisher } from '@geobatch/util-kafka';
import { Module } from '@nestjs/common';
import { DatabaseModule } from '../persistence/database.module';
import { ChunkResultHandler } from './chunk-result.handler';
import { JobEventsHandler } from './job-events.handler';
import { MergeRecoveryService } from './merge-recovery.service';
import { WorkbookMergerService } from './workbook-merger.service';

@Module({
  imports: [DatabaseModule],
  controllers: [ChunkResultHandler, JobEventsHandler],
  providers: [
    WorkbookMergerService,
    MergeRecoveryService,
    DeadLetterPublisher,
    // Nest's Kafka server joins `<group>-server`: name that group on the letters.
    { provide: DEAD_LETTER_GROUP, useValue: `${ConsumerGroups.reportMerger}-server` },
  ],
  exports: [WorkbookMergerService],
})
export class MergingModule {}
