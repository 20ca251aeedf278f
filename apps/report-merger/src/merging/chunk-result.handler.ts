import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { ChunkResultEventV2, EventDecodeError, parseChunkKey, Topics } from '@geobatch/contracts';
import { JobRepository } from '@geobatch/job-store';
import { ConsumerSkeleton, kafkaLogFields } from '@geobatch/util-kafka';
import { Metrics } from '@geobatch/util-observability';
import { REPORT_MERGER_CONFIG, type ReportMergerConfig } from '../config/report-merger-config.module';
import { WorkbookMergerService } from './workbook-merger.service';

/**
 * Stores each geocoded chunk durably, then tries to finish its job. Returns only after the
 * database write, so kafkajs commits the offset of stored chunks only (at-least-once); a replay
 * stores nothing new, and neither does a chunk of a job that is no longer running (cancelled).
 *
 * A failing write is retried by the shared ConsumerSkeleton (MERGER_RETRY_ATTEMPTS,
 * MERGER_RETRY_BACKOFF_MS), heartbeating meanwhile. If it still fails while the database does not
 * answer at all, the error is thrown and kafkajs retries the message (an outage is waited out). If
 * the database answers but this chunk cannot be stored, it goes to the dead-letter topic and its job
 * is failed with the reason, so neither the partition nor the job hangs. A message that does not
 * decode is dead-lettered too; if its key names a chunk that is still not stored
 * MERGER_UNDECODABLE_GRACE_MS later (a good copy, e.g. a replay, may follow it), that job is failed.
 */
@Controller()
export class ChunkResultHandler {
  private readonly logger = new Logger(ChunkResultHandler.name);

  constructor(
    private readonly jobs: JobRepository,
    private readonly merger: WorkbookMergerService,
    private readonly consumer: ConsumerSkeleton,
    private readonly metrics: Metrics,
    @Inject(REPORT_MERGER_CONFIG) private readonly config: ReportMergerConfig,
  ) {}

  @EventPattern<string>(Topics.results.name)
  async onChunkResult(@Payload() payload: unknown, @Ctx() ctx: KafkaContext): Promise<void> {
    const at = kafkaLogFields(ctx);
    const event = await this.consumer.decode(ChunkResultEventV2, payload, ctx, (e) => this.onUndecodable(ctx, e));
    if (!event) return;
    const { jobId, sheet, chunk } = event;
    const t0 = performance.now();
    const stored = await this.store(event, ctx);
    if (stored === null) return;
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
    else await this.merger.abandonIfEnded(jobId);
    const outcome = await this.merger.tryFinalize(jobId, { heartbeat: ctx.getHeartbeat() });
    if (outcome !== 'not-ready') this.logger.log({ msg: `merge ${outcome}`, jobId, ...at });
  }

  /** Whether the chunk was new, or null when it was given up on (dead-lettered, job failed). */
  private store(event: ChunkResultEventV2, ctx: KafkaContext): Promise<boolean | null> {
    const { jobId, sheet, chunk } = event;
    return this.consumer.retrying<boolean | null>(ctx, {
      work: () => this.jobs.saveChunkResult(event),
      giveUp: async (error) => {
        this.logger.error({ msg: 'chunk result cannot be stored: dead-lettered, job failed', jobId, sheet, chunk, error: error.message, ...kafkaLogFields(ctx) });
        await this.consumer.deadLetter(ctx, error);
        // A no-op for an unknown job or one that has ended.
        await this.jobs.fail(jobId, `결과 청크를 저장할 수 없음: 시트 ${sheet + 1}, 청크 ${chunk} (a geocoded chunk could not be stored: ${error.message})`.slice(0, 1000));
        return null;
      },
      logger: this.logger,
      fields: { jobId, sheet, chunk },
      retryMsg: 'storing a chunk result failed; retrying',
      outageMsg: 'storing a chunk result failed; kafkajs will retry it',
    });
  }

  /** Dead-lettered already: fails the chunk's job unless a good copy of the chunk comes within the grace period. */
  private async onUndecodable(ctx: KafkaContext, error: EventDecodeError): Promise<void> {
    const key = ctx.getMessage().key;
    const target = parseChunkKey(key === null || key === undefined ? null : String(key));
    if (!target) return;
    const { jobId, sheet, chunk } = target;
    const reason = `결과 청크를 읽을 수 없음: 시트 ${sheet + 1}, 청크 ${chunk} (a geocoded chunk could not be read: ${error.message})`.slice(0, 1000);
    // In memory only: a merger restart forgets it (the dead letter stays on its topic).
    const timer = setTimeout(() => {
      void this.jobs
        .hasChunkResult(jobId, sheet, chunk)
        .then(async (stored) => {
          if (stored) return;
          await this.jobs.fail(jobId, reason);
          this.logger.warn({ msg: 'undecodable chunk result never replaced: job failed', jobId, sheet, chunk });
        })
        .catch((e: Error) => this.logger.error({ msg: 'could not check an undecodable chunk result', jobId, sheet, chunk, error: e.message }));
    }, this.config.MERGER_UNDECODABLE_GRACE_MS);
    timer.unref();
  }
}
