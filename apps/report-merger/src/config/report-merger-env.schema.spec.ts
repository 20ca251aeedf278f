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
