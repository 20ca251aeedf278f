import { DatasetResolverService, UnknownDatasetError } from '../datasets/dataset-resolver.service';
import {
  BadRequestException,
  GatewayTimeoutException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { ClientKafka } from '@nestjs/microservices';
import { lastValueFrom, timeout, TimeoutError } from 'rxjs';
import {
  GeocodeErrorCode,
  Topics,
  type GeocodePointV1,
  type GeocodeReplyV1,
  type GeocodeRequestDto,
  type GeocodeRequestV1,
  type GeocodeResponseDto,
} from '@geobatch/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import { GEOCODE_CLIENT } from './geocode-client.provider';

/** The request the geocoder gets: the points without their ids, the rest as given. */
function geocoderRequest(body: GeocodeRequestDto, datasetIds: string[]): GeocodeRequestV1 {
  return {
    points: body.points.map((p) => {
      const point: GeocodePointV1 = { x: p.x, y: p.y };
      if (typeof p.date === 'string') point.date = p.date;
      return point;
    }),
    ...(body.crs !== undefined ? { crs: body.crs } : {}),
    // The ids this key may use, never a name it could resolve to someone else's dataset.
    datasets: datasetIds,
    ...(body.nearestM !== undefined ? { nearestM: body.nearestM } : {}),
  };
}

/**
 * `POST /geocode`, its body already checked by the ValidationPipe: sends it to a geocoder over Kafka
 * (Nest request-response on `geobatch.geocode.v1`, the reply coming back on
 * `geobatch.geocode.v1.reply`) and turns the reply into the HTTP answer, each point's `id` echoed
 * beside its result.
 */
@Injectable()
export class GeocodeService {
  private readonly logger = new Logger(GeocodeService.name);

  constructor(
    @Inject(GEOCODE_CLIENT) private readonly client: ClientKafka,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly datasets: DatasetResolverService,
  ) {}

  /** `ownerKeyId`: the caller; only shared datasets and its own are looked up (another key's is unknown). */
  async geocode(body: GeocodeRequestDto, requestId?: string, ownerKeyId?: string): Promise<GeocodeResponseDto> {
    const pinned = await this.datasets.resolve(body.datasets?.join(','), ownerKeyId, 'datasets').catch((e: unknown) => {
      // Answered before anything is sent (the exception filter would map it too; callers in-process see the 400).
      throw e instanceof UnknownDatasetError ? new BadRequestException(e.message) : e;
    });
    const request = geocoderRequest(body, pinned.ids);
    const points = body.points;
    const t0 = Date.now();
    let reply: GeocodeReplyV1;
    try {
      reply = await lastValueFrom(
        this.client.send<GeocodeReplyV1, GeocodeRequestV1>(Topics.geocode.name, request).pipe(timeout({ first: this.config.GEOCODE_TIMEOUT_MS })),
      );
    } catch (e) {
      if (e instanceof TimeoutError) {
        this.logger.warn({ msg: 'geocode request timed out', requestId, points: points.length, timeoutMs: this.config.GEOCODE_TIMEOUT_MS });
        throw new GatewayTimeoutException(
          `geocode: 지오코더가 ${this.config.GEOCODE_TIMEOUT_MS / 1000}초 안에 답하지 않았습니다 ` +
            `(no geocoder answered within ${this.config.GEOCODE_TIMEOUT_MS} ms; try again, send fewer points, or submit a job)`,
        );
      }
      this.logger.error({ msg: 'geocode request could not be sent', requestId, error: (e as Error).message });
      throw new ServiceUnavailableException('geocode: 지오코더에 요청을 보낼 수 없습니다 (the message broker is unavailable; try again later)');
    }
    if (reply.error) throw this.refusal(reply);
    this.logger.log({ msg: 'geocode answered', requestId, points: points.length, datasets: reply.datasets.map((d) => d.label), ms: Date.now() - t0 });
    return {
      crs: reply.crs,
      nearestM: reply.nearestM,
      datasets: reply.datasets,
      results: reply.results.map((r) => {
        const id = points[r.n - 1]?.id;
        return id === undefined ? { n: r.n, matches: r.matches } : { n: r.n, id, matches: r.matches };
      }),
    };
  }

  private refusal(reply: GeocodeReplyV1): HttpException {
    const { code, message } = reply.error!;
    switch (code) {
      case GeocodeErrorCode.InvalidRequest:
      case GeocodeErrorCode.UnknownDataset:
        return new BadRequestException(message);
      case GeocodeErrorCode.Expired:
        return new GatewayTimeoutException(message);
      case GeocodeErrorCode.Unavailable:
        return new ServiceUnavailableException(message);
      default:
        return new HttpException(message, HttpStatus.BAD_GATEWAY);
    }
  }
}
