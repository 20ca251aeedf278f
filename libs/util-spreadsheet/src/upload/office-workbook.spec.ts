import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import { RowStatus, type RowResultV1 } from '@geobatch/contracts';
import { suiteTempDir } from '@geobatch/util-testing';
import { ResultCsvWriter } from '../csv/result-csv-writer';
import type { TabularRow } from '../tabular/cell-value';
import { openTabularFile, type TabularSheet } from '../tabular/open-tabular-file';
import { buildOfficeXlsx, NOTES_SHEET, officeReport, REPORT_HEADER, REPORT_PRINTED, REPORT_TITLE } from '../testing/office-workbook';
import { ResultWorkbookWriter } from '../xlsx/result-workbook-writer';
import { openPlannedUpload, planUpload } from './upload-plan';

const POINTS = Array.from({ length: 6 }, (_, i) => ({ x: 127.01 + i / 100, y: 37.51 + i / 100 }));
const OK: RowResultV1 = { n: 1, matches: [{ status: RowStatus.Ok, sido: { code: '11', name: '서울특별시' } }] };

async function all(sheet: TabularSheet): Promise<TabularRow[]> {
  const rows: TabularRow[] = [];
  for await (const r of sheet.rows()) rows.push(r);
  return rows;
}

const dir = suiteTempDir('geobatch-office-');

async function saved(name: string, data: Buffer | string): Promise<string> {
  await writeFile(join(dir, name), data);
  return name;
}

describe('office workbooks: a title block above the header', () => {
  for (const strings of ['shared', 'inline'] as const) {
    it(`finds the header on row 4 below a merged title (${strings} strings), with and without known header names`, async () => {
      for (const header of [REPORT_HEADER, ['업체', '번호', '날', '가로', '세로', 'km/h']]) {
        const path = join(dir, await saved(`report-${strings}-${header[0]}.xlsx`, buildOfficeXlsx([NOTES_SHEET, officeReport(POINTS, header)], strings)));
        const file = await openTabularFile(path);
        const [notes, report] = file.sheets;
        assert.equal(report.headerRow, 4);
        assert.deepEqual(report.header, header);
        assert.deepEqual(report.above.map((r) => [r.row, r.cells[0]]), [[1, REPORT_TITLE], [2, REPORT_PRINTED]]);
        assert.deepEqual(await report.aboveMerges(), ['A1:F1', 'A2:F2']);
        // A notes sheet keeps its first row with a value as the header: nothing there reads as coordinates.
        assert.equal(notes.headerRow, 1);
        const rows = await all(report);
        assert.equal(rows[0].row, 5);
        assert.equal(rows[0].n, 1);
        assert.ok(rows[0].cells[2] instanceof Date, 'the date cell stays a date');
      }
    });
  }

  it('reads a planned upload from the planned row, marking the 합계 row at the end (never published)', async () => {
    const name = await saved('planned.xlsx', buildOfficeXlsx([NOTES_SHEET, officeReport(POINTS)]));
    const file = await openTabularFile(join(dir, name), { header: { x: '경도', y: '위도' } });
    const columns = { sheet: 1, name: '과속 상세내역', x: 3, y: 4, xName: '경도', yName: '위도', xBy: 'given' as const, yBy: 'given' as const };
    const plan = planUpload(file, [columns]);
    assert.equal(plan.sheets[0].headerRow, 4);
    const planned = await openPlannedUpload(dir, name, plan);
    const rows = await all(planned.sheets[0]);
    assert.deepEqual(rows.filter((r) => !r.blank).map((r) => r.row), [5, 6, 7, 8, 9, 10]);
    const total = rows.at(-1)!;
    assert.deepEqual([total.row, total.blank, total.total, total.cells[0]], [11, true, true, '합계']);
    // Unplanned reading does not mark it: the rows are the file's.
    assert.equal((await all(file.sheets[1])).at(-1)?.total, undefined);
  });

  it('refuses a headerRow past the end or on an empty row, and takes one that is there', async () => {
    const path = join(dir, await saved('asked.xlsx', buildOfficeXlsx([officeReport(POINTS)])));
    assert.match((await openTabularFile(path, { header: { headerRow: 3 } })).sheets[0].headerProblem ?? '', /row 3 is empty/);
    assert.match((await openTabularFile(path, { header: { headerRow: 40 } })).sheets[0].headerProblem ?? '', /row 40 is past the end/);
    const asked = (await openTabularFile(path, { header: { headerRow: 2 } })).sheets[0];
    assert.deepEqual([asked.headerRow, asked.header[0], asked.above.length], [2, REPORT_PRINTED, 1]);
  });

  it('finds the header of a CSV below its title lines too', async () => {
    const csv = `${REPORT_TITLE}\n${REPORT_PRINTED}\n\n${REPORT_HEADER.join(',')}\n${POINTS.map((p, i) => `a,b${i},2024-04-01,${p.x},${p.y},60`).join('\n')}\n합계,,,,,360\n`;
    const file = await openTabularFile(join(dir, await saved('report.csv', csv)));
    const sheet = file.sheets[0];
    assert.deepEqual([sheet.headerRow, sheet.above.map((r) => r.row)], [4, [1, 2]]);
    assert.equal((await all(sheet))[0].row, 5);
  });
});

describe('result writers: the rows above the header', () => {
  it('copies the title block above the header of the XLSX result, merged, and writes a 합계 row unchanged', async () => {
    const path = join(dir, await saved('source.xlsx', buildOfficeXlsx([officeReport(POINTS)])));
    const sheet = (await openTabularFile(path)).sheets[0];
    const out = join(dir, 'result.xlsx');
    const w = new ResultWorkbookWriter(out);
    w.addSheet('과속 상세내역', sheet.header, { inferNumbers: false, above: { rows: sheet.above, headerRow: sheet.headerRow, merges: await sheet.aboveMerges() } });
    const rows = await all(sheet);
    for (const r of rows.slice(0, -1)) w.addRow(r.cells, { ...OK, n: r.n }, r.numFmts);
    w.addUnchangedRow(rows.at(-1)!.cells);
    await w.commit();

    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(out);
    const ws = book.worksheets[0];
    assert.equal(ws.getCell('A1').value, REPORT_TITLE);
    assert.equal(ws.getCell('A2').value, REPORT_PRINTED);
    assert.deepEqual([...(ws.model.merges ?? [])].sort(), ['A1:F1', 'A2:F2']);
    assert.equal(ws.getCell('A4').value, '업체명');
    assert.equal(ws.getCell('G4').value, '시도');
    assert.equal(ws.getCell('G5').value, '서울특별시');
    assert.ok(ws.getCell('C5').value instanceof Date);
    assert.equal(ws.getRow(11).getCell(1).value, '합계');
    assert.equal(ws.getRow(11).getCell(6).value, 375);
    assert.equal(ws.getRow(11).getCell(7).value, null, 'the 합계 row gets no appended values');
  });

  it('copies the title lines above the header of the CSV result, empty lines kept', async () => {
    const out = join(dir, 'result.csv');
    const w = new ResultCsvWriter(out);
    w.addSheet('s', ['a', 'x', 'y'], { above: { rows: [{ row: 1, cells: [REPORT_TITLE] }, { row: 2, cells: [REPORT_PRINTED] }], headerRow: 4 } });
    w.addRow(['1', '127.1', '37.5'], OK);
    w.addUnchangedRow(['합계', '', '']);
    await w.commit();
    const lines = (await readFile(out, 'utf8')).replace(/^\uFEFF/, '').split('\r\n');
    assert.deepEqual(lines.slice(0, 3), [REPORT_TITLE, REPORT_PRINTED, '']);
    assert.match(lines[3], /^a,x,y,시도,/);
    assert.match(lines[4], /^1,127\.1,37\.5,서울특별시/);
    assert.equal(lines[5], '합계,,');
  });
});
