import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { chunkKey, decodeEvent, EventDecodeError, RowsChunkEventV1, Topics } from '@geobatch/contracts';
import { EventPublisher, kafkaLogFields } from '@geobatch/util-kafka';
import { Metrics } from '@geobatch/util-observability';
import { ChunkGeocoder } from './chunk-geocoder.service';
import { DeadLetterPublisher } from './dead-letter.publisher';

/**
 * Geocodes one chunk per message and publishes its result. Returns only once the broker has
 * acknowledged the result, so kafkajs commits the chunk's offset only when its result is durable;
 * a crash in between replays the chunk and the same key is published again (downstream dedupes).
 */
@Controller()
export class RowsChunkHandler {
  private readonly logger = new Logger(RowsChunkHandler.name);

  constructor(
    private readonly geocoder: ChunkGeocoder,
    private readonly publisher: EventPublisher,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly metrics: Metrics,
  ) {}

  @EventPattern<string>(Topics.rows.name)
  async onRowsChunk(@Payload() payload: unknown, @Ctx() ctx: KafkaContext): Promise<void> {
    const at = kafkaLogFields(ctx);
    let event: RowsChunkEventV1;
    try {
      event = decodeEvent(RowsChunkEventV1, payload);
    } catch (e) {
      // A poison message must not block the partition: park it and move on.
      if (e instanceof EventDecodeError) return this.deadLetters.publish(ctx, e);
      throw e;
    }
    const { jobId, sheet, chunk } = event;
    const t0 = performance.now();
    try {
      const { result, stats } = await this.geocoder.geocode(event);
      await this.publisher.publish(Topics.results.name, chunkKey(jobId, sheet, chunk), result);
      const seconds = (performance.now() - t0) / 1000;
      this.metrics.rows.inc({ stage: 'geocoded' }, event.points.length);
      this.metrics.chunkSeconds.observe({ stage: 'geocoded' }, seconds);
      this.logger.log({ msg: 'chunk geocoded', jobId, sheet, chunk, ...at, ...stats, ms: Math.round(seconds * 1000) });
    } catch (e) {
      // Database or broker trouble: thrown on, so the offset is not committed and kafkajs retries the chunk.
      this.logger.error({ msg: 'chunk failed; it will be retried', jobId, sheet, chunk, ...at, error: (e as Error).message });
      throw e;
    }
  }
}
