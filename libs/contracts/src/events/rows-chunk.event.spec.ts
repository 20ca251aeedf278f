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

  it('has the SWAPPED, NEAREST, PARTIAL and ERROR statuses', () => {
    assert.deepEqual(Object.values(RowStatus), ['OK', 'NOT_FOUND', 'INVALID', 'SWAPPED', 'NEAREST', 'PARTIAL', 'ERROR']);
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

describe('RowsChunkEventV2 date column and series (jobs with a date column)', () => {
  const [a, b] = [randomUUID(), randomUUID()];
  const dated = {
    ...base,
    datasetIds: [b],
    n: [1, 2, 3],
    x: ['127', '127', '127'],
    y: ['37', '37', '37'],
    date: ['2021-05-01', null, '22-APR-24 10:43:00'],
    series: [{ ids: [a, b], versions: ['2020', '2023'], effectiveDates: ['2020-01-01', '2023-01-01'] }],
  };

  it('are optional: chunks without them decode as before', () => {
    const plain = decodeEvent(RowsChunkEventV2, base);
    assert.equal(plain.date, undefined);
    assert.equal(plain.series, undefined);
  });

  it('decode a date per row and the versions of each output group', () => {
    const decoded = decodeEvent(RowsChunkEventV2, dated);
    assert.deepEqual(decoded.date, dated.date);
    assert.deepEqual(decoded.series, dated.series);
  });

  it('refuse dates that do not line up, malformed versions and series without a date column', () => {
    const broken: ((e: any) => void)[] = [
      (e) => e.date.pop(),
      (e) => (e.date[0] = 20240101),
      (e) => (e.date[0] = 'x'.repeat(41)),
      (e) => delete e.date,
      (e) => (e.series = []),
      (e) => e.series.push(e.series[0]),
      (e) => (e.series[0].ids[0] = 'not-a-uuid'),
      (e) => e.series[0].versions.pop(),
      (e) => (e.series[0].effectiveDates = ['2023-01-01', '2020-01-01']),
      (e) => (e.series[0].effectiveDates = ['2020-01-01', '2020-01-01']),
      (e) => (e.series[0].effectiveDates[0] = null),
      (e) => (e.series[0] = { ids: [], versions: [], effectiveDates: [] }),
      (e) => (e.series[0] = null),
    ];
    for (const breakIt of broken) {
      const copy = structuredClone(dated);
      breakIt(copy);
      assert.throws(() => decodeEvent(RowsChunkEventV2, copy), EventDecodeError, breakIt.toString());
    }
  });
});
