import type { ResultColumnsOptions } from '../result/result-columns';

/** One row of the `문제 행` sheet. */
export interface ProblemRow {
  /** Input sheet name. */
  sheet: string;
  /** Row number as in the input file (spreadsheet row, header included). */
  row: number;
  status: string;
  reason: string;
  /** The raw coordinates as read. */
  x: string | null;
  y: string | null;
}

export interface ResultSheetOptions {
  /**
   * Number of original columns; the appended columns start after it. Defaults to the header's
   * length. Pass more when some rows are wider than the header so no value is overwritten.
   */
  columnCount?: number;
  /**
   * CSV input: every value is text, and plain decimals are written as numbers (see
   * originalCellValue). XLSX input (false): every cell keeps the type it was read with.
   * Default true.
   */
  inferNumbers?: boolean;
}

export interface ResultWorkbookOptions extends ResultColumnsOptions {
  /** Data rows per worksheet before the rows continue on `<name> (2)`; Excel's limit by default. */
  maxRowsPerSheet?: number;
}
