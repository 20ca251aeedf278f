import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { CommonEnvSchema } from '@geobatch/util-config';

/** Environment of the report-merger: the common variables plus merge concurrency, retries and the health probe. */
export class ReportMergerEnvSchema extends CommonEnvSchema {
  /**
   * Partitions handled in parallel. A merge runs inside the handler of the message that
   * completes its job, so >1 lets other partitions' results be stored meanwhile.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(32)
  KAFKA_PARTITIONS_CONCURRENTLY = 3;

  /** Port of the `GET /health` probe (containers set 9400); 0 runs no HTTP server at all. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  HTTP_PORT = 0;

  /** Attempts at writing one job's workbook (disk or database trouble) before the job is failed. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  MERGE_MAX_ATTEMPTS = 5;
}
