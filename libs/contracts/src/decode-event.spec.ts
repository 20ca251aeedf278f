import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { decodeEvent, EventDecodeError } from './decode-event';
import { RowsChunkEventV1 } from './events/rows-chunk.event';

describe('decodeEvent', () => {
  const valid = {
    jobId: randomUUID(),
    sheet: 0,
    chunk: 3,
    datasetIds: [randomUUID()],
    crs: 'EPSG:4326',
    points: [{ n: 1, x: '127.1', y: '37.5' }, { n: 2, x: null, y: '' }],
  };

  it('returns a class instance with nested points', () => {
    const ev = decodeEvent(RowsChunkEventV1, valid);
    assert.ok(ev instanceof RowsChunkEventV1);
    assert.equal(ev.points.length, 2);
    assert.equal(ev.points[0].x, '127.1');
  });

  it('rejects a payload whose nested point is malformed, naming the field', () => {
    assert.throws(
      () => decodeEvent(RowsChunkEventV1, { ...valid, points: [{ n: 0, x: 1 }] }),
      (e: unknown) => e instanceof EventDecodeError && /points\.0\.n/.test(e.message),
    );
  });

  it('rejects non-objects', () => {
    assert.throws(() => decodeEvent(RowsChunkEventV1, 'nope'), EventDecodeError);
    assert.throws(() => decodeEvent(RowsChunkEventV1, [valid]), EventDecodeError);
  });
});
