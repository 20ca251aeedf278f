import { unpackChunkResult, type ChunkResultEventV2, type RowResultV1 } from '@geobatch/contracts';
import type { JobEntity } from '@geobatch/job-store';
import type { PlannedSheet, TabularFile, TabularRow, TabularSheet } from '@geobatch/util-spreadsheet';
import { MergeDataError } from './result-alignment';
import { ResultOutput } from './result-output';
import { rowsAbove } from './workbook-writer';

/** Rows kept in memory for chunks that arrived ahead of their turn; later ones are read back from the database. */
export const MAX_PENDING_ROWS = 200_000;

/** Reads a stored chunk's rows back (null: not stored yet). */
export type ChunkFetcher = (sheet: number, chunk: number) => Promise<RowResultV1[] | null>;

/** A written sheet as `요약` lists its options. */
export interface SummarySheet {
  name: string;
  header: readonly string[];
  columns: { x: number; y: number };
}

/** The published totals a finished progressive merge is checked against. */
interface SealedSheet {
  sheet: number;
  rows: number;
  chunks: number;
  blankRows: number;
}

/** A sheet's data rows (and 합계 rows, in their place) one at a time, blank ones counted and skipped, with one row of look-ahead. */
class RowCursor {
  private readonly it: AsyncIterator<TabularRow>;
  private ahead: TabularRow | null | undefined;
  blankRows = 0;
  dataRows = 0;

  constructor(sheet: TabularSheet) {
    this.it = sheet.rows()[Symbol.asyncIterator]();
  }

  /** The next data row without taking it; null at the end of the sheet. */
  async peek(): Promise<TabularRow | null> {
    while (this.ahead === undefined) {
      const next = await this.it.next();
      if (next.done) this.ahead = null;
      else if (next.value.total) {
        // Counted blank as the seal counts it, and handed on to be written back.
        this.blankRows++;
        this.ahead = next.value;
      } else if (next.value.blank) this.blankRows++;
      else this.ahead = next.value;
    }
    return this.ahead;
  }

  async take(): Promise<TabularRow | null> {
    const row = await this.peek();
    if (row) {
      this.ahead = undefined;
      if (!row.total) this.dataRows++;
    }
    return row;
  }

  /** Takes the 합계 rows next in line, so the next row is a data row (or the end). */
  async takeTotals(): Promise<TabularRow[]> {
    const out: TabularRow[] = [];
    while ((await this.peek())?.total) out.push((await this.take())!);
    return out;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/**
 * Writes a job's result while its chunks are still arriving: rows go out in input order as soon
 * as the next chunk in order is there, so when the last chunk lands only the tail, `문제 행` and
 * `요약` are left to write. The sheets and x/y columns come from the plan made when the job was
 * accepted; the output's width is the header's (a row wider than its header makes the writer
 * refuse it, and the caller falls back to the full merge, which sizes sheets by a first pass).
 * Anything unexpected is thrown; the caller then discards this and merges from the database.
 */
export class ProgressiveMerge {
  private readonly pending = new Map<string, ChunkResultEventV2>();
  private pendingRows = 0;
  private sheetIndex = 0;
  private cursor: RowCursor | undefined;
  private chunk = 0;
  private readonly written: { sheet: number; rows: number; chunks: number; blankRows: number }[] = [];
  private readonly summarySheets: SummarySheet[] = [];
  private work: Promise<boolean> = Promise.resolve(false);
  private finished = false;
  /** Set once something went wrong; the merge is then useless and is discarded by the owner. */
  failure: Error | undefined;

  private constructor(
    readonly job: JobEntity,
    private readonly file: TabularFile,
    private readonly plan: readonly PlannedSheet[],
    private readonly output: ResultOutput,
  ) {}

  /** Null when the plan has no sheet (nothing to write ahead: the full merge says why). */
  static async open(
    job: JobEntity,
    file: TabularFile,
    storageDir: string,
    maxRowsPerSheet: number,
  ): Promise<ProgressiveMerge | null> {
    const plan = job.options.upload.sheets;
    if (plan.length === 0) return null;
    const output = await ResultOutput.open(storageDir, job, maxRowsPerSheet);
    return new ProgressiveMerge(job, file, plan, output);
  }

  get rows(): number {
    return this.output.rows;
  }

  /** Keeps a chunk that arrived, until its turn (beyond MAX_PENDING_ROWS it is read back from the database then). */
  offer(event: ChunkResultEventV2): void {
    const key = `${event.sheet}:${event.chunk}`;
    if (this.pending.has(key) || this.pendingRows + event.n.length > MAX_PENDING_ROWS) return;
    this.pending.set(key, event);
    this.pendingRows += event.n.length;
  }

  /** Writes as far as the chunks at hand allow. Resolves true once every planned sheet is written. Calls run one after another. */
  advance(fetch: ChunkFetcher, tick?: () => Promise<void>): Promise<boolean> {
    this.work = this.work.then(async () => {
      if (this.failure || this.finished) return this.finished;
      try {
        this.finished = await this.write(fetch, tick);
      } catch (e) {
        this.failure = e instanceof Error ? e : new Error(String(e));
      }
      return this.finished;
    });
    return this.work;
  }

  /**
   * Finishes the file once the job is sealed: every chunk is written (fetching what is missing),
   * the counts match what was published, then `문제 행`, `요약`, and the rename into place.
   */
  async complete(
    fetch: ChunkFetcher,
    sealed: SealedSheet[],
    summaryOptions: (sheets: SummarySheet[]) => [string, string][],
    tick?: () => Promise<void>,
  ): Promise<{ rows: number; resultPath: string }> {
    const done = await this.advance(fetch, tick);
    if (this.failure) throw this.failure;
    if (!done) throw new MergeDataError('a stored chunk is missing');
    const expected = [...sealed].sort((a, b) => a.sheet - b.sheet);
    const mismatch =
      expected.length !== this.written.length ||
      expected.some((s, i) => {
        const w = this.written[i];
        return w.sheet !== s.sheet || w.rows !== s.rows || w.chunks !== s.chunks || w.blankRows !== s.blankRows;
      });
    if (mismatch) {
      throw new MergeDataError(`the sheets written (${JSON.stringify(this.written)}) differ from the ones published (${JSON.stringify(expected)})`);
    }
    const resultPath = await this.output.commit(summaryOptions(this.summarySheets), tick);
    return { rows: this.output.rows, resultPath };
  }

  async discard(): Promise<void> {
    this.finished = true;
    await this.work.catch(() => undefined);
    await this.cursor?.close().catch(() => undefined);
    await this.output.abort();
  }

  private async write(fetch: ChunkFetcher, tick?: () => Promise<void>): Promise<boolean> {
    while (this.sheetIndex < this.plan.length) {
      const columns = this.plan[this.sheetIndex];
      if (!this.cursor) {
        const sheet = this.file.sheets.find((s) => s.index === columns.sheet);
        if (!sheet) throw new MergeDataError(`the upload has no sheet ${columns.sheet + 1}`);
        const xy = { x: columns.x, y: columns.y };
        const above = await rowsAbove(sheet);
        // A title block wider than the header needs the full merge's first pass to size the sheet.
        if (above?.rows.some((r) => r.cells.slice(sheet.header.length).some((c) => c !== '' && c !== null))) {
          throw new RangeError(`sheet ${columns.sheet}: a row above the header is wider than the header`);
        }
        this.output.startSheet({ name: columns.output, header: sheet.header, columnCount: sheet.header.length, inferNumbers: this.file.kind === 'csv', columns: xy, above });
        this.summarySheets.push({ name: columns.name || sheet.name, header: sheet.header, columns: xy });
        this.cursor = new RowCursor(sheet);
        this.chunk = 0;
      }
      const cursor = this.cursor;
      for (const total of await cursor.takeTotals()) this.output.addTotalRow(total);
      if ((await cursor.peek()) === null) {
        this.output.addBlank(cursor.blankRows);
        this.written.push({ sheet: columns.sheet, rows: cursor.dataRows, chunks: this.chunk, blankRows: cursor.blankRows });
        this.cursor = undefined;
        this.sheetIndex++;
        continue;
      }
      const results = await this.take(columns.sheet, this.chunk, fetch);
      if (!results) return false;
      for (const result of results) {
        for (const total of await cursor.takeTotals()) this.output.addTotalRow(total);
        const row = await cursor.take();
        if (!row) throw new MergeDataError(`sheet ${columns.sheet}: the result for row ${result.n} has no input row`);
        if (row.n !== result.n) throw new MergeDataError(`sheet ${columns.sheet}: the result for row ${result.n} is where input row ${row.n} belongs`);
        const wait = this.output.addRow(row, result, tick);
        if (wait) await wait;
      }
      this.chunk++;
    }
    return true;
  }

  private async take(sheet: number, chunk: number, fetch: ChunkFetcher): Promise<RowResultV1[] | null> {
    const key = `${sheet}:${chunk}`;
    const held = this.pending.get(key);
    if (held) {
      this.pending.delete(key);
      this.pendingRows -= held.n.length;
      return unpackChunkResult(held);
    }
    return fetch(sheet, chunk);
  }
}
