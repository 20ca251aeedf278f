import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { RowStatus } from '../row-status';
import { IsGeocodePoints, OPENAPI_ONLY } from './geocode-points.validator';

/** One point of `POST /geocode`. */
export class GeocodePointDto {
  /** Easting (longitude for EPSG:4326): a number, or text such as `"127.0276"`. Missing or unusable values make the point INVALID, not the request. */
  x?: number | string | null;
  /** Northing (latitude for EPSG:4326): a number or text. */
  y?: number | string | null;
  /** Your own reference for the point (text up to 200 characters, or a number), echoed in its result. */
  id?: string | number;
  /**
   * The point's date, e.g. `2024-04-22`, `20240422`, `2024.04.22 10:43` or `22-APR-24 10:43:00`: each
   * dataset answers from the version of its series (same name) in force that day, the one with the
   * latest effective date on or before it; the match's `version` says which. A point without a date
   * in a request where others have one gets the newest version, with a note. An unreadable date is a 400.
   */
  date?: string;
}

/**
 * Body of `POST /geocode`. The points are checked in one pass by IsGeocodePoints (class-validator
 * is too slow for 10,000 nested objects), the other fields by these decorators. The bounds are
 * literals so the Swagger plugin can show them; they equal MAX_GEOCODE_POINTS,
 * MAX_GEOCODE_DATASETS and MAX_NEAREST_M (a unit spec checks).
 */
export class GeocodeRequestDto {
  /** 1 to 10,000 points; the answer has one result per point, in this order. */
  @IsGeocodePoints()
  @ArrayMinSize(1, OPENAPI_ONLY)
  @ArrayMaxSize(10000, OPENAPI_ONLY)
  points!: GeocodePointDto[];

  /** Coordinate system of x/y as an EPSG code: `EPSG:4326` (default), 5179, 5186, 5181, 5174, 3857 or 32652. */
  @IsOptional()
  @IsString()
  @Matches(/^EPSG:\d{4,5}$/)
  crs?: string;

  /** Datasets to answer from (at most 5), each a name (its latest version), `name@version` or an id; the default dataset when omitted. Each point gets one match per dataset, in this order. */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(200, { each: true })
  datasets?: string[];

  /** A point in no polygon takes the nearest area within this many metres (status `NEAREST`); 0 turns it off. Default 200. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(5000)
  nearestM?: number;
}

/** An administrative area. */
export class GeocodeAreaDto {
  /** Area code as the dataset has it, e.g. `11110`. */
  code!: string;
  name!: string;
}

/** What one dataset says about one point. */
export class GeocodeMatchDto {
  /** `OK`, `NEAREST`, `SWAPPED`, `PARTIAL` (a level of the dataset is empty at the point), `NOT_FOUND` or `INVALID`. */
  status!: RowStatus;
  /** Why the point is not a clean match (the `비고` column of a job). */
  note?: string;
  sido?: GeocodeAreaDto;
  sigungu?: GeocodeAreaDto;
  eupmyeondong?: GeocodeAreaDto;
  ri?: GeocodeAreaDto;
  /** Metres to the nearest area, for `NEAREST`. */
  distanceM?: number;
  /** When points have a `date`: the version of the dataset's series that answered. */
  version?: string;
}

/** The answer for one point. */
export class GeocodeResultDto {
  /** 1-based position of the point in the request. */
  n!: number;
  /** The point's `id`, when it had one. */
  id?: string | number;
  /** One match per dataset, in the order of `datasets`. */
  matches!: GeocodeMatchDto[];
}

/** A dataset that answered, pinned by id. */
export class GeocodeDatasetDto {
  id!: string;
  name!: string;
  version!: string;
  /** `name@version`. */
  label!: string;
}

/** Answer of `POST /geocode`. */
export class GeocodeResponseDto {
  /** The coordinate system the points were read in. */
  crs!: string;
  /** The nearest-polygon tolerance applied, in metres. */
  nearestM!: number;
  /** The datasets that answered, in the order of each result's `matches`. */
  datasets!: GeocodeDatasetDto[];
  results!: GeocodeResultDto[];
}
