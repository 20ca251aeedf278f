import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ChunkResultEventV2, decodeEvent, packPoints, RowStatus, RowsChunkEventV2, unpackChunkResult } from '@geobatch/contracts';
import type { LookupHit, LookupPoint } from '@geobatch/geo-query';
import { ChunkGeocoder } from './chunk-geocoder.service';
import type { DatasetEngines } from './engine-registry';

const [V2020, V2023] = [randomUUID(), randomUUID()];
const SERIES = { ids: [V2020, V2023], versions: ['2020', '2023'], effectiveDates: ['2020-01-01', '2023-01-01'] };

/** Each version answers with a 동 named after it, so a row shows which version looked it up. */
function engines() {
  const calls: { id: string; points: LookupPoint[] }[] = [];
  const fake: DatasetEngines = {
    acquire: async (id) => ({
      dataset: { id, name: 'split-test', version: id === V2020 ? '2020' : '2023', levels: ['eupmyeondong'] },
      engine: {
        lookup: async (points) => {
          calls.push({ id, points: [...points] });
          const area = { code: id === V2020 ? '1111' : '1112', name: id === V2020 ? 'A' : 'A1' };
          return new Map(points.map((p) => [p.n, { eupmyeondong: area } as LookupHit]));
        },
      },
    }),
  };
  return { geocoder: new ChunkGeocoder(fake), calls };
}

describe('ChunkGeocoder with a date column', () => {
  it('looks each row up in the version in force on its date, once per version, and says which answered', async () => {
    const { geocoder, calls } = engines();
    const rows = [
      { n: 1, x: '127', y: '37', date: '2021-06-01' },
      { n: 2, x: '127', y: '37', date: '2023-01-01' },
      { n: 3, x: '127', y: '37', date: null },
      { n: 4, x: '127', y: '37', date: '2019-12-31' },
      { n: 5, x: 'abc', y: '37', date: '2021-06-01' },
      { n: 6, x: '127', y: '37', date: '2024-02-30' },
    ];
    const event = decodeEvent(RowsChunkEventV2, {
      jobId: randomUUID(), sheet: 0, chunk: 0, datasetIds: [V2023], crs: 'EPSG:4326',
      ...packPoints(rows), date: rows.map((r) => r.date), series: [SERIES],
    });
    const { result } = await geocoder.geocode(event);
    const decoded = unpackChunkResult(decodeEvent(ChunkResultEventV2, JSON.parse(JSON.stringify(result))));
    const m = decoded.map((r) => r.matches[0]);
    assert.deepEqual(m.map((x) => x.version), ['2020', '2023', '2023', '2020', '2020', '2023']);
    assert.deepEqual(m.map((x) => x.eupmyeondong?.name), ['A', 'A1', 'A1', 'A', undefined, 'A1']);
    assert.deepEqual(m.map((x) => x.status), [RowStatus.Ok, RowStatus.Ok, RowStatus.Ok, RowStatus.Ok, RowStatus.Invalid, RowStatus.Ok]);
    assert.equal(m[0].note, undefined);
    assert.match(m[2].note!, /no date: newest boundaries \(2023\) used/);
    assert.match(m[3].note!, /before the earliest boundaries \(2020/);
    assert.match(m[4].note!, /x/, 'the coordinate problem stays first');
    assert.match(m[5].note!, /unreadable date "2024-02-30"/);
    // One lookup per version, each with only the valid rows it is in force for.
    assert.deepEqual(calls.map((c) => [c.id, c.points.map((p) => p.n)]).sort(), [[V2020, [0, 3]], [V2023, [1, 2, 5]]].sort());
  });

  it('leaves chunks without a date column exactly as before (no version column)', async () => {
    const { geocoder } = engines();
    const event = decodeEvent(RowsChunkEventV2, { jobId: randomUUID(), sheet: 0, chunk: 0, datasetIds: [V2023], crs: 'EPSG:4326', ...packPoints([{ n: 1, x: '127', y: '37' }]) });
    const { result } = await geocoder.geocode(event);
    assert.equal(result.datasets[0].versions, undefined);
    assert.equal(result.datasets[0].version, undefined);
    assert.equal(unpackChunkResult(result)[0].matches[0].version, undefined);
  });
});
