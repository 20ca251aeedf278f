import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { replicationFor } from './topic-provisioner';

describe('replicationFor', () => {
  it('keeps one copy on a single broker (a laptop) and two on two', () => {
    assert.deepEqual(replicationFor(1), { replicationFactor: 1, minInsyncReplicas: 1 });
    assert.deepEqual(replicationFor(2), { replicationFactor: 2, minInsyncReplicas: 1 });
  });

  it('keeps three copies, two in sync, on three brokers or more: one broker may die and writes go on', () => {
    assert.deepEqual(replicationFor(3), { replicationFactor: 3, minInsyncReplicas: 2 });
    assert.deepEqual(replicationFor(5), { replicationFactor: 3, minInsyncReplicas: 2 });
  });
});
