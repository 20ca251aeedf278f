import type { ResultColumnsOptions } from '../result/result-columns';
import type { LeadRow } from '../tabular/find-header-row';

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

/** The rows an input sheet has above its header (a title block, notes), copied above the result's header. */
export interface RowsAbove {
  /** Rows with a value, with their input row numbers (all below `headerRow`). */
  rows: readonly LeadRow[];
  /** The input's header row: the result's header goes on the same row, so the rows above keep their numbers. */
  headerRow: number;
  /** XLSX: merged ranges of those rows (`A1:F1`), merged again in the result. */
  merges?: readonly string[];
}

export interface ResultSheetOptions {
  /** Rows above the header, written unchanged (never with a status) above it; none by default. */
  above?: RowsAbove;
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
