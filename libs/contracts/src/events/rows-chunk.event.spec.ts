import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { INPUT_CRS, isInputCrs } from '../crs';
import { decodeEvent, EventDecodeError } from '../decode-event';
import { RowStatus } from '../row-status';
import { DEFAULT_NEAREST_M, packPoints, pointsOf, RowsChunkEventV2 } from './rows-chunk.event';

const base = { jobId: randomUUID(), sheet: 0, chunk: 0, datasetIds: [randomUUID()], crs: 'EPSG:5179', n: [1], x: ['953901.2'], y: ['1952032.1'] };

describe('RowsChunkEventV2.nearestM', () => {
  it('is optional (the geocoder then uses 200 m) and takes whole metres from 0 to 5000', () => {
    assert.equal(decodeEvent(RowsChunkEventV2, base).nearestM, undefined);
    assert.equal(DEFAULT_NEAREST_M, 200);
    for (const nearestM of [0, 1, 200, 5000]) assert.equal(decodeEvent(RowsChunkEventV2, { ...base, nearestM }).nearestM, nearestM);
    for (const nearestM of [-1, 5001, 0.5, '200']) {
      assert.throws(() => decodeEvent(RowsChunkEventV2, { ...base, nearestM }), (e: unknown) => e instanceof EventDecodeError && /nearestM/.test(e.message));
    }
  });
});

describe('input coordinate systems and statuses', () => {
  it('lists the systems the geocoder reads; any EPSG code still decodes (unsupported ones become INVALID rows)', () => {
    assert.deepEqual([...INPUT_CRS], ['EPSG:4326', 'EPSG:5179', 'EPSG:5186', 'EPSG:5181', 'EPSG:5174', 'EPSG:3857', 'EPSG:32652']);
    assert.equal(isInputCrs('EPSG:5174'), true);
    assert.equal(isInputCrs('EPSG:2097'), false);
    assert.equal(decodeEvent(RowsChunkEventV2, { ...base, crs: 'EPSG:2097' }).crs, 'EPSG:2097');
  });

  it('has the SWAPPED, NEAREST and ERROR statuses', () => {
    assert.deepEqual(Object.values(RowStatus), ['OK', 'NOT_FOUND', 'INVALID', 'SWAPPED', 'NEAREST', 'ERROR']);
  });
});

describe('packPoints / pointsOf', () => {
  it('turns points into columns and back, absent coordinates as null', () => {
    const points = [{ n: 3, x: '127', y: '37' }, { n: 5, x: null, y: '' }];
    const packed = packPoints(points);
    assert.deepEqual(packed, { n: [3, 5], x: ['127', null], y: ['37', ''] });
    assert.deepEqual(pointsOf(packed), points);
  });
});
