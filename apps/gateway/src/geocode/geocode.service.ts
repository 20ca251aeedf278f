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
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { lastValueFrom, timeout, TimeoutError } from 'rxjs';
import {
  GeocodeErrorCode,
  GeocodeRequestDto,
  MAX_DATE_CHARS,
  MAX_GEOCODE_POINTS,
  parseRowDate,
  Topics,
  type GeocodePointV1,
  type GeocodeReplyV1,
  type GeocodeRequestV1,
  type GeocodeResponseDto,
} from '@geobatch/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import { GEOCODE_CLIENT } from './geocode-client.provider';

/** At most this many point problems are listed in a 400. */
const MAX_POINT_PROBLEMS = 20;
const MAX_ID_LENGTH = 200;

function isCoordinate(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 200);
}

function isPointId(v: unknown): boolean {
  return v === undefined || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= MAX_ID_LENGTH);
}

/** The points of a request, checked by hand (class-validator takes 100–400 ms for 10,000 nested objects). */
function checkPoints(points: unknown): string[] {
  if (!Array.isArray(points)) return ['points: 점 목록이 필요합니다 (points must be an array of {x, y, id?})'];
  if (points.length === 0) return ['points: 점이 하나 이상 필요합니다 (points must contain at least 1 element)'];
  if (points.length > MAX_GEOCODE_POINTS) {
    return [`points: 한 번에 최대 ${MAX_GEOCODE_POINTS.toLocaleString('en')}개 (at most ${MAX_GEOCODE_POINTS} points per request, got ${points.length}; split the request or submit a job)`];
  }
  const problems: string[] = [];
  for (let i = 0; i < points.length && problems.length < MAX_POINT_PROBLEMS; i++) {
    const p: unknown = points[i];
    if (p === null || typeof p !== 'object' || Array.isArray(p)) {
      problems.push(`points.${i}: must be an object {x, y, id?}`);
      continue;
    }
    const { x, y, id } = p as Record<string, unknown>;
    if (!isCoordinate(x)) problems.push(`points.${i}.x: must be a number or a string of at most 200 characters`);
    if (!isCoordinate(y)) problems.push(`points.${i}.y: must be a number or a string of at most 200 characters`);
    if (!isPointId(id)) problems.push(`points.${i}.id: must be a number or a string of at most ${MAX_ID_LENGTH} characters`);
    const date = (p as Record<string, unknown>).date;
    if (date !== undefined && date !== null) {
      if (typeof date !== 'string' || date.length > MAX_DATE_CHARS || !parseRowDate(date).ok) {
        problems.push(
          `points.${i}.date: 날짜를 읽을 수 없습니다 (unreadable date ${JSON.stringify(date).slice(0, 60)}; use YYYY-MM-DD, YYYYMMDD, YYYY.MM.DD, YYYY/MM/DD or DD-MON-YY, optionally with a time)`,
        );
      }
    }
  }
  return problems;
}

/**
 * `POST /geocode`: checks the request, sends it to a geocoder over Kafka (Nest request-response on
 * `geobatch.geocode.v1`, the reply coming back on `geobatch.geocode.v1.reply`) and turns the reply
 * into the HTTP answer, each point's `id` echoed beside its result.
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
  async geocode(body: unknown, requestId?: string, ownerKeyId?: string): Promise<GeocodeResponseDto> {
    const checked = await this.validate(body);
    const pinned = await this.datasets.resolve(checked.datasets?.join(','), ownerKeyId).catch((e: unknown) => {
      throw e instanceof UnknownDatasetError ? new BadRequestException(e.message.replace(/^dataset:/, 'datasets:')) : e;
    });
    // The geocoder gets the ids this key may use, never a name it could resolve to someone else's dataset.
    const request: GeocodeRequestV1 = { ...checked, datasets: pinned.ids };
    const points = (body as { points: Record<string, unknown>[] }).points;
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
        const id = points[r.n - 1]?.id as string | number | undefined;
        return id === undefined ? { n: r.n, matches: r.matches } : { n: r.n, id, matches: r.matches };
      }),
    };
  }

  /** The request the geocoder gets: the points without their ids, the rest as given. */
  private async validate(body: unknown): Promise<GeocodeRequestV1> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new BadRequestException('요청 본문은 JSON 객체여야 합니다 (the body must be a JSON object: { "points": [{ "x": 127.0276, "y": 37.4979 }] })');
    }
    const { points, ...rest } = body as Record<string, unknown>;
    const problems = checkPoints(points);
    const dto = plainToInstance(GeocodeRequestDto, { ...rest, points: [] });
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
    for (const e of errors) {
      if (e.property === 'points') continue;
      problems.push(`${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`);
    }
    if (problems.length > 0) throw new BadRequestException(problems.join('; '));
    return {
      points: (points as Record<string, unknown>[]).map((p) => {
        const point: GeocodePointV1 = { x: p.x as GeocodePointV1['x'], y: p.y as GeocodePointV1['y'] };
        if (typeof p.date === 'string') point.date = p.date;
        return point;
      }),
      ...(dto.crs !== undefined ? { crs: dto.crs } : {}),
      ...(dto.datasets !== undefined ? { datasets: dto.datasets } : {}),
      ...(dto.nearestM !== undefined ? { nearestM: dto.nearestM } : {}),
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
