import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobStatus } from '@geobatch/contracts';
import type { JobProgress } from '@geobatch/job-store';
import { fakeJob } from '../testing/gateway-fakes';
import { statusOf, summaryOf } from './job-views';

const createdAt = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(createdAt.getTime() + s * 1000);
const progress = (processed: number, problems = 0): JobProgress => ({ chunksDone: 1, processed, ok: processed - problems, problems });
const sheet = (rows: number, blankRows: number) => ({ sheet: 0, name: 'S', rows, chunks: 1, blankRows });

describe('job views: the row total and the bar', () => {
  it('a completed job with a blank row is done: its fraction is 1 and done + blank is its total', () => {
    const job = fakeJob({ status: JobStatus.Completed, createdAt, finishedAt: at(4), sealedAt: at(1), sheets: [sheet(8, 1)] });
    const view = statusOf(job, progress(8, 1), at(10));
    assert.deepEqual(view.rows, { total: 9, processed: 8, ok: 7, problems: 1, blank: 1 });
    assert.equal(view.rows.processed + view.rows.blank, view.rows.total);
    assert.deepEqual(view.progress, { fraction: 1, rowsPerSecond: 2, etaSeconds: 0, totalEstimated: false });
  });

  it('counts blank rows in the share of a sealed running job, and in the rows left', () => {
    const job = fakeJob({ status: JobStatus.Running, createdAt, sealedAt: at(1), sheets: [sheet(900, 100)] });
    const view = statusOf(job, progress(400), at(10));
    assert.equal(view.progress.fraction, 0.5);
    assert.equal(view.progress.etaSeconds, 13); // 500 rows left at 40 rows/s
  });

  it('before the seal, reports the estimated total with a fraction and an ETA, flagged as an estimate', () => {
    const job = fakeJob({ status: JobStatus.Running, createdAt, estimatedRows: 100_000 });
    const view = statusOf(job, progress(20_000), at(10));
    assert.equal(view.rows.total, 100_000);
    assert.deepEqual(view.progress, { fraction: 0.2, rowsPerSecond: 2000, etaSeconds: 40, totalEstimated: true });
    assert.equal(summaryOf(job, progress(20_000)).rows.total, 100_000);
  });

  it('never reports an estimate below the rows already done, and no total without any', () => {
    const low = statusOf(fakeJob({ status: JobStatus.Running, createdAt, estimatedRows: 50 }), progress(80), at(10));
    assert.equal(low.rows.total, 80);
    const none = statusOf(fakeJob({ status: JobStatus.Running, createdAt }), progress(80), at(10));
    assert.deepEqual([none.rows.total, none.progress.fraction, none.progress.etaSeconds, none.progress.totalEstimated], [null, null, null, false]);
  });

  it('the exact total replaces the estimate once sealed', () => {
    const job = fakeJob({ status: JobStatus.Running, createdAt, estimatedRows: 100_001, sealedAt: at(1), sheets: [sheet(99_990, 10)] });
    const view = statusOf(job, progress(0), at(2));
    assert.deepEqual([view.rows.total, view.progress.totalEstimated], [100_000, false]);
  });
});
