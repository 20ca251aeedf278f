import { Controller, Inject, Logger, Optional } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { chunkKey, EventDecodeError, JobFailedEventV1, RowsChunkEventV2, Topics } from '@geobatch/contracts';
import { JobStatusCache } from '@geobatch/job-store';
import { ConsumerSkeleton, EventPublisher, kafkaLogFields } from '@geobatch/util-kafka';
import { Metrics } from '@geobatch/util-observability';
import { GEOCODER_CONFIG, type GeocoderConfig } from '../config/geocoder-config.module';
import { ChunkGeocoder } from './chunk-geocoder.service';
import { errorResult, failedChunkNote, salvageRowsChunk } from './failed-chunk';

/**
 * Geocodes one chunk per message and publishes its result. Returns only once the broker has
 * acknowledged the result, so kafkajs commits the chunk's offset only when its result is durable;
 * a crash in between replays the chunk and it is published again (the merger stores each
 * (job, sheet, chunk) once).
 *
 * A lookup that fails (database down) is retried by the shared ConsumerSkeleton (GEOCODER_RETRY_ATTEMPTS,
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
 *
 * A chunk of a job that has ended (cancelled, failed, expired) is skipped: committed, not geocoded.
 * The status is read from the job row (JobStatusCache, GEOCODER_JOB_STATUS_TTL_MS), not learnt from
 * JobCancelledEventV1: the row is what a cancel changes first and for good, while the event is
 * advisory (its publish may fail), exists for cancels only, and on the jobs topic would reach just
 * one geocoder of the group (partitions are shared), where every geocoder holds the job's chunks.
 */
@Controller()
export class RowsChunkHandler {
  private readonly logger = new Logger(RowsChunkHandler.name);

  constructor(
    private readonly geocoder: ChunkGeocoder,
    private readonly publisher: EventPublisher,
    private readonly consumer: ConsumerSkeleton,
    private readonly metrics: Metrics,
    @Inject(GEOCODER_CONFIG) private readonly config: GeocoderConfig,
    /** Tells the chunks of a cancelled job; without it (unit tests) every chunk is geocoded. */
    @Optional() private readonly jobStatus?: JobStatusCache,
  ) {}

  @EventPattern<string>(Topics.rows.name)
  async onRowsChunk(@Payload() payload: unknown, @Ctx() ctx: KafkaContext): Promise<void> {
    const at = kafkaLogFields(ctx);
    const event = await this.consumer.decode(RowsChunkEventV2, payload, ctx, (e) => this.onUndecodable(payload, ctx, e));
    if (!event) return;
    const { jobId, sheet, chunk } = event;
    if (await this.jobEnded(jobId)) {
      this.logger.log({ msg: 'chunk skipped: its job has ended (cancelled)', jobId, sheet, chunk, ...at, rows: event.n.length });
      return;
    }
    const t0 = performance.now();
    this.logger.debug({ msg: 'chunk received', jobId, sheet, chunk, ...at, rows: event.n.length });
    try {
      const geocoded = await this.consumer.retrying(ctx, {
        work: () => this.geocoder.geocode(event),
        giveUp: async (error) => (await this.giveUp(event, ctx, error), null),
        logger: this.logger,
        fields: { jobId, sheet, chunk },
        retryMsg: 'chunk lookup failed; retrying',
      });
      if (!geocoded) return;
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
    }
  }

  /** A status that cannot be read counts as running: the store refuses results of an ended job anyway. */
  private async jobEnded(jobId: string): Promise<boolean> {
    if (!this.jobStatus) return false;
    return this.jobStatus.hasEnded(jobId).catch((e: Error) => {
      this.logger.warn({ msg: 'job status unreadable; geocoding the chunk', jobId, error: e.message });
      return false;
    });
  }

  /** Parks the chunk with its error and stands in an all-ERROR result for it. */
  private async giveUp(event: RowsChunkEventV2, ctx: KafkaContext, error: Error): Promise<void> {
    const { jobId, sheet, chunk } = event;
    this.logger.error({ msg: 'chunk given up on: dead-lettered, its rows reported as ERROR', jobId, sheet, chunk, ...kafkaLogFields(ctx), error: error.message });
    await this.consumer.deadLetter(ctx, error);
    const note = failedChunkNote('failed', error.message);
    const result = errorResult(event, event.n, event.datasetIds.length, note);
    await this.publisher.publish(Topics.results.name, chunkKey(jobId, sheet, chunk), result);
    this.metrics.rows.inc({ stage: 'geocoded' }, event.n.length);
  }

  /** Dead-lettered already: stands in what can still be told of the chunk. */
  private async onUndecodable(payload: unknown, ctx: KafkaContext, error: EventDecodeError): Promise<void> {
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
}
