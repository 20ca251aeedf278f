import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobStatus } from '@geobatch/contracts';
import { JobStatusCache } from './job-status.cache';

describe('JobStatusCache', () => {
  it('reads a job status once per interval, keeps an ended status for good, and does not call an unknown job ended', async () => {
    let clock = 0;
    const status = new Map<string, JobStatus>([['a', JobStatus.Running]]);
    const queries: string[] = [];
    const db = { query: async (_sql: string, [id]: unknown[]) => (queries.push(String(id)), status.has(String(id)) ? [{ status: status.get(String(id))! }] : []) };
    const cache = new JobStatusCache(db, 1_000, () => clock);
    assert.equal(await cache.hasEnded('a'), false);
    status.set('a', JobStatus.Cancelled);
    assert.equal(await cache.hasEnded('a'), false, 'cached for the interval');
    clock = 1_000;
    assert.equal(await cache.hasEnded('a'), true, 'read again after it');
    clock = 1_000_000;
    assert.equal(await cache.hasEnded('a'), true);
    assert.equal(await cache.hasEnded('unknown'), false);
    assert.deepEqual(queries, ['a', 'a', 'unknown'], 'an ended job is not read again');
  });
});
