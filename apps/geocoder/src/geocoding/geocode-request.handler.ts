import { Controller, Logger } from '@nestjs/common';
import { Ctx, KafkaContext, MessagePattern, Payload } from '@nestjs/microservices';
import { GEOCODE_TIMEOUT_MS, GeocodeErrorCode, Topics, type GeocodeReplyV1 } from '@geobatch/contracts';
import { kafkaLogFields } from '@geobatch/util-kafka';
import { withRetries } from '@geobatch/util-retry';
import { GeocoderConfig } from '../config/geocoder-config.module';
import { errorReply, GeocodeRequestService } from './geocode-request.service';
import { keepAlive } from './keep-alive';

/**
 * `POST /geocode` over Kafka: Nest request-response on `geobatch.geocode.v1`, the reply going to the
 * topic and partition the request names (`geobatch.geocode.v1.reply`). Every request gets a reply,
 * an error one included; a request that waited longer than the requester's timeout is not looked up.
 */
@Controller()
export class GeocodeRequestHandler {
  private readonly logger = new Logger(GeocodeRequestHandler.name);
  /** kafkajs heartbeats while one message is worked on (the consumer's heartbeatInterval). */
  heartbeatEveryMs = 3_000;

  constructor(
    private readonly service: GeocodeRequestService,
    private readonly config: GeocoderConfig,
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
    const stopHeartbeat = keepAlive(ctx.getHeartbeat(), this.heartbeatEveryMs);
    try {
      const reply = await withRetries(() => this.service.answer(payload), this.retryPolicy(), {
        deadline,
        onRetry: (e, attempt, delayMs) =>
          this.logger.warn({ msg: 'geocode request failed; retrying', ...at, attempt, delayMs, error: e.message }),
      });
      const ms = Math.round(performance.now() - t0);
      this.logger.log({ msg: 'geocode request answered', ...at, points, datasets: reply.datasets.map((d) => d.label), ms, ...(reply.error ? { error: reply.error.code } : {}) });
      return reply;
    } catch (e) {
      this.logger.error({ msg: 'geocode request failed', ...at, points, error: (e as Error).message });
      return errorReply(GeocodeErrorCode.Unavailable, `경계 데이터를 읽을 수 없음 / boundaries unavailable, try again later (${(e as Error).message.slice(0, 200)})`);
    } finally {
      stopHeartbeat();
    }
  }

  private retryPolicy() {
    return { attempts: this.config.GEOCODER_RETRY_ATTEMPTS, backoffMs: this.config.GEOCODER_RETRY_BACKOFF_MS };
  }
}
