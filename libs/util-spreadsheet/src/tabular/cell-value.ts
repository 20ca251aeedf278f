/**
 * One cell as read from an input file. A CSV cell is always a string (the exact, trimmed text);
 * an XLSX cell keeps its type: numbers, booleans and dates as such, formulas as their cached
 * result, rich and shared strings as plain text. An empty cell is null (XLSX) or '' (CSV).
 */
export type CellValue = string | number | boolean | Date | null;

/** One data row of a sheet. */
export interface TabularRow {
  /**
   * 1-based data row number within its sheet: rows below the header, blank ones included
   * (so it is what travels in `PointV1.n`).
   */
  n: number;
  /** Row number as a spreadsheet shows it (the header row included), e.g. for `문제 행`. */
  row: number;
  cells: CellValue[];
  /**
   * The row is skipped (never published) and counted as blank: every cell is empty, or it is a
   * 합계 row (`total`, marked only in a planned upload's rows, see total-rows.ts).
   */
  blank: boolean;
  /** A 합계/소계/Total row near the end: written back unchanged, without a status, and counted apart. */
  total?: boolean;
  /** Number formats of XLSX cells that have one (dates, `0.00`…), by 0-based column. */
  numFmts?: (string | undefined)[];
}

export function isEmptyCell(value: CellValue | undefined): boolean {
  return value === null || value === undefined || value === '';
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `2024-01-31`, or `2024-01-31 08:05:00` when the date has a time of day (UTC, as Excel stores it). */
export function formatDate(d: Date): string {
  if (Number.isNaN(d.getTime())) return '';
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const ms = ((d.getTime() % 86_400_000) + 86_400_000) % 86_400_000;
  if (ms === 0) return day;
  return `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/**
 * The text of a cell, as a user would read it: what column names, coordinates sent to the
 * geocoder and CSV output use. Numbers in their shortest exact form (`127.229305`), booleans as
 * Excel shows them, dates as ISO text.
 */
export function cellText(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return formatDate(value);
}

/** A cell as JSON can carry it (dates as ISO text), e.g. for the preview route. */
export function cellJson(value: CellValue | undefined): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return formatDate(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}
