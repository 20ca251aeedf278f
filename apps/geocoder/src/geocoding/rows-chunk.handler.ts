import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { decodeEvent, EventDecodeError, RowsChunkEventV2, Topics } from '@geobatch/contracts';
import { DeadLetterPublisher, EventPublisher, kafkaLogFields } from '@geobatch/util-kafka';
import { Metrics } from '@geobatch/util-observability';
import { GeocoderConfig } from '../config/geocoder-config.module';
import { ChunkGeocoder } from './chunk-geocoder.service';
import { keepAlive, withRetries } from './retry';

/**
 * Geocodes one chunk per message and publishes its result. Returns only once the broker has
 * acknowledged the result, so kafkajs commits the chunk's offset only when its result is durable;
 * a crash in between replays the chunk and it is published again (the merger stores each
 * (job, sheet, chunk) once).
 *
 * A lookup that fails (database down) is retried here with backoff (GEOCODER_RETRY_ATTEMPTS,
 * GEOCODER_RETRY_BACKOFF_MS doubling), heartbeating meanwhile so the group keeps the partition; if it
 * still fails the error is thrown and kafkajs retries the message. On SIGTERM the chunk in hand is
 * finished (retries included), its result published and its offset committed before the process exits.
 * Messages that do not decode go to the dead-letter topic.
 */
@Controller()
export class RowsChunkHandler {
  private readonly logger = new Logger(RowsChunkHandler.name);
  /** kafkajs heartbeats while one message is worked on (the consumer's heartbeatInterval). */
  heartbeatEveryMs = 3_000;

  constructor(
    private readonly geocoder: ChunkGeocoder,
    private readonly publisher: EventPublisher,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly metrics: Metrics,
    private readonly config: GeocoderConfig,
  ) {}

  @EventPattern<string>(Topics.rows.name)
  async onRowsChunk(@Payload() payload: unknown, @Ctx() ctx: KafkaContext): Promise<void> {
    const at = kafkaLogFields(ctx);
    let event: RowsChunkEventV2;
    try {
      event = decodeEvent(RowsChunkEventV2, payload);
    } catch (e) {
      // A poison message must not block the partition: park it and move on.
      if (e instanceof EventDecodeError) return this.deadLetters.publish(ctx, e);
      throw e;
    }
    const { jobId, sheet, chunk } = event;
    const t0 = performance.now();
    this.logger.debug({ msg: 'chunk received', jobId, sheet, chunk, ...at, rows: event.n.length });
    const stopHeartbeat = keepAlive(ctx.getHeartbeat(), this.heartbeatEveryMs);
    try {
      const { result, stats } = await withRetries(
        () => this.geocoder.geocode(event),
        { attempts: this.config.GEOCODER_RETRY_ATTEMPTS, backoffMs: this.config.GEOCODER_RETRY_BACKOFF_MS },
        {
          onRetry: (e, attempt, delayMs) =>
            this.logger.warn({ msg: 'chunk lookup failed; retrying', jobId, sheet, chunk, ...at, attempt, delayMs, error: e.message }),
        },
      );
      // Keyed by job: the merger that writes the job's workbook receives all of its chunks.
      await this.publisher.publish(Topics.results.name, jobId, result);
      const seconds = (performance.now() - t0) / 1000;
      this.metrics.rows.inc({ stage: 'geocoded' }, event.n.length);
      this.metrics.chunkSeconds.observe({ stage: 'geocoded' }, seconds);
      this.logger.log({ msg: 'chunk geocoded', jobId, sheet, chunk, ...at, ...stats, engine: this.config.GEOCODER_ENGINE, ms: Math.round(seconds * 1000) });
    } catch (e) {
      // Still failing: thrown on, so the offset is not committed and kafkajs retries the chunk.
      this.logger.error({ msg: 'chunk failed; kafkajs will retry it', jobId, sheet, chunk, ...at, error: (e as Error).message });
      throw e;
    } finally {
      stopHeartbeat();
    }
  }
}
