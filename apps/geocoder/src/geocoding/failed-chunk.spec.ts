import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chunkKey, RowStatus, unpackChunkResult } from '@geobatch/contracts';
import { errorResult, failedChunkNote, salvageRowsChunk } from './failed-chunk';

describe('salvageRowsChunk', () => {
  const jobId = randomUUID();

  it('reads job, sheet, chunk, row numbers and dataset count from a payload that fails validation', () => {
    const payload = { jobId, sheet: 2, chunk: 7, datasetIds: ['a', 'b'], crs: '?', n: [3, 4], x: [null, 5] };
    assert.deepEqual(salvageRowsChunk(payload, chunkKey(jobId, 2, 7)), { jobId, sheet: 2, chunk: 7, rowNumbers: [3, 4], datasets: 2 });
  });

  it('trusts the key over a payload that disagrees with it, and finds the job by the key alone', () => {
    assert.deepEqual(salvageRowsChunk({ jobId, sheet: 9, chunk: 9, n: [1] }, chunkKey(jobId, 0, 1)), { jobId, sheet: 0, chunk: 1, rowNumbers: [1], datasets: 1 });
    assert.deepEqual(salvageRowsChunk('%binary%', chunkKey(jobId, 1, 4)), { jobId, sheet: 1, chunk: 4, rowNumbers: null, datasets: 1 });
  });

  it('has no row numbers when any point lacks a usable one, or there are none', () => {
    for (const n of [[1, 0], [1, null], [1.5], [], 'x']) {
      assert.equal(salvageRowsChunk({ jobId, sheet: 0, chunk: 0, n }, null)?.rowNumbers, null, JSON.stringify(n));
    }
  });

  it('gives up when nothing names a job', () => {
    assert.equal(salvageRowsChunk({ jobId: 'nope', n: [1] }, 'k1'), null);
    assert.equal(salvageRowsChunk(null, null), null);
  });
});

describe('errorResult', () => {
  it('answers every row with one ERROR match per dataset, the note capped at 500 characters', () => {
    const note = failedChunkNote('failed', 'x'.repeat(600));
    assert.equal(note.length, 500);
    const result = errorResult({ jobId: randomUUID(), sheet: 0, chunk: 1 }, [5, 6], 2, note);
    assert.deepEqual(unpackChunkResult(result).map((r) => [r.n, r.matches.map((m) => m.status)]), [[5, [RowStatus.Error, RowStatus.Error]], [6, [RowStatus.Error, RowStatus.Error]]]);
  });
});
