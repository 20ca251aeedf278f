import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEnum,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { instancesOf } from '../decode-event';
import { ADMIN_LEVELS, RowStatus, type AdminLevel } from '../row-status';
import { ChunkAddressV1 } from './chunk-address';
import { IsNested, IsNestedArray, Satisfies } from './composed.validator';
import { IsEachIn, IsIntArray, IsNullableNumberArray, IsNullableStringArray } from './columnar';
import { Topics } from '../topics';
import { AreaV1, IsAreaArray } from './area';
import { MAX_POINTS_PER_CHUNK, MAX_SERIES_VERSIONS } from './rows-chunk.event';

/** The answer of one dataset for one row. Levels the dataset does not have, or the point is not in, are absent. */
export class MatchV1 {
  @IsEnum(RowStatus)
  status!: RowStatus;

  /** Why the row is not a clean match (shown in `비고`). */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;

  @IsOptional()
  @IsNested(() => AreaV1)
  sido?: AreaV1;

  @IsOptional()
  @IsNested(() => AreaV1)
  sigungu?: AreaV1;

  @IsOptional()
  @IsNested(() => AreaV1)
  eupmyeondong?: AreaV1;

  @IsOptional()
  @IsNested(() => AreaV1)
  ri?: AreaV1;

  /**
   * Distance in metres to the matched polygon when it was matched by proximity (status NEAREST),
   * measured on the WGS84 spheroid and rounded to 0.1 m.
   */
  @IsOptional()
  @IsNumber()
  distanceM?: number;

  /**
   * Jobs with a date column (and `POST /geocode` points with a date): the `dataset.version` of the
   * series version that answered, the one in force on the row's date.
   */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  version?: string;
}

export class RowResultV1 {
  /** Same row number as in the input chunk. */
  @IsInt()
  @Min(1)
  n!: number;

  /** One match per dataset of the job, in the job's dataset order. */
  @IsNestedArray(() => MatchV1)
  matches!: MatchV1[];
}

/** A row counts as OK only when every dataset of the job matched it cleanly. */
export function isOkResult(row: RowResultV1): boolean {
  return row.matches.length > 0 && row.matches.every((m) => m.status === RowStatus.Ok);
}

/** Most distinct areas one dataset's answer for one chunk may name (all of Korea's 읍면동 is ~5,000). */
export const MAX_AREAS_PER_CHUNK = 4 * MAX_POINTS_PER_CHUNK;

/**
 * One dataset's answers for a chunk, as columns (entry i is row i of the chunk). Each area is
 * listed once in `areas`; the level columns hold its index there, or -1 when the row has no area
 * at that level. A chunk names few distinct areas, so this is a fraction of an object per row.
 */
export class DatasetMatchesV2 {
  @IsAreaArray(MAX_AREAS_PER_CHUNK)
  @Type(() => AreaV1)
  areas!: AreaV1[];

  @IsEachIn(Object.values(RowStatus))
  status!: RowStatus[];

  /** Why the row is not a clean match (shown in `비고`); null when there is nothing to say. */
  @IsNullableStringArray(500)
  note!: (string | null)[];

  /** Metres to the matched polygon for NEAREST rows, else null. */
  @IsNullableNumberArray()
  distanceM!: (number | null)[];

  @IsIntArray(-1, MAX_AREAS_PER_CHUNK)
  sido!: number[];

  @IsIntArray(-1, MAX_AREAS_PER_CHUNK)
  sigungu!: number[];

  @IsIntArray(-1, MAX_AREAS_PER_CHUNK)
  eupmyeondong!: number[];

  @IsIntArray(-1, MAX_AREAS_PER_CHUNK)
  ri!: number[];

  /**
   * Dated jobs: the versions (`dataset.version`) that answered rows of this chunk, each listed once;
   * `version[i]` is row i's index in it. Both absent for jobs without a date column.
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_SERIES_VERSIONS)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  versions?: string[];

  @IsOptional()
  @IsIntArray(0, MAX_SERIES_VERSIONS)
  version?: number[];
}

/** Every column of every dataset has one entry per row, and every area index points into `areas`. */
function alignedWithRows(value: unknown, args?: ValidationArguments): boolean {
  const rows = (args?.object as { n?: unknown } | undefined)?.n;
  if (!Array.isArray(value) || !Array.isArray(rows)) return false;
  return value.every((d: Partial<DatasetMatchesV2> | null) => {
    if (d === null || typeof d !== 'object' || !Array.isArray(d.areas)) return false;
    const columns = [d.status, d.note, d.distanceM, ...ADMIN_LEVELS.map((l) => d[l])];
    if (!columns.every((c) => Array.isArray(c) && c.length === rows.length)) return false;
    const areas = d.areas.length;
    if (!ADMIN_LEVELS.every((l) => (d[l] as number[]).every((k) => k < areas))) return false;
    // The version columns come as a pair: one index per row, each inside `versions`.
    if (d.version === undefined && d.versions === undefined) return true;
    if (!Array.isArray(d.version) || !Array.isArray(d.versions) || d.version.length !== rows.length) return false;
    const versions = d.versions.length;
    return d.version.every((k) => k < versions);
  });
}

function IsAlignedWithRows(options?: ValidationOptions): PropertyDecorator {
  const mustBe = 'have one entry per row in every column, with area indexes inside areas (and version indexes inside versions)';
  return Satisfies('isAlignedWithRows', alignedWithRows, mustBe, options);
}

/**
 * A geocoded chunk, geocoder → report-merger, as columns. Key: `chunkKey(jobId, sheet, chunk)`.
 * V2 replaced V1's object per row.
 */
export class ChunkResultEventV2 extends ChunkAddressV1 {
  static readonly topic = Topics.results.name;

  /** Instances for the nested datasets and areas; the columns are validated as they are (see SelfInstantiating). */
  static fromPlain(payload: Record<string, unknown>): ChunkResultEventV2 {
    const datasets = instancesOf(DatasetMatchesV2, payload.datasets);
    if (Array.isArray(datasets)) {
      for (const d of datasets) if (d instanceof DatasetMatchesV2) d.areas = instancesOf(AreaV1, d.areas) as AreaV1[];
    }
    return Object.assign(new ChunkResultEventV2(), payload, { datasets });
  }

  /** Row number of each result, in the chunk's row order (the same as in the rows chunk). */
  @IsArray()
  @ArrayMaxSize(MAX_POINTS_PER_CHUNK)
  @IsIntArray(1, Number.MAX_SAFE_INTEGER)
  n!: number[];

  /** One entry per dataset of the job, in the job's dataset order. */
  @IsNestedArray(() => DatasetMatchesV2)
  @IsAlignedWithRows()
  datasets!: DatasetMatchesV2[];
}

/** The columns of a chunk result from one object per row (`datasets`: matches per row). */
export function packChunkResult(
  head: Pick<ChunkResultEventV2, 'jobId' | 'sheet' | 'chunk'>,
  rows: readonly RowResultV1[],
  datasets: number,
): ChunkResultEventV2 {
  const packed: DatasetMatchesV2[] = [];
  for (let d = 0; d < datasets; d++) {
    // Per level (codes are unique only within a level), by code, then by name: no key string per row.
    const index = new Map<AdminLevel, Map<string, Map<string, number>>>(ADMIN_LEVELS.map((l) => [l, new Map()]));
    const out: DatasetMatchesV2 = { areas: [], status: [], note: [], distanceM: [], sido: [], sigungu: [], eupmyeondong: [], ri: [] };
    // Version columns only when a row says which version answered (dated jobs): old layouts stay as they were.
    const versioned = rows.some((r) => r.matches[d]?.version !== undefined);
    const versionIndex = new Map<string, number>();
    if (versioned) {
      out.versions = [];
      out.version = [];
    }
    for (const row of rows) {
      const m = row.matches[d];
      if (versioned) {
        const label = m.version ?? '';
        let k = versionIndex.get(label);
        if (k === undefined) {
          k = out.versions!.length;
          versionIndex.set(label, k);
          out.versions!.push(label);
        }
        out.version!.push(k);
      }
      out.status.push(m.status);
      out.note.push(m.note ?? null);
      out.distanceM.push(m.distanceM ?? null);
      for (const level of ADMIN_LEVELS) {
        const area = m[level];
        if (!area) {
          out[level].push(-1);
          continue;
        }
        const byCode = index.get(level)!;
        let byName = byCode.get(area.code);
        if (!byName) byCode.set(area.code, (byName = new Map()));
        let k = byName.get(area.name);
        if (k === undefined) {
          k = out.areas.length;
          byName.set(area.name, k);
          out.areas.push({ code: area.code, name: area.name });
        }
        out[level].push(k);
      }
    }
    packed.push(out);
  }
  return { ...head, n: rows.map((r) => r.n), datasets: packed };
}

/** One object per row from a chunk result's columns (the shape the writers take). */
export function unpackChunkResult(event: Pick<ChunkResultEventV2, 'n' | 'datasets'>): RowResultV1[] {
  return event.n.map((n, i) => ({
    n,
    matches: event.datasets.map((d) => {
      const match: MatchV1 = { status: d.status[i] };
      const note = d.note[i];
      if (note !== null && note !== undefined) match.note = note;
      for (const level of ADMIN_LEVELS) {
        const k = d[level][i];
        if (k >= 0) match[level] = d.areas[k];
      }
      const distanceM = d.distanceM[i];
      if (distanceM !== null && distanceM !== undefined) match.distanceM = distanceM;
      const version = d.version === undefined ? undefined : d.versions?.[d.version[i]];
      if (version) match.version = version;
      return match;
    }),
  }));
}

/** Rows of a packed chunk that every dataset matched cleanly. */
export function okRowCount(event: Pick<ChunkResultEventV2, 'n' | 'datasets'>): number {
  if (event.datasets.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < event.n.length; i++) if (event.datasets.every((d) => d.status[i] === RowStatus.Ok)) ok++;
  return ok;
}
