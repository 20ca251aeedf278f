import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEnum,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { RowStatus } from '../row-status';
import { Topics } from '../topics';
import { AreaV1 } from './area';
import { MAX_POINTS_PER_CHUNK } from './rows-chunk.event';

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
  @ValidateNested()
  @Type(() => AreaV1)
  sido?: AreaV1;

  @IsOptional()
  @ValidateNested()
  @Type(() => AreaV1)
  sigungu?: AreaV1;

  @IsOptional()
  @ValidateNested()
  @Type(() => AreaV1)
  eupmyeondong?: AreaV1;

  @IsOptional()
  @ValidateNested()
  @Type(() => AreaV1)
  ri?: AreaV1;

  /**
   * Distance in metres to the matched polygon when it was matched by proximity (status NEAREST),
   * measured on the WGS84 spheroid and rounded to 0.1 m.
   */
  @IsOptional()
  @IsNumber()
  distanceM?: number;
}

export class RowResultV1 {
  /** Same row number as in the input chunk. */
  @IsInt()
  @Min(1)
  n!: number;

  /** One match per dataset of the job, in the job's dataset order. */
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => MatchV1)
  matches!: MatchV1[];
}

/** A row counts as OK only when every dataset of the job matched it cleanly. */
export function isOkResult(row: RowResultV1): boolean {
  return row.matches.length > 0 && row.matches.every((m) => m.status === RowStatus.Ok);
}

/** A geocoded chunk, geocoder → report-merger. Key: `chunkKey(jobId, sheet, chunk)`. */
export class ChunkResultEventV1 {
  static readonly topic = Topics.results.name;

  @IsUUID()
  jobId!: string;

  @IsInt()
  @Min(0)
  sheet!: number;

  @IsInt()
  @Min(0)
  chunk!: number;

  /** One result per input point, in the chunk's row order. */
  @IsArray()
  @ArrayMaxSize(MAX_POINTS_PER_CHUNK)
  @ValidateNested({ each: true })
  @Type(() => RowResultV1)
  rows!: RowResultV1[];
}
