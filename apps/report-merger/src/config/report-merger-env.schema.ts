import { Type } from 'class-transformer';
import { IsInt, IsString, IsUrl, Max, Min, MinLength, ValidateIf } from 'class-validator';
import { CommonEnvSchema } from '@geobatch/util-config';

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
