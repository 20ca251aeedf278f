import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { ConsumerGroups, GEOCODE_TIMEOUT_MS, MAX_POINTS_PER_CHUNK } from '@geobatch/contracts';
import { CommonEnvSchema } from '@geobatch/util-config';

/** Environment of the gateway: the common variables plus HTTP and upload settings. */
export class GatewayEnvSchema extends CommonEnvSchema {
  /** HTTP port; 0 picks a free one. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Interface to listen on; loopback unless told otherwise so a dev box does not expose the API. */
  @IsString()
  @IsNotEmpty()
  HOST = '127.0.0.1';

  /** Points per RowsChunkEventV2; bounded by the contract so a message always fits the broker's limit. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_POINTS_PER_CHUNK)
  CHUNK_SIZE = 5000;

  /** Largest accepted upload in bytes (default 2 GiB); the upload is refused with 413 beyond it. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

  /** Largest boundary file accepted by `POST /datasets`, per file (default 1 GiB); 413 beyond it. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  MAX_DATASET_UPLOAD_BYTES = 1024 ** 3;

  /**
   * How long `POST /geocode` waits for the geocoder's reply before answering 504. At most the
   * contract's GEOCODE_TIMEOUT_MS: the geocoder skips requests older than that, nobody waiting.
   */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(GEOCODE_TIMEOUT_MS)
  GEOCODE_TIMEOUT_MS = GEOCODE_TIMEOUT_MS;

  /** Consumer group of the `/geocode` reply consumer (Nest appends `-client`); shared by every gateway instance. */
  @IsString()
  @IsNotEmpty()
  GEOCODE_REPLY_GROUP_ID: string = ConsumerGroups.geocodeReplies;

  /** Days a job's upload, result and row results are kept after it ended (or, if it never ended, after it was created). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  RETENTION_DAYS = 7;

  /** How often the retention sweep runs (it also runs once at start-up). */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  RETENTION_SWEEP_INTERVAL_MS = 10 * 60 * 1000;

  /** Requests per minute per API key (per address for requests without a valid key); 429 beyond it. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE = 600;

  /** Uploads (`POST /jobs`, `POST /jobs/preview`) per minute per API key, within RATE_LIMIT_PER_MINUTE. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  UPLOAD_RATE_LIMIT_PER_MINUTE = 60;

  /**
   * First wait before a job's state write that failed while publishing (the database away) is tried
   * again; doubled each time, at most 5 s, for up to two minutes (DB_OUTAGE_GRACE_MS).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(60_000)
  PUBLISH_DB_RETRY_BASE_MS = 250;
}
