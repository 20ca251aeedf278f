import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RowStatus, type RowResultV1 } from '@geobatch/contracts';
import { MapRowsCollector, shownMatch } from './map-rows';

const seoul = { code: '1100000000', name: '서울특별시' };
const jongno = { code: '1111000000', name: '종로구' };
const busan = { code: '2600000000', name: '부산광역시' };
const junggu = { code: '2611000000', name: '중구' };

const ok = (n: number, sido = seoul, sigungu = jongno): RowResultV1 => ({ n, matches: [{ status: RowStatus.Ok, sido, sigungu }] });

describe('MapRowsCollector', () => {
  it('lists the problem rows first, each with its status, note and areas; counts every row by status and area', () => {
    const c = new MapRowsCollector({ ok: 3, problems: 2 }, 100);
    c.add(0, ok(1));
    c.add(0, { n: 2, matches: [{ status: RowStatus.Nearest, note: '가장 가까운 경계까지 3.0 m', distanceM: 3, sido: busan, sigungu: junggu }] });
    c.add(0, ok(3, busan, junggu));
    c.add(1, { n: 1, matches: [{ status: RowStatus.Invalid, note: 'x: 숫자가 아닙니다' }] });
    c.add(1, ok(2));
    assert.deepEqual(
      c.picked().map((p) => [p.sheet, p.n, p.status, p.note, c.areas[p.sido]?.name ?? null, c.areas[p.sigungu]?.name ?? null]),
      [
        [0, 2, 'NEAREST', '가장 가까운 경계까지 3.0 m', '부산광역시', '중구'],
        [1, 1, 'INVALID', 'x: 숫자가 아닙니다', null, null],
        [0, 1, 'OK', null, '서울특별시', '종로구'],
        [0, 3, 'OK', null, '부산광역시', '중구'],
        [1, 2, 'OK', null, '서울특별시', '종로구'],
      ],
    );
    // Each area once.
    assert.deepEqual(c.areas.map((a) => a.code), [seoul.code, jongno.code, busan.code, junggu.code]);
    assert.deepEqual([c.rows, c.problems, c.sampled], [5, 2, false]);
    assert.deepEqual(c.statusCounts(), [{ status: 'OK', rows: 3 }, { status: 'INVALID', rows: 1 }, { status: 'NEAREST', rows: 1 }]);
    const table = c.table();
    assert.deepEqual(table.sido, [
      { code: busan.code, name: '부산광역시', rows: 2, problems: 1 },
      { code: seoul.code, name: '서울특별시', rows: 2, problems: 0 },
      { code: null, name: null, rows: 1, problems: 1 },
    ]);
    assert.deepEqual(table.sigungu[0], { code: junggu.code, name: '중구', parent: '부산광역시', rows: 2, problems: 1 });
    assert.equal(table.sigunguMore, 0);
  });

  it('samples a large job: every problem row, then OK rows evenly, never more than the limit', () => {
    const c = new MapRowsCollector({ ok: 10_000, problems: 5 }, 105);
    for (let n = 1; n <= 10_005; n++) c.add(0, n % 2001 === 0 ? { n, matches: [{ status: RowStatus.NotFound, note: '경계 밖' }] } : ok(n));
    const picked = c.picked();
    assert.equal(picked.length, 105);
    assert.deepEqual(picked.slice(0, 5).map((p) => p.n), [2001, 4002, 6003, 8004, 10005]);
    const okRows = picked.slice(5).map((p) => p.n);
    assert.equal(okRows[0], 1);
    assert.ok(okRows[okRows.length - 1] > 9_800, 'spread to the end of the job');
    assert.equal(c.sampled, true);
    assert.equal(c.rows, 10_005, 'counts cover every row, not only the sample');
  });

  it('caps the 시군구 table at 50, most rows first, and says how many are left out', () => {
    const c = new MapRowsCollector({ ok: 0, problems: 0 }, 10);
    let n = 1;
    for (let i = 0; i < 60; i++) for (let k = 0; k <= i; k++) c.add(0, ok(n++, seoul, { code: `11${String(i).padStart(3, '0')}00000`, name: `구${i}` }));
    const table = c.table();
    assert.equal(table.sigungu.length, 50);
    assert.equal(table.sigunguMore, 10);
    assert.deepEqual([table.sigungu[0].name, table.sigungu[0].rows], ['구59', 60]);
  });

  it('shows a row by its first match that is not OK, so a row OK in one dataset and not in another shows its problem', () => {
    const row: RowResultV1 = { n: 1, matches: [{ status: RowStatus.Ok, sido: seoul }, { status: RowStatus.Partial, note: '읍면동 없음' }] };
    assert.equal(shownMatch(row)?.status, RowStatus.Partial);
    const c = new MapRowsCollector({ ok: 0, problems: 1 }, 10);
    c.add(0, row);
    assert.deepEqual([c.picked()[0].status, c.picked()[0].note, c.areas[c.picked()[0].sido].name], ['PARTIAL', '읍면동 없음', '서울특별시']);
  });
});
