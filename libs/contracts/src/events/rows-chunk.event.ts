import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { MAX_DATE_CHARS } from '../row-date';
import { Topics } from '../topics';
import { ChunkAddressV1 } from './chunk-address';
import { composeDecorators, IsEpsgCode, Satisfies } from './composed.validator';
import { HasLengthOf, IsIntArray, IsNullableStringArray } from './columnar';

/** Upper bound on points per chunk; keeps every message far below Kafka's message size limit. */
export const MAX_POINTS_PER_CHUNK = 20_000;

/** `RowsChunkEventV2.nearestM` when the event has none: points up to 200 m outside every polygon take the nearest one. */
export const DEFAULT_NEAREST_M = 200;
/** Largest accepted `nearestM`. */
export const MAX_NEAREST_M = 5_000;

/** An optional nearest-polygon tolerance: whole metres from 0 (off) to MAX_NEAREST_M. */
export function IsNearestM(): PropertyDecorator {
  return composeDecorators(IsOptional(), IsInt(), Min(0), Max(MAX_NEAREST_M));
}

/** Longest coordinate text a chunk carries; a longer cell is garbage anyway. */
export const MAX_COORD_CHARS = 200;

/** Most versions one dated series may have in a job. */
export const MAX_SERIES_VERSIONS = 50;

/**
 * The versions of one output group's dataset series for a job with a date column (same name,
 * current generations, each with an effective date), oldest first: entry k of each column is one
 * version. A row is looked up in the version with the latest effective date on or before its date.
 */
export interface SeriesVersionsV1 {
  /** Dataset ids, pinned when the job was created. */
  ids: string[];
  /** `dataset.version` of each, e.g. `2023`: what the result's version column shows. */
  versions: string[];
  /** `YYYY-MM-DD`, strictly ascending. */
  effectiveDates: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `value` is a well-formed SeriesVersionsV1: one cheap loop over a handful of versions. */
function isSeriesVersions(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const { ids, versions, effectiveDates } = value as Partial<SeriesVersionsV1>;
  if (!Array.isArray(ids) || !Array.isArray(versions) || !Array.isArray(effectiveDates)) return false;
  const count = ids.length;
  if (count < 1 || count > MAX_SERIES_VERSIONS || versions.length !== count || effectiveDates.length !== count) return false;
  for (let k = 0; k < count; k++) {
    const id: unknown = ids[k];
    const version: unknown = versions[k];
    const date: unknown = effectiveDates[k];
    if (typeof id !== 'string' || !UUID.test(id)) return false;
    if (typeof version !== 'string' || version.length > 200) return false;
    if (typeof date !== 'string' || !DAY.test(date)) return false;
    if (k > 0 && !(date > (effectiveDates[k - 1] as string))) return false;
  }
  return true;
}

/** One SeriesVersionsV1 per entry of `datasetIds`, and a `date` column to choose by. */
function seriesPerGroup(value: unknown, args?: ValidationArguments): boolean {
  const event = args?.object as Partial<RowsChunkEventV2> | undefined;
  return (
    Array.isArray(value) &&
    Array.isArray(event?.datasetIds) &&
    value.length === event.datasetIds.length &&
    Array.isArray(event.date) &&
    value.every(isSeriesVersions)
  );
}

function IsSeriesPerGroup(options?: ValidationOptions): PropertyDecorator {
  const mustBe =
    `hold one {ids, versions, effectiveDates} per dataset (1 to ${MAX_SERIES_VERSIONS} versions, ` +
    'UUIDs, YYYY-MM-DD effective dates strictly ascending), and the chunk must have a date column';
  return Satisfies('isSeriesPerGroup', seriesPerGroup, mustBe, options);
}

/** One input row's raw coordinates, exactly as read (parsing and validation happen in the geocoder). */
export class PointV1 {
  /** 1-based data row number within its sheet (the header is not counted). */
  @IsInt()
  @Min(1)
  n!: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  x!: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  y!: string | null;
}

/**
 * A chunk of points of one sheet of one job, gateway → geocoder, as columns: `n[i]`, `x[i]` and
 * `y[i]` are one row. Key: `chunkKey(jobId, sheet, chunk)`. V2 replaced V1's object per point.
 */
export class RowsChunkEventV2 extends ChunkAddressV1 {
  static readonly topic = Topics.rows.name;

  /** No nested classes: the payload's own fields, validated as they are (see SelfInstantiating). */
  static fromPlain(payload: Record<string, unknown>): RowsChunkEventV2 {
    return Object.assign(new RowsChunkEventV2(), payload);
  }

  /** Boundary datasets to look the points up in, pinned by id when the job was created. */
  @IsArray()
  @ArrayMinSize(1)
  @IsUUID('all', { each: true })
  datasetIds!: string[];

  /**
   * Coordinate reference system of x/y, e.g. `EPSG:4326`. The geocoder reads those in `INPUT_CRS`
   * (4326, 5179, 5186, 5181, 5174, 3857, 32652); rows in any other are INVALID.
   */
  @IsEpsgCode()
  crs!: string;

  /**
   * Tolerance in metres (integer, 0–5000) for points in no polygon: the nearest polygon within it
   * answers (status NEAREST, with `distanceM`). 0 turns it off; absent means DEFAULT_NEAREST_M (200).
   */
  @IsNearestM()
  nearestM?: number;

  /** 1-based data row number of each point within its sheet (the header is not counted). */
  @IsArray()
  @ArrayMaxSize(MAX_POINTS_PER_CHUNK)
  @IsIntArray(1, Number.MAX_SAFE_INTEGER)
  n!: number[];

  /** Raw x of each row exactly as read (null: no cell); parsing and validation happen in the geocoder. */
  @IsNullableStringArray(MAX_COORD_CHARS)
  @HasLengthOf('n')
  x!: (string | null)[];

  @IsNullableStringArray(MAX_COORD_CHARS)
  @HasLengthOf('n')
  y!: (string | null)[];

  /**
   * Jobs with a date column: each row's date as read (a string, XLSX dates and numbers already as
   * `YYYY-MM-DD`; null: no cell), parsed by the geocoder with `parseRowDate`. Absent otherwise.
   */
  @IsOptional()
  @IsNullableStringArray(MAX_DATE_CHARS)
  @HasLengthOf('n')
  date?: (string | null)[];

  /**
   * Jobs with a date column: per entry of `datasetIds` (the newest version of each series), all the
   * series' versions, oldest first. Each row is looked up in the version in force on its date.
   */
  @IsOptional()
  @IsSeriesPerGroup()
  series?: SeriesVersionsV1[];
}

/** The columns of a rows chunk from its points. */
export function packPoints(points: readonly PointV1[]): Pick<RowsChunkEventV2, 'n' | 'x' | 'y'> {
  return { n: points.map((p) => p.n), x: points.map((p) => p.x ?? null), y: points.map((p) => p.y ?? null) };
}

/** The points of a rows chunk, one object per row. */
export function pointsOf(event: Pick<RowsChunkEventV2, 'n' | 'x' | 'y'>): PointV1[] {
  return event.n.map((n, i) => ({ n, x: event.x[i], y: event.y[i] }));
}
