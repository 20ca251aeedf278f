import type { CsvDelimiter } from '../csv/detect-delimiter';
import type { TextEncodingName } from '../csv/detect-encoding';
import { SpreadsheetFormatError } from '../tabular/errors';
import { openTabularFile, type TabularFile, type TabularSheet } from '../tabular/open-tabular-file';
import type { TabularKind } from '../tabular/sniff-file-kind';
import { markTotalRows } from '../tabular/total-rows';
import { outputSheetNames } from './sheet-names';
import { resolveStoredPath } from './stored-path';

/** The x/y (and date) columns of one input sheet, worked out when the job was accepted. */
export interface SheetColumns {
  /** 0-based position of the sheet in the upload (0 for a CSV); the `sheet` of its chunks. */
  sheet: number;
  name: string;
  /** 0-based column indexes. */
  x: number;
  y: number;
  /** Header text of the columns, for the summary and the status. */
  xName: string;
  yName: string;
  /** How each column was chosen: given by the caller, or detected from the header or the values. */
  xBy: 'given' | 'header' | 'values';
  yBy: 'given' | 'header' | 'values';
  /** Jobs with a `dateColumn`: its 0-based index in this sheet and its header text. */
  date?: number;
  dateName?: string;
}

/** One sheet a job reads: its columns, the row its header was found on, and its name in the result. */
export interface PlannedSheet extends SheetColumns {
  /** Spreadsheet row number of the header row, as found at acceptance. */
  headerRow: number;
  /** Worksheet name in the result workbook (valid for Excel, unique among the data sheets). */
  output: string;
}

/**
 * How an upload is read, decided once when the job is accepted and stored with it, so the
 * publisher and the merger read exactly the same rows.
 */
export interface UploadPlan {
  kind: TabularKind;
  /** CSV: the encoding and delimiter the upload was read with; null for an XLSX. */
  encoding: TextEncodingName | null;
  delimiter: CsvDelimiter | null;
  /** The sheets to read, in workbook order. */
  sheets: PlannedSheet[];
}

/** The plan for an opened upload and the sheets chosen in it. */
export function planUpload(file: TabularFile, sheets: readonly SheetColumns[]): UploadPlan {
  const found = sheets.map((s) => ({ ...s, headerRow: headerRowOf(file, s.sheet) }));
  return uploadPlanOf({ kind: file.kind, encoding: file.encoding ?? null, delimiter: file.delimiter ?? null }, found);
}

/** A plan from its parts: the sheets in workbook order, each given its result worksheet name. */
export function uploadPlanOf(
  read: Pick<UploadPlan, 'kind' | 'encoding' | 'delimiter'>,
  sheets: readonly (SheetColumns & { headerRow: number })[],
): UploadPlan {
  const ordered = [...sheets].sort((a, b) => a.sheet - b.sheet);
  const outputs = outputSheetNames(ordered.map((s) => s.name));
  return { ...read, sheets: ordered.map((s, i) => ({ ...s, output: outputs[i] })) };
}

function headerRowOf(file: TabularFile, index: number): number {
  const sheet = file.sheets.find((s) => s.index === index);
  if (!sheet) throw new SpreadsheetFormatError(`sheet: the upload has no sheet ${index + 1}`);
  return sheet.headerRow;
}

/**
 * Opens a stored upload as its plan says (kind, encoding, delimiter), with only the planned
 * sheets, each read from the header row the plan found and with its 합계 rows marked (total-rows.ts). Throws StoredPathError for a path
 * outside `storageDir`, SpreadsheetFormatError when the upload no longer reads as planned.
 */
export async function openPlannedUpload(storageDir: string, uploadPath: string, plan: UploadPlan): Promise<TabularFile> {
  const file = await openTabularFile(resolveStoredPath(storageDir, uploadPath), {
    encoding: plan.encoding ?? undefined,
    delimiter: plan.delimiter ?? undefined,
    csvSheetName: plan.kind === 'csv' ? plan.sheets[0]?.name : undefined,
    headerRows: Object.fromEntries(plan.sheets.map((s) => [s.sheet, s.headerRow])),
  });
  if (file.kind !== plan.kind) throw new SpreadsheetFormatError(`the upload reads as ${file.kind}, but the job planned ${plan.kind}`);
  return { ...file, sheets: plan.sheets.map((planned) => plannedSheetOf(file, planned)) };
}

function plannedSheetOf(file: TabularFile, planned: PlannedSheet): TabularSheet {
  const sheet = file.sheets.find((s) => s.index === planned.sheet);
  const label = `sheet ${planned.sheet + 1} ("${planned.name}")`;
  if (!sheet) throw new SpreadsheetFormatError(`the upload has no ${label} any more`);
  if (sheet.headerProblem) throw new SpreadsheetFormatError(`${label}: the job planned its header on row ${planned.headerRow}, but ${sheet.headerProblem}`);
  if (sheet.headerRow !== planned.headerRow) {
    throw new SpreadsheetFormatError(`${label}: the header is on row ${sheet.headerRow}, but the job planned row ${planned.headerRow}`);
  }
  // 합계 rows are decided here, where both the publisher and the merger read the rows.
  return { ...sheet, rows: () => markTotalRows(sheet.rows(), planned) };
}
