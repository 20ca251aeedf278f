import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';

/** Reads `a, b,c` as `['a','b','c']`. */
export const CommaSeparated = (): PropertyDecorator =>
  Transform(({ value }) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value));

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const KAFKA_COMPRESSIONS = ['none', 'gzip'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/** Variables every service reads: the broker, the database and logging. */
export class CommonEnvSchema {
  /** Comma-separated Kafka bootstrap servers. */
  @CommaSeparated()
  @IsString({ each: true })
  @IsNotEmpty()
  KAFKA_BROKERS: string[] = ['127.0.0.1:9092'];

  /** PostgreSQL connection string; the database must have PostGIS available. */
  @IsString()
  @IsNotEmpty()
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/geobatch';

  /** Directory shared by the services for uploads and results (a shared volume in compose). */
  @IsString()
  @IsNotEmpty()
  STORAGE_DIR = './tmp/storage';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'log';

  /**
   * Compression of the events this service publishes. `none` by default: on one host the broker is
   * a loopback away and gzip only spends CPU; `gzip` pays when the broker is across a network
   * (chunks of coordinate text shrink to about a fifth).
   */
  @IsIn(KAFKA_COMPRESSIONS)
  KAFKA_COMPRESSION: KafkaCompression = 'none';

  /** How long the broker waits for a silent consumer before handing its partitions to others. */
  @Type(() => Number)
  @IsInt()
  @Min(6_000)
  @Max(300_000)
  KAFKA_SESSION_TIMEOUT_MS = 30_000;

  /** Database connection pool size per process. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE = 5;
}
