import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { CommonEnvSchema } from '@geobatch/util-config';

/** Environment of the geocoder: the common variables plus its parallelism and health probe. */
export class GeocoderEnvSchema extends CommonEnvSchema {
  /**
   * Partitions of the rows topic handled in parallel by one process, each chunk holding one
   * database connection while it is looked up: keep DATABASE_POOL_SIZE at least this large.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(32)
  GEOCODER_CONCURRENCY = 2;

  /** Port of the `GET /health` probe (containers set 9400); 0 runs no HTTP server at all. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  HTTP_PORT = 0;
}
