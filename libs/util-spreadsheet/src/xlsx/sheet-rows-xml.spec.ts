import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import ExcelJS from 'exceljs';
import { columnLetters, SheetRowsXml, xmlText, type PlainCellValue } from './sheet-rows-xml';

// exceljs' own row rendering, as its streaming WorksheetWriter calls it (not part of its public API).
const requireExcelJs = createRequire(require.resolve('exceljs'));
const RowXform = requireExcelJs('./lib/xlsx/xform/sheet/row-xform.js') as new () => {
  prepare(model: unknown, options: unknown): void;
  toXml(model: unknown): string;
};
const StylesXform = requireExcelJs('./lib/xlsx/xform/style/styles-xform.js') as new (initialise: boolean) => {
  addStyleModel(style: Partial<ExcelJS.Style>, cellType: ExcelJS.ValueType): number;
  toXml(model: unknown): string;
  model: unknown;
};
const { xmlEncode } = requireExcelJs('./lib/utils/utils.js') as { xmlEncode(text: string): string };

const TEXT = Object.freeze({ numFmt: '@' });
const DATE = Object.freeze({ numFmt: 'yyyy-mm-dd' });
const PLAIN = Object.freeze({});

type Row = { number: number; cells: [number, PlainCellValue, Partial<ExcelJS.Style>][] };

const ROWS: Row[] = [
  { number: 2, cells: [[1, 'testse01', PLAIN], [2, '서울100바10000', PLAIN], [4, 20240101, PLAIN], [5, 126.54, PLAIN], [9, '1111051500', TEXT]] },
  { number: 3, cells: [[1, '<a href="x">&\'', PLAIN], [2, 'tab\tnew\nline\rbell\u0007nul\u0000del\u007f', PLAIN], [3, -0.5, PLAIN], [30, 'AD', TEXT]] },
  { number: 4, cells: [[2, true, PLAIN], [3, false, PLAIN], [4, new Date(Date.UTC(2024, 0, 31)), DATE], [5, new Date(Date.UTC(2024, 0, 31, 13, 5, 7)), TEXT]] },
  { number: 5, cells: [[1, 1e21, PLAIN], [2, 0, PLAIN], [3, 1 / 3, PLAIN], [703, '😀 emoji and 한글', PLAIN], [16_384, 'last column', TEXT]] },
  { number: 1_048_576, cells: [[1, '=1+1', PLAIN], [2, '  spaced  ', PLAIN]] },
];

/** The XML exceljs renders for `rows`, through a worksheet's rows and its RowXform, and its style table. */
function exceljsXml(rows: Row[]): { xml: string; styles: string } {
  const sheet = new ExcelJS.Workbook().addWorksheet('s');
  const styles = new StylesXform(true);
  const xform = new RowXform();
  let xml = '';
  for (const r of rows) {
    const row = sheet.getRow(r.number);
    for (const [col, value, style] of r.cells) {
      const cell = row.getCell(col);
      cell.value = value;
      cell.style = style;
    }
    const model = row.model;
    xform.prepare(model, { styles, hyperlinks: [], merges: { add() {} }, formulae: {}, siFormulae: 0, comments: [] });
    xml += xform.toXml(model);
  }
  return { xml, styles: styles.toXml(styles.model) };
}

function oursXml(rows: Row[]): { xml: string; styles: string } {
  const styles = new StylesXform(true);
  const rendered = new SheetRowsXml(styles);
  for (const r of rows) {
    rendered.startRow(r.number);
    for (const [col, value, style] of r.cells) rendered.cell(col, value, style);
    rendered.endRow();
  }
  return { xml: Buffer.concat(rendered.take()).toString('utf8'), styles: styles.toXml(styles.model) };
}

describe('SheetRowsXml', () => {
  it('renders rows byte for byte as exceljs does: types, styles, escaping, dropped control characters, far columns', () => {
    const ours = oursXml(ROWS);
    const theirs = exceljsXml(ROWS);
    assert.equal(ours.xml, theirs.xml);
    assert.equal(ours.styles, theirs.styles, 'the same styles, numbered in the same order');
  });

  it('keeps rows in order when one is larger than a batch, and leaves out a row with no cell', () => {
    const huge = 'x'.repeat(40_000);
    const rows: Row[] = [
      { number: 2, cells: [[1, 'a', PLAIN]] },
      { number: 3, cells: [[1, huge, PLAIN]] },
      { number: 4, cells: [] },
      { number: 5, cells: [[1, 'b', PLAIN]] },
    ];
    const ours = oursXml(rows).xml;
    assert.equal(ours, exceljsXml(rows.filter((r) => r.cells.length > 0)).xml);
    assert.ok(ours.indexOf('>a<') < ours.indexOf(huge) && ours.indexOf(huge) < ours.indexOf('>b<'));
  });

  it('says when a batch is ready and hands everything over once', () => {
    const rendered = new SheetRowsXml(new StylesXform(true));
    assert.equal(rendered.pending, false);
    let n = 2;
    while (!rendered.full) {
      rendered.startRow(n++);
      rendered.cell(1, 'row of some length to fill the batch', PLAIN);
      rendered.endRow();
    }
    assert.equal(rendered.pending, true);
    const taken = Buffer.concat(rendered.take()).toString('utf8');
    assert.equal(taken.match(/<row /g)?.length, n - 2);
    assert.equal(rendered.pending, false);
    assert.deepEqual(rendered.take(), []);
  });

  it('escapes text as exceljs does', () => {
    for (const text of ['plain', '한글', '<>&\'"', 'a\u0000b\u0008c\u000bd\u000ce\u001ff\u007fg', '\t\n\r', '\ud83d\ude00', '']) {
      assert.equal(xmlText(text), xmlEncode(text), JSON.stringify(text));
    }
  });

  it('names columns as Excel does', () => {
    assert.deepEqual([1, 26, 27, 52, 53, 702, 703, 16_384].map(columnLetters), ['A', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA', 'XFD']);
  });
});
