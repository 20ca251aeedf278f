import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { ChunkResultEventV2, decodeEvent, EventDecodeError, parseChunkKey, Topics } from '@geobatch/contracts';
import { JobRepository } from '@geobatch/job-store';
import { DeadLetterPublisher, kafkaLogFields } from '@geobatch/util-kafka';
import { Metrics } from '@geobatch/util-observability';
import { WorkbookMergerService } from './workbook-merger.service';

/**
 * Stores each geocoded chunk durably, then tries to finish its job. Returns only after the
 * database write, so kafkajs commits the offset of stored chunks only (at-least-once); a replay
 * stores nothing new.
 *
 * A failing write is retried here with backoff, heartbeating meanwhile. If it still fails while the
 * database does not answer at all, the error is thrown and kafkajs retries the message (an outage is
 * waited out). If the database answers but this chunk cannot be stored, it goes to the dead-letter
 * topic and its job is failed with the reason, so neither the partition nor the job hangs. A message
 * that does not decode is dead-lettered too; if its key names a chunk that is still not stored
 * `undecodableGraceMs` later (a good copy, e.g. a replay, may follow it), that job is failed.
 */
@Controller()
export class ChunkResultHandler {
  private readonly logger = new Logger(ChunkResultHandler.name);
  /** Attempts to store one chunk (the first included) before it counts as failing. */
  storeAttempts = 4;
  /** Wait before the first retry; doubled for each further one. */
  storeBackoffMs = 500;
  /** How long an undecodable chunk result's job waits for a good copy of that chunk before it fails. */
  undecodableGraceMs = 60_000;

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
      if (e instanceof EventDecodeError) return this.onUndecodable(payload, ctx, e);
      throw e;
    }
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
    const outcome = await this.merger.tryFinalize(jobId, { heartbeat: ctx.getHeartbeat() });
    if (outcome !== 'not-ready') this.logger.log({ msg: `merge ${outcome}`, jobId, ...at });
  }

  /** Whether the chunk was new, or null when it was given up on (dead-lettered, job failed). */
  private async store(event: ChunkResultEventV2, ctx: KafkaContext): Promise<boolean | null> {
    const { jobId, sheet, chunk } = event;
    const heartbeat = ctx.getHeartbeat();
    let last: Error = new Error('not attempted');
    for (let attempt = 1; attempt <= this.storeAttempts; attempt++) {
      try {
        return await this.jobs.saveChunkResult(event);
      } catch (e) {
        last = e instanceof Error ? e : new Error(String(e));
        if (attempt === this.storeAttempts) break;
        const delayMs = this.storeBackoffMs * 2 ** (attempt - 1);
        this.logger.warn({ msg: 'storing a chunk result failed; retrying', jobId, sheet, chunk, attempt, delayMs, error: last.message, ...kafkaLogFields(ctx) });
        await heartbeat?.().catch(() => undefined);
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
    // The database does not answer at all: an outage, thrown on so kafkajs retries the message.
    const job = await this.jobs.findById(jobId).catch(() => {
      this.logger.error({ msg: 'storing a chunk result failed; kafkajs will retry it', jobId, sheet, chunk, error: last.message, ...kafkaLogFields(ctx) });
      throw last;
    });
    // The database answers now: one more attempt tells an outage that just ended from a chunk that cannot be stored.
    try {
      return await this.jobs.saveChunkResult(event);
    } catch (e) {
      last = e instanceof Error ? e : new Error(String(e));
    }
    this.logger.error({ msg: 'chunk result cannot be stored: dead-lettered, job failed', jobId, sheet, chunk, error: last.message, ...kafkaLogFields(ctx) });
    await this.deadLetters.publish(ctx, last);
    if (job) {
      await this.jobs.fail(jobId, `결과 청크를 저장할 수 없음: 시트 ${sheet + 1}, 청크 ${chunk} (a geocoded chunk could not be stored: ${last.message})`.slice(0, 1000));
    }
    return null;
  }

  private async onUndecodable(_payload: unknown, ctx: KafkaContext, error: EventDecodeError): Promise<void> {
    await this.deadLetters.publish(ctx, error);
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
    }, this.undecodableGraceMs);
    timer.unref();
  }
}
