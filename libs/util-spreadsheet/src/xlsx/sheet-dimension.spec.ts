import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { suiteTempDir } from '@geobatch/util-testing';
import { openTabularFile } from '../tabular/open-tabular-file';
import { buildXlsx, buildZip, inlineCell, numberCell } from '../testing/zip-builder';
import { dimensionLastRow, xlsxSheetExtents } from './sheet-dimension';

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** The head of a worksheet as openpyxl writes it: sheetPr, then dimension, views and format. */
function openpyxlHead(ref: string | null): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${MAIN_NS}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/><pageSetUpPr/></sheetPr>` +
    (ref === null ? '' : `<dimension ref="${ref}"/>`) +
    `<sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>`;
}

/** The head as xlsxwriter writes it: dimension first (`A1` when the sheet is empty or written in constant memory). */
function xlsxwriterHead(ref: string | null): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
    (ref === null ? '' : `<dimension ref="${ref}"/>`) +
    `<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>`;
}

/** `count` data rows below a header on row 1, each row tagged as those writers do (`r`, spans). */
function rowsXml(count: number, options: { withR?: boolean; skip?: number[] } = {}): string {
  const out = [`<row r="1" spans="1:2">${inlineCell('A1', 'x')}${inlineCell('B1', 'y')}</row>`];
  for (let r = 2; r <= count + 1; r++) {
    if (options.skip?.includes(r)) continue;
    const attrs = options.withR === false ? '' : ` r="${r}" spans="1:2"`;
    out.push(`<row${attrs}>${numberCell(`A${r}`, 127 + r / 1e6)}${numberCell(`B${r}`, 37.5)}</row>`);
  }
  return out.join('');
}

/** A one-sheet workbook whose worksheet part is exactly `head + <sheetData>rows</sheetData>…`. */
function workbook(head: string, rows: string, prefix = ''): Buffer {
  const p = prefix ? `${prefix}:` : '';
  const sheet = `${head}<${p}sheetData>${rows}</${p}sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>`;
  return buildZip([
    { name: 'xl/workbook.xml', data: `<?xml version="1.0"?><workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>` },
    { name: 'xl/_rels/workbook.xml.rels', data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>` },
    { name: 'xl/worksheets/sheet1.xml', data: sheet },
  ]);
}

describe('dimensionLastRow', () => {
  it('reads the last row of the ref, with or without a namespace prefix or $ signs', () => {
    assert.equal(dimensionLastRow(openpyxlHead('A1:H100001')), 100_001);
    assert.equal(dimensionLastRow(xlsxwriterHead('B3:C12')), 12);
    assert.equal(dimensionLastRow(`<x:worksheet xmlns:x="${MAIN_NS}"><x:dimension ref="$A$1:$H$42"/>`), 42);
  });

  it('has no answer without a dimension, for a single cell (A1) or a row past Excel', () => {
    assert.equal(dimensionLastRow(openpyxlHead(null)), null);
    assert.equal(dimensionLastRow(xlsxwriterHead('A1')), null);
    assert.equal(dimensionLastRow(xlsxwriterHead('A1:B2000000')), null);
    assert.equal(dimensionLastRow('<worksheet><dimension ref="garbage"/>'), null);
  });
});

describe('xlsxSheetExtents', () => {
  const dir = suiteTempDir('geobatch-dimension-');
  let n = 0;
  const file = async (data: Buffer) => {
    const path = join(dir, `w${n++}.xlsx`);
    await writeFile(path, data);
    return path;
  };

  it('takes the dimension of an openpyxl-style sheet without reading its rows', async () => {
    // The dimension says more rows than the part holds: it was believed, not counted.
    const path = await file(workbook(openpyxlHead('A1:B5001'), rowsXml(30)));
    assert.deepEqual(await xlsxSheetExtents(path, [0]), new Map([[0, { lastRow: 5001, by: 'dimension' }]]));
  });

  it('counts the rows when there is no dimension, or an A1-only one (xlsxwriter), by their r', async () => {
    const none = await file(workbook(openpyxlHead(null), rowsXml(250, { skip: [100, 101] })));
    assert.deepEqual(await xlsxSheetExtents(none, [0]), new Map([[0, { lastRow: 251, by: 'rows' }]]));
    const a1 = await file(workbook(xlsxwriterHead('A1'), rowsXml(77)));
    assert.deepEqual(await xlsxSheetExtents(a1, [0]), new Map([[0, { lastRow: 78, by: 'rows' }]]));
  });

  it('counts rows that carry no r by their position, and rows behind a namespace prefix', async () => {
    const bare = await file(workbook(xlsxwriterHead(null), rowsXml(40, { withR: false })));
    assert.deepEqual(await xlsxSheetExtents(bare, [0]), new Map([[0, { lastRow: 41, by: 'rows' }]]));
    const prefixed = rowsXml(12).replace(/<(\/?)(row|c|v|is|t)\b/g, '<$1x:$2');
    const head = `<?xml version="1.0"?><x:worksheet xmlns:x="${MAIN_NS}">`;
    const path = await file(workbook(head, prefixed, 'x'));
    assert.deepEqual(await xlsxSheetExtents(path, [0]), new Map([[0, { lastRow: 13, by: 'rows' }]]));
  });

  it('finds each tab\'s part as the reader does: by position, through the relationships, absolute targets too', async () => {
    const path = await file(buildXlsx({ sheets: [
      { name: 'cover', rows: rowsXml(3) },
      { name: 'data', rows: rowsXml(60), target: '/xl/worksheets/data.xml' },
      { name: 'more', rows: rowsXml(9), target: 'worksheets/more.xml' },
    ] }));
    const [cover, data, more] = (await openTabularFile(path)).sheets;
    assert.deepEqual([cover.index, data.index, more.index], [0, 1, 2]);
    assert.deepEqual(await xlsxSheetExtents(path, [1, 2]), new Map([[1, { lastRow: 61, by: 'rows' }], [2, { lastRow: 10, by: 'rows' }]]));
  });

  it('agrees with the reader: last row minus header row is data rows plus blank rows between', async () => {
    const path = await file(workbook(openpyxlHead(null), rowsXml(500, { skip: [7, 8, 300] })));
    const extent = (await xlsxSheetExtents(path, [0])).get(0)!;
    const [sheet] = (await openTabularFile(path)).sheets;
    let read = 0;
    for await (const _ of sheet.rows()) read++;
    assert.equal(extent.lastRow - sheet.headerRow, read);
  });

  it('reads files exceljs writes: the dimension of a workbook, the rows of a streamed one', async () => {
    const wb = new ExcelJS.Workbook();
    const first = wb.addWorksheet('first');
    const data = wb.addWorksheet('data');
    first.addRow(['nothing']);
    data.addRow(['id', 'x', 'y']);
    for (let i = 1; i <= 1234; i++) data.addRow([i, 127.1, 37.5]);
    const whole = join(dir, 'exceljs.xlsx');
    await wb.xlsx.writeFile(whole);
    assert.deepEqual(await xlsxSheetExtents(whole, [1]), new Map([[1, { lastRow: 1235, by: 'dimension' }]]));

    const streamed = join(dir, 'exceljs-stream.xlsx');
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: streamed, useSharedStrings: true });
    const sheet = writer.addWorksheet('points');
    sheet.addRow(['id', 'x', 'y']).commit();
    // Enough rows that the part streams in many chunks, so row tags are cut at chunk edges.
    for (let i = 1; i <= 20_000; i++) sheet.addRow([i, 127 + i / 1e5, 37.5]).commit();
    sheet.commit();
    await writer.commit();
    assert.deepEqual(await xlsxSheetExtents(streamed, [0]), new Map([[0, { lastRow: 20_001, by: 'rows' }]]));
  });
});
