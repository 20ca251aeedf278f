import { openCsv } from '../csv/csv-table';
import type { CsvDelimiter } from '../csv/detect-delimiter';
import { encodingFor, type EncodingChoice, type TextEncodingName } from '../csv/detect-encoding';
import { XlsxWorkbook } from '../xlsx/xlsx-reader';
import type { XlsxLimits } from '../xlsx/zip-archive';
import type { TabularRow } from './cell-value';
import { SpreadsheetFormatError } from './errors';
import type { HeaderRowRequest, LeadRow } from './find-header-row';
import { sniffFileKind, type TabularKind } from './sniff-file-kind';

export interface TabularSheet {
  /** 0-based position of the sheet in the workbook (always 0 for a CSV). */
  index: number;
  name: string;
  /** Column names as text, trimmed (a name may be empty). Empty for a sheet without any value. */
  header: string[];
  /** Spreadsheet row number of the header row (0 for an empty sheet, or one with a `headerProblem`). */
  headerRow: number;
  /** Rows with a value above the header (a title block, notes), with their row numbers: copied to the result as they are. */
  above: LeadRow[];
  /** Why the `headerRow` asked for cannot be this sheet's header (past its end, an empty row). */
  headerProblem?: string;
  /** Merged ranges (`A1:F1`) lying wholly above the header (XLSX; none for a CSV); reads the sheet on demand. */
  aboveMerges(): Promise<string[]>;
  hidden: boolean;
  /** Streams the data rows below the header; each call reads the file again from the start. */
  rows(): AsyncGenerator<TabularRow>;
}

export interface TabularFile {
  kind: TabularKind;
  /** CSV only: the encoding the text is decoded with, and whether it starts with a BOM. */
  encoding?: TextEncodingName;
  bom?: boolean;
  /** CSV only. */
  delimiter?: CsvDelimiter;
  /** Worksheets in workbook order (chart sheets left out); a CSV has exactly one. */
  sheets: TabularSheet[];
}

export interface OpenTabularOptions {
  /** CSV text encoding; `auto` (default) detects it. Ignored for XLSX. */
  encoding?: EncodingChoice | string | null;
  /** CSV delimiter; detected when absent. */
  delimiter?: CsvDelimiter;
  /** Name of a CSV's single sheet (a CSV has none; callers pass the file's base name). */
  csvSheetName?: string;
  /** How to find every sheet's header row (see find-header-row.ts): a row asked for, or the x/y names. */
  header?: HeaderRowRequest;
  /** Header rows already decided, by 0-based sheet index (an upload plan's); they win over `header`. */
  headerRows?: Readonly<Record<number, number>>;
  /** XLSX safety limits, for tests and tuning. */
  xlsxLimits?: Partial<XlsxLimits>;
}

/**
 * The one way both the gateway (which publishes the rows) and the report-merger (which writes
 * them back) read an upload, so both see exactly the same rows with the same numbers. The type
 * is decided by content: a ZIP is read as an XLSX workbook, text as a CSV; anything else is a
 * SpreadsheetFormatError with a message for the user.
 */
export async function openTabularFile(path: string, options: OpenTabularOptions = {}): Promise<TabularFile> {
  let encoding: TextEncodingName | 'auto';
  try {
    encoding = encodingFor(options.encoding);
  } catch {
    throw new SpreadsheetFormatError(`알 수 없는 인코딩입니다 (unknown encoding "${options.encoding}": use auto, utf-8, cp949, euc-kr, utf-16le or utf-16be)`);
  }
  const kind = await sniffFileKind(path, { textEncodingForced: encoding === 'utf-16le' || encoding === 'utf-16be' });

  if (kind === 'csv') {
    const table = await openCsv(path, { encoding, delimiter: options.delimiter, header: headerRequest(options, 0) });
    return {
      kind,
      encoding: table.encoding,
      bom: table.bom,
      delimiter: table.delimiter,
      sheets: [
        {
          index: 0,
          name: options.csvSheetName ?? 'Sheet1',
          header: table.header,
          headerRow: table.headerRow,
          above: table.above,
          ...(table.headerProblem ? { headerProblem: table.headerProblem } : {}),
          aboveMerges: async () => [],
          hidden: false,
          rows: () => table.rows(),
        },
      ],
    };
  }

  const workbook = await XlsxWorkbook.open(path, options.xlsxLimits);
  const sheets: TabularSheet[] = [];
  for (const info of workbook.sheets) {
    const { header, headerRow, above, problem } = await workbook.header(info, headerRequest(options, info.index));
    sheets.push({
      index: info.index,
      name: info.name,
      header,
      headerRow,
      above,
      ...(problem ? { headerProblem: problem } : {}),
      aboveMerges: () => (above.length > 0 ? workbook.mergesAbove(info, headerRow) : Promise.resolve([])),
      hidden: info.hidden,
      rows: () => workbook.dataRows(info, headerRow),
    });
  }
  return { kind, sheets };
}

function headerRequest(options: OpenTabularOptions, sheet: number): HeaderRowRequest | undefined {
  const decided = options.headerRows?.[sheet];
  return decided !== undefined && decided > 0 ? { headerRow: decided } : options.header;
}

/** Reads the first `count` data rows of a sheet (blank ones skipped), closing the file after. */
export async function sampleRows(sheet: TabularSheet, count: number): Promise<TabularRow[]> {
  const out: TabularRow[] = [];
  if (count <= 0) return out;
  for await (const row of sheet.rows()) {
    if (row.blank) continue;
    out.push(row);
    if (out.length >= count) break;
  }
  return out;
}

export class SheetSelectionError extends SpreadsheetFormatError {
  constructor(message: string) {
    super(message);
    this.name = 'SheetSelectionError';
  }
}

/**
 * A sheet chosen by the user: its exact name, else its name ignoring case and surrounding
 * spaces, else its 1-based position (a name wins: a sheet may be called "2").
 */
export function findSheet(file: TabularFile, spec: string): TabularSheet {
  const wanted = spec.trim();
  const exact = file.sheets.find((s) => s.name === spec) ?? file.sheets.find((s) => s.name.trim() === wanted);
  if (exact) return exact;
  const folded = file.sheets.find((s) => s.name.trim().toLowerCase() === wanted.toLowerCase());
  if (folded) return folded;
  if (/^\d+$/.test(wanted)) {
    const n = Number(wanted);
    const byPosition = file.sheets.find((s) => s.index === n - 1);
    if (byPosition) return byPosition;
  }
  const names = file.sheets.map((s) => `${s.index + 1}: "${s.name}"`).join(', ');
  throw new SheetSelectionError(`sheet: 시트 "${wanted}"을(를) 찾을 수 없습니다 (no such sheet; sheets: ${names})`);
}
