import {
  ColumnResolutionError,
  detectCoordinateColumns,
  findSheet,
  resolveColumn,
  sampleRows,
  type CoordinateColumns,
  type SheetColumns,
  type TabularFile,
  type TabularSheet,
} from '@geobatch/util-spreadsheet';

/** Data rows looked at to detect coordinate columns from their values. */
export const DETECTION_SAMPLE_ROWS = 200;

export interface ColumnRequest {
  x?: string | null;
  y?: string | null;
  sheet?: string | null;
  /** A job's `dateColumn`: resolved in every sheet the job reads, like a given x/y. */
  date?: string | null;
}

/** Whether the request needs the sample values (a column to detect). */
function needsSample(request: ColumnRequest): boolean {
  const blank = (s: string | null | undefined) => s === undefined || s === null || s.trim() === '';
  return blank(request.x) || blank(request.y);
}

/** Resolves or detects the x/y columns of one sheet; throws ColumnResolutionError saying why not. */
export async function columnsOf(sheet: TabularSheet, request: ColumnRequest): Promise<CoordinateColumns> {
  // A headerRow past the sheet's end or on an empty row: said as it is (a 400 for the sheet asked for).
  if (sheet.headerProblem) throw new ColumnResolutionError(sheet.headerProblem);
  if (sheet.header.length === 0) {
    throw new ColumnResolutionError('빈 시트입니다 (the sheet has no header row or values)');
  }
  const sample = needsSample(request) ? (await sampleRows(sheet, DETECTION_SAMPLE_ROWS)).map((r) => r.cells) : [];
  return detectCoordinateColumns(sheet.header, sample, { x: request.x, y: request.y });
}

function planned(sheet: TabularSheet, c: CoordinateColumns): SheetColumns {
  return { sheet: sheet.index, name: sheet.name, x: c.x.index, y: c.y.index, xName: c.x.name, yName: c.y.name, xBy: c.x.by, yBy: c.y.by };
}

/**
 * Adds the date column to a planned sheet. A sheet that has the coordinates but not the date column
 * is an error, not a sheet to skip: its rows could not be dated.
 */
function withDate(plan: SheetColumns, sheet: TabularSheet, request: ColumnRequest, prefixSheet: boolean): SheetColumns {
  const spec = request.date?.trim();
  if (!spec) return plan;
  try {
    const date = resolveColumn(sheet.header, spec, 'dateColumn');
    if (date === plan.x || date === plan.y) {
      throw new ColumnResolutionError(`dateColumn: 날짜 열이 좌표 열과 같습니다 (the date column "${spec}" is the ${date === plan.x ? 'x' : 'y'} column)`);
    }
    return { ...plan, date, dateName: sheet.header[date] ?? '' };
  } catch (e) {
    if (e instanceof ColumnResolutionError && prefixSheet) throw new ColumnResolutionError(`시트 "${sheet.name}": ${e.message}`);
    throw e;
  }
}

/**
 * The sheets a job reads and their x/y columns, all worked out before the job is accepted so
 * a job never fails later for want of a column. A CSV has one sheet; an XLSX uses the sheet
 * asked for, or else every sheet that has the columns (at least one must). Throws
 * ColumnResolutionError (or SheetSelectionError) with a message for the user.
 */
export async function planColumns(file: TabularFile, request: ColumnRequest): Promise<SheetColumns[]> {
  const sheetSpec = request.sheet?.trim() ? request.sheet : null;
  if (file.kind === 'csv' || sheetSpec) {
    const sheet = sheetSpec ? findSheet(file, sheetSpec) : file.sheets[0];
    let plan: SheetColumns;
    try {
      plan = planned(sheet, await columnsOf(sheet, request));
    } catch (e) {
      if (e instanceof ColumnResolutionError && file.kind === 'xlsx') {
        throw new ColumnResolutionError(`시트 "${sheet.name}": ${e.message}`);
      }
      throw e;
    }
    return [withDate(plan, sheet, request, file.kind === 'xlsx')];
  }
  const plan: SheetColumns[] = [];
  const reasons: string[] = [];
  for (const sheet of file.sheets) {
    try {
      plan.push(planned(sheet, await columnsOf(sheet, request)));
    } catch (e) {
      if (!(e instanceof ColumnResolutionError)) throw e;
      reasons.push(`시트 "${sheet.name}": ${e.message}`);
    }
  }
  if (plan.length === 0) {
    throw new ColumnResolutionError(
      `좌표 열이 있는 시트가 없습니다 (no sheet has the x/y columns; choose one with "sheet", or give x and y) — ${reasons.join(' | ')}`,
    );
  }
  return plan.map((p) => withDate(p, file.sheets.find((s) => s.index === p.sheet)!, request, true));
}
