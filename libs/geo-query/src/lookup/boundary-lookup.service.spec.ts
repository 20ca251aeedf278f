import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { assembleHits, assertLookupPoints, BoundaryLookup, roundDistance } from './boundary-lookup.service';

describe('assembleHits', () => {
  it('groups the chain rows of each point by level', () => {
    const hits = assembleHits([
      { n: 2, level: 'eupmyeondong', code: '1101053', name: '사직동' },
      { n: 2, level: 'sigungu', code: '11010', name: '종로구' },
      { n: 2, level: 'sido', code: '11', name: '서울특별시' },
      { n: 5, level: 'sigungu', code: '21010', name: '중구' },
    ]);
    assert.deepEqual([...hits.keys()], [2, 5]);
    assert.deepEqual(hits.get(2), {
      eupmyeondong: { code: '1101053', name: '사직동' },
      sigungu: { code: '11010', name: '종로구' },
      sido: { code: '11', name: '서울특별시' },
    });
    assert.deepEqual(hits.get(5), { sigungu: { code: '21010', name: '중구' } });
  });

  it('marks a hit found by proximity with its distance, rounded to 0.1 m', () => {
    const hits = assembleHits([
      { n: 1, level: 'eupmyeondong', code: '1101053', name: '사직동', d: 12.349 },
      { n: 1, level: 'sigungu', code: '11010', name: '종로구', d: null },
      { n: 2, level: 'sido', code: '11', name: '서울특별시', d: null },
    ]);
    assert.deepEqual(hits.get(1), {
      eupmyeondong: { code: '1101053', name: '사직동' },
      sigungu: { code: '11010', name: '종로구' },
      nearest: { distanceM: 12.3 },
    });
    assert.equal('nearest' in hits.get(2)!, false, 'an exact hit has no nearest field');
    assert.equal(roundDistance(0.05), 0.1);
    assert.equal(roundDistance(49.96), 50);
  });
});

describe('assertLookupPoints', () => {
  it('rejects keys and coordinates SQL would mishandle', () => {
    assert.throws(() => assertLookupPoints([{ n: 1, lon: NaN, lat: 37 }]), /non-finite/);
    assert.throws(() => assertLookupPoints([{ n: 1.5, lon: 127, lat: 37 }]), /not a 32-bit integer/);
    assert.throws(() => assertLookupPoints([{ n: 2 ** 31, lon: 127, lat: 37 }]), /not a 32-bit integer/);
    assert.throws(() => assertLookupPoints([{ n: 1, lon: 127, lat: 37 }, { n: 1, lon: 127, lat: 37 }]), /used twice/);
  });
});

describe('BoundaryLookup', () => {
  function fakeDataSource(rows: unknown[]) {
    const calls: { sql: string; params: unknown[] }[] = [];
    const ds = { query: async (sql: string, params: unknown[]) => (calls.push({ sql, params }), rows) };
    return { ds: ds as unknown as DataSource, calls };
  }

  it('sends all points in ONE statement as parallel arrays', async () => {
    const { ds, calls } = fakeDataSource([{ n: 7, level: 'sido', code: '11', name: '서울특별시' }]);
    const points = Array.from({ length: 1000 }, (_, i) => ({ n: i + 1, lon: 127 + i / 1e4, lat: 37 }));
    const hits = await new BoundaryLookup(ds).lookup('a387b818-9399-469c-9bb0-889a6fb25f1c', points);
    assert.equal(calls.length, 1);
    const [datasetId, ns, lons, lats] = calls[0].params as [string, number[], number[], number[]];
    assert.equal(datasetId, 'a387b818-9399-469c-9bb0-889a6fb25f1c');
    assert.deepEqual(ns, points.map((p) => p.n));
    assert.deepEqual(lons, points.map((p) => p.lon));
    assert.deepEqual(lats, points.map((p) => p.lat));
    assert.match(calls[0].sql, /unnest\(\$2::int\[\], \$3::float8\[\], \$4::float8\[\]\)/);
    assert.deepEqual(hits.get(7), { sido: { code: '11', name: '서울특별시' } });
  });

  it('with a tolerance, sends it as $5 in the same one statement, measured on the geography', async () => {
    const { ds, calls } = fakeDataSource([{ n: 3, level: 'sido', code: '11', name: '서울특별시', d: 48.26 }]);
    const hits = await new BoundaryLookup(ds).lookup('a387b818-9399-469c-9bb0-889a6fb25f1c', [{ n: 3, lon: 126.5, lat: 37.4 }], { nearestM: 200 });
    assert.equal(calls.length, 1);
    assert.equal(calls[0].params[4], 200);
    assert.match(calls[0].sql, /ST_Distance\(bp\.geom::geography, p\.g::geography\)/);
    assert.match(calls[0].sql, /ST_Expand\(p\.g,/, 'an index-friendly box prefilter');
    assert.deepEqual(hits.get(3), { sido: { code: '11', name: '서울특별시' }, nearest: { distanceM: 48.3 } });

    const exact = fakeDataSource([]);
    await new BoundaryLookup(exact.ds).lookup('a387b818-9399-469c-9bb0-889a6fb25f1c', [{ n: 3, lon: 126.5, lat: 37.4 }], { nearestM: 0 });
    assert.equal(exact.calls[0].params.length, 4, 'nearestM 0: exact matches only');
    assert.doesNotMatch(exact.calls[0].sql, /geography/);
  });

  it('rejects a tolerance that is not whole metres from 0 to 5000', async () => {
    const { ds, calls } = fakeDataSource([]);
    for (const nearestM of [-1, 5001, 1.5, NaN]) {
      await assert.rejects(new BoundaryLookup(ds).lookup('a387b818-9399-469c-9bb0-889a6fb25f1c', [], { nearestM }), /nearestM must be an integer from 0 to 5000/);
    }
    assert.equal(calls.length, 0);
  });

  it('does not query for no points', async () => {
    const { ds, calls } = fakeDataSource([]);
    assert.equal((await new BoundaryLookup(ds).lookup('a387b818-9399-469c-9bb0-889a6fb25f1c', [])).size, 0);
    assert.equal(calls.length, 0);
  });
});
