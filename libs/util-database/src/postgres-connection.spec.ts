import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { databaseSettings, postgresConnection } from './postgres-connection';

class A {}
class B {}

describe('postgresConnection', () => {
  it('gives the stores of one app the same root module (one pool) for equal settings, another for other settings', () => {
    const settings = databaseSettings({ DATABASE_URL: 'postgres://x@127.0.0.1:1/spec', DATABASE_POOL_SIZE: 3 });
    assert.deepEqual(settings, { url: 'postgres://x@127.0.0.1:1/spec', poolSize: 3 });
    const first = postgresConnection(settings, [A]);
    assert.equal(postgresConnection({ ...settings }, [B]), first);
    assert.notEqual(postgresConnection({ ...settings, poolSize: 4 }, [A]), first);
  });
});
