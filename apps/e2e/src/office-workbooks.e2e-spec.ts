import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type ExcelJS from 'exceljs';
import { APPENDED_COLUMNS, RowStatus } from '@geobatch/contracts';
import { BoundaryImporter, openGeoDataSource } from '@geobatch/geo-query';
import { testEnv } from '@geobatch/util-testing';
import { buildOfficeXlsx, NOTES_SHEET, officeReport, REPORT_HEADER, REPORT_PRINTED, REPORT_TITLE } from '@geobatch/util-spreadsheet/testing';
import { deleteRunDatasets } from './support/dataset-cleanup';
import { JobsApi } from './support/jobs-api';
import { E2eStack } from './support/stack';

const RUN = randomUUID().slice(0, 8);
const DATASET = `office-${RUN}`;
/** Two 동 side by side: west (127.0–127.1) and east (127.1–127.2). */
const square = (x0: number, x1: number) => ({ type: 'Polygon', coordinates: [[[x0, 37.0], [x1, 37.0], [x1, 37.2], [x0, 37.2], [x0, 37.0]]] });
const WEST = '11110511';
const EAST = '11110512';
const POINTS = [
  { x: 127.05, y: 37.1, code: WEST },
  { x: 127.15, y: 37.1, code: EAST },
  { x: 127.02, y: 37.05, code: WEST },
  { x: 127.18, y: 37.15, code: EAST },
  { x: 127.07, y: 37.19, code: WEST },
];
const WIDTH = REPORT_HEADER.length;
const col = (title: string) => WIDTH + APPENDED_COLUMNS.indexOf(title as (typeof APPENDED_COLUMNS)[number]) + 1;

/** The report as the office exports it: its rows 1–4 are the title block and the header, data from row 5, 합계 on row 10. */
function assertReportSheet(ws: ExcelJS.Worksheet, header: readonly string[]): void {
  assert.equal(ws.getCell('A1').value, REPORT_TITLE, 'title kept');
  assert.equal(ws.getCell('A2').value, REPORT_PRINTED, 'print-date line kept');
  assert.deepEqual([...(ws.model.merges ?? [])].sort(), ['A1:F1', 'A2:F2'], 'title block still merged');
  assert.equal(ws.getRow(3).cellCount, 0, 'the blank row stays blank');
  assert.deepEqual(header.map((_, c) => ws.getRow(4).getCell(c + 1).value), [...header], 'the real header on row 4');
  assert.equal(ws.getRow(4).getCell(col('상태')).value, '상태');
  POINTS.forEach((p, i) => {
    const row = ws.getRow(5 + i);
    assert.equal(row.getCell(4).value, p.x, `row ${5 + i}: x kept`);
    assert.ok(row.getCell(3).value instanceof Date, `row ${5 + i}: the date stays a date`);
    assert.equal(row.getCell(col('읍면동코드')).value, p.code, `row ${5 + i}: 읍면동코드`);
    assert.equal(row.getCell(col('상태')).value, RowStatus.Ok, `row ${5 + i}: 상태`);
  });
  const total = ws.getRow(5 + POINTS.length);
  assert.equal(total.getCell(1).value, '합계', 'the 합계 row written back');
  assert.equal(total.getCell(6).value, POINTS.reduce((n, _, i) => n + 60 + i, 0));
  assert.equal(total.getCell(col('상태')).value, null, 'the 합계 row has no status');
  assert.equal(ws.actualRowCount, 3 + POINTS.length + 1, 'title, print line, header, data and 합계 (the blank row has no value)');
}

function summaryLines(wb: ExcelJS.Workbook): unknown[][] {
  const out: unknown[][] = [];
  wb.getWorksheet('요약')!.eachRow((r) => out.push((r.values as unknown[]).slice(1)));
  return out;
}

describe('office workbooks end to end: a title block, notes sheets and a 합계 row', () => {
  const stack = new E2eStack({ name: 'office-workbooks', port: '3147', chunkSize: '2', env: { GEOCODER_GROUP_ID: `geobatch-geocoder-e2e-office-${RUN}` } });
  const api = new JobsApi(stack.base);
  let keyId: string;

  before(async () => {
    const ds = await openGeoDataSource(testEnv.TEST_DATABASE_URL, 1);
    try {
      const path = join(stack.storage, `office-${RUN}.geojson`);
      const features = [
        { code: WEST, name: '서동', geometry: square(127.0, 127.1) },
        { code: EAST, name: '동동', geometry: square(127.1, 127.2) },
      ];
      writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', features: features.map((f) => ({ type: 'Feature', properties: { code: f.code, name: f.name }, geometry: f.geometry })) }));
      await new BoundaryImporter(ds).importGeoJson({ name: DATASET, version: '2024', levels: { eupmyeondong: path } });
    } finally {
      await ds.destroy();
    }
    keyId = await api.issueKey(`e2e-office-${RUN}`);
    await stack.start();
  });

  after(async () => {
    await stack.stop();
    await deleteRunDatasets(testEnv.TEST_DATABASE_URL, [DATASET], keyId);
  });

  const cases = [
    { what: 'x/y detected from unknown header names (shared strings)', header: ['업체', '번호', '날', '가로', '세로', 'km/h'], fields: {} as Record<string, string>, strings: 'shared' as const },
    { what: 'x/y named by header text (inline strings)', header: REPORT_HEADER, fields: { x: '경도', y: '위도' }, strings: 'inline' as const },
  ];
  for (const c of cases) {
    it(`gives every data row its code below the preserved title block, ${c.what}; no title, header or 합계 row is a problem`, async () => {
      const book = buildOfficeXlsx([NOTES_SHEET, officeReport(POINTS, c.header)], c.strings);
      const id = await api.upload(book, { ...c.fields, dataset: DATASET }, `report-${c.strings}.xlsx`);
      const view = await api.waitForCompletion<{ status: string; error: string | null; rows: { ok: number; problems: number; blank: number }; options: { columns: { name: string }[] } }>(id);
      assert.deepEqual(view.options.columns.map((s) => s.name), ['과속 상세내역'], 'the notes sheet has no coordinates and is not read');
      assert.equal(view.rows.ok, POINTS.length);
      assert.equal(view.rows.problems, 0);
      const wb = await api.downloadWorkbook(id);
      assert.deepEqual(wb.worksheets.map((w) => w.name), ['과속 상세내역', '문제 행', '요약']);
      assertReportSheet(wb.worksheets[0], c.header);
      assert.equal(wb.getWorksheet('문제 행')!.actualRowCount, 1, '문제 행 holds its header only');
      const summary = summaryLines(wb);
      assert.ok(summary.some((l) => String(l[0]).startsWith('합계 행 (') && l[1] === 1), `요약 counts the 합계 row: ${JSON.stringify(summary)}`);
      assert.ok(summary.some((l) => l[0] === '과속 상세내역' && l[1] === 10), '요약 names it: sheet and input row 10');
      assert.ok(summary.some((l) => l[0] === '문제' && l[1] === 0));
    });
  }

  it('shows the header row and the rows above it in the preview, and takes headerRow as asked', async () => {
    const book = buildOfficeXlsx([officeReport(POINTS)]);
    const preview = async (fields: Record<string, string>) => {
      const form = new FormData();
      form.set('file', new Blob([book]), 'report.xlsx');
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      return fetch(`${stack.base}/jobs/preview`, { method: 'POST', body: form, headers: api.auth });
    };
    const found = (await (await preview({})).json()) as { headerRow: number; above: string[][]; header: string[]; x: { letter: string } | null };
    assert.deepEqual([found.headerRow, found.above, found.header, found.x?.letter], [4, [[REPORT_TITLE], [REPORT_PRINTED], []], REPORT_HEADER, 'D']);
    const asked = (await (await preview({ headerRow: '2' })).json()) as { headerRow: number; above: string[][] };
    assert.deepEqual([asked.headerRow, asked.above], [2, [[REPORT_TITLE]]]);
    for (const [row, why] of [['3', /row 3 is empty/], ['99', /row 99 is past the end of the sheet/]] as const) {
      const res = await preview({ headerRow: row });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { message: string }).message, why);
      const submitted = await api.submit(book, { headerRow: row, dataset: DATASET }, 'report.xlsx');
      assert.equal(submitted.status, 400);
      assert.match(((await submitted.json()) as { message: string }).message, why);
    }
  });

  it('writes the title lines of a CSV export above its header too, and headerRow=4 reads the same rows', async () => {
    const csv = [REPORT_TITLE, REPORT_PRINTED, '', REPORT_HEADER.join(','), ...POINTS.map((p, i) => `업체,서울12가${i},2024-04-0${i + 1},${p.x},${p.y},${60 + i}`), '합계,,,,,310', ''].join('\r\n');
    const id = await api.upload(Buffer.from(csv), { headerRow: '4', dataset: DATASET }, 'report.csv');
    await api.waitForCompletion(id);
    const ws = (await api.downloadWorkbook(id)).worksheets[0];
    assert.equal(ws.getCell('A1').value, REPORT_TITLE);
    assert.equal(ws.getCell('A4').value, '업체명');
    POINTS.forEach((p, i) => assert.equal(ws.getRow(5 + i).getCell(col('읍면동코드')).value, p.code, `row ${5 + i}`));
    assert.equal(ws.getRow(10).getCell(1).value, '합계');
    assert.equal(ws.getRow(10).getCell(col('상태')).value, null);
  });
});
