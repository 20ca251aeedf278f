import type ExcelJS from 'exceljs';
import type { CellValue } from '../tabular/cell-value';
import { EXCEL_MAX_CELL_CHARS } from './excel-limits';
import { originalCellValue, originalNumberFormat } from './original-cell-value';
import type { RowsAbove } from './result-sheet-options';
import { styleOf } from './result-workbook-styles';
import type { SheetRowsXml } from './sheet-rows-xml';

/** Number formats for dates read without one of their own. */
const DATE_FORMAT = 'yyyy-mm-dd';
const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';

/** How the input's columns are written: how many, and whether a CSV's plain decimals become numbers. */
export interface OriginalColumns {
  columnCount: number;
  inferNumbers: boolean;
}

function dateFormatOf(d: Date): string {
  return d.getTime() % 86_400_000 === 0 ? DATE_FORMAT : DATE_TIME_FORMAT;
}

/**
 * Renders a row's original cells into the row `rows` is building, each with the type it was read
 * with (a CSV's plain decimals as numbers). Returns true when a cell had to be clipped to Excel's limit.
 */
export function renderOriginalCells(rows: SheetRowsXml, cells: readonly CellValue[], numFmts: readonly (string | undefined)[] | undefined, columns: OriginalColumns): boolean {
  let truncated = false;
  const put = (col: number, value: CellValue | undefined, numFmt?: string) => {
    if (value === undefined || value === null || value === '') return;
    if (typeof value === 'string' && value.length > EXCEL_MAX_CELL_CHARS) {
      // Excel refuses to open a workbook with a longer cell; a clipped value beats no workbook.
      value = value.slice(0, EXCEL_MAX_CELL_CHARS);
      truncated = true;
    }
    rows.cell(col, value, styleOf(numFmt));
  };
  const n = Math.min(cells.length, columns.columnCount);
  for (let c = 0; c < n; c++) {
    const v = cells[c];
    // A CSV number keeps the decimals it was written with (`35.736320` shows as sent, not `35.73632`).
    if (typeof v === 'string') put(c + 1, columns.inferNumbers ? originalCellValue(v) : v, columns.inferNumbers ? originalNumberFormat(v) : undefined);
    else if (v instanceof Date) put(c + 1, v, numFmts?.[c] ?? dateFormatOf(v));
    else put(c + 1, v, typeof v === 'number' ? numFmts?.[c] : undefined);
  }
  return truncated;
}

/**
 * Writes the input's rows above its header (values and number formats as read) on their own row
 * numbers, and merges their merged ranges again; a range overlapping another is left unmerged.
 * Commits them, so the header row comes next.
 */
export function writeRowsAbove(sheet: ExcelJS.Worksheet, above: RowsAbove, columns: OriginalColumns): void {
  for (const r of above.rows) {
    const row = sheet.getRow(r.row);
    r.cells.slice(0, columns.columnCount).forEach((v, c) => {
      if (v === null || v === '') return;
      const value = typeof v === 'string' ? (columns.inferNumbers ? originalCellValue(v) : v) : v;
      const cell = row.getCell(c + 1);
      cell.value = typeof value === 'string' ? value.slice(0, EXCEL_MAX_CELL_CHARS) : value;
      const numFmt = r.numFmts?.[c] ?? (v instanceof Date ? dateFormatOf(v) : undefined);
      if (numFmt) cell.numFmt = numFmt;
    });
  }
  for (const ref of above.merges ?? []) {
    try {
      sheet.mergeCells(ref);
    } catch {
      // An overlapping (broken) merge: its cells stay as they are.
    }
  }
  // Rows are committed in order: committing the last row above the header commits them all.
  sheet.getRow(above.headerRow - 1).commit();
}
