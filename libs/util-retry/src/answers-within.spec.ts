import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { answersWithin } from './answers-within';

describe('answersWithin', () => {
  it('is true for a probe that resolves in time', async () => {
    assert.equal(await answersWithin(async () => 'pong', 200), true);
  });

  it('is false for a probe that rejects', async () => {
    assert.equal(await answersWithin(() => Promise.reject(new Error('ECONNREFUSED')), 200), false);
  });

  it('is false for a probe that hangs, once the time is up', async () => {
    // answersWithin's own timer does not hold the process open (a hung probe must not): this one does.
    const keepAlive = setTimeout(() => undefined, 5_000);
    const started = Date.now();
    assert.equal(await answersWithin(() => new Promise(() => undefined), 50), false);
    assert.ok(Date.now() - started < 1_000);
    clearTimeout(keepAlive);
  });
});
