import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { ConsumerGroups } from '@geobatch/contracts';
import { CommonEnvSchema } from '@geobatch/util-config';

export const GEOCODER_ENGINES = ['memory', 'postgis'] as const;
export type GeocoderEngineKind = (typeof GEOCODER_ENGINES)[number];

export const GEOCODER_WARM = ['default', 'none'] as const;

/** Environment of the geocoder: the common variables plus its parallelism, engine, retries and health probe. */
export class GeocoderEnvSchema extends CommonEnvSchema {
  /**
   * Partitions (of the rows and geocode topics) handled in parallel by one process. With the in-memory
   * engine a lookup is CPU work on the process's one JavaScript thread, so more than 2 buys nothing but
   * overlapping the result's publish and the nearest-polygon queries; run one process per core instead.
   * Each chunk in flight may hold one database connection: keep DATABASE_POOL_SIZE above this.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(32)
  GEOCODER_CONCURRENCY = 2;

  /**
   * `memory` (default): each dataset's polygons are loaded once into an in-memory index (about 25 MB
   * for KOSTAT 2018 시도/시군구/읍면동) and chunks are answered from it, PostGIS only answering the
   * nearest-polygon rule for points in no polygon. `postgis`: every chunk is one PostGIS statement per
   * dataset (the reference, for comparison). Both give identical answers.
   */
  @IsIn(GEOCODER_ENGINES)
  GEOCODER_ENGINE: GeocoderEngineKind = 'memory';

  /** A dataset's in-memory index is dropped after this long without a lookup (it is reloaded on next use). */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(7 * 24 * 3_600_000)
  GEOCODER_ENGINE_IDLE_MS = 1_800_000;

  /** Most datasets kept in memory at once; the least recently used one goes first. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  GEOCODER_ENGINE_MAX_DATASETS = 4;

  /** `default`: load the default dataset's index at start-up, so the first job does not wait for it; `none`: load on first use. */
  @IsIn(GEOCODER_WARM)
  GEOCODER_ENGINE_WARM: (typeof GEOCODER_WARM)[number] = 'default';

  /**
   * Attempts at looking up one chunk (or one `/geocode` request) before giving up on it: a chunk that
   * still fails is thrown back to kafkajs, which retries the message; it is never committed unanswered.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  GEOCODER_RETRY_ATTEMPTS = 4;

  /** Wait before the first retry, doubled for each further one (at most 10 s). */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(10_000)
  GEOCODER_RETRY_BACKOFF_MS = 500;

  /** How often kafkajs heartbeats, also while one chunk is worked on (retries included); keep it under a third of KAFKA_SESSION_TIMEOUT_MS. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(10_000)
  KAFKA_HEARTBEAT_INTERVAL_MS = 3_000;

  /**
   * How long a job's status, read from the database before a chunk is geocoded, is trusted: chunks of
   * a job that was cancelled (or ended otherwise) are skipped, at most this long after the cancel.
   * An ended status is final and kept.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600_000)
  GEOCODER_JOB_STATUS_TTL_MS = 1_000;

  /** Kafka consumer group of the geocoders (Nest appends `-server`); processes in one group share the partitions. */
  @IsString()
  @IsNotEmpty()
  GEOCODER_GROUP_ID: string = ConsumerGroups.geocoder;

  /** Port of the `GET /health` probe (containers set 9400); 0 runs no HTTP server at all. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  HTTP_PORT = 0;
}
