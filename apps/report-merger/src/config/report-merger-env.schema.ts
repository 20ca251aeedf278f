import { Type } from 'class-transformer';
import { IsInt, IsString, IsUrl, Max, Min, MinLength, ValidateIf } from 'class-validator';
import { CommonEnvSchema } from '@geobatch/util-config';
import { EXCEL_MAX_DATA_ROWS } from '@geobatch/util-spreadsheet';

/** Environment of the report-merger: the common variables plus merge concurrency, retries, the health probe and webhooks. */
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

  /** Wait before a failed workbook write is tried again; doubled for each further attempt, at most a minute. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(60_000)
  MERGE_RETRY_BACKOFF_MS = 2_000;

  /** Data rows per output sheet before they continue on `<name> (2)`: Excel's limit, or fewer. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(EXCEL_MAX_DATA_ROWS)
  MERGE_MAX_ROWS_PER_SHEET = EXCEL_MAX_DATA_ROWS;

  /**
   * Attempts at storing one chunk result (the first included) before the database is probed: while it
   * does not answer the message goes back to kafkajs; when it does, the chunk is dead-lettered.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  MERGER_RETRY_ATTEMPTS = 4;

  /** Wait before the first retry of a chunk store, doubled for each further one (at most 10 s). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  MERGER_RETRY_BACKOFF_MS = 500;

  /** How long the job of an undecodable chunk result waits for a good copy of that chunk before it fails. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  MERGER_UNDECODABLE_GRACE_MS = 60_000;

  /** How often kafkajs heartbeats, also while a message is worked on (retries, a merge); keep it under a third of KAFKA_SESSION_TIMEOUT_MS. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(10_000)
  KAFKA_HEARTBEAT_INTERVAL_MS = 3_000;

  /**
   * Key of the webhook signatures (`X-Geobatch-Signature`), at least 16 characters; share it with
   * the receivers. Empty (the default) turns webhooks off: callbacks wait until a secret is set.
   */
  @IsString()
  @ValidateIf((o: ReportMergerEnvSchema) => o.WEBHOOK_SECRET !== '')
  @MinLength(16)
  WEBHOOK_SECRET = '';

  /** How often the dispatcher looks for ended jobs that owe a callback. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600_000)
  WEBHOOK_POLL_INTERVAL_MS = 5_000;

  /** A receiver that has not answered within this is counted as a failed attempt. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** Attempts per callback before giving up (the last error stays on the job). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  WEBHOOK_MAX_ATTEMPTS = 8;

  /** Wait after the first failed attempt; doubled after each further one, capped at an hour. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  WEBHOOK_RETRY_BASE_MS = 15_000;

  /**
   * The gateway's address as callers reach it, e.g. `https://geobatch.example.com`: makes the
   * webhook's `resultUrl` absolute. Empty: `resultUrl` is the path (`/jobs/<id>/result`).
   */
  @IsString()
  @ValidateIf((o: ReportMergerEnvSchema) => o.GATEWAY_PUBLIC_URL !== '')
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  GATEWAY_PUBLIC_URL = '';
}
