import { Controller, Logger } from '@nestjs/common';
import { Ctx, KafkaContext, MessagePattern, Payload } from '@nestjs/microservices';
import { GEOCODE_TIMEOUT_MS, GeocodeErrorCode, Topics, type GeocodeReplyV1 } from '@geobatch/contracts';
import { ConsumerSkeleton, kafkaLogFields } from '@geobatch/util-kafka';
import { errorReply, GeocodeRequestService } from './geocode-request.service';

/**
 * `POST /geocode` over Kafka: Nest request-response on `geobatch.geocode.v1`, the reply going to the
 * topic and partition the request names (`geobatch.geocode.v1.reply`). Every request gets a reply,
 * an error one included; a request that waited longer than the requester's timeout is not looked up.
 * Retries go through the shared ConsumerSkeleton, but nobody redelivers a request: when they run out
 * (or the deadline nears) the requester is answered `unavailable` at once, outage or not.
 */
@Controller()
export class GeocodeRequestHandler {
  private readonly logger = new Logger(GeocodeRequestHandler.name);

  constructor(
    private readonly service: GeocodeRequestService,
    private readonly consumer: ConsumerSkeleton,
  ) {}

  @MessagePattern(Topics.geocode.name)
  async onGeocode(@Payload() payload: unknown, @Ctx() ctx: KafkaContext): Promise<GeocodeReplyV1> {
    const at = kafkaLogFields(ctx);
    const t0 = performance.now();
    const sentAt = Number(ctx.getMessage().timestamp);
    const deadline = Number.isFinite(sentAt) && sentAt > 0 ? sentAt + GEOCODE_TIMEOUT_MS : Date.now() + GEOCODE_TIMEOUT_MS;
    const points = Array.isArray((payload as { points?: unknown })?.points) ? (payload as { points: unknown[] }).points.length : 0;
    if (Date.now() >= deadline) {
      this.logger.warn({ msg: 'geocode request expired before it was taken; not looked up', ...at, points, ageMs: Date.now() - sentAt });
      return errorReply(GeocodeErrorCode.Expired, `요청 시간 초과 / the request waited more than ${GEOCODE_TIMEOUT_MS} ms`);
    }
    let failure: Error | undefined;
    const reply = await this.consumer.retrying<GeocodeReplyV1 | null>(ctx, {
      work: () => this.service.answer(payload),
      giveUp: async (e) => ((failure = e), null),
      onOutage: 'give-up',
      deadline,
      logger: this.logger,
      retryMsg: 'geocode request failed; retrying',
    });
    if (!reply) {
      const message = failure?.message ?? 'unknown error';
      this.logger.error({ msg: 'geocode request failed', ...at, points, error: message });
      return errorReply(GeocodeErrorCode.Unavailable, `경계 데이터를 읽을 수 없음 / boundaries unavailable, try again later (${message.slice(0, 200)})`);
    }
    const ms = Math.round(performance.now() - t0);
    this.logger.log({ msg: 'geocode request answered', ...at, points, datasets: reply.datasets.map((d) => d.label), ms, ...(reply.error ? { error: reply.error.code } : {}) });
    return reply;
  }
}