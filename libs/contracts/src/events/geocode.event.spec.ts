import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { decodeEvent, EventDecodeError } from '../decode-event';
import { RowStatus } from '../row-status';
import { ALL_TOPICS, Topics } from '../topics';
import { decodeGeocodeRequest, GeocodeErrorCode, GeocodeReplyV1, GeocodeRequestV1, MAX_GEOCODE_DATASETS, MAX_GEOCODE_POINTS } from './geocode.event';

const rejects = (payload: unknown, field: RegExp) =>
  assert.throws(() => decodeEvent(GeocodeRequestV1, payload), (e: unknown) => e instanceof EventDecodeError && field.test(e.message), JSON.stringify(payload).slice(0, 80));

describe('GeocodeRequestV1', () => {
  it('travels on geobatch.geocode.v1 and is answered on Nest\'s reply topic; both are provisioned', () => {
    assert.equal(GeocodeRequestV1.topic, 'geobatch.geocode.v1');
    assert.equal(GeocodeRequestV1.replyTopic, `${GeocodeRequestV1.topic}.reply`);
    assert.equal(GeocodeReplyV1.topic, 'geobatch.geocode.v1.reply');
    assert.ok(ALL_TOPICS.includes(Topics.geocode) && ALL_TOPICS.includes(Topics.geocodeReply));
    assert.deepEqual([Topics.geocode.partitions, Topics.geocodeReply.partitions], [3, 3]);
  });

  it('takes up to 10,000 points whose x/y are numbers or strings (or missing), and optional crs, datasets, nearestM', () => {
    const r = decodeEvent(GeocodeRequestV1, { points: [{ x: 126.978, y: '37.5665' }, { x: null }, {}], crs: 'EPSG:5179', datasets: ['kostat', randomUUID()], nearestM: 0 });
    assert.deepEqual([r.points[0].x, r.points[0].y, r.points[1].x, r.points[2].y], [126.978, '37.5665', null, undefined]);
    assert.deepEqual([r.crs, r.nearestM, r.datasets?.length], ['EPSG:5179', 0, 2]);
    assert.equal(decodeEvent(GeocodeRequestV1, { points: [] }).crs, undefined);
    assert.equal(decodeEvent(GeocodeRequestV1, { points: Array.from({ length: MAX_GEOCODE_POINTS }, () => ({ x: 1, y: 2 })) }).points.length, 10_000);
  });

  it('refuses what it cannot take, naming the field', () => {
    rejects({ points: Array.from({ length: MAX_GEOCODE_POINTS + 1 }, () => ({ x: 1, y: 2 })) }, /points/);
    rejects({ points: [{ x: true, y: 37 }] }, /points\.0\.x/);
    rejects({ points: [{ x: 'x'.repeat(201), y: 37 }] }, /points\.0\.x/);
    rejects({ points: [{ x: 127, y: [37] }] }, /points\.0\.y/);
    rejects({ points: [7] }, /points/);
    rejects({}, /points/);
    rejects({ points: [], crs: 'WGS84' }, /crs/);
    rejects({ points: [], nearestM: 12.5 }, /nearestM/);
    rejects({ points: [], datasets: Array.from({ length: MAX_GEOCODE_DATASETS + 1 }, (_, i) => `d${i}`) }, /datasets/);
    rejects({ points: [], datasets: [''] }, /datasets/);
  });
});

describe('decodeGeocodeRequest (the fast decoder the geocoder uses)', () => {
  const cases: [string, unknown][] = [
    ['numbers and strings', { points: [{ x: 126.978, y: '37.5665' }, { x: null }, {}, { x: '', y: ' ' }], crs: 'EPSG:5179', datasets: ['kostat'], nearestM: 0 }],
    ['no points', { points: [] }],
    ['10,000 points', { points: Array.from({ length: MAX_GEOCODE_POINTS }, () => ({ x: 1, y: 2 })) }],
    ['10,001 points', { points: Array.from({ length: MAX_GEOCODE_POINTS + 1 }, () => ({ x: 1, y: 2 })) }],
    ['a boolean x', { points: [{ x: true, y: 37 }] }],
    ['an infinite y', { points: [{ x: 1, y: Infinity }] }],
    ['a long string', { points: [{ x: 'x'.repeat(201), y: 37 }] }],
    ['an array y', { points: [{ x: 127, y: [37] }] }],
    ['a point that is a number', { points: [7] }],
    ['a null point', { points: [null] }],
    ['points not an array', { points: 'all' }],
    ['no points at all', {}],
    ['a bad crs', { points: [], crs: 'WGS84' }],
    ['a bad crs and a bad point', { points: [{ x: false }], crs: 'WGS84' }],
    ['a fractional nearestM', { points: [], nearestM: 12.5 }],
    ['too many datasets', { points: [], datasets: Array.from({ length: MAX_GEOCODE_DATASETS + 1 }, (_, i) => `d${i}`) }],
    ['an empty dataset name', { points: [], datasets: [''] }],
    ['not an object', 'points'],
    ['an array', [{ points: [] }]],
  ];

  it('accepts and refuses exactly what the class decorators do, naming the same fields', () => {
    for (const [what, payload] of cases) {
      let slow: unknown;
      let fast: unknown;
      try { slow = decodeEvent(GeocodeRequestV1, payload); } catch (e) { slow = e; }
      try { fast = decodeGeocodeRequest(payload); } catch (e) { fast = e; }
      assert.equal(fast instanceof EventDecodeError, slow instanceof EventDecodeError, what);
      if (slow instanceof EventDecodeError) {
        const fields = (e: EventDecodeError) => new Set(e.problems.map((p) => p.split(':')[0].replace(/\.\d+.*$/, '.N')));
        assert.deepEqual(fields(fast as EventDecodeError), fields(slow), what);
        continue;
      }
      const [a, b] = [slow as GeocodeRequestV1, fast as GeocodeRequestV1];
      assert.ok(b instanceof GeocodeRequestV1, what);
      assert.deepEqual([b.crs, b.datasets, b.nearestM], [a.crs, a.datasets, a.nearestM], what);
      assert.deepEqual(b.points.map((p) => [p.x, p.y]), a.points.map((p) => [p.x, p.y]), what);
    }
  });

  it('drops unknown point properties, as whitelisting does', () => {
    assert.deepEqual(decodeGeocodeRequest({ points: [{ x: 1, y: 2, z: 3 }] }).points, [{ x: 1, y: 2 }]);
  });
});

describe('GeocodeReplyV1', () => {
  it('holds one RowResultV1 per point and the datasets, or an error', () => {
    const id = randomUUID();
    const ok = decodeEvent(GeocodeReplyV1, {
      crs: 'EPSG:4326',
      nearestM: 200,
      datasets: [{ id, name: 'kostat', version: '2018', label: 'kostat@2018' }],
      results: [{ n: 1, matches: [{ status: RowStatus.Nearest, sido: { code: '11', name: '서울특별시' }, distanceM: 12.5, note: 'x' }] }],
    });
    assert.equal(ok.results[0].matches[0].distanceM, 12.5);
    const refused = decodeEvent(GeocodeReplyV1, { error: { code: GeocodeErrorCode.UnknownDataset, message: 'no' }, crs: 'EPSG:4326', nearestM: 200, datasets: [], results: [] });
    assert.equal(refused.error?.code, 'unknown_dataset');
    assert.deepEqual(Object.values(GeocodeErrorCode), ['invalid_request', 'unknown_dataset', 'expired', 'unavailable']);
    assert.throws(() => decodeEvent(GeocodeReplyV1, { crs: 'EPSG:4326', nearestM: 200, datasets: [{ id: 'x' }], results: [] }), /datasets\.0\.id/);
  });
});
