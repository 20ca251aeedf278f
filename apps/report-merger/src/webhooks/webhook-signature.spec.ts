import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { JobStatus, JobWebhookEvent } from '@geobatch/contracts';
import { deliveryId, signWebhook, verifyWebhookSignature, webhookEventOf, webhookRetryDelayMs } from './webhook-signature';

describe('webhook signature', () => {
  const secret = 'a-webhook-secret-of-some-length';
  const body = JSON.stringify({ event: 'job.completed', jobId: '6f1c0d1e-0000-4000-8000-000000000001' });

  it('is sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">', () => {
    const expected = createHmac('sha256', secret).update(`1767225600.${body}`).digest('hex');
    assert.equal(signWebhook(secret, 1767225600, body), `sha256=${expected}`);
    assert.match(signWebhook(secret, '1767225600', body), /^sha256=[0-9a-f]{64}$/);
    // A known vector, so a change of algorithm or of the signed text cannot pass unnoticed.
    assert.equal(signWebhook('key', '1', '{}'), `sha256=${createHmac('sha256', 'key').update('1.{}').digest('hex')}`);
  });

  it('verifies only the same secret, timestamp and body, within the tolerance', () => {
    const ts = '1767225600';
    const nowMs = 1767225600_000 + 60_000;
    const sig = signWebhook(secret, ts, body);
    assert.equal(verifyWebhookSignature(secret, ts, body, sig, { nowMs }), true);
    assert.equal(verifyWebhookSignature('another-secret-entirely', ts, body, sig, { nowMs }), false);
    assert.equal(verifyWebhookSignature(secret, ts, `${body} `, sig, { nowMs }), false);
    assert.equal(verifyWebhookSignature(secret, '1767225601', body, sig, { nowMs }), false, 'the timestamp is signed');
    assert.equal(verifyWebhookSignature(secret, ts, body, sig.slice(0, -1), { nowMs }), false);
    assert.equal(verifyWebhookSignature(secret, ts, body, sig, { nowMs: nowMs + 600_000 }), false, 'too old: a replay');
    assert.equal(verifyWebhookSignature(secret, 'abc', body, sig, { nowMs }), false);
  });

  it('gives one delivery id per job and event, the same on every retry', () => {
    const job = '6f1c0d1e-0000-4000-8000-000000000001';
    const id = deliveryId(job, JobWebhookEvent.Completed);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(deliveryId(job, JobWebhookEvent.Completed), id);
    assert.notEqual(deliveryId(job, JobWebhookEvent.Failed), id);
    assert.notEqual(deliveryId('6f1c0d1e-0000-4000-8000-000000000002', JobWebhookEvent.Completed), id);
  });

  it('names the event after the final status; expired counts as failed', () => {
    assert.equal(webhookEventOf(JobStatus.Completed), 'job.completed');
    assert.equal(webhookEventOf(JobStatus.Failed), 'job.failed');
    assert.equal(webhookEventOf(JobStatus.Cancelled), 'job.cancelled');
    assert.equal(webhookEventOf(JobStatus.Expired), 'job.failed');
  });

  it('backs off exponentially from the base, capped at an hour', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => webhookRetryDelayMs(n, 15_000)), [15_000, 30_000, 60_000, 120_000]);
    assert.equal(webhookRetryDelayMs(30, 15_000), 3_600_000);
  });
});
