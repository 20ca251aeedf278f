import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { APPENDED_COLUMNS, type AreaV1, type MatchV1, type RowResultV1 } from '@geobatch/contracts';

/** Excel's hard limits: a sheet holds at most this many rows and columns, a cell this many characters. */
export const EXCEL_MAX_ROWS = 1_048_576;
export const EXCEL_MAX_COLUMNS = 16_384;
export const EXCEL_MAX_CELL_CHARS = 32_767;
const SHEET_NAME_MAX = 31;

/** Longest a `drain()` waits for the zip pipeline before carrying on (a stall must not hang a merge). */
const DRAIN_TIMEOUT_MS = 30_000;

const TRUNCATED_NOTE = '셀 내용이 엑셀 한도(32767자)를 넘어 잘렸습니다 (cell truncated to 32767 characters)';

/**
 * A plain decimal without a leading zero (`0` and `0.x` are fine). Codes such as `007` or `0101`,
 * exponents, `+5`, `.5` and anything with more than 15 significant digits (beyond a double's
 * exact range) stay text, so nothing the user typed is silently changed.
 */
const PLAIN_DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

function significantDigits(text: string): number {
  return text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').length;
}

/**
 * How an input value is written: a number when it is a plain decimal that reads back as the
 * very same text, else the exact string. So `60`, `127.229305` and `-3.5` become numbers, while
 * `007`, `1e5`, `-0` and `37.50` (a number cell would show `37.5`) stay as typed.
 * A string is never turned into a formula (exceljs writes only `{ formula }` values as formulas),
 * so `=1+1`, `+82…`, `-cmd`, `@SUM(…)` stay inert text.
 */
export function originalCellValue(raw: string): string | number {
  if (PLAIN_DECIMAL.test(raw) && significantDigits(raw) <= 15) {
    const value = Number(raw);
    if (String(value) === raw) return value;
  }
  return raw;
}

/**
 * A valid, unique worksheet name: no `[]:*?/\`, no leading or trailing apostrophe, at most 31
 * characters, not the reserved `History`, and unique (case-insensitive) among `taken`.
 */
export function toSheetName(name: string, taken: Iterable<string> = [], fallback = 'Sheet1'): string {
  let base = name.replace(/[[\]:*?/\\]/g, '_').replace(/[\u0000-\u001f]/g, '').trim().replace(/^'+|'+$/g, '').trim();
  if (base === '') base = fallback;
  if (base.toLowerCase() === 'history') base = `${base}_`;
  const used = new Set([...taken].map((t) => t.toLowerCase()));
  const clip = (s: string, max: number) => Array.from(s).slice(0, max).join('').replace(/'+$/, '');
  let candidate = clip(base, SHEET_NAME_MAX);
  for (let i = 2; used.has(candidate.toLowerCase()); i++) {
    const suffix = ` (${i})`;
    candidate = clip(base, SHEET_NAME_MAX - suffix.length) + suffix;
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

/** Appended columns get widths that fit their typical content, not just their short headers. */
const APPENDED_WIDTHS: Record<(typeof APPENDED_COLUMNS)[number], number> = {
  시도: 14,
  시군구: 14,
  읍면동: 12,
  리: 10,
  주소: 40,
  시도코드: 10,
  시군구코드: 12,
  읍면동코드: 14,
  리코드: 14,
  상태: 11,
  비고: 40,
};

const HEADER_FONT: Partial<ExcelJS.Font> = { bold: true };
const ORIGINAL_HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };
// Appended columns stand out from the user's own, so it is obvious what Geobatch added.
const APPENDED_HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
const HEADER_BORDER: Partial<ExcelJS.Borders> = { bottom: { style: 'thin', color: { argb: 'FF808080' } } };
/** Text number format, so codes typed over in Excel stay text too. */
const TEXT_FORMAT = '@';

export interface ResultSheetOptions {
  /**
   * Number of original columns; the appended columns start after it. Defaults to the header's
   * length. Pass more when some rows are wider than the header so no value is overwritten.
   */
  columnCount?: number;
}

type WorksheetWriter = ReturnType<ExcelJS.stream.xlsx.WorkbookWriter['addWorksheet']>;

/**
 * Streams the result workbook: one worksheet per input sheet, the input header followed by
 * APPENDED_COLUMNS, then one row per input row. Every row is committed as soon as it is
 * written, so memory stays flat however long the input is.
 *
 * exceljs hands committed rows to the zip without backpressure: a producer that never waits
 * buffers the whole uncompressed sheet in memory. Call `await drain()` every few hundred rows.
 *
 * Usage: `addSheet` → `addRow`… (→ `addSheet` → `addRow`…) → `commit()`; `abort()` on failure.
 */
export class ResultWorkbookWriter {
  private readonly out: WriteStream;
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly sheetNames: string[] = [];
  private sheet: WorksheetWriter | undefined;
  private originalColumns = 0;
  private nextRow = 1;
  private streamError: Error | undefined;
  private readonly failed: Promise<never>;
  private done = false;

  constructor(readonly filename: string) {
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
    this.workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: this.out, useSharedStrings: false, useStyles: true });
  }

  /** Names of the sheets added so far, as written (sanitised and de-duplicated). */
  get sheets(): readonly string[] {
    return this.sheetNames;
  }

  /** Data rows written to the current sheet. */
  get rowsInSheet(): number {
    return Math.max(0, this.nextRow - 2);
  }

  /** Starts the next worksheet (committing the previous one) and writes its header row. Returns the name used. */
  addSheet(name: string, header: readonly string[], options: ResultSheetOptions = {}): string {
    this.assertWritable();
    const columnCount = Math.max(header.length, options.columnCount ?? 0);
    if (columnCount + APPENDED_COLUMNS.length > EXCEL_MAX_COLUMNS) {
      throw new RangeError(`too many columns for Excel: ${columnCount} + ${APPENDED_COLUMNS.length} > ${EXCEL_MAX_COLUMNS}`);
    }
    this.sheet?.commit();

    const sheetName = toSheetName(name, this.sheetNames, `Sheet${this.sheetNames.length + 1}`);
    this.sheetNames.push(sheetName);
    const total = columnCount + APPENDED_COLUMNS.length;
    const sheet = this.workbook.addWorksheet(sheetName, {
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: total } };
    // Column widths must be set before the first row is committed: they are written ahead of the rows.
    for (let c = 0; c < columnCount; c++) sheet.getColumn(c + 1).width = headerColumnWidth(header[c] ?? '');
    APPENDED_COLUMNS.forEach((title, i) => (sheet.getColumn(columnCount + i + 1).width = APPENDED_WIDTHS[title]));

    const row = sheet.getRow(1);
    for (let c = 0; c < total; c++) {
      const appended = c >= columnCount;
      const cell = row.getCell(c + 1);
      // The header is copied as text even when it looks like a number: it is a label.
      const text = appended ? APPENDED_COLUMNS[c - columnCount] : (header[c] ?? '');
      if (text !== '') cell.value = text;
      cell.font = HEADER_FONT;
      cell.fill = appended ? APPENDED_HEADER_FILL : ORIGINAL_HEADER_FILL;
      cell.border = HEADER_BORDER;
    }
    row.commit();

    this.sheet = sheet;
    this.originalColumns = columnCount;
    this.nextRow = 2;
    return sheetName;
  }

  /** Writes one input row followed by its result, then commits it to the stream. */
  addRow(cells: readonly string[], result: RowResultV1): void {
    this.assertWritable();
    const sheet = this.sheet;
    if (!sheet) throw new Error('addRow before addSheet');
    if (this.nextRow > EXCEL_MAX_ROWS) throw new RangeError(`sheet "${this.sheetNames.at(-1)}" exceeds Excel's ${EXCEL_MAX_ROWS} rows`);
    if (cells.length > this.originalColumns && cells.slice(this.originalColumns).some((c) => c !== '')) {
      throw new RangeError(
        `row ${this.nextRow} has ${cells.length} values but the sheet was opened with ${this.originalColumns} columns`,
      );
    }

    const row = sheet.getRow(this.nextRow++);
    let truncated = false;
    const put = (col: number, value: string | number | undefined, text = false) => {
      if (value === undefined || value === '') return;
      const cell = row.getCell(col);
      if (typeof value === 'string' && value.length > EXCEL_MAX_CELL_CHARS) {
        // Excel refuses to open a workbook with a longer cell; a clipped value beats no workbook.
        value = value.slice(0, EXCEL_MAX_CELL_CHARS);
        truncated = true;
      }
      cell.value = value;
      if (text) cell.numFmt = TEXT_FORMAT;
    };

    const original = Math.min(cells.length, this.originalColumns);
    for (let c = 0; c < original; c++) put(c + 1, originalCellValue(cells[c]));

    const match: MatchV1 | undefined = result.matches[0];
    const areas: (AreaV1 | undefined)[] = [match?.sido, match?.sigungu, match?.eupmyeondong, match?.ri];
    const base = this.originalColumns;
    areas.forEach((a, i) => put(base + 1 + i, a?.name));
    put(base + 5, areas.map((a) => a?.name ?? '').filter((n) => n !== '').join(' '));
    // Codes are identifiers ("1111010100"), never numbers: always text cells.
    areas.forEach((a, i) => put(base + 6 + i, a?.code, true));
    put(base + 10, match?.status);
    const note = [match?.note ?? '', truncated ? TRUNCATED_NOTE : ''].filter((s) => s !== '').join('; ');
    put(base + 11, note);
    row.commit();
  }

  /**
   * Waits while the zip pipeline holds more than its buffer's worth of this sheet's XML, so
   * memory stays flat. Cheap when nothing is pending: call it every few hundred rows.
   */
  async drain(): Promise<void> {
    if (this.streamError) throw this.streamError;
    // exceljs pipes the sheet's StreamBuf into archiver's PassThrough, ignoring write()'s result;
    // that PassThrough still tracks its own backlog, which is the signal to wait on.
    const internal = this.sheet as unknown as { stream?: { pipes?: unknown[] } } | undefined;
    const dest = internal?.stream?.pipes?.[0] as (Writable & { _writableState?: { needDrain?: boolean } }) | undefined;
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
    this.sheet.commit();
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

  private assertWritable(): void {
    if (this.streamError) throw this.streamError;
    if (this.done) throw new Error('the workbook was already committed or aborted');
  }
}
