import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { RowStatus } from '../row-status';

/** Most points `GET /jobs/{id}/points` answers: a larger job is sampled down to this many. */
export const MAX_MAP_POINTS = 20_000;
/** 시군구 rows the area table of `GET /jobs/{id}/points` lists, most rows first. */
export const MAX_MAP_SIGUNGU_ROWS = 50;
/** Levels `GET /datasets/{id}/boundaries` draws. */
export const MAP_BOUNDARY_LEVELS = ['sido', 'sigungu'] as const;
export type MapBoundaryLevel = (typeof MAP_BOUNDARY_LEVELS)[number];

/** `minLon,minLat,maxLon,maxLat` in decimal degrees. */
const BBOX = /^\s*-?\d+(?:\.\d+)?\s*(?:,\s*-?\d+(?:\.\d+)?\s*){3}$/;

/** Query of `GET /jobs/{id}/points`. */
export class JobPointsQueryDto {
  /** Most points to answer, 1–20,000 (the default): every problem row first, then OK rows chosen evenly. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_MAP_POINTS)
  limit?: number;
}

/** Query of `GET /datasets/{id}/boundaries`. */
export class BoundariesQueryDto {
  /** `sido` (the default) or `sigungu`. */
  @IsOptional()
  @IsIn(MAP_BOUNDARY_LEVELS)
  level?: MapBoundaryLevel;

  /** Only areas whose bounding box meets this one: `minLon,minLat,maxLon,maxLat` in degrees (WGS84). */
  @IsOptional()
  @Matches(BBOX, { message: 'bbox must be minLon,minLat,maxLon,maxLat in decimal degrees' })
  bbox?: string;
}

/** An area the points name, listed once (the points refer to it by its position in `areas`). */
export class MapAreaDto {
  code!: string;
  name!: string;
}

/**
 * The sampled points as columns: entry i of every array is point i. Problem rows come first, in
 * input order, then the OK rows, in input order.
 */
export class JobPointColumnsDto {
  /** Index into `sheets` of each point's sheet. */
  sheet!: number[];
  /** Row number as in the input file (the spreadsheet row; a CSV's line counting the header as 1). */
  n!: number[];
  /** WGS84 longitude, 6 decimals; null when the row has no usable position (e.g. INVALID). */
  lon!: (number | null)[];
  /** WGS84 latitude, 6 decimals; null when the row has no usable position. */
  lat!: (number | null)[];
  /** The row's status: `OK`, or the first dataset's non-OK status. */
  status!: RowStatus[];
  /** Why the row is not a clean match (the `비고` column); null for OK rows. */
  note!: (string | null)[];
  /** Index into `areas` of the row's 시도 by the job's first dataset; -1 when it has none. */
  sido!: number[];
  /** Index into `areas` of the row's 시군구; -1 when it has none. */
  sigungu!: number[];
}

/** Rows counted in one area (all rows of the job, not just the sample). */
export class MapAreaRowsDto {
  /** Area code; null for the rows outside every area of this level. */
  code!: string | null;
  name!: string | null;
  /** For a 시군구: its 시도's name. */
  parent?: string | null;
  rows!: number;
  problems!: number;
}

/** Rows per 시도 and per 시군구, most rows first. */
export class MapAreaTableDto {
  sido!: MapAreaRowsDto[];
  /** At most 50 entries. */
  sigungu!: MapAreaRowsDto[];
  /** 시군구 left out of `sigungu` (beyond the first 50). */
  sigunguMore!: number;
}

/** Row counts of the whole job, by status. */
export class MapStatusCountDto {
  status!: RowStatus;
  rows!: number;
}

/** Answer of `GET /jobs/{id}/points`. */
export class JobPointsDto {
  jobId!: string;
  /** The job's first dataset: its boundaries are `GET /datasets/{datasetId}/boundaries`. */
  datasetId!: string;
  /** `name@version` of that dataset. */
  dataset!: string;
  /** Coordinate system the upload's x/y were read in (the points are converted to WGS84). */
  crs!: string;
  /** Data rows of the job (blank rows not counted). */
  rows!: number;
  /** Rows that are not OK. */
  problems!: number;
  /** True when the job has more rows than `limit`, so the points are a sample. */
  sampled!: boolean;
  limit!: number;
  /** Names of the job's sheets, as `points.sheet` refers to them. */
  sheets!: string[];
  areas!: MapAreaDto[];
  points!: JobPointColumnsDto;
  /** Rows of the whole job per status. */
  statuses!: MapStatusCountDto[];
  table!: MapAreaTableDto;
}

/** Properties of one boundary feature. */
export class BoundaryPropertiesDto {
  code!: string;
  name!: string;
  level!: string;
}

/** One area's simplified outline. */
export class BoundaryFeatureDto {
  type!: string;
  /** `[minLon, minLat, maxLon, maxLat]` of the area. */
  bbox!: number[];
  properties!: BoundaryPropertiesDto;
  /** GeoJSON MultiPolygon (or Polygon), WGS84, coordinates rounded to about 10–100 m. */
  geometry!: Record<string, unknown>;
}

/** Answer of `GET /datasets/{id}/boundaries`: a GeoJSON FeatureCollection. */
export class BoundaryCollectionDto {
  type!: string;
  datasetId!: string;
  level!: string;
  /** Simplification tolerance in degrees (ST_SimplifyPreserveTopology). */
  tolerance!: number;
  features!: BoundaryFeatureDto[];
}
