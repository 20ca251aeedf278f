import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  ChunkResultEventV2,
  decodeEvent,
  packPoints,
  RowStatus,
  RowsChunkEventV2,
  unpackChunkResult,
  type AdminLevel,
} from '@geobatch/contracts';
import type { LookupHit, LookupPoint } from '@geobatch/geo-query';
import { ChunkGeocoder, DATASET_MISSING_NOTE, nearestNote, NOT_FOUND_NOTE, partialNote } from './chunk-geocoder.service';
import type { DatasetEngines } from './engine-registry';

const SEOUL: LookupHit = {
  sido: { code: '11', name: '서울특별시' },
  sigungu: { code: '11010', name: '종로구' },
  eupmyeondong: { code: '1101053', name: '사직동' },
};

/** Fake engines: a point is "in" Seoul when its longitude is below 127.5; acquisitions and lookups are recorded. */
function fakes(
  levels: AdminLevel[] = ['sido', 'sigungu', 'eupmyeondong'],
  known?: string[],
  answer: (p: LookupPoint) => LookupHit | undefined = (p) => (p.lon < 127.5 ? SEOUL : undefined),
) {
  const calls: { datasetId: string; points: LookupPoint[]; nearestM?: number }[] = [];
  const acquired: string[] = [];
  const engines: DatasetEngines = {
    acquire: async (datasetId) => {
      acquired.push(datasetId);
      if (known && !known.includes(datasetId)) return null;
      return {
        dataset: { id: datasetId, name: 'fake', version: '1', levels },
        engine: {
          lookup: async (points, options) => {
            calls.push({ datasetId, points: [...points], nearestM: options?.nearestM });
            return new Map(points.flatMap((p) => (answer(p) ? [[p.n, answer(p)!] as const] : [])));
          },
        },
      };
    },
  };
  const chunkGeocoder = new ChunkGeocoder(engines);
  // The published event is columnar; `result.rows` is it read back one object per row, so the assertions stay per row.
  const geocoder = {
    geocode: async (event: RowsChunkEventV2) => {
      const { result: packed, stats } = await chunkGeocoder.geocode(event);
      return { packed, result: { jobId: packed.jobId, sheet: packed.sheet, chunk: packed.chunk, rows: unpackChunkResult(packed) }, stats };
    },
    geocodePoints: chunkGeocoder.geocodePoints.bind(chunkGeocoder),
  };
  return { geocoder, calls, acquired };
}

function chunk(points: { n: number; x: string | null; y: string | null }[], datasetIds = [randomUUID()], crs = 'EPSG:4326', nearestM?: number) {
  return decodeEvent(RowsChunkEventV2, { jobId: randomUUID(), sheet: 1, chunk: 4, datasetIds, crs, ...packPoints(points), ...(nearestM === undefined ? {} : { nearestM }) });
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
    const { result, packed, stats } = await geocoder.geocode(event);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].points.map((p) => [p.lon, p.lat]), [[126.97, 37.57], [128, 36], [127, 37.6]], 'only valid rows are looked up');
    assert.deepEqual(result.rows.map((r) => r.n), [10, 11, 12, 13, 14]);
    assert.deepEqual(result.rows.map((r) => r.matches[0].status), [RowStatus.Ok, RowStatus.Invalid, RowStatus.NotFound, RowStatus.Invalid, RowStatus.Ok]);
    assert.deepEqual(result.rows[0].matches[0], { status: RowStatus.Ok, ...SEOUL });
    assert.equal(result.rows[1].matches[0].note, '좌표가 숫자가 아님 (x="abc") / x is not a decimal number');
    assert.equal(result.rows[2].matches[0].note, NOT_FOUND_NOTE);
    assert.deepEqual([result.jobId, result.sheet, result.chunk], [event.jobId, 1, 4]);
    assert.deepEqual(stats, { rows: 5, ok: 2, notFound: 1, invalid: 2, swapped: 0, nearest: 0, partial: 0 });
    // What is published must pass the consumer's own validation.
    const decoded = decodeEvent(ChunkResultEventV2, JSON.parse(JSON.stringify(packed)));
    assert.deepEqual(JSON.parse(JSON.stringify(unpackChunkResult(decoded))), result.rows, 'decoded, it reads back the same rows');
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

  it('marks every row INVALID for a coordinate system it cannot read, without a lookup', async () => {
    const { geocoder, calls } = fakes();
    const { result, stats } = await geocoder.geocode(chunk([{ n: 1, x: '953000', y: '1952000' }, { n: 2, x: '127', y: '37' }], undefined, 'EPSG:2097'));
    assert.equal(calls.length, 0);
    for (const r of result.rows) {
      assert.equal(r.matches[0].status, RowStatus.Invalid);
      assert.match(r.matches[0].note!, /^지원하지 않는 좌표계 \(EPSG:2097\) \/ unsupported coordinate system; supported: EPSG:4326, EPSG:5179/);
    }
    assert.equal(stats.invalid, 2);
  });

  it('converts projected coordinates to WGS84 before the lookup', async () => {
    const { geocoder, calls } = fakes();
    const { result } = await geocoder.geocode(chunk([{ n: 1, x: '953901.1653121515', y: '1952032.0809790876' }, { n: 2, x: '127', y: '37' }], undefined, 'EPSG:5179'));
    assert.equal(calls.length, 1);
    assert.equal(calls[0].points.length, 1, 'the degrees row is out of range in UTM-K');
    const [p] = calls[0].points;
    assert.ok(Math.abs(p.lon - 126.978) < 1e-8 && Math.abs(p.lat - 37.5665) < 1e-8, `${p.lon}, ${p.lat}`);
    assert.deepEqual(result.rows[0].matches[0], { status: RowStatus.Ok, ...SEOUL });
    assert.equal(result.rows[1].matches[0].status, RowStatus.Invalid);
    assert.match(result.rows[1].matches[0].note!, /^좌표가 한국 범위를 벗어남 \(EPSG:5179 x=127, y=37 →/);
  });

  it('swaps x/y back, looks the point up and marks the row SWAPPED with its match', async () => {
    const { geocoder, calls } = fakes();
    const { result, stats } = await geocoder.geocode(chunk([{ n: 1, x: '37.57', y: '126.97' }, { n: 2, x: '36.0', y: '128.0' }]));
    assert.deepEqual(calls[0].points.map((p) => [p.lon, p.lat]), [[126.97, 37.57], [128, 36]]);
    assert.deepEqual(result.rows[0].matches[0], {
      status: RowStatus.Swapped,
      ...SEOUL,
      note: '경도와 위도가 바뀌어 있어 바꿔서 찾음 (x=37.57, y=126.97) / x and y were swapped; looked up as x=126.97, y=37.57',
    });
    // Swapped but in no area: NOT_FOUND, and the note still says it was swapped.
    assert.equal(result.rows[1].matches[0].status, RowStatus.NotFound);
    assert.equal(result.rows[1].matches[0].note, `${NOT_FOUND_NOTE}; 경도와 위도가 바뀌어 있어 바꿔서 찾음 (x=36, y=128) / x and y were swapped; looked up as x=128, y=36`);
    assert.deepEqual(stats, { rows: 2, ok: 0, notFound: 1, invalid: 0, swapped: 1, nearest: 0, partial: 0 });
  });

  it('passes the tolerance (200 m when the event has none) and marks nearest hits NEAREST with their distance', async () => {
    const near = (p: LookupPoint): LookupHit | undefined =>
      p.lon < 127.5 ? SEOUL : p.lon < 128.5 ? { ...SEOUL, nearest: { distanceM: 12.3 } } : undefined;
    const { geocoder, calls } = fakes(undefined, undefined, near);
    const { result, packed, stats } = await geocoder.geocode(chunk([
      { n: 1, x: '127.0', y: '37.5' },
      { n: 2, x: '128.0', y: '37.5' },
      { n: 3, x: '37.5', y: '128.0' },
      { n: 4, x: '129.0', y: '37.5' },
    ]));
    assert.equal(calls[0].nearestM, 200);
    assert.deepEqual(result.rows[0].matches[0], { status: RowStatus.Ok, ...SEOUL });
    assert.deepEqual(result.rows[1].matches[0], { status: RowStatus.Nearest, ...SEOUL, distanceM: 12.3, note: '가장 가까운 경계까지 12.3 m / nearest boundary 12.3 m away' });
    // Swapped and nearest: NEAREST (the match itself is approximate), both facts in the note.
    assert.equal(result.rows[2].matches[0].status, RowStatus.Nearest);
    assert.equal(result.rows[2].matches[0].distanceM, 12.3);
    assert.match(result.rows[2].matches[0].note!, /^경도와 위도가 바뀌어 있어 바꿔서 찾음 .*; 가장 가까운 경계까지 12\.3 m/);
    assert.equal(result.rows[3].matches[0].status, RowStatus.NotFound);
    assert.deepEqual(stats, { rows: 4, ok: 1, notFound: 1, invalid: 0, swapped: 0, nearest: 2, partial: 0 });
    assert.deepEqual(unpackChunkResult(decodeEvent(ChunkResultEventV2, JSON.parse(JSON.stringify(packed))))[1].matches[0].distanceM, 12.3);

    const off = fakes(undefined, undefined, near);
    await off.geocoder.geocode(chunk([{ n: 1, x: '127.0', y: '37.5' }], undefined, 'EPSG:4326', 0));
    assert.equal(off.calls[0].nearestM, 0, 'nearestM 0 is passed on, turning proximity off');
    assert.equal(nearestNote(5), '가장 가까운 경계까지 5.0 m / nearest boundary 5.0 m away');
  });

  it('rejects a tolerance outside 0–5000 m or not whole metres at the contract', () => {
    for (const nearestM of [-1, 5001, 12.5]) assert.throws(() => chunk([{ n: 1, x: '127', y: '37' }], undefined, 'EPSG:4326', nearestM), /nearestM/);
    assert.equal(chunk([{ n: 1, x: '127', y: '37' }], undefined, 'EPSG:4326', 5000).nearestM, 5000);
  });

  it('does not query when no row is valid', async () => {
    const { geocoder, calls } = fakes();
    await geocoder.geocode(chunk([{ n: 1, x: '', y: '' }]));
    assert.equal(calls.length, 0);
  });

  it('says so when the dataset is gone, and when a level is absent at the point', async () => {
    const gone = randomUUID();
    const { geocoder, calls, acquired } = fakes(['sido', 'sigungu', 'eupmyeondong', 'ri'], []);
    const { result } = await geocoder.geocode(chunk([{ n: 1, x: '127', y: '37' }], [gone]));
    assert.deepEqual(acquired, [gone]);
    assert.equal(calls.length, 0);
    assert.deepEqual(result.rows[0].matches[0], { status: RowStatus.NotFound, note: DATASET_MISSING_NOTE });

    const partial = fakes(['sido', 'sigungu', 'eupmyeondong', 'ri'], undefined, () => ({ sido: SEOUL.sido, sigungu: SEOUL.sigungu }));
    const { result: r2, stats: s2 } = await partial.geocoder.geocode(chunk([{ n: 1, x: '127', y: '37' }]));
    // Not a clean OK: the dataset has 읍면동, and the point is in a gap between its 시군구 and their 읍면동.
    assert.equal(r2.rows[0].matches[0].status, RowStatus.Partial);
    assert.equal(r2.rows[0].matches[0].note, partialNote(['eupmyeondong']), '리 is not expected everywhere');
    assert.equal(s2.partial, 1);
    assert.equal(partialNote(['eupmyeondong']), '읍면동 없음: 이 점을 덮는 읍면동 경계가 없습니다 / no eupmyeondong area of the dataset covers this point');

    // A 동 has no 리: a dataset with 리 still answers a city point as a clean OK.
    const city = fakes(['sido', 'sigungu', 'eupmyeondong', 'ri'], undefined, () => ({ ...SEOUL }));
    const { result: r3 } = await city.geocoder.geocode(chunk([{ n: 1, x: '127', y: '37' }]));
    assert.deepEqual([r3.rows[0].matches[0].status, r3.rows[0].matches[0].note], [RowStatus.Ok, undefined]);
  });
});

describe('ChunkGeocoder.geocodePoints (the path chunks and /geocode requests share)', () => {
  it('echoes each point\'s n, reports the datasets that answered, and null for a missing one', async () => {
    const [a, gone] = [randomUUID(), randomUUID()];
    const { geocoder, calls } = fakes(undefined, [a]);
    const out = await geocoder.geocodePoints({
      points: [{ n: 1, x: '126.97', y: '37.57' }, { n: 2, x: undefined, y: '37' }, { n: 3, x: '129', y: '35' }],
      crs: 'EPSG:4326',
      nearestM: 0,
      datasetIds: [a, gone, a],
    });
    assert.equal(calls.length, 1, 'one lookup per distinct dataset');
    assert.equal(calls[0].nearestM, 0);
    assert.deepEqual(out.datasets.map((d) => d?.id ?? null), [a, null, a]);
    assert.deepEqual(out.rows.map((r) => r.n), [1, 2, 3]);
    assert.deepEqual(out.rows.map((r) => r.matches.map((m) => m.status)), [
      [RowStatus.Ok, RowStatus.NotFound, RowStatus.Ok],
      [RowStatus.Invalid, RowStatus.Invalid, RowStatus.Invalid],
      [RowStatus.NotFound, RowStatus.NotFound, RowStatus.NotFound],
    ]);
    assert.equal(out.rows[0].matches[1].note, DATASET_MISSING_NOTE);
    assert.equal(out.rows[1].matches[0].note, '좌표 없음 (x 비어 있음) / missing x');
    assert.deepEqual(out.stats, { rows: 3, ok: 1, notFound: 1, invalid: 1, swapped: 0, nearest: 0, partial: 0 });
  });

  it('throws what the engine throws (the handler decides about retries)', async () => {
    const engines: DatasetEngines = { acquire: async () => { throw new Error('connection terminated'); } };
    await assert.rejects(new ChunkGeocoder(engines).geocode(chunk([{ n: 1, x: '127', y: '37' }])), /connection terminated/);
  });
});
