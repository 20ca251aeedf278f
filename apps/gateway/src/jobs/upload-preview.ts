import type { ColumnRefDto, JobPreviewDto, PreviewSheetDto } from '@geobatch/contracts';
import {
  cellJson,
  cellText,
  ColumnResolutionError,
  columnLetter,
  findSheet,
  sampleRows,
  type ColumnChoice,
  type ColumnDetection,
  type CoordinateColumns,
  type TabularFile,
  type TabularRow,
  type TabularSheet,
} from '@geobatch/util-spreadsheet';
import { columnsOf, DETECTION_SAMPLE_ROWS } from './column-plan';

/** Rows shown by `POST /jobs/preview`. */
export const PREVIEW_ROWS = 20;
/** Rows above the header shown by the preview (a title block is a few). */
export const PREVIEW_ABOVE_ROWS = 50;

/** A sheet as previewed: its first rows and the coordinate columns found in them, or why none were. */
interface SheetLook {
  sheet: TabularSheet;
  rows: TabularRow[];
  columns: CoordinateColumns | null;
  problem: string | null;
  found?: ColumnDetection | null;
}

function choiceRef(c: ColumnChoice): ColumnRefDto {
  return { name: c.name, number: c.index + 1, letter: columnLetter(c.index), by: c.by };
}

function sheetDto(sheet: TabularSheet): PreviewSheetDto {
  return { index: sheet.index + 1, name: sheet.name, hidden: sheet.hidden, columns: sheet.header.length };
}

async function look(sheet: TabularSheet): Promise<SheetLook> {
  // A file that opens but breaks within its first rows is refused like one that does not open.
  const rows = await sampleRows(sheet, DETECTION_SAMPLE_ROWS);
  try {
    const columns = await columnsOf({ ...sheet, rows: async function* () { yield* rows; } }, {});
    return { sheet, rows, columns, problem: null };
  } catch (e) {
    if (!(e instanceof ColumnResolutionError)) throw e;
    // One column found is still shown (the per-column detection keeps it on the error).
    return { sheet, rows, columns: null, problem: e.message, found: e.found ?? null };
  }
}

/** The sheet asked for, else the first sheet with coordinates, else the first sheet with anything in it. */
async function chooseSheet(file: TabularFile, sheetSpec: string | undefined): Promise<SheetLook> {
  const candidates = sheetSpec?.trim() ? [findSheet(file, sheetSpec)] : file.sheets;
  let chosen: SheetLook | undefined;
  for (const sheet of candidates) {
    const candidate = await look(sheet);
    if (candidate.columns) return candidate;
    if (!chosen || (chosen.sheet.header.length === 0 && sheet.header.length > 0)) chosen = candidate;
  }
  return chosen!;
}

/** The rows above the header as text, empty rows included (as `[]`), the first PREVIEW_ABOVE_ROWS. */
function aboveText(sheet: TabularSheet): string[][] {
  const byRow = new Map(sheet.above.map((r) => [r.row, r.cells]));
  const last = Math.min(sheet.headerRow - 1, PREVIEW_ABOVE_ROWS);
  return Array.from({ length: Math.max(0, last) }, (_, i) => (byRow.get(i + 1) ?? []).map((c) => cellText(c)));
}

/**
 * What Geobatch reads in an upload, without creating a job: the file type, encoding and
 * delimiter, the sheets, the chosen sheet's header row (found, or as asked) with the rows above it,
 * its header and first rows, and the suggested x/y columns and coordinate system.
 */
export async function previewUpload(file: TabularFile, sheetSpec: string | undefined): Promise<JobPreviewDto> {
  const { sheet, rows, columns, problem, found } = await chooseSheet(file, sheetSpec);
  // A headerRow that is not a row of the sheet shown is refused, as a job would be.
  if (sheet.headerProblem) throw new ColumnResolutionError(file.kind === 'xlsx' ? `시트 "${sheet.name}": ${sheet.headerProblem}` : sheet.headerProblem);
  return {
    kind: file.kind,
    encoding: file.encoding ?? null,
    delimiter: file.delimiter ?? null,
    sheets: file.sheets.map(sheetDto),
    sheet: sheetDto(sheet),
    headerRow: sheet.headerRow,
    above: aboveText(sheet),
    header: sheet.header,
    rows: rows.slice(0, PREVIEW_ROWS).map((r) => r.cells.map(cellJson)),
    x: columns ? choiceRef(columns.x) : found?.x ? choiceRef(found.x) : null,
    y: columns ? choiceRef(columns.y) : found?.y ? choiceRef(found.y) : null,
    crs: columns?.crs ?? 'unknown',
    problem,
  };
}
