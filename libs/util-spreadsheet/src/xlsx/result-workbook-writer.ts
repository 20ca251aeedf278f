import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { OutputLang, RowResultV1 } from '@geobatch/contracts';
import { appendedColumns, appendedValues, NOTE_COLUMN, type AppendedColumn } from '../result/result-columns';
import type { ResultSummary } from '../result/result-summary';
import type { CellValue } from '../tabular/cell-value';
import { suffixedSheetName, toSheetName } from '../upload/sheet-names';
import { EXCEL_MAX_CELL_CHARS, EXCEL_MAX_COLUMNS, EXCEL_MAX_DATA_ROWS } from './excel-limits';
import { renderOriginalCells, writeRowsAbove } from './result-original-cells';
import type { ProblemRow, ResultSheetOptions, ResultWorkbookOptions, RowsAbove } from './result-sheet-options';
import { EXTRA_SHEETS, headerColumnWidth, PROBLEM_WIDTHS, styleOf, TEXT_FORMAT, writeHeaderRow } from './result-workbook-styles';
import { SheetRowsXml, type PlainCellValue } from './sheet-rows-xml';
import { writeSummaryRows } from './summary-sheet';
import { writeTotalRowsBlock, type TotalRowRef } from './summary-total-rows';

/** Longest a `drain()` waits for the zip pipeline before carrying on (a stall must not hang a merge). */
const DRAIN_TIMEOUT_MS = 30_000;

const TRUNCATED_NOTE = '셀 내용이 엑셀 한도(32767자)를 넘어 잘렸습니다 (cell truncated to 32767 characters)';

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
  /** Data sheets: the input's rows above its header, written above the header of the sheet's first part. */
  above?: RowsAbove;
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
  /** Row of the open sheet's header (below a copied title block, else 1). */
  private headerAt = 1;
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
    return Math.max(0, this.nextRow - this.headerAt - 1);
  }

  /** Starts the next data worksheet (committing the previous one) and writes its header row. Returns the name used. */
  addSheet(name: string, header: readonly string[], options: ResultSheetOptions = {}): string {
    this.assertWritable();
    const columnCount = Math.max(header.length, options.columnCount ?? 0);
    if (columnCount + this.appended.length > EXCEL_MAX_COLUMNS) {
      throw new RangeError(`too many columns for Excel: ${columnCount} + ${this.appended.length} > ${EXCEL_MAX_COLUMNS}`);
    }
    const above = options.above && options.above.rows.length > 0 ? options.above : undefined;
    const state: SheetState = { kind: 'data', base: name, part: 1, header, columnCount, inferNumbers: options.inferNumbers ?? true, above };
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
    this.rowsXml.startRow(this.nextRow++);
    const truncated = renderOriginalCells(this.rowsXml, cells, numFmts, state);
    const put = (col: number, v: string | number | undefined, fmt?: string) =>
      v !== undefined && v !== '' && this.rowsXml.cell(col, typeof v === 'string' ? v.slice(0, EXCEL_MAX_CELL_CHARS) : v, styleOf(fmt));
    const values = appendedValues(result, this.options);
    if (truncated) {
      const note = values[NOTE_COLUMN];
      values[NOTE_COLUMN] = note === undefined || note === '' ? TRUNCATED_NOTE : `${note}; ${TRUNCATED_NOTE}`;
    }
    values.forEach((v, i) => put(original + 1 + i, v, this.appended[i]?.text && v !== undefined ? TEXT_FORMAT : undefined));
    this.endRow();
  }

  /** Writes an input row as it is, without appended values or status (a 합계 row). */
  addUnchangedRow(cells: readonly CellValue[], numFmts?: readonly (string | undefined)[]): void {
    this.assertWritable();
    const state = this.state;
    if (!this.sheet || state?.kind !== 'data') throw new Error('addUnchangedRow outside a data sheet');
    this.continueIfFull();
    this.rowsXml.startRow(this.nextRow++);
    renderOriginalCells(this.rowsXml, cells, numFmts, state);
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
  addSummarySheet(summary: ResultSummary, totalRows: readonly TotalRowRef[] = []): string {
    this.assertWritable();
    const names = EXTRA_SHEETS[this.lang];
    this.commitSheet();
    const sheetName = toSheetName(names.summary, this.sheetNames);
    this.sheetNames.push(sheetName);
    const sheet = this.workbook.addWorksheet(sheetName) as WorksheetWriter;
    this.sheet = sheet;
    this.state = { kind: 'summary', base: names.summary, part: 1, header: [], columnCount: 0, inferNumbers: false };
    this.nextRow = writeTotalRowsBlock(sheet, writeSummaryRows(sheet, summary, this.lang), totalRows, this.lang);
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
    // Only a data sheet's first part carries the title block.
    const above = data && state.part === 1 ? state.above : undefined;
    const headerAt = above ? above.headerRow : 1;
    const sheet = this.workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: headerAt }] }) as WorksheetWriter;
    sheet.autoFilter = { from: { row: headerAt, column: 1 }, to: { row: headerAt, column: titles.length } };
    const appendedFrom = data ? state.columnCount : titles.length;
    const widthOf = (title: string, c: number) =>
      data ? (c < state.columnCount ? headerColumnWidth(title) : this.appended[c - state.columnCount].width) : (PROBLEM_WIDTHS[c] ?? headerColumnWidth(title));
    if (above) {
      // Widths go out with the first committed row: set them before the title block.
      titles.forEach((title, c) => (sheet.getColumn(c + 1).width = widthOf(title, c)));
      writeRowsAbove(sheet, above, state);
    }
    writeHeaderRow(sheet, titles, widthOf, appendedFrom, headerAt);

    this.sheet = sheet;
    this.state = state;
    this.headerAt = headerAt;
    this.nextRow = headerAt + 1;
    return sheetName;
  }

  /** Past the row limit, the rows of the current sheet continue on `<name> (n)`, header repeated. */
  private continueIfFull(): void {
    const state = this.state!;
    if (this.rowsInSheet < Math.min(this.maxRows, EXCEL_MAX_DATA_ROWS + 1 - this.headerAt)) return;
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
