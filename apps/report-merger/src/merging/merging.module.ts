import { Module } from '@nestjs/common';
import { DatabaseModule } from '../persistence/database.module';
import { ChunkResultHandler } from './chunk-result.handler';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { JobEventsHandler } from './job-events.handler';
import { MergeRecoveryService } from './merge-recovery.service';
import { WorkbookMergerService } from './workbook-merger.service';

@Module({
  imports: [DatabaseModule],
  controllers: [ChunkResultHandler, JobEventsHandler],
  providers: [WorkbookMergerService, MergeRecoveryService, DeadLetterPublisher],
  exports: [WorkbookMergerService],
})
export class MergingModule {}
