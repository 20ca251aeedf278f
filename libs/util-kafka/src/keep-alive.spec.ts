import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keepAlive } from './keep-alive';

describe('keepAlive', () => {
  it('heartbeats while work runs, ignores heartbeat errors, and stops', async () => {
    let beats = 0;
    const stop = keepAlive(async () => {
      beats++;
      if (beats === 1) throw new Error('The group is rebalancing');
    }, 5);
    await new Promise((r) => setTimeout(r, 60));
    stop();
    const seen = beats;
    assert.ok(seen >= 3, `${seen} heartbeats`);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(beats, seen, 'none after stop');
    keepAlive(undefined)();
  });
});
