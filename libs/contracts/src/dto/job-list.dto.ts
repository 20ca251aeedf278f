import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { JobStatus } from '../job-status';
import { JobRowsDto } from './job.dto';

/** Most jobs one `GET /jobs` page holds. */
export const MAX_JOBS_PAGE = 100;
/** Jobs per `GET /jobs` page when `limit` is omitted. */
export const DEFAULT_JOBS_PAGE = 20;

/** Query of `GET /jobs`: newest first; page on with `before` (the `next` of the previous page) or `offset`. */
export class ListJobsQueryDto {
  /** Jobs per page, 1–100; 20 when omitted. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_JOBS_PAGE)
  limit?: number;

  /** Only jobs created before this job (an id from the list, usually the previous page's `next`). */
  @IsOptional()
  @IsUUID()
  before?: string;

  /** Jobs to skip (after `before`, when both are given). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  offset?: number;
}

/** One job in `GET /jobs`: the status of `GET /jobs/{id}` without the options. */
export class JobSummaryDto {
  id!: string;
  status!: JobStatus;
  /** Original upload name. */
  fileName!: string;
  /** Dataset the job looks up, as `name@version`. */
  datasets!: string[];
  rows!: JobRowsDto;
  /** Why the job failed, when it did. */
  error!: string | null;
  createdAt!: string;
  finishedAt!: string | null;
  /** Path of the result download once the job has completed. */
  resultUrl!: string | null;
}

/** Answer of `GET /jobs`: the caller's jobs, newest first. */
export class JobListDto {
  items!: JobSummaryDto[];
  /** The `before` value of the next page; null on the last page. */
  next!: string | null;
}
