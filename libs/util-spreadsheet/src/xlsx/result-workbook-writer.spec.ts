import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { APPENDED_COLUMNS, APPENDED_COLUMNS_EN, RowStatus, type RowResultV1 } from '@geobatch/contracts';
import { suiteTempDir } from '@geobatch/util-testing';
import { ResultSummaryBuilder } from '../result/result-summary';
import { suffixedSheetName, toSheetName } from '../upload/sheet-names';
import { EXCEL_MAX_CELL_CHARS } from './excel-limits';
import { ResultWorkbookWriter } from './result-workbook-writer';

/** A clean match, its areas as `[code, name]` pairs from 시도 down. */
function okRow(n: number, ...areas: [string, string][]): RowResultV1 {
  const levels = ['sido', 'sigungu', 'eupmyeondong', 'ri'] as const;
  const match = Object.fromEntries(areas.map(([code, name], i) => [levels[i], { code, name }]));
  return { n, matches: [{ status: RowStatus.Ok, ...match }] };
}

const SEOUL = okRow(1, ['11', '서울특별시'], ['11110', '종로구'], ['1111010100', '청운동']);
const RI = okRow(2, ['41', '경기도'], ['41830', '양평군'], ['4183025000', '양서면'], ['4183025021', '도곡리']);
const MISSING: RowResultV1 = { n: 3, matches: [{ status: RowStatus.NotFound, note: '경계 밖 (outside every boundary)' }] };

async function readBack(file: string): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return wb;
}

function rowValues(ws: ExcelJS.Worksheet, n: number, width: number): unknown[] {
  const row = ws.getRow(n);
  return Array.from({ length: width }, (_, i) => row.getCell(i + 1).value ?? null);
}

describe('toSheetName', () => {
  it('removes forbidden characters, trims and caps at 31 characters', () => {
    assert.equal(toSheetName('a[b]:c*d?e/f\\g'), 'a_b__c_d_e_f_g');
    assert.equal(toSheetName("'quoted'"), 'quoted');
    assert.equal(toSheetName('가'.repeat(40)), '가'.repeat(31));
    assert.equal(toSheetName('   '), 'Sheet1');
    assert.equal(toSheetName('', [], 'Sheet3'), 'Sheet3');
    assert.equal(toSheetName('History'), 'History_');
  });

  it('de-duplicates case-insensitively within the 31-character limit', () => {
    assert.equal(toSheetName('data', ['Data']), 'data (2)');
    assert.equal(toSheetName('data', ['Data', 'data (2)']), 'data (3)');
    const long = 'x'.repeat(31);
    const second = toSheetName(long, [long]);
    assert.equal(second.length, 31);
    assert.ok(second.endsWith(' (2)'));
  });

  it('keeps a continuation suffix within 31 characters', () => {
    assert.equal(suffixedSheetName('가'.repeat(40), ' (2)'), '가'.repeat(27) + ' (2)');
    assert.equal(suffixedSheetName('S', ' (2)', ['s (2)']), 'S (2) (2)');
  });

  it('never splits a surrogate pair', () => {
    const name = toSheetName('a'.repeat(30) + '😀');
    assert.equal(name, 'a'.repeat(30) + '😀');
  });
});

describe('ResultWorkbookWriter', () => {
  const dir = suiteTempDir('geobatch-writer-');

  it('writes the header, the appended columns and one row per result, in order', async () => {
    const file = join(dir, 'basic.xlsx');
    const w = new ResultWorkbookWriter(file);
    const name = w.addSheet('overspeed-200', ['번호', '경도', '위도', '코드']);
    assert.equal(name, 'overspeed-200');
    w.addRow(['1', '126.9707', '37.5840', '007'], SEOUL);
    w.addRow(['2', '127.4', '37.5', '0101'], RI);
    w.addRow(['3', '200', '-3.5', ''], MISSING);
    await w.commit();

    const ws = (await readBack(file)).getWorksheet('overspeed-200')!;
    assert.ok(ws, 'sheet exists under the input name');
    const width = 4 + APPENDED_COLUMNS.length;
    assert.deepEqual(rowValues(ws, 1, width), ['번호', '경도', '위도', '코드', ...APPENDED_COLUMNS]);
    assert.deepEqual(rowValues(ws, 2, width), [
      1, 126.9707, 37.584, '007',
      '서울특별시', '종로구', '청운동', null, '서울특별시 종로구 청운동',
      '11', '11110', '1111010100', null, 'OK', null,
    ]);
    assert.deepEqual(rowValues(ws, 3, width), [
      2, 127.4, 37.5, '0101',
      '경기도', '양평군', '양서면', '도곡리', '경기도 양평군 양서면 도곡리',
      '41', '41830', '4183025000', '4183025021', 'OK', null,
    ]);
    assert.deepEqual(rowValues(ws, 4, width), [
      3, 200, -3.5, null, null, null, null, null, null, null, null, null, null, 'NOT_FOUND', '경계 밖 (outside every boundary)',
    ]);
    assert.equal(ws.actualRowCount, 4);
  });

  it('writes codes as text cells with a text format, never as numbers', async () => {
    const file = join(dir, 'codes.xlsx');
    const w = new ResultWorkbookWriter(file);
    w.addSheet('s', ['x', 'y']);
    w.addRow(['127', '37'], RI);
    await w.commit();
    const ws = (await readBack(file)).worksheets[0];
    for (let c = 2 + 6; c <= 2 + 9; c++) {
      const cell = ws.getRow(2).getCell(c);
      assert.equal(cell.type, ExcelJS.ValueType.String, `column ${c}`);
      assert.equal(typeof cell.value, 'string');
      assert.equal(cell.numFmt, '@');
    }
  });

  it('writes formula-looking input as inert text', async () => {
    const file = join(dir, 'formula.xlsx');
    const w = new ResultWorkbookWriter(file);
    w.addSheet('s', ['a', 'b', 'c', 'd', 'e', 'f']);
    const nasty = ['=1+1', '+82-10-1234', '-cmd|calc', '@SUM(A1)', '\t=2', '\r=3'];
    w.addRow(nasty, MISSING);
    await w.commit();
    const ws = (await readBack(file)).worksheets[0];
    nasty.forEach((text, i) => {
      const cell = ws.getRow(2).getCell(i + 1);
      assert.equal(cell.type, ExcelJS.ValueType.String, JSON.stringify(text));
      assert.equal(cell.formula, undefined);
      // XML turns a raw CR into LF on reading (Excel does the same); it is still the same inert text.
      assert.equal(cell.value, text.replace(/\r/g, '\n'));
    });
  });

  it('styles the header: bold, filled, frozen, filtered, with widths from the header text', async () => {
    const file = join(dir, 'style.xlsx');
    const w = new ResultWorkbookWriter(file);
    w.addSheet('s', ['short', '아주 긴 한국어 머리글 이름입니다', 'x'.repeat(200)]);
    w.addRow(['1', '2', '3'], SEOUL);
    await w.commit();
    const ws = (await readBack(file)).worksheets[0];
    const header = ws.getRow(1);
    for (let c = 1; c <= 3 + APPENDED_COLUMNS.length; c++) {
      assert.equal(header.getCell(c).font?.bold, true, `bold ${c}`);
      assert.equal((header.getCell(c).fill as ExcelJS.FillPattern | undefined)?.pattern, 'solid', `fill ${c}`);
    }
    assert.notEqual(ws.getRow(2).getCell(1).font?.bold, true, 'data rows are not bold');
    assert.equal(ws.views[0]?.state, 'frozen');
    assert.equal((ws.views[0] as ExcelJS.WorksheetViewFrozen).ySplit, 1);
    const last = ws.getRow(1).getCell(3 + APPENDED_COLUMNS.length).address.replace(/\d+$/, '');
    assert.equal(ws.autoFilter, `A1:${last}1`);
    const [w1, w2, w3] = [1, 2, 3].map((c) => ws.getColumn(c).width ?? 0);
    assert.ok(w1 >= 10 && w1 < w2, `widths grow with the header (${w1}, ${w2})`);
    assert.equal(w3, 50, 'capped');
  });

  it('writes one worksheet per sheet, with unique valid names', async () => {
    const file = join(dir, 'multi.xlsx');
    const w = new ResultWorkbookWriter(file);
    assert.equal(w.addSheet('a/b', ['h']), 'a_b');
    w.addRow(['first'], SEOUL);
    assert.equal(w.rowsInSheet, 1);
    assert.equal(w.addSheet('A/B', ['h2']), 'A_B (2)');
    assert.equal(w.rowsInSheet, 0);
    w.addRow(['second'], RI);
    w.addRow(['third'], RI);
    await w.commit();
    const wb = await readBack(file);
    assert.deepEqual(wb.worksheets.map((s) => s.name), ['a_b', 'A_B (2)']);
    assert.equal(wb.worksheets[0].getRow(2).getCell(1).value, 'first');
    assert.equal(wb.worksheets[1].getRow(3).getCell(1).value, 'third');
    assert.equal(wb.worksheets[1].getRow(3).getCell(1 + 4).value, '도곡리');
  });

  it('places appended columns after the widest row when asked, and refuses values that would overwrite them', async () => {
    const file = join(dir, 'wide.xlsx');
    const w = new ResultWorkbookWriter(file);
    w.addSheet('s', ['a'], { columnCount: 2 });
    w.addRow(['1', 'extra'], SEOUL);
    w.addRow(['2', '', ''], SEOUL); // trailing empty values are harmless
    assert.throws(() => w.addRow(['3', 'b', 'c'], SEOUL), RangeError);
    await w.commit();
    const ws = (await readBack(file)).worksheets[0];
    assert.deepEqual(rowValues(ws, 1, 3), ['a', null, '시도']);
    assert.deepEqual(rowValues(ws, 2, 3), [1, 'extra', '서울특별시']);
  });

  it('clips a value longer than an Excel cell holds and says so in 비고', async () => {
    const file = join(dir, 'long.xlsx');
    const w = new ResultWorkbookWriter(file);
    w.addSheet('s', ['memo']);
    w.addRow(['가'.repeat(EXCEL_MAX_CELL_CHARS + 10)], SEOUL);
    await w.commit();
    const ws = (await readBack(file)).worksheets[0];
    assert.equal((ws.getRow(2).getCell(1).value as string).length, EXCEL_MAX_CELL_CHARS);
    assert.match(String(ws.getRow(2).getCell(1 + 11).value), /32767/);
  });

  it('streams committed rows to disk before commit() when the producer drains', async () => {
    const file = join(dir, 'stream.xlsx');
    const w = new ResultWorkbookWriter(file);
    w.addSheet('s', ['번호', '메모']);
    for (let i = 1; i <= 20_000; i++) {
      w.addRow([String(i), `메모 ${i} `.repeat(4)], SEOUL);
      if (i % 256 === 0) await w.drain();
    }
    // Without per-row commits and drain() the zip would hold the whole sheet and the file would still be empty.
    const before = (await stat(file)).size;
    assert.ok(before > 100_000, `only ${before} bytes on disk before commit`);
    await w.commit();
    const ws = (await readBack(file)).worksheets[0];
    assert.equal(ws.actualRowCount, 20_001);
    assert.equal(ws.getRow(20_001).getCell(1).value, 20_000);
  });

  it('rejects misuse and reports a disk error from commit() instead of crashing', async () => {
    const w = new ResultWorkbookWriter(join(dir, 'misuse.xlsx'));
    assert.throws(() => w.addRow(['1'], SEOUL), /before addSheet/);
    await assert.rejects(() => w.commit(), /before addSheet/);
    await w.abort();

    const broken = new ResultWorkbookWriter(join(dir, 'no-such-dir', 'x.xlsx'));
    broken.addSheet('s', ['a']);
    await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(async () => {
      broken.addRow(['1'], SEOUL);
      await broken.commit();
    }, /ENOENT/);
  });

  it('keeps XLSX cells as they were read: text stays text, numbers, booleans and dates keep their type and format', async () => {
    const file = join(dir, 'typed.xlsx');
    const w = new ResultWorkbookWriter(file);
    const day = new Date(Date.UTC(2024, 0, 31));
    const moment = new Date(Date.UTC(2024, 0, 31, 8, 5, 0));
    w.addSheet('typed', ['text', 'num', 'bool', 'date', 'datetime', 'formatted', 'code', 'formula-like'], { inferNumbers: false });
    w.addRow(['60', 127.229305, true, day, moment, 1234.5, '007', '=HYPERLINK("x")'], SEOUL, [undefined, undefined, undefined, 'yyyy-mm-dd', undefined, '#,##0.00']);
    await w.commit();
    const ws = (await readBack(file)).getWorksheet('typed')!;
    const row = ws.getRow(2);
    assert.equal(row.getCell(1).type, ExcelJS.ValueType.String, 'a text cell "60" stays text');
    assert.equal(row.getCell(1).value, '60');
    assert.equal(row.getCell(2).value, 127.229305);
    assert.equal(row.getCell(3).value, true);
    assert.equal(row.getCell(4).type, ExcelJS.ValueType.Date);
    assert.deepEqual(row.getCell(4).value, day);
    assert.equal(row.getCell(4).numFmt, 'yyyy-mm-dd');
    assert.deepEqual(row.getCell(5).value, moment);
    assert.equal(row.getCell(5).numFmt, 'yyyy-mm-dd hh:mm:ss', 'a date read without a format gets one');
    assert.equal(row.getCell(6).numFmt, '#,##0.00');
    assert.equal(row.getCell(7).value, '007');
    assert.equal(row.getCell(8).type, ExcelJS.ValueType.String, 'formula-like text from an XLSX stays inert text');
    assert.equal(row.getCell(8).formula, undefined);
  });

  it('writes English appended headers with lang=en, and the 거리(m) column when asked', async () => {
    const file = join(dir, 'en.xlsx');
    const w = new ResultWorkbookWriter(file, { lang: 'en', distance: true });
    w.addSheet('s', ['x', 'y']);
    w.addRow(['127', '37'], { n: 1, matches: [{ ...SEOUL.matches[0], distanceM: 12.345 }] });
    await w.commit();
    const ws = (await readBack(file)).worksheets[0];
    const width = 2 + APPENDED_COLUMNS_EN.length + 1;
    assert.deepEqual(rowValues(ws, 1, width), ['x', 'y', ...APPENDED_COLUMNS_EN, 'Distance(m)']);
    assert.equal(ws.getRow(2).getCell(width).value, 12.3);
  });

  it('gives each dataset of a several-dataset job its own group of columns, titled with its label', async () => {
    const file = join(dir, 'two-datasets.xlsx');
    const w = new ResultWorkbookWriter(file, { distance: true, datasets: ['kostat@2018', 'admdong@2021-04'] });
    w.addSheet('s', ['x', 'y']);
    w.addRow(['127', '37'], { n: 1, matches: [SEOUL.matches[0], { ...MISSING.matches[0], distanceM: 150 }] });
    w.addRow(['1', '2'], { n: 2, matches: [RI.matches[0]] }); // a result with fewer matches leaves the rest empty
    await w.commit();
    const ws = (await readBack(file)).worksheets[0];
    const group = [...APPENDED_COLUMNS, '거리(m)'];
    const width = 2 + 2 * group.length;
    assert.deepEqual(rowValues(ws, 1, width), ['x', 'y', ...group.map((t) => `${t} [kostat@2018]`), ...group.map((t) => `${t} [admdong@2021-04]`)]);
    const second = 2 + group.length;
    assert.equal(ws.getRow(2).getCell(3).value, '서울특별시');
    assert.equal(ws.getRow(2).getCell(2 + APPENDED_COLUMNS.indexOf('읍면동코드') + 1).value, '1111010100');
    assert.equal(ws.getRow(2).getCell(second + APPENDED_COLUMNS.indexOf('상태') + 1).value, RowStatus.NotFound);
    assert.equal(ws.getRow(2).getCell(second + group.length).value, 150);
    assert.equal(ws.getRow(2).getCell(second + APPENDED_COLUMNS.indexOf('읍면동코드') + 1).numFmt, undefined);
    assert.equal(ws.getRow(3).getCell(3).value, '경기도');
    assert.equal(ws.getRow(3).getCell(second + 1).value, null);
  });

  it('keeps the plain single-dataset titles when the job has one dataset', async () => {
    const file = join(dir, 'one-dataset.xlsx');
    const w = new ResultWorkbookWriter(file, { datasets: ['kostat@2018'] });
    w.addSheet('s', ['x']);
    w.addRow(['127'], SEOUL);
    await w.commit();
    const ws = (await readBack(file)).worksheets[0];
    assert.deepEqual(rowValues(ws, 1, 1 + APPENDED_COLUMNS.length), ['x', ...APPENDED_COLUMNS]);
  });

  it('continues a sheet past the row limit on "<name> (2)", "(3)", header repeated, no row lost', async () => {
    const file = join(dir, 'split.xlsx');
    const w = new ResultWorkbookWriter(file, { maxRowsPerSheet: 3 });
    const first = w.addSheet('데이터', ['번호']);
    const seen: string[] = [];
    for (let i = 1; i <= 7; i++) {
      w.addRow([String(i)], { ...SEOUL, n: i });
      seen.push(w.currentSheet!);
    }
    await w.commit();
    assert.equal(first, '데이터');
    assert.deepEqual(seen, ['데이터', '데이터', '데이터', '데이터 (2)', '데이터 (2)', '데이터 (2)', '데이터 (3)']);
    const wb = await readBack(file);
    assert.deepEqual(wb.worksheets.map((s) => s.name), ['데이터', '데이터 (2)', '데이터 (3)']);
    const numbers = wb.worksheets.flatMap((s) => {
      assert.deepEqual(rowValues(s, 1, 2), ['번호', '시도'], `${s.name} repeats the header`);
      return Array.from({ length: s.actualRowCount - 1 }, (_, i) => s.getRow(i + 2).getCell(1).value);
    });
    assert.deepEqual(numbers, [1, 2, 3, 4, 5, 6, 7]);
  });

  it('writes 문제 행 and 요약 after the data sheets, never clashing with an input sheet of the same name', async () => {
    const file = join(dir, 'extra.xlsx');
    const w = new ResultWorkbookWriter(file);
    const summary = new ResultSummaryBuilder();
    w.addSheet('요약', ['x', 'y']);
    summary.startSheet('요약');
    for (const r of [SEOUL, RI, MISSING]) {
      w.addRow(['1', '2'], r);
      summary.addRow(r);
      summary.addOutputSheet(w.currentSheet!);
    }
    summary.addBlank(2);
    assert.equal(w.addProblemsSheet(), '문제 행');
    w.addProblem({ sheet: '요약', row: 4, status: 'NOT_FOUND', reason: '경계 밖', x: '200', y: '=1' });
    const name = w.addSummarySheet(
      summary.build({
        fileName: '입력.csv',
        jobId: 'job-1',
        datasets: ['kostat@2018'],
        datasetFacts: [
          { label: 'kostat@2018', effectiveDate: '2018-12-24', levels: ['sido', 'sigungu', 'eupmyeondong'], simplified: true, attribution: 'SGIS', notes: '' },
        ],
        options: [['x', 'auto'], ['lang', 'ko']],
      }),
    );
    assert.equal(name, '요약 (2)');
    await w.commit();
    const wb = await readBack(file);
    assert.deepEqual(wb.worksheets.map((s) => s.name), ['요약', '문제 행', '요약 (2)']);
    const problems = wb.getWorksheet('문제 행')!;
    assert.deepEqual(rowValues(problems, 1, 6), ['시트', '행', '상태', '사유', 'X', 'Y']);
    assert.deepEqual(rowValues(problems, 2, 6), ['요약', 4, 'NOT_FOUND', '경계 밖', '200', '=1']);
    assert.equal(problems.getRow(2).getCell(6).formula, undefined);

    const text = new Map<string, unknown[]>();
    wb.getWorksheet('요약 (2)')!.eachRow((row) => {
      const values = (row.values as unknown[]).slice(1);
      text.set(String(values[0]), values.slice(1));
    });
    assert.deepEqual(text.get('전체'), [5], 'total = ok + problems + blank');
    assert.deepEqual(text.get('OK'), [2]);
    assert.deepEqual(text.get('문제'), [1]);
    assert.deepEqual(text.get('빈 행'), [2]);
    assert.deepEqual(text.get('NOT_FOUND'), [1]);
    assert.deepEqual(text.get('INVALID'), [0]);
    assert.deepEqual(text.get('데이터셋'), ['kostat@2018']);
    assert.deepEqual(text.get('데이터셋 kostat@2018 기준일'), ['2018-12-24']);
    assert.match(String(text.get('데이터셋 kostat@2018 경계')), /^간소화된 경계/);
    assert.deepEqual(text.get('데이터셋 kostat@2018 단계'), ['시도 · 시군구 · 읍면동; 리 단계 없음 (no 리 level in this dataset)'], 'no 리 said once');
    assert.deepEqual(text.get('데이터셋 kostat@2018 출처'), ['SGIS']);
    assert.equal(text.has('데이터셋 kostat@2018 참고'), false, 'no notes, no line');
    assert.deepEqual(text.get('옵션 x'), ['auto']);
    assert.deepEqual(text.get('요약'), ['요약', 5, 2, 1, 2], 'per input sheet: output sheets, total, ok, problems, blank');
    assert.deepEqual(text.get('11'), ['서울특별시', 1], '시도 counted by code');
    assert.deepEqual(text.get('41'), ['경기도', 1]);
    assert.deepEqual(text.get('41830'), ['양평군', 1], '시군구 counted by code');
  });

  it('names the extra sheets in English with lang=en', async () => {
    const file = join(dir, 'extra-en.xlsx');
    const w = new ResultWorkbookWriter(file, { lang: 'en' });
    w.addSheet('data', ['x']);
    w.addRow(['1'], MISSING);
    w.addProblemsSheet();
    w.addSummarySheet(new ResultSummaryBuilder().build({ fileName: 'a', jobId: 'b', datasets: [], options: [] }));
    await w.commit();
    const wb = await readBack(file);
    assert.deepEqual(wb.worksheets.map((s) => s.name), ['data', 'Problems', 'Summary']);
    assert.deepEqual(rowValues(wb.getWorksheet('Problems')!, 1, 6), ['Sheet', 'Row', 'Status', 'Reason', 'X', 'Y']);
  });
});
