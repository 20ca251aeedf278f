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

  it('runs the in-memory engine by default, with idle eviction, a cap, start-up warming and lookup retries', () => {
    const d = loadConfig(GeocoderEnvSchema, {});
    assert.deepEqual(
      [d.GEOCODER_ENGINE, d.GEOCODER_ENGINE_IDLE_MS, d.GEOCODER_ENGINE_MAX_DATASETS, d.GEOCODER_ENGINE_WARM, d.GEOCODER_RETRY_ATTEMPTS, d.GEOCODER_RETRY_BACKOFF_MS, d.GEOCODER_GROUP_ID],
      ['memory', 1_800_000, 4, 'default', 4, 500, 'geobatch-geocoder'],
    );
    const c = loadConfig(GeocoderEnvSchema, {
      GEOCODER_ENGINE: 'postgis',
      GEOCODER_ENGINE_IDLE_MS: '60000',
      GEOCODER_ENGINE_MAX_DATASETS: '2',
      GEOCODER_ENGINE_WARM: 'none',
      GEOCODER_RETRY_ATTEMPTS: '6',
      GEOCODER_RETRY_BACKOFF_MS: '250',
      GEOCODER_GROUP_ID: 'blue-geocoders',
    });
    assert.deepEqual(
      [c.GEOCODER_ENGINE, c.GEOCODER_ENGINE_IDLE_MS, c.GEOCODER_ENGINE_MAX_DATASETS, c.GEOCODER_ENGINE_WARM, c.GEOCODER_RETRY_ATTEMPTS, c.GEOCODER_RETRY_BACKOFF_MS, c.GEOCODER_GROUP_ID],
      ['postgis', 60_000, 2, 'none', 6, 250, 'blue-geocoders'],
    );
    assert.throws(
      () => loadConfig(GeocoderEnvSchema, { GEOCODER_ENGINE: 'gpu', GEOCODER_ENGINE_IDLE_MS: '5', GEOCODER_ENGINE_MAX_DATASETS: '0', GEOCODER_RETRY_ATTEMPTS: '0' }),
      (e: unknown) =>
        e instanceof ConfigValidationError &&
        ['GEOCODER_ENGINE:', 'GEOCODER_ENGINE_IDLE_MS', 'GEOCODER_ENGINE_MAX_DATASETS', 'GEOCODER_RETRY_ATTEMPTS'].every((v) => e.message.includes(v)),
    );
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
