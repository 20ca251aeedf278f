import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { decodeEvent, EventDecodeError } from '../decode-event';
import { RowStatus } from '../row-status';
import { AreaV1 } from './area';
import { ChunkResultEventV2, DatasetMatchesV2, MAX_AREAS_PER_CHUNK, okRowCount, packChunkResult, unpackChunkResult, type RowResultV1 } from './chunk-result.event';

const seoul = { code: '11', name: '서울특별시' };
const jongno = { code: '11010', name: '종로구' };
const rows: RowResultV1[] = [
  { n: 1, matches: [{ status: RowStatus.Ok, sido: seoul, sigungu: jongno, eupmyeondong: { code: '1101053', name: '사직동' } }, { status: RowStatus.Ok, sido: seoul }] },
  { n: 2, matches: [{ status: RowStatus.Nearest, note: '가장 가까운 경계까지 3.0 m', distanceM: 3, sido: seoul, sigungu: jongno }, { status: RowStatus.NotFound, note: '경계 밖' }] },
  { n: 4, matches: [{ status: RowStatus.Invalid, note: 'x: 숫자가 아닙니다' }, { status: RowStatus.Invalid, note: 'x: 숫자가 아닙니다' }] },
];
const head = { jobId: randomUUID(), sheet: 0, chunk: 2 };

describe('ChunkResultEventV2', () => {
  it('packs rows into columns that name each area once, and unpacks them to the same rows', () => {
    const packed = packChunkResult(head, rows, 2);
    assert.deepEqual(packed.datasets[0].areas.map((a) => a.code), ['11', '11010', '1101053']);
    assert.deepEqual(packed.datasets[0].sigungu, [1, 1, -1]);
    const decoded = decodeEvent(ChunkResultEventV2, JSON.parse(JSON.stringify(packed)));
    assert.deepEqual(JSON.parse(JSON.stringify(unpackChunkResult(decoded))), rows);
    assert.equal(okRowCount(decoded), 1);
  });

  it('decodes into class instances down to the areas, without the fields the contract does not have', () => {
    const packed = JSON.parse(JSON.stringify(packChunkResult(head, rows, 2)));
    packed.extra = 'dropped';
    packed.datasets[0].extra = 'dropped';
    const decoded = decodeEvent(ChunkResultEventV2, packed);
    assert.ok(decoded instanceof ChunkResultEventV2);
    assert.ok(decoded.datasets[0] instanceof DatasetMatchesV2);
    assert.ok(decoded.datasets[0].areas[0] instanceof AreaV1);
    assert.equal((decoded as unknown as { extra?: string }).extra, undefined);
    assert.equal((decoded.datasets[0] as unknown as { extra?: string }).extra, undefined);
    for (const datasets of [[5], 'x', [null]]) assert.throws(() => decodeEvent(ChunkResultEventV2, { ...packed, datasets }), EventDecodeError);
  });

  it('refuses columns that do not line up with the rows or point outside the areas', () => {
    const good = JSON.parse(JSON.stringify(packChunkResult(head, rows, 2)));
    const broken = [
      (e: any) => e.datasets[0].status.pop(),
      (e: any) => (e.datasets[1].sido[0] = 7),
      (e: any) => (e.datasets[0].status[0] = 'MAYBE'),
      (e: any) => (e.datasets[0].note[1] = 5),
      (e: any) => (e.datasets[0].distanceM[1] = 'far'),
      (e: any) => (e.n[0] = 0),
      (e: any) => (e.datasets[0].areas[0] = { code: 11 }),
      (e: any) => (e.datasets[0].areas[0] = { code: '11', name: 'x'.repeat(201) }),
      (e: any) => (e.datasets[0].areas[0] = { code: '1'.repeat(21), name: '서울특별시' }),
      (e: any) => (e.datasets[0].areas[0] = null),
      (e: any) => (e.datasets[0].areas = 'none'),
      (e: any) => (e.datasets[0].areas = Array.from({ length: MAX_AREAS_PER_CHUNK + 1 }, () => ({ code: '11', name: '서울특별시' }))),
    ];
    for (const breakIt of broken) {
      const copy = structuredClone(good);
      breakIt(copy);
      assert.throws(() => decodeEvent(ChunkResultEventV2, copy), EventDecodeError);
    }
  });
});

describe('ChunkResultEventV2 version columns (jobs with a date column)', () => {
  const dated: RowResultV1[] = [
    { n: 1, matches: [{ status: RowStatus.Ok, sido: seoul, version: '2023' }] },
    { n: 2, matches: [{ status: RowStatus.Ok, sido: seoul, version: '2020', note: '날짜 없음' }] },
    { n: 3, matches: [{ status: RowStatus.Invalid, note: 'x: 숫자가 아닙니다', version: '2023' }] },
  ];

  it('lists each answering version once with an index per row, and unpacks to the same rows', () => {
    const packed = packChunkResult(head, dated, 1);
    assert.deepEqual(packed.datasets[0].versions, ['2023', '2020']);
    assert.deepEqual(packed.datasets[0].version, [0, 1, 0]);
    const decoded = decodeEvent(ChunkResultEventV2, JSON.parse(JSON.stringify(packed)));
    assert.deepEqual(JSON.parse(JSON.stringify(unpackChunkResult(decoded))), dated);
  });

  it('leaves them out for jobs without one, so old messages and layouts are unchanged', () => {
    const packed = packChunkResult(head, rows, 2);
    assert.equal('versions' in packed.datasets[0], false);
    assert.equal('version' in packed.datasets[0], false);
    for (const r of unpackChunkResult(decodeEvent(ChunkResultEventV2, JSON.parse(JSON.stringify(packed))))) {
      for (const m of r.matches) assert.equal(m.version, undefined);
    }
  });

  it('refuses a version column without its list, of the wrong length, or pointing outside the list', () => {
    const good = JSON.parse(JSON.stringify(packChunkResult(head, dated, 1)));
    const broken = [
      (e: any) => delete e.datasets[0].versions,
      (e: any) => delete e.datasets[0].version,
      (e: any) => e.datasets[0].version.pop(),
      (e: any) => (e.datasets[0].version[0] = 2),
      (e: any) => (e.datasets[0].version[0] = -1),
      (e: any) => (e.datasets[0].versions[0] = 2023),
      (e: any) => (e.datasets[0].versions = 'x'),
    ];
    for (const breakIt of broken) {
      const copy = structuredClone(good);
      breakIt(copy);
      assert.throws(() => decodeEvent(ChunkResultEventV2, copy), EventDecodeError, breakIt.toString());
    }
  });
});
