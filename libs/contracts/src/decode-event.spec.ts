import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { decodeEvent, EventDecodeError } from './decode-event';
import { RowsChunkEventV2 } from './events/rows-chunk.event';

describe('decodeEvent', () => {
  const valid = {
    jobId: randomUUID(),
    sheet: 0,
    chunk: 3,
    datasetIds: [randomUUID()],
    crs: 'EPSG:4326',
    n: [1, 2],
    x: ['127.1', null],
    y: ['37.5', ''],
  };

  it('returns a class instance with its columns', () => {
    const ev = decodeEvent(RowsChunkEventV2, valid);
    assert.ok(ev instanceof RowsChunkEventV2);
    assert.deepEqual(ev.n, [1, 2]);
    assert.equal(ev.x[0], '127.1');
  });

  it('rejects a payload whose column is malformed, naming the field', () => {
    for (const [bad, field] of [
      [{ n: [0, 2] }, /n: /],
      [{ x: ['127.1', 1] }, /x: /],
      [{ y: ['37.5'] }, /y: y must have one entry per entry of n/],
      [{ x: ['1'.repeat(201), null] }, /x: /],
    ] as const) {
      assert.throws(
        () => decodeEvent(RowsChunkEventV2, { ...valid, ...bad }),
        (e: unknown) => e instanceof EventDecodeError && field.test(e.message),
      );
    }
  });

  it('rejects non-objects', () => {
    assert.throws(() => decodeEvent(RowsChunkEventV2, 'nope'), EventDecodeError);
    assert.throws(() => decodeEvent(RowsChunkEventV2, [valid]), EventDecodeError);
  });
});
