import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { CellValue, TabularRow } from '../tabular/cell-value';
import { SpreadsheetLimitError, XlsxFormatError } from '../tabular/errors';
import { readHeaderRow, type HeaderChoice, type HeaderRowRequest } from '../tabular/find-header-row';
import { mergedRangesAbove } from './sheet-merges';
import { DEFAULT_XLSX_LIMITS, ZipArchive, type XlsxLimits } from './zip-archive';

/** Excel's hard limits on a worksheet. */
const MAX_SHEET_ROWS = 1_048_576;
const MAX_SHEET_COLUMNS = 16_384;

const REL_TYPE = (name: string) => new RegExp(`/relationships/${name}$`, 'i');

interface Relationship {
  Id: string;
  Type: string;
  Target: string;
  TargetMode?: string;
}

interface SheetModel {
  id: number;
  name: string;
  rId: string;
  state?: string;
}

/** The parts of exceljs' streaming WorkbookReader used here: its part parsers, driven one entry at a time. */
interface WorkbookReaderParts {
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  _parseWorksheet(iterator: AsyncIterable<unknown>, sheetNo: string): Generator<{ eventType: string; value: WorksheetStream }>;
  workbookRels?: Relationship[];
  model?: { sheets?: SheetModel[] };
  properties?: { model?: { date1904?: boolean } };
}

type WorksheetStream = AsyncIterable<ExcelJS.Row> & { name: string };
type ZipEntry = NonNullable<ReturnType<ZipArchive['find']>>;

/** Serial day number → Date, as exceljs does for cells with a date format (UTC). */
function excelToDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
}

/** Same test exceljs applies to decide that a number format shows a date. */
export function isDateFormat(fmt: string | undefined): boolean {
  if (!fmt) return false;
  const bare = fmt.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '');
  return /[ymdhMsb]+/.test(bare);
}

function richText(value: { richText: { text?: string }[] }): string {
  return value.richText.map((r) => r.text ?? '').join('');
}

/**
 * One exceljs cell value as a CellValue: formulas become their cached result (a date when the
 * cell shows a date), rich text and hyperlinks their text, errors their code (`#N/A`).
 */
export function toCellValue(value: unknown, numFmt: string | undefined, date1904: boolean): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if ('formula' in v || 'sharedFormula' in v) {
      const result = v.result;
      if (typeof result === 'number' && Number.isFinite(result) && isDateFormat(numFmt)) return excelToDate(result, date1904);
      if (result !== null && typeof result === 'object' && 'error' in (result as object)) return String((result as { error: unknown }).error);
      return toCellValue(result, numFmt, date1904);
    }
    if (Array.isArray(v.richText)) return richText(v as { richText: { text?: string }[] });
    if ('error' in v) return String(v.error);
    if ('text' in v) return toCellValue(v.text, numFmt, date1904);
  }
  return String(value);
}

function isBlankCells(cells: readonly CellValue[]): boolean {
  return cells.every((c) => c === null || c === '');
}

export interface XlsxSheetInfo {
  /** 0-based position among the workbook's tabs. */
  index: number;
  name: string;
  hidden: boolean;
  /** Path of the worksheet part inside the archive. */
  part: string;
}

/** Worksheet target of a relationship, as an archive path (`worksheets/sheet1.xml` → `xl/worksheets/sheet1.xml`). */
function partPath(target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  return posix.normalize(posix.join('xl', target));
}

/** The workbook and its relationships, or a readable refusal when the archive is not an .xlsx. */
function requireWorkbookEntries(zip: ZipArchive): { workbookEntry: ZipEntry; relsEntry: ZipEntry } {
  if (zip.find('mimetype') && !zip.find('xl/workbook.xml')) {
    throw new XlsxFormatError('OpenDocument(.ods) 파일은 읽을 수 없습니다. .xlsx 또는 CSV로 저장해 올려 주세요 (OpenDocument spreadsheets are not supported: save as .xlsx or CSV)');
  }
  const workbookEntry = zip.find('xl/workbook.xml');
  const relsEntry = zip.find('xl/_rels/workbook.xml.rels');
  if (!workbookEntry || !relsEntry) {
    throw new XlsxFormatError('엑셀 통합 문서(.xlsx)가 아닌 ZIP 파일입니다 (a ZIP archive that is not an Excel .xlsx workbook)');
  }
  return { workbookEntry, relsEntry };
}

async function partText(zip: ZipArchive, entry: ZipEntry, max: number): Promise<Readable> {
  const stream = await zip.open(entry, max);
  // Whole characters only: exceljs would decode each chunk on its own and break a multi-byte character at a chunk's edge.
  stream.setEncoding('utf8');
  return stream;
}

/** Runs one part parser; anything but our own limit and format errors becomes an XlsxFormatError naming the part. */
async function parsePart(what: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (e instanceof SpreadsheetLimitError || e instanceof XlsxFormatError) throw e;
    throw new XlsxFormatError(`통합 문서를 읽을 수 없습니다 (${what}: ${(e as Error).message})`);
  }
}

/** The archive entry a workbook relationship of this type points at (never an external target). */
function relatedEntry(zip: ZipArchive, reader: WorkbookReaderParts, type: string): ZipEntry | undefined {
  const rel = (reader.workbookRels ?? []).find((r) => REL_TYPE(type).test(r.Type) && r.TargetMode !== 'External');
  return rel && zip.find(partPath(rel.Target));
}

/** exceljs' streaming reader with the bounded parts parsed: relationships, workbook, styles, shared strings. */
async function readWorkbookParts(zip: ZipArchive, path: string, all: Readonly<XlsxLimits>): Promise<WorkbookReaderParts> {
  const { workbookEntry, relsEntry } = requireWorkbookEntries(zip);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  }) as unknown as WorkbookReaderParts;
  await parsePart('relationships', async () => reader._parseRels(await partText(zip, relsEntry, all.maxPartBytes)));
  await parsePart('workbook.xml', async () => reader._parseWorkbook(await partText(zip, workbookEntry, all.maxPartBytes)));
  const stylesEntry = relatedEntry(zip, reader, 'styles');
  if (stylesEntry) await parsePart('styles', async () => reader._parseStyles(await partText(zip, stylesEntry, all.maxPartBytes)));
  const stringsEntry = relatedEntry(zip, reader, 'sharedStrings');
  if (stringsEntry) {
    await parsePart('shared strings', async () => {
      for await (const _ of reader._parseSharedStrings(await partText(zip, stringsEntry, all.maxSharedStringsBytes))) void _;
    });
  }
  return reader;
}

/** The workbook's worksheets in tab order; chart and dialog sheets, and sheets whose part is missing, are left out. */
function listWorksheets(zip: ZipArchive, reader: WorkbookReaderParts): XlsxSheetInfo[] {
  const rels = reader.workbookRels ?? [];
  const sheets: XlsxSheetInfo[] = [];
  (reader.model?.sheets ?? []).forEach((s, index) => {
    const rel = rels.find((r) => r.Id === s.rId);
    if (!rel || !REL_TYPE('worksheet').test(rel.Type)) return; // chart and dialog sheets hold no rows
    const part = partPath(rel.Target);
    if (!zip.find(part)) return;
    sheets.push({ index, name: String(s.name ?? `Sheet${index + 1}`), hidden: (s.state ?? 'visible') !== 'visible', part });
  });
  return sheets;
}

/**
 * Reads an XLSX workbook by random access: the workbook, relationships, styles and shared
 * strings first (bounded parts), then any worksheet on its own, streamed row by row with
 * exceljs' streaming worksheet reader. Never the whole workbook in memory.
 */
export class XlsxWorkbook {
  private constructor(
    private readonly path: string,
    private readonly limits: Readonly<XlsxLimits>,
    private readonly reader: WorkbookReaderParts,
    readonly sheets: readonly XlsxSheetInfo[],
  ) {}

  static async open(path: string, limits: Partial<XlsxLimits> = {}): Promise<XlsxWorkbook> {
    const all = { ...DEFAULT_XLSX_LIMITS, ...limits };
    const zip = await ZipArchive.open(path, all);
    try {
      const reader = await readWorkbookParts(zip, path, all);
      const sheets = listWorksheets(zip, reader);
      if (sheets.length === 0) throw new XlsxFormatError('통합 문서에 워크시트가 없습니다 (the workbook has no worksheet)');
      return new XlsxWorkbook(path, all, reader, sheets);
    } finally {
      zip.close();
    }
  }

  private get date1904(): boolean {
    return this.reader.properties?.model?.date1904 === true;
  }

  /**
   * Every row of a worksheet that has a value, in order, with its spreadsheet row number and
   * cells (0-based columns, trailing empty cells dropped). Stopping early closes the file.
   */
  async *sheetRows(sheet: XlsxSheetInfo): AsyncGenerator<{ row: number; cells: CellValue[]; numFmts: (string | undefined)[] }> {
    const zip = await ZipArchive.open(this.path, this.limits);
    let stream: Readable | undefined;
    try {
      const entry = zip.find(sheet.part);
      if (!entry) throw new XlsxFormatError(`시트 "${sheet.name}"의 내용이 없습니다 (worksheet part ${sheet.part} is missing)`);
      stream = await zip.open(entry);
      stream.setEncoding('utf8');
      const { value } = this.reader._parseWorksheet(stream, String(sheet.index + 1)).next();
      if (!value) throw new XlsxFormatError('exceljs did not hand out a worksheet reader');
      const worksheet = value.value;
      const date1904 = this.date1904;
      let last = 0;
      for await (const row of worksheet) {
        const r = row.number;
        if (!Number.isInteger(r) || r <= last) {
          throw new XlsxFormatError(`시트 "${sheet.name}"의 행 번호가 올바르지 않습니다 (row ${r} after row ${last})`);
        }
        if (r > MAX_SHEET_ROWS) {
          throw new SpreadsheetLimitError(`시트 "${sheet.name}"의 행이 엑셀 한도를 넘습니다 (row ${r} > ${MAX_SHEET_ROWS})`);
        }
        last = r;
        const cells: CellValue[] = [];
        const numFmts: (string | undefined)[] = [];
        row.eachCell({ includeEmpty: false }, (cell: ExcelJS.Cell, col: number) => {
          if (col > MAX_SHEET_COLUMNS) {
            throw new SpreadsheetLimitError(`시트 "${sheet.name}"의 열이 엑셀 한도를 넘습니다 (column ${col} > ${MAX_SHEET_COLUMNS})`);
          }
          const numFmt = typeof cell.numFmt === 'string' ? cell.numFmt : undefined;
          const v = toCellValue(cell.value, numFmt, date1904);
          if (v === null) return;
          while (cells.length < col - 1) cells.push(null);
          cells[col - 1] = v;
          if (numFmt && numFmt !== 'General' && (typeof v === 'number' || v instanceof Date)) numFmts[col - 1] = numFmt;
        });
        if (cells.length > 0) yield { row: r, cells, numFmts };
      }
    } catch (e) {
      if (e instanceof SpreadsheetLimitError || e instanceof XlsxFormatError) throw e;
      throw new XlsxFormatError(`시트 "${sheet.name}"을(를) 읽을 수 없습니다 (${(e as Error).message})`);
    } finally {
      stream?.destroy();
      zip.close();
    }
  }

  /** The header row as find-header-row.ts decides it, its text, and the rows above it. */
  header(sheet: XlsxSheetInfo, request: HeaderRowRequest = {}): Promise<HeaderChoice> {
    return readHeaderRow(this.sheetRows(sheet), request);
  }

  /** The merged ranges (`A1:F1`) of a worksheet that end above `row`: the title block's (see sheet-merges.ts). */
  mergesAbove(sheet: XlsxSheetInfo, row: number): Promise<string[]> {
    return mergedRangesAbove(this.path, this.limits, sheet.part, row);
  }

  /**
   * The data rows below the header row, numbered from it. Blank rows between data rows (missing
   * or empty in the file) are reported as blank; trailing ones are not (formatting often leaves
   * empty rows at the end of a sheet).
   */
  async *dataRows(sheet: XlsxSheetInfo, headerRow: number): AsyncGenerator<TabularRow> {
    if (headerRow <= 0) return;
    let emitted = headerRow;
    for await (const { row, cells, numFmts } of this.sheetRows(sheet)) {
      if (row <= headerRow || isBlankCells(cells)) continue;
      for (let r = emitted + 1; r < row; r++) yield { n: r - headerRow, row: r, cells: [], blank: true };
      yield { n: row - headerRow, row, cells, blank: false, numFmts };
      emitted = row;
    }
  }
}

