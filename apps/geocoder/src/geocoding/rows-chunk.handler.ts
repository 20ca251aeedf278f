import { Controller, Logger, Optional } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import { chunkKey, decodeEvent, EventDecodeError, JobFailedEventV1, RowsChunkEventV2, Topics } from '@geobatch/contracts';
import { DeadLetterPublisher, EventPublisher, kafkaLogFields } from '@geobatch/util-kafka';
import { Metrics } from '@geobatch/util-observability';
import { isPermanent, withRetries } from '@geobatch/util-retry';
import { GeocoderConfig } from '../config/geocoder-config.module';
import { ChunkGeocoder } from './chunk-geocoder.service';
import { errorResult, failedChunkNote, salvageRowsChunk } from './failed-chunk';
import { keepAlive } from './keep-alive';

/** How long the database may take to answer `SELECT 1` before it counts as down. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Geocodes one chunk per message and publishes its result. Returns only once the broker has
 * acknowledged the result, so kafkajs commits the chunk's offset only when its result is durable;
 * a crash in between replays the chunk and it is published again (the merger stores each
 * (job, sheet, chunk) once).
 *
 * A lookup that fails (database down) is retried here with backoff (GEOCODER_RETRY_ATTEMPTS,
 * GEOCODER_RETRY_BACKOFF_MS doubling), heartbeating meanwhile so the group keeps the partition; if it
 * still fails while the database does not answer, the error is thrown and kafkajs retries the message
 * (an outage is waited out). If it fails although the database answers, or with an error no retry can
 * cure, the chunk is given up on: it goes to the dead-letter topic with the error, and a result with
 * every row ERROR is published so its job still completes, those rows among the problem rows.
 * On SIGTERM the chunk in hand is finished (retries included), its result published and its offset
 * committed before the process exits.
 *
 * Messages that do not decode go to the dead-letter topic; when the key or payload still tells the
 * job, sheet, chunk and row numbers, an all-ERROR result stands in for the chunk, else the job is failed
 * (JobFailedEventV1) with the reason.
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
    /** Tells an outage (retry for as long as it lasts) from a chunk that fails on its own (give up). */
    @Optional() private readonly db?: DataSource,
  ) {}

  @EventPattern<string>(Topics.rows.name)
  async onRowsChunk(@Payload() payload: unknown, @Ctx() ctx: KafkaContext): Promise<void> {
    const at = kafkaLogFields(ctx);
    let event: RowsChunkEventV2;
    try {
      event = decodeEvent(RowsChunkEventV2, payload);
    } catch (e) {
      // A poison message must not block the partition: park it and move on.
      if (e instanceof EventDecodeError) return this.onUndecodable(payload, ctx, e);
      throw e;
    }
    const { jobId, sheet, chunk } = event;
    const t0 = performance.now();
    this.logger.debug({ msg: 'chunk received', jobId, sheet, chunk, ...at, rows: event.n.length });
    const stopHeartbeat = keepAlive(ctx.getHeartbeat(), this.heartbeatEveryMs);
    try {
      let geocoded: Awaited<ReturnType<ChunkGeocoder['geocode']>>;
      try {
        geocoded = await withRetries(
          () => this.geocoder.geocode(event),
          { attempts: this.config.GEOCODER_RETRY_ATTEMPTS, backoffMs: this.config.GEOCODER_RETRY_BACKOFF_MS },
          {
            onRetry: (e, attempt, delayMs) =>
              this.logger.warn({ msg: 'chunk lookup failed; retrying', jobId, sheet, chunk, ...at, attempt, delayMs, error: e.message }),
          },
        );
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        if (isPermanent(error)) return await this.giveUp(event, ctx, error);
        if (!(await this.databaseAnswers())) throw error;
        // The database answers now: one more attempt tells an outage that just ended from a chunk that fails on its own.
        try {
          geocoded = await this.geocoder.geocode(event);
        } catch (again) {
          return await this.giveUp(event, ctx, again instanceof Error ? again : new Error(String(again)));
        }
      }
      const { result, stats } = geocoded;
      await this.publisher.publish(Topics.results.name, chunkKey(jobId, sheet, chunk), result);
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

  /** Parks the chunk with its error and stands in an all-ERROR result for it. */
  private async giveUp(event: RowsChunkEventV2, ctx: KafkaContext, error: Error): Promise<void> {
    const { jobId, sheet, chunk } = event;
    this.logger.error({ msg: 'chunk given up on: dead-lettered, its rows reported as ERROR', jobId, sheet, chunk, ...kafkaLogFields(ctx), error: error.message });
    await this.deadLetters.publish(ctx, error);
    const note = failedChunkNote('failed', error.message);
    const result = errorResult(event, event.n, event.datasetIds.length, note);
    await this.publisher.publish(Topics.results.name, chunkKey(jobId, sheet, chunk), result);
    this.metrics.rows.inc({ stage: 'geocoded' }, event.n.length);
  }

  private async onUndecodable(payload: unknown, ctx: KafkaContext, error: EventDecodeError): Promise<void> {
    await this.deadLetters.publish(ctx, error);
    const key = ctx.getMessage().key;
    const salvaged = salvageRowsChunk(payload, key === null || key === undefined ? null : String(key));
    if (!salvaged) return; // nothing ties it to a job
    const { jobId, sheet, chunk, rowNumbers } = salvaged;
    if (sheet !== null && chunk !== null && rowNumbers) {
      const result = errorResult({ jobId, sheet, chunk }, rowNumbers, salvaged.datasets, failedChunkNote('unreadable', error.message));
      await this.publisher.publish(Topics.results.name, chunkKey(jobId, sheet, chunk), result);
      this.logger.warn({ msg: 'undecodable chunk: its rows reported as ERROR', jobId, sheet, chunk, rows: rowNumbers.length, ...kafkaLogFields(ctx) });
      return;
    }
    const where = sheet !== null && chunk !== null ? `시트 ${sheet + 1}, 청크 ${chunk}` : '위치 불명';
    const failed: JobFailedEventV1 = {
      type: JobFailedEventV1.type,
      jobId,
      reason: `입력 청크를 읽을 수 없어 작업을 중단함 (${where}) (a rows chunk could not be read, so its rows are unknown: ${error.message})`.slice(0, 1000),
    };
    await this.publisher.publish(Topics.jobs.name, jobId, failed);
    this.logger.warn({ msg: 'undecodable chunk without row numbers: job failed', jobId, ...kafkaLogFields(ctx) });
  }

  /** True when the database answers now: the failure is the chunk's own, not an outage. */
  private async databaseAnswers(): Promise<boolean> {
    if (!this.db) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS)));
    try {
      return await Promise.race([this.db.query('SELECT 1').then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
