import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { JobStatus, JobWebhookEvent } from '@geobatch/contracts';

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`: the timestamp is signed too, so an old delivery cannot be replayed as new. */
export function signWebhook(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does (the README shows the same in five lines): recompute the signature and
 * compare in constant time, and refuse a timestamp further than `toleranceS` from now.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  options: { toleranceS?: number; nowMs?: number } = {},
): boolean {
  const age = Math.abs((options.nowMs ?? Date.now()) / 1000 - Number(timestamp));
  if (!/^\d+$/.test(timestamp) || !(age <= (options.toleranceS ?? 300))) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Namespace of the delivery ids (a fixed random UUID). */
const DELIVERY_NAMESPACE = Buffer.from('5c0b7f8e4a1d4f0e9b3a6d2c1e8f7a90', 'hex');

/**
 * The `X-Geobatch-Delivery` id: a name-based UUID (RFC 9562 version 5) of the job and event,
 * so every retry of one notification carries the same id and a receiver can drop duplicates.
 */
export function deliveryId(jobId: string, event: JobWebhookEvent): string {
  const hash = createHash('sha1').update(DELIVERY_NAMESPACE).update(`${jobId}/${event}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The event for a job's final status; an expired job's result is gone, so it counts as failed. */
export function webhookEventOf(status: JobStatus): JobWebhookEvent {
  if (status === JobStatus.Completed) return JobWebhookEvent.Completed;
  if (status === JobStatus.Cancelled) return JobWebhookEvent.Cancelled;
  return JobWebhookEvent.Failed;
}

/** Wait after the n-th failed attempt: base, 2×base, 4×base, … capped at an hour. */
export function webhookRetryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(60 * 60 * 1000, baseMs * 2 ** Math.max(0, attempt - 1));
}
