import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { ChunkResultEventV2, decodeEvent, EventDecodeError, Topics } from '@geobatch/contracts';
import { JobRepository } from '@geobatch/job-store';
import { DeadLetterPublisher, kafkaLogFields } from '@geobatch/util-kafka';
import { Metrics } from '@geobatch/util-observability';
import { WorkbookMergerService } from './workbook-merger.service';

/**
 * Stores each geocoded chunk durably, then tries to finish its job. Returns only after the
 * database write, so kafkajs commits the offset of stored chunks only (at-least-once); a replay
 * stores nothing new.
 */
@Controller()
export class ChunkResultHandler {
  private readonly logger = new Logger(ChunkResultHandler.name);

  constructor(
    private readonly jobs: JobRepository,
    private readonly merger: WorkbookMergerService,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly metrics: Metrics,
  ) {}

  @EventPattern<string>(Topics.results.name)
  async onChunkResult(@Payload() payload: unknown, @Ctx() ctx: KafkaContext): Promise<void> {
    const at = kafkaLogFields(ctx);
    let event: ChunkResultEventV2;
    try {
      event = decodeEvent(ChunkResultEventV2, payload);
    } catch (e) {
      // A poison message must not block the partition: park it and move on.
      if (e instanceof EventDecodeError) return this.deadLetters.publish(ctx, e);
      throw e;
    }
    const { jobId, sheet, chunk } = event;
    const t0 = performance.now();
    const stored = await this.jobs.saveChunkResult(event);
    this.metrics.chunkSeconds.observe({ stage: 'stored' }, (performance.now() - t0) / 1000);
    this.logger.log({
      msg: stored ? 'chunk result stored' : 'chunk result already stored or job unknown; nothing written',
      jobId,
      sheet,
      chunk,
      rows: event.n.length,
      ...at,
    });
    if (stored) await this.merger.offer(event);
    const outcome = await this.merger.tryFinalize(jobId, { heartbeat: ctx.getHeartbeat() });
    if (outcome !== 'not-ready') this.logger.log({ msg: `merge ${outcome}`, jobId, ...at });
  }
}
