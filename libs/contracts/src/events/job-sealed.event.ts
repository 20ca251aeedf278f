import { Type } from 'class-transformer';
import { IsArray, IsInt, IsString, IsUUID, MaxLength, Min, ValidateNested } from 'class-validator';
import { Topics } from '../topics';

export class SheetTotalsV1 {
  @IsInt()
  @Min(0)
  sheet!: number;

  @IsString()
  @MaxLength(200)
  name!: string;

  /** Data rows published for this sheet (blank lines excluded). */
  @IsInt()
  @Min(0)
  rows!: number;

  @IsInt()
  @Min(0)
  chunks!: number;

  @IsInt()
  @Min(0)
  blankRows!: number;
}

/**
 * Sent by the gateway once every chunk of a job is published: from then on the merger knows
 * how many chunks to wait for. Key: the job id.
 */
export class JobSealedEventV1 {
  static readonly topic = Topics.jobs.name;
  static readonly type = 'job.sealed';

  /** Discriminates the events that share the jobs topic. */
  @IsString()
  type!: typeof JobSealedEventV1.type;

  @IsUUID()
  jobId!: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SheetTotalsV1)
  sheets!: SheetTotalsV1[];
}
