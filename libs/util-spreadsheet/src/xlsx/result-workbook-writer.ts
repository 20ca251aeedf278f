import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { datasetFactLines, type OutputLang, type RowResultV1 } from '@geobatch/contracts';
import { appendedColumns, appendedValues, NOTE_COLUMN, type AppendedColumn, type ResultColumnsOptions } from '../result/result-columns';
import type { ResultSummary } from '../result/result-summary';
import type { CellValue } from '../tabular/cell-value';
import { SheetRowsXml, type PlainCellValue } from './sheet-rows-xml';

/** Excel's hard limits: a sheet holds at most this many rows and columns, a cell this many characters. */
export const EXCEL_MAX_ROWS = 1_048_576;
export const EXCEL_MAX_COLUMNS = 16_384;
export const EXCEL_MAX_CELL_CHARS = 32_767;
/** Data rows that fit under the header row of one sheet. */
export const EXCEL_MAX_DATA_ROWS = EXCEL_MAX_ROWS - 1;
const SHEET_NAME_MAX = 31;

/** Longest a `drain()` waits for the zip pipeline before carrying on (a stall must not hang a merge). */
const DRAIN_TIMEOUT_MS = 30_000;

const TRUNCATED_NOTE = '셀 내용이 엑셀 한도(32767자)를 넘어 잘렸습니다 (cell truncated to 32767 characters)';

/** Number formats for dates read without one of their own. */
const DATE_FORMAT = 'yyyy-mm-dd';
const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';

/**
 * How a CSV value is written: a number when it is a plain decimal that reads back as the
 * very same text, else the exact string. So `60`, `127.229305` and `-3.5` become numbers, while
 * `007`, `1e5`, `-0` and `37.50` (a number cell would show `37.5`) stay as typed.
 * A plain decimal has no leading zero (`0` and `0.x` are fine), no exponent, `+` or bare `.`, and
 * at most 15 significant digits (a double's exact range), so nothing the user typed is silently
 * changed. One pass over the characters and no number printed back: this runs for every cell of a
 * CSV (a regex per cell cost a second per million rows).
 * A string is never turned into a formula (exceljs writes only `{ formula }` values as formulas),
 * so `=1+1`, `+82…`, `-cmd`, `@SUM(…)` stay inert text.
 */
export function originalCellValue(raw: string): string | number {
  const len = raw.length;
  const sign = raw.charCodeAt(0) === 45 ? 1 : 0; // a leading '-'
  let i = sign;
  const first = raw.charCodeAt(i);
  if (!(first >= 48 && first <= 57)) return raw;
  if (first === 48 && i + 1 < len && raw.charCodeAt(i + 1) !== 46) return raw; // `007`, `00`
  let significant = 0;
  let dot = false;
  for (; i < len; i++) {
    const c = raw.charCodeAt(i);
    if (c === 46) {
      if (dot || i + 1 === len) return raw; // `1.2.3`, `5.`
      dot = true;
    } else if (c >= 48 && c <= 57) {
      if (significant > 0 || c !== 48) significant++;
    } else {
      return raw;
    }
  }
  if (significant > 15) return raw;
  // An integer of at most 15 digits is exact in a double and prints back as typed (but `-0`).
  if (!dot) return significant === 0 && len > 1 ? raw : Number(raw);
  if (raw.charCodeAt(len - 1) === 48) return raw; // `37.50` would read back as `37.5`
  // A decimal of at most 15 significant digits, the last one not 0, is the shortest text of its
  // double (15 digits always round-trip), so it reads back as typed, unless it is below 1e-6,
  // which JavaScript and Excel print with an exponent (`0.0000001` as `1e-7`).
  if (first === 48) {
    let zeros = 0; // after `0.`
    while (raw.charCodeAt(sign + 2 + zeros) === 48) zeros++;
    if (zeros >= 6) return raw;
  }
  return Number(raw);
}

function clip(s: string, max: number): string {
  return Array.from(s).slice(0, max).join('').replace(/'+$/, '');
}

function sanitizeSheetName(name: string, fallback: string): string {
  let base = name.replace(/[[\]:*?/\\]/g, '_').replace(/[\u0000-\u001f]/g, '').trim().replace(/^'+|'+$/g, '').trim();
  if (base === '') base = fallback;
  if (base.toLowerCase() === 'history') base = `${base}_`;
  return base;
}

/**
 * A valid, unique worksheet name: no `[]:*?/\`, no leading or trailing apostrophe, at most 31
 * characters, not the reserved `History`, and unique (case-insensitive) among `taken`.
 */
export function toSheetName(name: string, taken: Iterable<string> = [], fallback = 'Sheet1'): string {
  return suffixedSheetName(name, '', taken, fallback);
}

/** Like toSheetName, with a suffix that always survives the 31-character clip: `긴 이름… (2)`. */
export function suffixedSheetName(name: string, suffix: string, taken: Iterable<string> = [], fallback = 'Sheet1'): string {
  const base = sanitizeSheetName(name, fallback);
  const used = new Set([...taken].map((t) => t.toLowerCase()));
  let candidate = clip(base, SHEET_NAME_MAX - suffix.length) + suffix;
  for (let i = 2; used.has(candidate.toLowerCase()); i++) {
    const extra = `${suffix} (${i})`;
    candidate = clip(base, SHEET_NAME_MAX - extra.length) + extra;
  }
  return candidate;
}

/** Display width in Excel character units: Hangul and other wide characters take two. */
function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

/**
 * Header text plus room for the filter button, within sensible bounds (at least 10: exceljs
 * leaves a width of exactly 9, its default, out of the file).
 */
function headerColumnWidth(text: string): number {
  return Math.min(50, Math.max(10, displayWidth(text) + 4));
}

const HEADER_FONT: Partial<ExcelJS.Font> = { bold: true };
const ORIGINAL_HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };
// Appended columns stand out from the user's own, so it is obvious what Geobatch added.
const APPENDED_HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
const HEADER_BORDER: Partial<ExcelJS.Borders> = { bottom: { style: 'thin', color: { argb: 'FF808080' } } };
/** Text number format, so codes typed over in Excel stay text too. */
const TEXT_FORMAT = '@';

/** Names and column titles of the extra sheets, per language. */
const EXTRA_SHEETS: Record<OutputLang, { problems: string; summary: string; problemHeader: string[] }> = {
  ko: { problems: '문제 행', summary: '요약', problemHeader: ['시트', '행', '상태', '사유', 'X', 'Y'] },
  en: { problems: 'Problems', summary: 'Summary', problemHeader: ['Sheet', 'Row', 'Status', 'Reason', 'X', 'Y'] },
};
const PROBLEM_WIDTHS = [24, 10, 12, 60, 16, 16];

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

/**
 * One frozen style object per number format. exceljs caches a style's id by object identity, so
 * sharing the object skips re-serialising the style of every cell (the writer's hottest path).
 * Frozen because exceljs would otherwise let `cell.numFmt = …` change every cell sharing it.
 */
const STYLES = new Map<string, Partial<ExcelJS.Style>>();
const NO_STYLE: Partial<ExcelJS.Style> = Object.freeze({});
function styleOf(numFmt: string | undefined): Partial<ExcelJS.Style> {
  if (!numFmt) return NO_STYLE;
  let style = STYLES.get(numFmt);
  if (!style) STYLES.set(numFmt, (style = Object.freeze({ numFmt })));
  return style;
}

type WorksheetWriter = ExcelJS.Worksheet & {
  /** The sheet's part in the zip (not in exceljs' typings); the header row has opened `<sheetData>` in it. */
  stream: Writable & { pipes?: unknown[] };
};

interface SheetState {
  kind: 'data' | 'problems' | 'summary';
  /** Name the continuation sheets are derived from. */
  base: string;
  part: number;
  header: readonly string[];
  /** Original (input) columns: data sheets only. */
  columnCount: number;
  inferNumbers: boolean;
}

/**
 * Streams the result workbook: one worksheet per input sheet (its header followed by the
 * appended columns, then one row per input row), then `문제 행` and `요약`. A data sheet that
 * outgrows Excel's row limit continues on `<name> (2)`, `(3)`, … with the header repeated.
 * Every row is committed as soon as it is written, so memory stays flat however long the input is.
 *
 * exceljs hands committed rows to the zip without backpressure: a producer that never waits
 * buffers the whole uncompressed sheet in memory. Call `await drain()` every few hundred rows.
 *
 * Usage: `addSheet` → `addRow`… (→ `addSheet` → `addRow`…) → [`addProblemsSheet` → `addProblem`…]
 * → [`addSummarySheet`] → `commit()`; `abort()` on failure.
 */
export class ResultWorkbookWriter {
  private readonly out: WriteStream;
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly sheetNames: string[] = [];
  private readonly appended: AppendedColumn[];
  private readonly maxRows: number;
  private readonly lang: OutputLang;
  private sheet: WorksheetWriter | undefined;
  private state: SheetState | undefined;
  private nextRow = 1;
  private streamError: Error | undefined;
  private readonly failed: Promise<never>;
  private done = false;
  /** Data and problem rows, rendered here and written into the open sheet's part in batches. */
  private readonly rowsXml: SheetRowsXml;

  constructor(
    readonly filename: string,
    private readonly options: ResultWorkbookOptions = {},
  ) {
    this.appended = appendedColumns(options);
    this.lang = options.lang ?? 'ko';
    this.maxRows = Math.min(EXCEL_MAX_DATA_ROWS, Math.max(1, options.maxRowsPerSheet ?? EXCEL_MAX_DATA_ROWS));
    // Our own stream (rather than exceljs' `filename` option) so a disk error is caught here
    // instead of surfacing as an unhandled 'error' event that would kill the process.
    this.out = createWriteStream(filename);
    this.failed = new Promise<never>((_, reject) =>
      this.out.on('error', (e) => {
        this.streamError = e;
        reject(e);
      }),
    );
    this.failed.catch(() => undefined);
    this.workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: this.out,
      useSharedStrings: false,
      useStyles: true,
      // Fastest deflate: about a quarter faster to write than the default level for a file ~15 % larger.
      // 256 KiB output buffers instead of 16 KiB: fewer round trips to zlib's thread for the same bytes.
      zip: { zlib: { level: 1, chunkSize: 256 * 1024 } },
    });
    this.rowsXml = new SheetRowsXml((this.workbook as unknown as { styles: ConstructorParameters<typeof SheetRowsXml>[0] }).styles);
  }

  /** Names of the sheets added so far, as written (sanitised and de-duplicated). */
  get sheets(): readonly string[] {
    return this.sheetNames;
  }

  /** Name of the sheet being written. */
  get currentSheet(): string | undefined {
    return this.sheetNames.at(-1);
  }

  /** Data rows written to the current sheet. */
  get rowsInSheet(): number {
    return Math.max(0, this.nextRow - 2);
  }

  /** Starts the next data worksheet (committing the previous one) and writes its header row. Returns the name used. */
  addSheet(name: string, header: readonly string[], options: ResultSheetOptions = {}): string {
    this.assertWritable();
    const columnCount = Math.max(header.length, options.columnCount ?? 0);
    if (columnCount + this.appended.length > EXCEL_MAX_COLUMNS) {
      throw new RangeError(`too many columns for Excel: ${columnCount} + ${this.appended.length} > ${EXCEL_MAX_COLUMNS}`);
    }
    const state: SheetState = { kind: 'data', base: name, part: 1, header, columnCount, inferNumbers: options.inferNumbers ?? true };
    return this.openSheet(state, toSheetName(name, this.sheetNames, `Sheet${this.sheetNames.length + 1}`));
  }

  /** Writes one input row followed by its result, then commits it to the stream. */
  addRow(cells: readonly CellValue[], result: RowResultV1, numFmts?: readonly (string | undefined)[]): void {
    this.assertWritable();
    const state = this.state;
    if (!this.sheet || !state) throw new Error('addRow before addSheet');
    if (state.kind !== 'data') throw new Error('addRow after the data sheets');
    const original = state.columnCount;
    if (cells.length > original && cells.slice(original).some((c) => c !== '' && c !== null && c !== undefined)) {
      throw new RangeError(`row ${this.nextRow} has ${cells.length} values but the sheet was opened with ${original} columns`);
    }
    this.continueIfFull();

    const rows = this.rowsXml;
    rows.startRow(this.nextRow++);
    let truncated = false;
    const put = (col: number, value: CellValue | undefined, numFmt?: string) => {
      if (value === undefined || value === null || value === '') return;
      if (typeof value === 'string' && value.length > EXCEL_MAX_CELL_CHARS) {
        // Excel refuses to open a workbook with a longer cell; a clipped value beats no workbook.
        value = value.slice(0, EXCEL_MAX_CELL_CHARS);
        truncated = true;
      }
      rows.cell(col, value, styleOf(numFmt));
    };

    const n = Math.min(cells.length, original);
    for (let c = 0; c < n; c++) {
      const v = cells[c];
      if (typeof v === 'string') put(c + 1, state.inferNumbers ? originalCellValue(v) : v);
      else if (v instanceof Date) put(c + 1, v, numFmts?.[c] ?? (v.getTime() % 86_400_000 === 0 ? DATE_FORMAT : DATE_TIME_FORMAT));
      else put(c + 1, v, typeof v === 'number' ? numFmts?.[c] : undefined);
    }

    const values = appendedValues(result, this.options);
    if (truncated) {
      const note = values[NOTE_COLUMN];
      values[NOTE_COLUMN] = note === undefined || note === '' ? TRUNCATED_NOTE : `${note}; ${TRUNCATED_NOTE}`;
    }
    values.forEach((v, i) => put(original + 1 + i, v, this.appended[i]?.text && v !== undefined ? TEXT_FORMAT : undefined));
    this.endRow();
  }

  /** Starts the `문제 행` sheet (`Problems` in English), after every data sheet. */
  addProblemsSheet(): string {
    this.assertWritable();
    const names = EXTRA_SHEETS[this.lang];
    const state: SheetState = { kind: 'problems', base: names.problems, part: 1, header: names.problemHeader, columnCount: 0, inferNumbers: false };
    return this.openSheet(state, toSheetName(names.problems, this.sheetNames));
  }

  /** One row of `문제 행`: input sheet, input row number, status, reason and the raw coordinates. */
  addProblem(problem: ProblemRow): void {
    this.assertWritable();
    if (!this.sheet || this.state?.kind !== 'problems') throw new Error('addProblem before addProblemsSheet');
    this.continueIfFull();
    const rows = this.rowsXml;
    rows.startRow(this.nextRow++);
    const values: PlainCellValue[] = [problem.sheet, problem.row, problem.status, problem.reason, problem.x ?? '', problem.y ?? ''];
    values.forEach((v, i) => {
      if (v === '') return;
      // Raw coordinates are shown exactly as read, so a `37.50` or `=1` stays what it was.
      rows.cell(i + 1, typeof v === 'string' && v.length > EXCEL_MAX_CELL_CHARS ? v.slice(0, EXCEL_MAX_CELL_CHARS) : v, styleOf(i >= 4 ? TEXT_FORMAT : undefined));
    });
    this.endRow();
  }

  /** Writes the `요약` sheet (`Summary`): totals, counts by status and by 시도 / 시군구, datasets and options. */
  addSummarySheet(summary: ResultSummary): string {
    this.assertWritable();
    const en = this.lang === 'en';
    const names = EXTRA_SHEETS[this.lang];
    this.commitSheet();
    const sheetName = toSheetName(names.summary, this.sheetNames);
    this.sheetNames.push(sheetName);
    const sheet = this.workbook.addWorksheet(sheetName) as WorksheetWriter;
    [22, 40, 12, 12, 12, 12].forEach((w, i) => (sheet.getColumn(i + 1).width = w));
    this.sheet = sheet;
    this.state = { kind: 'summary', base: names.summary, part: 1, header: [], columnCount: 0, inferNumbers: false };
    this.nextRow = 1;

    const line = (values: CellValue[], style: 'title' | 'head' | 'plain' = 'plain', textColumns: number[] = []) => {
      const row = sheet.getRow(this.nextRow++);
      values.forEach((v, i) => {
        const cell = row.getCell(i + 1);
        if (v !== null && v !== '') cell.value = typeof v === 'string' ? v.slice(0, EXCEL_MAX_CELL_CHARS) : v;
        if (textColumns.includes(i)) cell.numFmt = TEXT_FORMAT;
        if (style !== 'plain') cell.font = HEADER_FONT;
        if (style === 'head') {
          cell.fill = ORIGINAL_HEADER_FILL;
          cell.border = HEADER_BORDER;
        }
      });
      row.commit();
    };
    const gap = () => void this.nextRow++;

    line([en ? 'Geobatch summary' : 'Geobatch 주소 변환 요약'], 'title');
    gap();
    line([en ? 'Item' : '항목', en ? 'Value' : '값'], 'head');
    line([en ? 'File' : '파일', summary.fileName]);
    line([en ? 'Job' : '작업 ID', summary.jobId]);
    line([en ? 'Datasets' : '데이터셋', summary.datasets.join(', ')]);
    for (const facts of summary.datasetFacts ?? []) {
      for (const [what, value] of datasetFactLines(facts, this.lang)) line([`${en ? 'Dataset' : '데이터셋'} ${facts.label} ${what}`, value]);
    }
    for (const [label, value] of summary.options) line([`${en ? 'Option' : '옵션'} ${label}`, value]);
    gap();
    line([en ? 'Rows' : '구분', en ? 'Rows' : '행 수'], 'head');
    line([en ? 'Total' : '전체', summary.total]);
    line(['OK', summary.ok]);
    line([en ? 'Problems' : '문제', summary.problems]);
    line([en ? 'Blank' : '빈 행', summary.blank]);
    gap();
    line([en ? 'Status' : '상태', en ? 'Rows' : '행 수'], 'head');
    for (const [status, count] of summary.byStatus) line([status, count]);
    gap();
    line(
      en ? ['Sheet', 'Output sheets', 'Total', 'OK', 'Problems', 'Blank'] : ['시트', '출력 시트', '전체', 'OK', '문제', '빈 행'],
      'head',
    );
    for (const s of summary.sheets) line([s.name, s.outputSheets.join(', '), s.total, s.ok, s.problems, s.blank], 'plain', [0]);
    gap();
    line(en ? ['SidoCode', 'Sido', 'Rows'] : ['시도코드', '시도', '행 수'], 'head');
    for (const a of summary.bySido) line([a.code, a.name, a.count], 'plain', [0]);
    gap();
    line(en ? ['SigunguCode', 'Sigungu', 'Rows'] : ['시군구코드', '시군구', '행 수'], 'head');
    for (const a of summary.bySigungu) line([a.code, a.name, a.count], 'plain', [0]);
    // Jobs with a date column: rows per answering version of each dataset's series.
    if (summary.byVersion && summary.byVersion.length > 0) {
      gap();
      line(en ? ['Dataset', 'BoundaryVersion', 'Rows'] : ['데이터셋', '경계 버전', '행 수'], 'head');
      for (const v of summary.byVersion) line([summary.datasets[v.group] ?? String(v.group + 1), v.version, v.count], 'plain', [1]);
    }
    return sheetName;
  }

  /**
   * Waits while the zip pipeline holds more than its buffer's worth of this sheet's XML, so
   * memory stays flat. Cheap when nothing is pending: call it every few hundred rows.
   */
  async drain(): Promise<void> {
    if (this.streamError) throw this.streamError;
    this.flushRows();
    // exceljs pipes the sheet's StreamBuf into archiver's PassThrough, ignoring write()'s result;
    // that PassThrough still tracks its own backlog, which is the signal to wait on.
    const dest = this.sheet?.stream.pipes?.[0] as (Writable & { _writableState?: { needDrain?: boolean } }) | undefined;
    // archiver's PassThrough comes from readable-stream v2, which has no `writableNeedDrain` getter.
    const needDrain = dest?.writableNeedDrain ?? dest?._writableState?.needDrain;
    if (!dest || needDrain !== true) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS)));
    try {
      await Promise.race([once(dest, 'drain'), timeout, this.failed]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Finishes the workbook; resolves once the file is completely written and closed. */
  async commit(): Promise<void> {
    this.assertWritable();
    if (!this.sheet) throw new Error('commit before addSheet: a workbook needs at least one sheet');
    this.done = true;
    this.commitSheet();
    await Promise.race([this.workbook.commit(), this.failed]);
  }

  /** Stops writing and closes the file, leaving a partial file for the caller to delete. */
  async abort(): Promise<void> {
    this.done = true;
    // Stop the zip queue too, so nothing keeps writing into the closed file.
    (this.workbook as unknown as { zip?: { abort?: () => void } }).zip?.abort?.();
    if (this.out.closed || this.out.destroyed) return;
    await new Promise<void>((resolve) => {
      this.out.once('close', () => resolve());
      this.out.destroy();
    });
  }

  /** Opens a sheet for `state` under `sheetName`: widths, frozen styled header, autofilter. */
  private openSheet(state: SheetState, sheetName: string): string {
    this.commitSheet();
    this.sheetNames.push(sheetName);
    const data = state.kind === 'data';
    const titles = data ? [...Array.from({ length: state.columnCount }, (_, c) => state.header[c] ?? ''), ...this.appended.map((a) => a.title)] : [...state.header];
    const sheet = this.workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] }) as WorksheetWriter;
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: titles.length } };
    // Column widths must be set before the first row is committed: they are written ahead of the rows.
    titles.forEach((title, c) => {
      const width = data
        ? c < state.columnCount
          ? headerColumnWidth(title)
          : this.appended[c - state.columnCount].width
        : (PROBLEM_WIDTHS[c] ?? headerColumnWidth(title));
      sheet.getColumn(c + 1).width = width;
    });

    const row = sheet.getRow(1);
    titles.forEach((text, c) => {
      const cell = row.getCell(c + 1);
      // The header is copied as text even when it looks like a number: it is a label.
      if (text !== '') cell.value = text;
      cell.font = HEADER_FONT;
      cell.fill = data && c >= state.columnCount ? APPENDED_HEADER_FILL : ORIGINAL_HEADER_FILL;
      cell.border = HEADER_BORDER;
    });
    row.commit();

    this.sheet = sheet;
    this.state = state;
    this.nextRow = 2;
    return sheetName;
  }

  /** Past the row limit, the rows of the current sheet continue on `<name> (n)`, header repeated. */
  private continueIfFull(): void {
    const state = this.state!;
    if (this.rowsInSheet < this.maxRows) return;
    const part = state.part + 1;
    this.openSheet({ ...state, part }, suffixedSheetName(state.base, ` (${part})`, this.sheetNames, `Sheet${this.sheetNames.length + 1}`));
  }

  /** Ends the row being rendered, handing the batch to the sheet once it is large enough. */
  private endRow(): void {
    this.rowsXml.endRow();
    if (this.rowsXml.full) this.flushRows();
  }

  /** Writes the rendered rows into the open sheet, after its header row (which opened `<sheetData>`). */
  private flushRows(): void {
    if (this.rowsXml.pending) for (const xml of this.rowsXml.take()) this.sheet!.stream.write(xml);
  }

  /** Finishes the open sheet, its rendered rows first. */
  private commitSheet(): void {
    if (!this.sheet) return;
    this.flushRows();
    this.sheet.commit();
  }

  private assertWritable(): void {
    if (this.streamError) throw this.streamError;
    if (this.done) throw new Error('the workbook was already committed or aborted');
  }
}
