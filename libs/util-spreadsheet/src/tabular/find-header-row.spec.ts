import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CellValue } from './cell-value';
import { findHeaderRow, readHeaderRow, type LeadRow } from './find-header-row';

/** Rows as a reader hands them: numbered from 1, empty rows left out. */
function lead(...rows: CellValue[][]): LeadRow[] {
  return rows.map((cells, i) => ({ row: i + 1, cells })).filter((r) => r.cells.some((c) => c !== null && c !== ''));
}

const HEADER = ['업체명', '차량번호', '일자', 'X좌표값', 'Y좌표값', '속도'];
const data = (i: number): CellValue[] => [`업체${i}`, `서울12가${1000 + i}`, '2024-04-01', 127.0 + i / 100, 37.5 + i / 100, 60 + i];
/** The office export: a merged title, a print-date line, a blank row, the header on row 4. */
const REPORT = lead(['과속 상세내역 (2024년 4월)'], ['출력일시: 2024-05-02 09:00', '', '', '', '', '출력자: 관리자'], [], HEADER, ...Array.from({ length: 30 }, (_, i) => data(i + 1)));

describe('findHeaderRow', () => {
  it('finds the header below a title block from the values, whatever the header names', () => {
    const found = findHeaderRow(REPORT);
    assert.equal(found.headerRow, 4);
    assert.deepEqual(found.header, HEADER);
    assert.deepEqual(found.above.map((r) => r.row), [1, 2]);
    assert.equal(found.above[0].cells[0], '과속 상세내역 (2024년 4월)');
  });

  it('takes the first row holding the x/y named by header text', () => {
    const named = lead(['경도와 위도는 WGS84'], ['비고', '경도', '위도'], ['a', '127.1', '37.5']);
    assert.equal(findHeaderRow(named, { x: '경도', y: '위도' }).headerRow, 2);
    // A name found in no row: the other rules decide (here the header names).
    assert.equal(findHeaderRow(named, { x: '경도값', y: '위도값' }).headerRow, 2);
  });

  it('takes the row whose names give x and y, even when a data row below has no readable coordinates', () => {
    const rows = lead(['코드', '경도', '위도'], ['1', '127.1', '37.5'], [], ['2', 'x', '37.6'], ['3', '127.3', '37.7']);
    assert.equal(findHeaderRow(rows).headerRow, 1);
  });

  it('keeps the first row with a value when nothing looks like coordinates (a notes sheet) or there is no header', () => {
    const notes = lead([], ['※ 유의사항'], ['이 보고서는 내부용입니다.'], ['문의: 02-000-0000']);
    assert.deepEqual(findHeaderRow(notes), { headerRow: 2, header: ['※ 유의사항'], above: [] });
    const bare = lead(['127.1', '37.5'], ['127.2', '37.6']);
    assert.equal(findHeaderRow(bare).headerRow, 1);
    assert.deepEqual(findHeaderRow([]), { headerRow: 0, header: [], above: [] });
  });

  it('does not take a first data row with broken coordinates for the header', () => {
    const broken = lead(['회사코드', '차량번호', '주소', '', '속도'], ['t1', '서울1', 'abc', '37.64', '60'], ...Array.from({ length: 5 }, (_, i) => [`t${i + 2}`, '서울', `127.${i + 1}`, `37.${i + 1}`, '61']));
    assert.equal(findHeaderRow(broken).headerRow, 1);
    // Nor a ragged row of repeated text.
    const ragged = lead(['회사코드', '차량번호', '주소', '', '속도'], ['', 'x', 'x', 'x', 'x', 'x'], ...Array.from({ length: 5 }, (_, i) => [`t${i + 2}`, '서울', `127.${i + 1}`, `37.${i + 1}`, '61']));
    assert.equal(findHeaderRow(ragged).headerRow, 1);
    // A header repeated below itself: the first is the header, as when no title block is looked for.
    const twice = lead(['a', 'b', 'c'], ['a', 'b', 'c'], ['1', '127.1', '37.5'], ['2', '127.2', '37.6']);
    assert.equal(findHeaderRow(twice).headerRow, 1);
  });

  it('uses x/y given by number or letter for the value test', () => {
    // Whole-number "coordinates" are not detected from the values; given columns only need to read as numbers.
    const rows = lead(['작업 목록'], ['a', 'b', 'c'], ['p', '127', '37'], ['q', '128', '36']);
    assert.equal(findHeaderRow(rows, { x: 'B', y: '3' }).headerRow, 2);
  });

  it('takes the headerRow asked for, and says why when it is past the end or empty', () => {
    const asked = findHeaderRow(REPORT, { headerRow: 2 });
    assert.equal(asked.headerRow, 2);
    assert.deepEqual(asked.above.map((r) => r.row), [1]);
    assert.match(findHeaderRow(REPORT, { headerRow: 3 }).problem ?? '', /row 3 is empty/);
    assert.match(findHeaderRow(REPORT, { headerRow: 99 }, 34).problem ?? '', /row 99 is past the end of the sheet, whose last row with a value is 34/);
    assert.match(findHeaderRow(REPORT, { headerRow: 5000 }).problem ?? '', /within the first 1000 rows/);
  });
});

describe('readHeaderRow', () => {
  it('reads only the rows it needs and knows the end of a short sheet', async () => {
    let read = 0;
    async function* rows(): AsyncGenerator<LeadRow> {
      for (let r = 1; r <= 100_000; r++) {
        read++;
        yield { row: r, cells: r === 1 ? ['lon', 'lat'] : [127 + r / 1e6, 37.5] };
      }
    }
    assert.equal((await readHeaderRow(rows())).headerRow, 1);
    assert.ok(read < 100, `read ${read} rows`);
    async function* short(): AsyncGenerator<LeadRow> {
      yield* lead(['a'], ['b']);
    }
    assert.match((await readHeaderRow(short(), { headerRow: 7 })).problem ?? '', /past the end of the sheet, whose last row with a value is 2/);
  });
});
