import { ColumnResolutionError } from '../columns/resolve-column';
import { detectCoordinateColumns, numericValue } from '../columns/detect-columns';
import { cellText, type CellValue } from './cell-value';

/** The header is looked for in the sheet's first rows only (a title block is a few rows). */
export const HEADER_FIND_ROWS = 50;
/** Rows below a candidate that must read as coordinates for it to start the data (as detection samples them). */
const RUN_SAMPLE_ROWS = 20;
/** A header named with `headerRow`, and the first row with a value when none is found, lie within these rows. */
export const MAX_HEADER_ROW = 1_000;

/** One row of a sheet's top as read: its spreadsheet row number and its cells (only rows with a value). */
export interface LeadRow {
  row: number;
  cells: CellValue[];
  numFmts?: (string | undefined)[];
}

/** How the caller wants the header found: a 1-based row, or the x/y columns as they named them. */
export interface HeaderRowRequest {
  headerRow?: number | null;
  x?: string | null;
  y?: string | null;
}

export interface HeaderChoice {
  /** Spreadsheet row number of the header (0: none, an empty sheet or a `problem`). */
  headerRow: number;
  header: string[];
  /** The rows with a value above the header (title block, notes), in order. */
  above: LeadRow[];
  /** Why the requested `headerRow` cannot be the header (past the end, an empty row). */
  problem?: string;
}

function isBlank(cells: readonly CellValue[]): boolean {
  return cells.every((c) => c === null || c === undefined || c === '');
}

/** A user's reference that may be header text: not a bare column number (a data row may hold the number). */
function textSpecs(request: HeaderRowRequest): string[] {
  return [request.x, request.y].map((s) => s?.trim() ?? '').filter((s) => s !== '' && !/^\d+$/.test(s));
}

/** The first row (within HEADER_FIND_ROWS) holding every x/y name the caller gave, or -1. */
function byNamedColumns(lead: readonly LeadRow[], request: HeaderRowRequest): number {
  const wanted = textSpecs(request);
  if (wanted.length === 0) return -1;
  return lead.findIndex((r) => r.row <= HEADER_FIND_ROWS && wanted.every((w) => r.cells.some((c) => cellText(c).trim() === w)));
}

/** Column references that stay valid without a header (numbers, letters) for the value test. */
function positional(spec: string | null | undefined): string | undefined {
  const s = spec?.trim() ?? '';
  return /^\d+$/.test(s) || /^[A-Za-z]{1,3}$/.test(s) ? s : undefined;
}

/** The x/y columns the value-based detection (detect-columns.ts) finds in the rows from `lead[i]` on, or null. */
function columnsFrom(lead: readonly LeadRow[], i: number, request: HeaderRowRequest): { x: number; y: number } | null {
  const sample = lead.slice(i, i + RUN_SAMPLE_ROWS).map((r) => r.cells);
  const width = Math.max(...sample.map((c) => c.length));
  try {
    const found = detectCoordinateColumns(Array.from({ length: width }, () => ''), sample, { x: positional(request.x), y: positional(request.y) });
    return { x: found.x.index, y: found.y.index };
  } catch (e) {
    if (e instanceof ColumnResolutionError) return null;
    throw e;
  }
}

/** Whether a row can be a header: names only, no plain number, none repeated. */
function namesOnly(r: LeadRow): boolean {
  const names = r.cells.map((c) => cellText(c).trim()).filter((t) => t !== '');
  return r.cells.every((c) => numericValue(c) === null) && new Set(names).size === names.length;
}

/**
 * The row above the first run of rows whose coordinates read, or -1: the columns come from the
 * first stretch of rows the value-based detection accepts (a title block or a header inside it
 * only lowers its share), then the run starts at the first row whose x and y are numbers; its
 * header is the nearest row above it that can be one (names only, see namesOnly). No row above the run (the sheet has no header) is -1 too.
 */
function aboveFirstData(lead: readonly LeadRow[], request: HeaderRowRequest): number {
  let columns: { x: number; y: number } | null = null;
  for (let i = 0; i < lead.length && lead[i].row <= HEADER_FIND_ROWS && !columns; i++) columns = columnsFrom(lead, i, request);
  if (!columns) return -1;
  const { x, y } = columns;
  const start = lead.findIndex((r) => numericValue(r.cells[x]) !== null && numericValue(r.cells[y]) !== null);
  // A row above the run that cannot be a header is a data row whose coordinates are broken.
  let header = start - 1;
  while (header >= 0 && !namesOnly(lead[header])) header--;
  // A title block is narrower than the header; a row of names as wide just above it is the header (repeated below).
  const filled = (r: LeadRow) => r.cells.filter((c) => !isBlank([c])).length;
  while (header > 0 && namesOnly(lead[header - 1]) && filled(lead[header - 1]) >= filled(lead[header])) header--;
  return header >= 0 && lead[header].row <= HEADER_FIND_ROWS ? header : -1;
}

/** The first row (within HEADER_FIND_ROWS) whose names alone give both x and y (경도/위도, lon/lat…), or -1. */
function byHeaderNames(lead: readonly LeadRow[]): number {
  return lead.findIndex((r) => {
    if (r.row > HEADER_FIND_ROWS) return false;
    try {
      const found = detectCoordinateColumns(r.cells.map((c) => cellText(c).trim()), []);
      return found.x.by === 'header' && found.y.by === 'header';
    } catch {
      return false;
    }
  });
}

function choice(lead: readonly LeadRow[], i: number): HeaderChoice {
  if (i < 0) return { headerRow: 0, header: [], above: [] };
  return { headerRow: lead[i].row, header: lead[i].cells.map((c) => cellText(c).trim()), above: lead.slice(0, i) };
}

function requested(lead: readonly LeadRow[], wanted: number, lastRow: number | null): HeaderChoice {
  const none = { headerRow: 0, header: [], above: [] };
  if (wanted > MAX_HEADER_ROW) {
    return { ...none, problem: `headerRow: 머리글 행은 ${MAX_HEADER_ROW}행 이내여야 합니다 (headerRow must be within the first ${MAX_HEADER_ROW} rows)` };
  }
  const i = lead.findIndex((r) => r.row === wanted);
  if (i !== -1) return choice(lead, i);
  if (lastRow !== null && wanted > lastRow) {
    return { ...none, problem: `headerRow: ${wanted}행이 없습니다 (row ${wanted} is past the end of the sheet, whose last row with a value is ${lastRow})` };
  }
  return { ...none, problem: `headerRow: ${wanted}행이 비어 있습니다 (row ${wanted} is empty)` };
}

/**
 * The header row of a sheet, from its first rows (`lead`: rows with a value, in order, at least
 * the first HEADER_FIND_ROWS + RUN_SAMPLE_ROWS of them; `lastRow`: the sheet's last row with a value
 * when `lead` reaches the end, else null). In order: the `headerRow` asked for; the first row that
 * holds the x/y columns named by header text; the first row whose names give x and y (경도/위도,
 * lon/lat…); the row above the first run of rows whose coordinates read (value-based detection);
 * else the first row with a value. The one rule both the CSV and the XLSX readers follow.
 */
export function findHeaderRow(lead: readonly LeadRow[], request: HeaderRowRequest = {}, lastRow: number | null = null): HeaderChoice {
  const rows = lead.filter((r) => !isBlank(r.cells));
  if (request.headerRow !== undefined && request.headerRow !== null) return requested(rows, request.headerRow, lastRow);
  for (const rule of [() => byNamedColumns(rows, request), () => byHeaderNames(rows), () => aboveFirstData(rows, request)]) {
    const i = rule();
    if (i !== -1) return choice(rows, i);
  }
  return choice(rows, rows.length > 0 ? 0 : -1);
}

/** Whether `lead` holds enough rows to decide (given the rows read so far, the last one being `row`). */
function enough(lead: readonly LeadRow[], row: number, request: HeaderRowRequest): boolean {
  if (row >= MAX_HEADER_ROW) return true;
  if (request.headerRow !== undefined && request.headerRow !== null) return row > request.headerRow || request.headerRow > MAX_HEADER_ROW;
  const below = lead.filter((r) => r.row > HEADER_FIND_ROWS).length;
  return lead.length > 0 && row > HEADER_FIND_ROWS && below >= RUN_SAMPLE_ROWS;
}

/**
 * Reads a sheet's first rows (stopping as soon as the header can be decided, which closes the
 * reader) and finds its header row with {@link findHeaderRow}.
 */
export async function readHeaderRow(rows: AsyncIterable<LeadRow>, request: HeaderRowRequest = {}): Promise<HeaderChoice> {
  const lead: LeadRow[] = [];
  let ended = true;
  let last = 0;
  for await (const r of rows) {
    if (!isBlank(r.cells)) {
      lead.push(r);
      last = r.row;
    }
    if (enough(lead, r.row, request)) {
      ended = false;
      break;
    }
  }
  return findHeaderRow(lead, request, ended ? last : null);
}
