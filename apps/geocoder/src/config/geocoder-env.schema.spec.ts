import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigValidationError, loadConfig } from '@geobatch/util-config';
import { GeocoderEnvSchema } from './geocoder-env.schema';

describe('GeocoderEnvSchema', () => {
  it('has working defaults and converts strings', () => {
    const c = loadConfig(GeocoderEnvSchema, { GEOCODER_CONCURRENCY: '4', KAFKA_BROKERS: 'a:1, b:2', HTTP_PORT: '9400' });
    assert.equal(c.GEOCODER_CONCURRENCY, 4);
    assert.deepEqual(c.KAFKA_BROKERS, ['a:1', 'b:2']);
    assert.equal(c.HTTP_PORT, 9400);
    assert.equal(loadConfig(GeocoderEnvSchema, {}).GEOCODER_CONCURRENCY, 2);
  });

  it('names every invalid variable', () => {
    assert.throws(
      () => loadConfig(GeocoderEnvSchema, { GEOCODER_CONCURRENCY: '0', DATABASE_POOL_SIZE: 'many', LOG_LEVEL: 'loud' }),
      (e: unknown) =>
        e instanceof ConfigValidationError &&
        /GEOCODER_CONCURRENCY/.test(e.message) &&
        /DATABASE_POOL_SIZE/.test(e.message) &&
        /LOG_LEVEL/.test(e.message),
    );
  });
});
