import { JobStatus } from '../job-status';
import { JobRowsDto } from './job.dto';

/** What a job's `callbackUrl` is told: one event per job, when it ends. */
export enum JobWebhookEvent {
  Completed = 'job.completed',
  /** Also sent, with `status: expired`, for a job that expired before it finished. */
  Failed = 'job.failed',
  Cancelled = 'job.cancelled',
}

/** Headers of a webhook POST (see the README, "Webhooks", for checking the signature). */
export const WEBHOOK_HEADERS = {
  /** The `event` of the body. */
  event: 'X-Geobatch-Event',
  /** UUID of the notification: the same on every retry of it, so a receiver can drop duplicates. */
  delivery: 'X-Geobatch-Delivery',
  /** Unix seconds when this attempt was signed. */
  timestamp: 'X-Geobatch-Timestamp',
  /** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the WEBHOOK_SECRET>`. */
  signature: 'X-Geobatch-Signature',
} as const;

/** Body of the signed `POST` a job's `callbackUrl` receives when the job ends. */
export class JobWebhookDto {
  event!: JobWebhookEvent;
  jobId!: string;
  status!: JobStatus;
  rows!: JobRowsDto;
  /** Where to download the result once the job has completed (absolute when the merger knows the gateway's public URL), else null. */
  resultUrl!: string | null;
  /** Why the job failed, when it did. */
  error!: string | null;
  finishedAt!: string | null;
}
