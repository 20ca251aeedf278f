import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Topics } from '../topics';

/** Upper bound on points per chunk; keeps every message far below Kafka's message size limit. */
export const MAX_POINTS_PER_CHUNK = 20_000;

/** `RowsChunkEventV1.nearestM` when the event has none: points up to 200 m outside every polygon take the nearest one. */
export const DEFAULT_NEAREST_M = 200;
/** Largest accepted `nearestM`. */
export const MAX_NEAREST_M = 5_000;

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

/** A chunk of points of one sheet of one job, gateway → geocoder. Key: `chunkKey(jobId, sheet, chunk)`. */
export class RowsChunkEventV1 {
  static readonly topic = Topics.rows.name;

  @IsUUID()
  jobId!: string;

  /** 0-based index of the input sheet (always 0 for CSV). */
  @IsInt()
  @Min(0)
  sheet!: number;

  /** 0-based chunk number within the sheet; chunks of a sheet are contiguous ranges of rows. */
  @IsInt()
  @Min(0)
  chunk!: number;

  /** Boundary datasets to look the points up in, pinned by id when the job was created. */
  @IsArray()
  @ArrayMinSize(1)
  @IsUUID('all', { each: true })
  datasetIds!: string[];

  /**
   * Coordinate reference system of x/y, e.g. `EPSG:4326`. The geocoder reads those in `INPUT_CRS`
   * (4326, 5179, 5186, 5181, 5174, 3857, 32652); rows in any other are INVALID.
   */
  @IsString()
  @Matches(/^EPSG:\d{4,5}$/)
  crs!: string;

  /**
   * Tolerance in metres (integer, 0–5000) for points in no polygon: the nearest polygon within it
   * answers (status NEAREST, with `distanceM`). 0 turns it off; absent means DEFAULT_NEAREST_M (200).
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_NEAREST_M)
  nearestM?: number;

  @IsArray()
  @ArrayMaxSize(MAX_POINTS_PER_CHUNK)
  @ValidateNested({ each: true })
  @Type(() => PointV1)
  points!: PointV1[];
}
