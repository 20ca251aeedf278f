import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigValidationError, loadConfig } from '@geobatch/util-config';
import { GatewayEnvSchema } from './gateway-env.schema';

describe('GatewayEnvSchema', () => {
  it('has working defaults', () => {
    const c = loadConfig(GatewayEnvSchema, {});
    assert.equal(c.PORT, 3000);
    assert.equal(c.HOST, '127.0.0.1');
    assert.equal(c.CHUNK_SIZE, 5000);
    assert.equal(c.MAX_UPLOAD_BYTES, 2 * 1024 ** 3);
    assert.deepEqual(c.KAFKA_BROKERS, ['127.0.0.1:9092']);
    assert.deepEqual([c.RETENTION_DAYS, c.RETENTION_SWEEP_INTERVAL_MS], [7, 600_000]);
    assert.deepEqual([c.RATE_LIMIT_PER_MINUTE, c.UPLOAD_RATE_LIMIT_PER_MINUTE], [600, 60]);
    assert.equal(c.MAX_DATASET_UPLOAD_BYTES, 1024 ** 3);
    assert.equal(c.GEOCODE_TIMEOUT_MS, 30_000);
    assert.equal(c.GEOCODE_REPLY_GROUP_ID, 'geobatch-gateway-geocode');
  });

  it('keeps the /geocode wait within the time the geocoder still answers a request', () => {
    assert.equal(loadConfig(GatewayEnvSchema, { GEOCODE_TIMEOUT_MS: '5000' }).GEOCODE_TIMEOUT_MS, 5000);
    assert.throws(() => loadConfig(GatewayEnvSchema, { GEOCODE_TIMEOUT_MS: '30001' }), /GEOCODE_TIMEOUT_MS: /);
  });

  it('converts numbers from the environment', () => {
    const c = loadConfig(GatewayEnvSchema, { PORT: '8080', CHUNK_SIZE: '20000', MAX_UPLOAD_BYTES: '1048576' });
    assert.deepEqual([c.PORT, c.CHUNK_SIZE, c.MAX_UPLOAD_BYTES], [8080, 20000, 1048576]);
  });

  it('refuses a chunk size above MAX_POINTS_PER_CHUNK and other nonsense, naming each variable', () => {
    assert.throws(
      () => loadConfig(GatewayEnvSchema, { CHUNK_SIZE: '20001', PORT: 'http', MAX_UPLOAD_BYTES: '0' }),
      (e: unknown) =>
        e instanceof ConfigValidationError &&
        /CHUNK_SIZE: .*20000/.test(e.message) &&
        /PORT: /.test(e.message) &&
        /MAX_UPLOAD_BYTES: /.test(e.message),
    );
  });
});
