import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { JobCancelledEventV1, JobFailedEventV1, JobSealedEventV1, Topics } from '@geobatch/contracts';
import { JobRepository } from '@geobatch/job-store';
import { ConsumerSkeleton, kafkaLogFields } from '@geobatch/util-kafka';
import { WorkbookMergerService } from './workbook-merger.service';

/** The `type` of a jobs-topic event, when the payload has one. */
function eventType(payload: unknown): unknown {
  return payload !== null && typeof payload === 'object' ? (payload as { type?: unknown }).type : undefined;
}

/**
 * Job lifecycle events. The gateway seals the job in the database before it publishes
 * `job.sealed`; the event is the trigger to try finishing the job now that its chunk count is known.
 * `job.cancelled` drops what this merger holds for the job (the database already refuses its
 * results); `job.failed` records why another service gave up on it.
 */
@Controller()
export class JobEventsHandler {
  private readonly logger = new Logger(JobEventsHandler.name);

  constructor(
    private readonly jobs: JobRepository,
    private readonly merger: WorkbookMergerService,
    private readonly consumer: ConsumerSkeleton,
  ) {}

  @EventPattern<string>(Topics.jobs.name)
  async onJobEvent(@Payload() payload: unknown, @Ctx() ctx: KafkaContext): Promise<void> {
    const type = eventType(payload);
    if (type === JobFailedEventV1.type) return this.onJobFailed(payload, ctx);
    if (type === JobCancelledEventV1.type) return this.onJobCancelled(payload, ctx);
    if (typeof type === 'string' && type !== JobSealedEventV1.type) {
      this.logger.debug({ msg: 'job event ignored', type, ...kafkaLogFields(ctx) });
      return;
    }
    const event = await this.consumer.decode(JobSealedEventV1, payload, ctx);
    if (event) await this.onJobSealed(event, ctx);
  }

  private async onJobSealed(event: JobSealedEventV1, ctx: KafkaContext): Promise<void> {
    const at = kafkaLogFields(ctx);
    const { jobId } = event;
    const job = await this.jobs.findById(jobId);
    if (!job) {
      this.logger.warn({ msg: 'job sealed event for an unknown job; ignored', jobId, ...at });
      return;
    }
    // Normally already sealed by the gateway; sealing again with the event's totals is idempotent.
    if (!job.sealedAt) await this.jobs.seal(jobId, event.sheets);
    this.logger.log({ msg: 'job sealed', jobId, sheets: event.sheets.length, chunks: event.sheets.reduce((n, s) => n + s.chunks, 0), ...at });
    const outcome = await this.merger.tryFinalize(jobId, { heartbeat: ctx.getHeartbeat() });
    if (outcome !== 'not-ready') this.logger.log({ msg: `merge ${outcome}`, jobId, ...at });
  }

  /** Another service gave up on the job (e.g. a rows chunk nobody can read): record why. */
  private async onJobFailed(payload: unknown, ctx: KafkaContext): Promise<void> {
    const event = await this.consumer.decode(JobFailedEventV1, payload, ctx);
    if (!event) return;
    await this.jobs.fail(event.jobId, event.reason);
    this.logger.warn({ msg: 'job failed by another service', jobId: event.jobId, reason: event.reason, ...kafkaLogFields(ctx) });
  }

  /** The job is cancelled in the database: its progressive merge and partial file go (an advisory event; chunks refused at the store do the same). */
  private async onJobCancelled(payload: unknown, ctx: KafkaContext): Promise<void> {
    const event = await this.consumer.decode(JobCancelledEventV1, payload, ctx);
    if (!event) return;
    await this.merger.abandon(event.jobId, 'the job was cancelled');
    this.logger.log({ msg: 'job cancelled: its merge dropped', jobId: event.jobId, ...kafkaLogFields(ctx) });
  }
}
