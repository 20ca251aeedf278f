import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { stringify, type Stringifier } from 'csv-stringify';
import type { RowResultV1 } from '@geobatch/contracts';
import { appendedColumns, appendedValues, type ResultColumnsOptions } from '../result/result-columns';
import { cellText, type CellValue } from '../tabular/cell-value';
import type { ResultSheetOptions } from '../xlsx/result-sheet-options';

/**
 * Streams the result as one CSV (job option `format=csv`): UTF-8 with a BOM so Excel reads the
 * Korean text, CRLF line ends, the input header followed by the appended columns, every field
 * quoted when it holds a comma, quote or line break. Rows above the input's header (a title block)
 * come first, as they were; 합계 rows are written as they were, without the appended values. Values are written exactly as read (an
 * XLSX date as `2024-01-31`, a number in its shortest exact form).
 *
 * A CSV holds one table: one `addSheet`, then `addRow`… → `commit()`; `abort()` on failure.
 */
export class ResultCsvWriter {
  private readonly out: WriteStream;
  private readonly csv: Stringifier;
  private columnCount = 0;
  private opened = false;
  private done = false;
  private error: Error | undefined;
  private readonly failed: Promise<never>;

  constructor(
    readonly filename: string,
    private readonly options: ResultColumnsOptions = {},
  ) {
    this.out = createWriteStream(filename);
    this.csv = stringify({ bom: true, record_delimiter: 'windows', quoted_match: /^\s|\s$/ });
    this.failed = new Promise<never>((_, reject) => {
      const fail = (e: Error) => {
        this.error ??= e;
        reject(e);
      };
      this.out.on('error', fail);
      this.csv.on('error', fail);
    });
    this.failed.catch(() => undefined);
    this.csv.pipe(this.out);
  }

  get sheets(): readonly string[] {
    return this.opened ? ['csv'] : [];
  }

  addSheet(name: string, header: readonly string[], options: ResultSheetOptions = {}): string {
    this.assertWritable();
    if (this.opened) throw new Error('a CSV result holds one sheet: choose one input sheet for format=csv');
    this.opened = true;
    this.columnCount = Math.max(header.length, options.columnCount ?? 0);
    const above = options.above && options.above.rows.length > 0 ? options.above : undefined;
    if (above) {
      // The title block keeps its line numbers: an empty record for each empty row above the header.
      const byRow = new Map(above.rows.map((r) => [r.row, r.cells]));
      for (let r = 1; r < above.headerRow; r++) this.csv.write((byRow.get(r) ?? ['']).map((c) => cellText(c)));
    }
    const titles = Array.from({ length: this.columnCount }, (_, c) => header[c] ?? '');
    this.csv.write([...titles, ...appendedColumns(this.options).map((c) => c.title)]);
    return name;
  }

  /** Writes an input row as it is, without appended values (a 합계 row). */
  addUnchangedRow(cells: readonly CellValue[]): void {
    this.assertWritable();
    if (!this.opened) throw new Error('addUnchangedRow before addSheet');
    this.csv.write(Array.from({ length: this.columnCount }, (_, c) => cellText(cells[c] ?? null)));
  }

  addRow(cells: readonly CellValue[], result: RowResultV1): void {
    this.assertWritable();
    if (!this.opened) throw new Error('addRow before addSheet');
    if (cells.length > this.columnCount && cells.slice(this.columnCount).some((c) => c !== '' && c !== null)) {
      throw new RangeError(`a row has ${cells.length} values but the sheet was opened with ${this.columnCount} columns`);
    }
    const original = Array.from({ length: this.columnCount }, (_, c) => cellText(cells[c] ?? null));
    const appended = appendedValues(result, this.options).map((v) => (v === undefined ? '' : String(v)));
    this.csv.write([...original, ...appended]);
  }

  /** Waits while the file stream is behind; call it every few hundred rows. */
  async drain(): Promise<void> {
    if (this.error) throw this.error;
    if (!this.csv.writableNeedDrain) return;
    await Promise.race([once(this.csv, 'drain'), this.failed]);
  }

  async commit(): Promise<void> {
    this.assertWritable();
    if (!this.opened) throw new Error('commit before addSheet');
    this.done = true;
    const closed = once(this.out, 'close');
    this.csv.end();
    await Promise.race([closed, this.failed]);
  }

  async abort(): Promise<void> {
    this.done = true;
    this.csv.unpipe(this.out);
    this.csv.destroy();
    if (this.out.closed || this.out.destroyed) return;
    await new Promise<void>((resolve) => {
      this.out.once('close', () => resolve());
      this.out.destroy();
    });
  }

  private assertWritable(): void {
    if (this.error) throw this.error;
    if (this.done) throw new Error('the CSV was already committed or aborted');
  }
}
