import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_NEAREST_M, isOkResult, type OutputFormat, type RowResultV1 } from '@geobatch/contracts';
import type { JobEntity } from '@geobatch/job-store';
import {
  cellText,
  problemReason,
  ResultCsvWriter,
  ResultSummaryBuilder,
  ResultWorkbookWriter,
  rowStatus,
  type CellValue,
  type ProblemRow,
  type RowsAbove,
  type SheetSummary,
  type TabularRow,
  type TotalRowRef,
} from '@geobatch/util-spreadsheet';
import { LineSpool } from './line-spool';

/** Folder under STORAGE_DIR that holds the result workbooks. */
export const RESULTS_DIR = 'results';
/** Suffix of a file being written (a workbook, a CSV, the problem rows); never a finished result. */
export const PARTIAL_SUFFIX = '.part';
/** Rows between two waits for the zip pipeline (and two consumer heartbeats in the full merge). */
export const ROWS_PER_TICK = 256;

/** A coordinate cell as read, for `문제 행`; null when absent. */
function rawCoordinate(cells: readonly CellValue[], index: number): string | null {
  const v = index < 0 ? undefined : cells[index];
  return v === undefined || v === null ? null : cellText(v);
}

/** One output sheet: its name, the input header and width, and where the coordinates are (for `문제 행`). */
export interface OutputSheet {
  name: string;
  header: readonly string[];
  columnCount: number;
  inferNumbers: boolean;
  columns: { x: number; y: number };
  /** The input's rows above its header (a title block), copied above the result's header. */
  above?: RowsAbove;
}

/**
 * A job's result file while it is written: the data sheets, the problem rows spooled to disk for
 * `문제 행`, and the counts for `요약`. Written under a temporary name and renamed into place by
 * {@link commit}, so a reader only ever sees a complete file. Both the full merge and the
 * progressive one write through this class, so their files are the same.
 */
export class ResultOutput {
  readonly format: OutputFormat;
  readonly resultPath: string;
  private readonly partial: string;
  private readonly writer: ResultCsvWriter | ResultWorkbookWriter;
  private readonly problems: LineSpool | undefined;
  private readonly summary = new ResultSummaryBuilder();
  private readonly lang: 'ko' | 'en';
  private sheet: OutputSheet | undefined;
  private sheetSummary: SheetSummary | undefined;
  /** The 합계 rows written back, for `요약`; those of the open sheet are also in `sheetTotals`. */
  private readonly totalRows: TotalRowRef[] = [];
  private sheetTotals = 0;
  private sinceDrain = 0;
  rows = 0;

  private constructor(
    private readonly storageDir: string,
    private readonly job: JobEntity,
    maxRowsPerSheet: number,
  ) {
    this.format = job.options.format ?? 'xlsx';
    this.lang = job.options.lang ?? 'ko';
    // `거리(m)` appears whenever nearest matching was on for the job.
    const distance = (job.options.nearestM ?? DEFAULT_NEAREST_M) > 0;
    // `경계 버전` only for jobs with a date column, so every other output stays byte-identical.
    const version = job.options.dateColumn !== undefined && job.options.datasetVersions !== undefined;
    this.resultPath = `${RESULTS_DIR}/${job.id}.${this.format}`;
    const stem = join(storageDir, RESULTS_DIR, `.${job.id}.${process.pid}-${randomBytes(4).toString('hex')}`);
    this.partial = `${stem}.${this.format}${PARTIAL_SUFFIX}`;
    this.writer =
      this.format === 'csv'
        ? new ResultCsvWriter(this.partial, { lang: this.lang, distance, version, datasets: job.options.datasetLabels })
        : new ResultWorkbookWriter(this.partial, { lang: this.lang, distance, version, datasets: job.options.datasetLabels, maxRowsPerSheet });
    this.problems = this.format === 'xlsx' ? new LineSpool(`${stem}.problems${PARTIAL_SUFFIX}`) : undefined;
  }

  static async open(storageDir: string, job: JobEntity, maxRowsPerSheet: number): Promise<ResultOutput> {
    await mkdir(join(storageDir, RESULTS_DIR), { recursive: true });
    return new ResultOutput(storageDir, job, maxRowsPerSheet);
  }

  startSheet(sheet: OutputSheet): void {
    this.sheet = sheet;
    this.writer.addSheet(sheet.name, sheet.header, { columnCount: sheet.columnCount, inferNumbers: sheet.inferNumbers, above: sheet.above });
    this.sheetSummary = this.summary.startSheet(sheet.name);
    this.sheetTotals = 0;
  }

  /**
   * Writes a 합계 row back as it was: no status, not a problem, not a data row; counted in the
   * sheet's total and named in `요약`. Wider than the sheet is refused, as for any row.
   */
  addTotalRow(row: TabularRow): void {
    const sheet = this.sheet;
    if (!sheet || !this.sheetSummary) throw new Error('addTotalRow before startSheet');
    if (row.cells.slice(sheet.columnCount).some((c) => c !== '' && c !== null)) {
      throw new RangeError(`row ${row.row} has ${row.cells.length} values but the sheet was opened with ${sheet.columnCount} columns`);
    }
    this.writer.addUnchangedRow(row.cells, row.numFmts);
    this.totalRows.push({ sheet: sheet.name, row: row.row });
    this.sheetTotals++;
    this.sheetSummary.total++;
  }

  /**
   * Writes one row. Every ROWS_PER_TICK rows, and for a problem row (spooled to disk), it returns
   * a promise to wait for (the file catching up, then `tick`); otherwise nothing, so the
   * million-row loops do not pay for a promise per row.
   */
  addRow(row: TabularRow, result: RowResultV1, tick?: () => Promise<void>): Promise<void> | undefined {
    const sheet = this.sheet;
    if (!sheet) throw new Error('addRow before startSheet');
    this.writer.addRow(row.cells, result, row.numFmts);
    this.summary.addRow(result);
    if (this.writer instanceof ResultWorkbookWriter) this.summary.addOutputSheet(this.writer.currentSheet!);
    let problem: ProblemRow | undefined;
    if (this.problems && !isOkResult(result)) {
      problem = {
        sheet: sheet.name,
        row: row.row,
        status: rowStatus(result),
        reason: problemReason(result, this.lang),
        x: rawCoordinate(row.cells, sheet.columns.x),
        y: rawCoordinate(row.cells, sheet.columns.y),
      };
    }
    this.rows++;
    const due = ++this.sinceDrain >= ROWS_PER_TICK;
    if (due) this.sinceDrain = 0;
    return problem || due ? this.settle(problem, due, tick) : undefined;
  }

  private async settle(problem: ProblemRow | undefined, due: boolean, tick?: () => Promise<void>): Promise<void> {
    if (problem) await this.problems!.write(JSON.stringify(problem));
    if (due) {
      await this.writer.drain();
      await tick?.();
    }
  }

  /** The sheet's blank rows as the seal counts them: its 합계 rows included, which `요약` counts apart. */
  addBlank(rows: number): void {
    this.summary.addBlank(rows - this.sheetTotals);
  }

  /**
   * Writes `문제 행` and `요약` (XLSX), closes the file and moves it to its final name.
   * Returns the path relative to STORAGE_DIR.
   */
  async commit(summaryOptions: [string, string][], tick?: () => Promise<void>): Promise<string> {
    const writer = this.writer;
    if (writer instanceof ResultWorkbookWriter && this.problems) {
      // 문제 행 after every data sheet (the streaming writer finishes one sheet before the next), from the spool.
      writer.addProblemsSheet();
      let n = 0;
      for await (const line of this.problems.lines()) {
        writer.addProblem(JSON.parse(line) as ProblemRow);
        if (++n % ROWS_PER_TICK === 0) {
          await writer.drain();
          await tick?.();
        }
      }
      writer.addSummarySheet(
        this.summary.build({
          fileName: this.job.fileName,
          jobId: this.job.id,
          datasets: this.job.options.datasetLabels,
          datasetFacts: this.job.options.datasetFacts,
          options: summaryOptions,
        }),
        this.totalRows,
      );
    }
    await writer.commit();
    await rename(this.partial, join(this.storageDir, this.resultPath));
    await this.problems?.dispose();
    return this.resultPath;
  }

  /** Drops everything written so far. */
  async abort(): Promise<void> {
    await this.writer.abort().catch(() => undefined);
    await rm(this.partial, { force: true }).catch(() => undefined);
    await this.problems?.dispose();
  }
}
