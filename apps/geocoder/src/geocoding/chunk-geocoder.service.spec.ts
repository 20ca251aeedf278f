import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ChunkResultEventV1, decodeEvent, RowStatus, RowsChunkEventV1, type AdminLevel } from '@geobatch/contracts';
import type { BoundaryLookup, Dataset, DatasetRepository, LookupHit, LookupPoint } from '@geobatch/geo-query';
import { ChunkGeocoder, DATASET_MISSING_NOTE, NOT_FOUND_NOTE } from './chunk-geocoder.service';

const SEOUL: LookupHit = {
  sido: { code: '11', name: '서울특별시' },
  sigungu: { code: '11010', name: '종로구' },
  eupmyeondong: { code: '1101053', name: '사직동' },
};

/** A fake lookup: a point is "in" Seoul when its longitude is below 127.5, and the calls are recorded. */
function fakes(
  levels: AdminLevel[] = ['sido', 'sigungu', 'eupmyeondong'],
  known?: string[],
  answer: (p: LookupPoint) => LookupHit | undefined = (p) => (p.lon < 127.5 ? SEOUL : undefined),
) {
  const calls: { datasetId: string; points: LookupPoint[] }[] = [];
  const lookup: Pick<BoundaryLookup, 'lookup'> = {
    lookup: async (datasetId, points) => {
      calls.push({ datasetId, points: [...points] });
      return new Map(points.flatMap((p) => (answer(p) ? [[p.n, answer(p)!] as const] : [])));
    },
  };
  const datasets: Pick<DatasetRepository, 'findById'> = {
    findById: async (id) => (known && !known.includes(id) ? null : ({ id, levels } as Dataset)),
  };
  return { geocoder: new ChunkGeocoder(lookup as BoundaryLookup, datasets as DatasetRepository), calls };
}

function chunk(points: { n: number; x: string | null; y: string | null }[], datasetIds = [randomUUID()], crs = 'EPSG:4326') {
  return decodeEvent(RowsChunkEventV1, { jobId: randomUUID(), sheet: 1, chunk: 4, datasetIds, crs, points });
}

describe('ChunkGeocoder', () => {
  it('answers every row in input order, with one lookup call for the whole chunk', async () => {
    const { geocoder, calls } = fakes();
    const event = chunk([
      { n: 10, x: '126.97', y: '37.57' },
      { n: 11, x: 'abc', y: '37.5' },
      { n: 12, x: '128.0', y: '36.0' },
      { n: 13, x: null, y: null },
      { n: 14, x: ' 127.0 ', y: ' 37.6 ' },
    ]);
    const { result, stats } = await geocoder.geocode(event);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].points.map((p) => [p.lon, p.lat]), [[126.97, 37.57], [128, 36], [127, 37.6]], 'only valid rows are looked up');
    assert.deepEqual(result.rows.map((r) => r.n), [10, 11, 12, 13, 14]);
    assert.deepEqual(result.rows.map((r) => r.matches[0].status), [RowStatus.Ok, RowStatus.Invalid, RowStatus.NotFound, RowStatus.Invalid, RowStatus.Ok]);
    assert.deepEqual(result.rows[0].matches[0], { status: RowStatus.Ok, ...SEOUL });
    assert.equal(result.rows[1].matches[0].note, '좌표가 숫자가 아님 (x="abc") / x is not a decimal number');
    assert.equal(result.rows[2].matches[0].note, NOT_FOUND_NOTE);
    assert.deepEqual([result.jobId, result.sheet, result.chunk], [event.jobId, 1, 4]);
    assert.deepEqual(stats, { rows: 5, ok: 2, notFound: 1, invalid: 2 });
    // What is published must pass the consumer's own validation.
    assert.deepEqual(decodeEvent(ChunkResultEventV1, JSON.parse(JSON.stringify(result))).rows.length, 5);
  });

  it('gives one match per dataset in the job order, one lookup per distinct dataset', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const { geocoder, calls } = fakes();
    const { result } = await geocoder.geocode(chunk([{ n: 1, x: '127', y: '37' }, { n: 2, x: '1', y: '2' }], [a, b, a]));
    assert.deepEqual(calls.map((c) => c.datasetId), [a, b]);
    assert.equal(result.rows[0].matches.length, 3);
    assert.ok(result.rows[0].matches.every((m) => m.status === RowStatus.Ok));
    assert.ok(result.rows[1].matches.every((m) => m.status === RowStatus.Invalid));
  });

  it('keys lookups by position, so repeated row numbers cannot mix rows up', async () => {
    const { geocoder, calls } = fakes();
    const { result } = await geocoder.geocode(chunk([{ n: 5, x: '127', y: '37' }, { n: 5, x: '128', y: '37' }]));
    assert.deepEqual(calls[0].points.map((p) => p.n), [0, 1]);
    assert.deepEqual(result.rows.map((r) => r.matches[0].status), [RowStatus.Ok, RowStatus.NotFound]);
  });

  it('marks every row INVALID for a coordinate system it cannot read yet, without a lookup', async () => {
    const { geocoder, calls } = fakes();
    const { result, stats } = await geocoder.geocode(chunk([{ n: 1, x: '953000', y: '1952000' }, { n: 2, x: '127', y: '37' }], undefined, 'EPSG:5179'));
    assert.equal(calls.length, 0);
    for (const r of result.rows) {
      assert.equal(r.matches[0].status, RowStatus.Invalid);
      assert.match(r.matches[0].note!, /^지원하지 않는 좌표계 \(EPSG:5179\)/);
    }
    assert.equal(stats.invalid, 2);
  });

  it('does not query when no row is valid', async () => {
    const { geocoder, calls } = fakes();
    await geocoder.geocode(chunk([{ n: 1, x: '', y: '' }]));
    assert.equal(calls.length, 0);
  });

  it('says so when the dataset is gone, and when a level is absent at the point', async () => {
    const gone = randomUUID();
    const { geocoder, calls } = fakes(['sido', 'sigungu', 'eupmyeondong', 'ri'], []);
    const { result } = await geocoder.geocode(chunk([{ n: 1, x: '127', y: '37' }], [gone]));
    assert.equal(calls.length, 0);
    assert.deepEqual(result.rows[0].matches[0], { status: RowStatus.NotFound, note: DATASET_MISSING_NOTE });

    const partial = fakes(['sido', 'sigungu', 'eupmyeondong', 'ri'], undefined, () => ({ sido: SEOUL.sido, sigungu: SEOUL.sigungu }));
    const { result: r2 } = await partial.geocoder.geocode(chunk([{ n: 1, x: '127', y: '37' }]));
    assert.equal(r2.rows[0].matches[0].status, RowStatus.Ok);
    assert.equal(r2.rows[0].matches[0].note, '읍면동 없음 / no eupmyeondong area here', '리 is not expected everywhere');
  });
});
