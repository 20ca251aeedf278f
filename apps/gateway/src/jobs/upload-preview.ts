import type { ColumnRefDto, JobPreviewDto, PreviewSheetDto } from '@geobatch/contracts';
import {
  cellJson,
  ColumnResolutionError,
  columnLetter,
  findSheet,
  sampleRows,
  type ColumnChoice,
  type CoordinateColumns,
  type TabularFile,
  type TabularRow,
  type TabularSheet,
} from '@geobatch/util-spreadsheet';
import { columnsOf, DETECTION_SAMPLE_ROWS } from './column-plan';

/** Rows shown by `POST /jobs/preview`. */
export const PREVIEW_ROWS = 20;

/** A sheet as previewed: its first rows and the coordinate columns found in them, or why none were. */
interface SheetLook {
  sheet: TabularSheet;
  rows: TabularRow[];
  columns: CoordinateColumns | null;
  problem: string | null;
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
    return { sheet, rows, columns: null, problem: e.message };
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

/**
 * What Geobatch reads in an upload, without creating a job: the file type, encoding and
 * delimiter, the sheets, the chosen sheet's header and first rows, and the suggested x/y
 * columns and coordinate system.
 */
export async function previewUpload(file: TabularFile, sheetSpec: string | undefined): Promise<JobPreviewDto> {
  const { sheet, rows, columns, problem } = await chooseSheet(file, sheetSpec);
  return {
    kind: file.kind,
    encoding: file.encoding ?? null,
    delimiter: file.delimiter ?? null,
    sheets: file.sheets.map(sheetDto),
    sheet: sheetDto(sheet),
    headerRow: sheet.headerRow,
    above: [],
    header: sheet.header,
    rows: rows.slice(0, PREVIEW_ROWS).map((r) => r.cells.map(cellJson)),
    x: columns ? choiceRef(columns.x) : null,
    y: columns ? choiceRef(columns.y) : null,
    crs: columns?.crs ?? 'unknown',
    problem,
  };
}
