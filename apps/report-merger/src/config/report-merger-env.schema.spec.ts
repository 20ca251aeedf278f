import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigValidationError, loadConfig } from '@geobatch/util-config';
import { ReportMergerEnvSchema } from './report-merger-env.schema';

describe('ReportMergerEnvSchema', () => {
  it('has working defaults and converts the environment strings', () => {
    const config = loadConfig(ReportMergerEnvSchema, { KAFKA_BROKERS: 'a:9092, b:9092', HTTP_PORT: '9400', MERGE_MAX_ATTEMPTS: '3' });
    assert.deepEqual(config.KAFKA_BROKERS, ['a:9092', 'b:9092']);
    assert.equal(config.HTTP_PORT, 9400);
    assert.equal(config.MERGE_MAX_ATTEMPTS, 3);
    assert.equal(config.KAFKA_PARTITIONS_CONCURRENTLY, 3);
    assert.equal(loadConfig(ReportMergerEnvSchema, {}).HTTP_PORT, 0, 'no health server unless asked for');
  });

  it('reads the webhook settings: off without a secret, a secret of at least 16 characters, an optional public URL', () => {
    const defaults = loadConfig(ReportMergerEnvSchema, {});
    assert.equal(defaults.WEBHOOK_SECRET, '');
    assert.equal(defaults.WEBHOOK_MAX_ATTEMPTS, 8);
    assert.equal(defaults.GATEWAY_PUBLIC_URL, '');
    const set = loadConfig(ReportMergerEnvSchema, {
      WEBHOOK_SECRET: 'sixteen-chars-ok',
      WEBHOOK_POLL_INTERVAL_MS: '1000',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_RETRY_BASE_MS: '500',
      GATEWAY_PUBLIC_URL: 'http://gateway:3000',
    });
    assert.deepEqual(
      [set.WEBHOOK_POLL_INTERVAL_MS, set.WEBHOOK_TIMEOUT_MS, set.WEBHOOK_MAX_ATTEMPTS, set.WEBHOOK_RETRY_BASE_MS],
      [1000, 2000, 3, 500],
    );
    assert.throws(() => loadConfig(ReportMergerEnvSchema, { WEBHOOK_SECRET: 'short' }), /WEBHOOK_SECRET/);
    assert.throws(() => loadConfig(ReportMergerEnvSchema, { GATEWAY_PUBLIC_URL: 'ftp://x' }), /GATEWAY_PUBLIC_URL/);
  });

  it('refuses invalid values, naming each variable', () => {
    assert.throws(
      () => loadConfig(ReportMergerEnvSchema, { HTTP_PORT: 'abc', KAFKA_PARTITIONS_CONCURRENTLY: '0', LOG_LEVEL: 'loud' }),
      (e: unknown) =>
        e instanceof ConfigValidationError &&
        /HTTP_PORT/.test(e.message) &&
        /KAFKA_PARTITIONS_CONCURRENTLY/.test(e.message) &&
        /LOG_LEVEL/.test(e.message),
    );
  });
});
