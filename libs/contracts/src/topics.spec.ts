import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chunkKey, parseChunkKey } from './topics';

describe('chunkKey / parseChunkKey', () => {
  it('reads back the job, sheet and chunk a chunk key names', () => {
    const jobId = randomUUID();
    assert.deepEqual(parseChunkKey(chunkKey(jobId, 2, 17)), { jobId, sheet: 2, chunk: 17 });
  });

  it('is null for any other key', () => {
    const jobId = randomUUID();
    for (const key of [null, undefined, '', jobId, `${jobId}:1`, `${jobId}:1:2:3`, `nope:1:2`, `${jobId}:-1:2`, `${jobId}:1:x`, `${jobId}:1:1234567890`]) {
      assert.equal(parseChunkKey(key), null, String(key));
    }
  });
});
