import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEnum,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  Min,
  type ValidationOptions,
} from 'class-validator';
import { decodeEvent, EventDecodeError } from '../decode-event';
import { MAX_DATE_CHARS } from '../row-date';
import { Topics } from '../topics';
import { RowResultV1 } from './chunk-result.event';
import { IsEpsgCode, IsNested, IsNestedArray, Satisfies } from './composed.validator';
import { IsNearestM } from './rows-chunk.event';

/** Most points one `POST /geocode` request may carry. */
export const MAX_GEOCODE_POINTS = 10_000;
/** Most datasets one request may name. */
export const MAX_GEOCODE_DATASETS = 5;
/**
 * How long a requester waits for the reply. The geocoder does no lookup for a request older than
 * this (by the Kafka message timestamp): it answers `expired` at once, since nobody is waiting.
 */
export const GEOCODE_TIMEOUT_MS = 30_000;

/** A number (finite) or a string of at most 200 characters. */
function isCoordinateValue(v: unknown): boolean {
  return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 200);
}

/** `isCoordinateValue`; null and absent are let through by `@IsOptional`. */
function IsCoordinateValue(options?: ValidationOptions): PropertyDecorator {
  return Satisfies('isCoordinateValue', isCoordinateValue, 'be a number or a string of at most 200 characters', options);
}

/**
 * One point to look up, as the caller has it: numbers or text (`"127.0276"`, `" 37.4979 "`), parsed
 * by the geocoder exactly as spreadsheet cells are. Missing or unusable values make that point INVALID,
 * not the request.
 */
export class GeocodePointV1 {
  /** Easting: longitude for EPSG:4326. */
  @IsOptional()
  @IsCoordinateValue()
  x?: number | string | null;

  /** Northing: latitude for EPSG:4326. */
  @IsOptional()
  @IsCoordinateValue()
  y?: number | string | null;

  /**
   * The point's date (`parseRowDate` formats): each dataset then answers from the version of its
   * series in force on that day, and the match says which (`version`).
   */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_DATE_CHARS)
  date?: string | null;
}

/**
 * `POST /geocode`, gateway → geocoder on `geobatch.geocode.v1` with Nest request-response
 * (`ClientKafka.send(Topics.geocode.name, request)`); answered with a `GeocodeReplyV1`.
 */
export class GeocodeRequestV1 {
  static readonly topic = Topics.geocode.name;
  static readonly replyTopic = Topics.geocodeReply.name;

  /** Up to MAX_GEOCODE_POINTS (10,000) points; the reply has one result per point, in this order. */
  @IsNestedArray(() => GeocodePointV1, MAX_GEOCODE_POINTS)
  points!: GeocodePointV1[];

  /** Coordinate system of x/y (see `INPUT_CRS`); `EPSG:4326` when absent. Points in an unsupported one are INVALID. */
  @IsOptional()
  @IsEpsgCode()
  crs?: string;

  /**
   * Datasets to answer from, in the order of each result's `matches`: a name (its current, latest
   * version), `name@version`, or a dataset id. The default dataset when absent.
   */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_GEOCODE_DATASETS)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(200, { each: true })
  datasets?: string[];

  /** Nearest-polygon tolerance in whole metres, 0–5000 (0 turns it off); DEFAULT_NEAREST_M (200) when absent. */
  @IsNearestM()
  nearestM?: number;
}

/** Why a request was not answered point by point. */
export enum GeocodeErrorCode {
  /** The request does not decode (too many points, a bad field): a 400 for the caller. */
  InvalidRequest = 'invalid_request',
  /** A named dataset does not exist, or there is no default dataset: a 400 (or 404) for the caller. */
  UnknownDataset = 'unknown_dataset',
  /** The request waited longer than GEOCODE_TIMEOUT_MS before a geocoder took it: nobody waits for it any more. */
  Expired = 'expired',
  /** The boundaries could not be read (database down) even after retries: a 503 for the caller. */
  Unavailable = 'unavailable',
}

export class GeocodeErrorV1 {
  @IsEnum(GeocodeErrorCode)
  code!: GeocodeErrorCode;

  /** For people, in Korean and English. */
  @IsString()
  @MaxLength(2000)
  message!: string;

  /** The fields that failed validation, `points.3.x: …`, for `invalid_request`. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  problems?: string[];
}

/** A dataset that answered, pinned by id. */
export class GeocodeDatasetV1 {
  @IsUUID()
  id!: string;

  @IsString()
  name!: string;

  @IsString()
  version!: string;

  /** `name@version`, as jobs label their datasets. */
  @IsString()
  label!: string;
}

/**
 * The answer to a `GeocodeRequestV1`, on `geobatch.geocode.v1.reply`. Either `error` is set (and
 * `results` is empty), or `results` holds one `RowResultV1` per requested point, in request order,
 * with `n` its 1-based position and `matches` one `MatchV1` (status, note, areas, distanceM) per
 * dataset, in the order of `datasets`.
 */
export class GeocodeReplyV1 {
  static readonly topic = Topics.geocodeReply.name;

  @IsOptional()
  @IsNested(() => GeocodeErrorV1)
  error?: GeocodeErrorV1;

  /** The coordinate system the points were read in. */
  @IsString()
  crs!: string;

  /** The tolerance applied, in metres. */
  @IsInt()
  @Min(0)
  nearestM!: number;

  @IsNestedArray(() => GeocodeDatasetV1)
  datasets!: GeocodeDatasetV1[];

  @IsNestedArray(() => RowResultV1, MAX_GEOCODE_POINTS)
  results!: RowResultV1[];
}

/** At most this many point problems are listed. */
const MAX_POINT_PROBLEMS = 20;

function pointProblems(points: unknown): string[] {
  if (!Array.isArray(points)) return ['points: points must be an array'];
  if (points.length > MAX_GEOCODE_POINTS) return [`points: points must contain no more than ${MAX_GEOCODE_POINTS} elements`];
  const problems: string[] = [];
  for (let i = 0; i < points.length && problems.length < MAX_POINT_PROBLEMS; i++) {
    const p: unknown = points[i];
    if (p === null || typeof p !== 'object' || Array.isArray(p)) {
      problems.push(`points.${i}: nested property points must be either object or array`);
      continue;
    }
    for (const axis of ['x', 'y'] as const) {
      const v = (p as Record<string, unknown>)[axis];
      if (v !== null && v !== undefined && !isCoordinateValue(v)) problems.push(`points.${i}.${axis}: ${axis} must be a number or a string of at most 200 characters`);
    }
    const date = (p as Record<string, unknown>).date;
    if (date !== null && date !== undefined && !(typeof date === 'string' && date.length <= MAX_DATE_CHARS)) {
      problems.push(`points.${i}.date: date must be a string of at most ${MAX_DATE_CHARS} characters`);
    }
  }
  return problems;
}

/**
 * `decodeEvent(GeocodeRequestV1, payload)` with the points checked by hand, by the same rules as the
 * class's decorators: class-validator needs 100–400 ms for 10,000 points, this about a millisecond.
 * The points come back as plain `{ x, y }` objects (unknown properties dropped, as `whitelist` does).
 */
export function decodeGeocodeRequest(payload: unknown): GeocodeRequestV1 {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new EventDecodeError(GeocodeRequestV1.name, ['payload is not a JSON object']);
  }
  const { points, ...rest } = payload as Record<string, unknown>;
  const problems: string[] = [];
  let request: GeocodeRequestV1 | undefined;
  try {
    request = decodeEvent(GeocodeRequestV1, { ...rest, points: [] });
  } catch (e) {
    if (!(e instanceof EventDecodeError)) throw e;
    problems.push(...e.problems);
  }
  problems.push(...pointProblems(points));
  if (problems.length > 0 || !request) throw new EventDecodeError(GeocodeRequestV1.name, problems);
  request.points = (points as Record<string, unknown>[]).map((p) => {
    const point: GeocodePointV1 = { x: p.x as GeocodePointV1['x'], y: p.y as GeocodePointV1['y'] };
    if (typeof p.date === 'string') point.date = p.date;
    return point;
  });
  return request;
}
