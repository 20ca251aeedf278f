import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventDecodeError } from '@geobatch/contracts';
import { backoffDelay, isPermanent, withRetries } from './with-retries';

describe('withRetries', () => {
  it('retries transient failures with doubling waits until the work succeeds', async () => {
    const waits: number[] = [];
    const retried: [string, number, number][] = [];
    let calls = 0;
    const value = await withRetries(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw new Error(`connection refused ${attempt}`);
        return 'done';
      },
      { attempts: 5, backoffMs: 100 },
      { sleep: async (ms) => void waits.push(ms), onRetry: (e, attempt, delay) => retried.push([e.message, attempt, delay]) },
    );
    assert.equal(value, 'done');
    assert.equal(calls, 3);
    assert.deepEqual(waits, [100, 200]);
    assert.deepEqual(retried, [['connection refused 1', 1, 100], ['connection refused 2', 2, 200]]);
  });

  it('gives up after the last attempt and throws the last error', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(async () => { calls++; throw new Error(`down ${calls}`); }, { attempts: 3, backoffMs: 1 }, { sleep: async () => undefined }),
      /down 3/,
    );
    assert.equal(calls, 3);
  });

  it('does not retry errors another attempt cannot cure', async () => {
    for (const error of [new RangeError('at most 100000 points'), new EventDecodeError('X', ['a: b']), new TypeError('x is undefined')]) {
      let calls = 0;
      await assert.rejects(withRetries(async () => { calls++; throw error; }, { attempts: 5, backoffMs: 1 }, { sleep: async () => undefined }), error);
      assert.equal(calls, 1, error.name);
      assert.equal(isPermanent(error), true);
    }
    assert.equal(isPermanent(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })), false);
  });

  it('stops retrying, throwing the last error, once `stop` says so', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(async () => { calls++; throw new Error('down'); }, { attempts: 10, backoffMs: 1 }, { stop: () => calls >= 3, sleep: async () => undefined }),
      /down/,
    );
    assert.equal(calls, 3);
  });

  it('stops before a wait that would end after the deadline', async () => {
    let now = 1_000;
    let calls = 0;
    await assert.rejects(
      withRetries(async () => { calls++; throw new Error('down'); }, { attempts: 10, backoffMs: 400 }, {
        deadline: 2_000,
        now: () => now,
        sleep: async (ms) => void (now += ms),
      }),
      /down/,
    );
    assert.equal(calls, 2, 'waits 400 (to 1400), then 800 would pass 2000');
  });

  it('caps one wait at 10 s by default', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((r) => backoffDelay({ attempts: 9, backoffMs: 500 }, r)), [500, 1000, 2000, 4000, 8000, 10_000]);
    assert.equal(backoffDelay({ attempts: 9, backoffMs: 500, maxBackoffMs: 700 }, 3), 700);
  });
});
