import type { SheetTotalsV1 } from '@geobatch/contracts';
import type { JobEntity, JobRepository } from '@geobatch/job-store';
import {
  columnLetter,
  openPlannedUpload,
  SpreadsheetFormatError,
  StoredPathError,
  type CellValue,
  type RowsAbove,
  type TabularFile,
  type TabularSheet,
} from '@geobatch/util-spreadsheet';
import type { ReportMergerConfig } from '../config/report-merger-config.module';
import { alignRows, MergeDataError, resultsOfChunks } from './result-alignment';
import { ResultOutput } from './result-output';

interface SheetScan {
  dataRows: number;
  blankRows: number;
  /** Widest row, trailing empty values ignored, and never narrower than the header. */
  columns: number;
}

/** One input sheet to merge: the sealed totals, how the upload reads it and where its coordinates are. */
interface SheetJob {
  totals: SheetTotalsV1;
  sheet: TabularSheet;
  /** Its worksheet name in the result, as the upload plan says. */
  output: string;
  columns: { x: number; y: number };
  scan: SheetScan;
  label: string;
}

/** A sheet as the `요약` options name it. */
export interface SummarySheetColumns {
  name: string;
  header: readonly string[];
  columns: { x: number; y: number };
}

/** The sheet's rows above its header with their merged ranges, as the result copies them; undefined when none. */
export async function rowsAbove(sheet: TabularSheet): Promise<RowsAbove | undefined> {
  if (sheet.above.length === 0) return undefined;
  try {
    return { rows: sheet.above, headerRow: sheet.headerRow, merges: await sheet.aboveMerges() };
  } catch (e) {
    if (e instanceof SpreadsheetFormatError) throw new MergeDataError(e.message);
    throw e;
  }
}

function isMissingFile(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** Widens the scanned sheet to a row's last value. */
function widen(scan: SheetScan, cells: readonly CellValue[]): void {
  let width = cells.length;
  while (width > scan.columns && (cells[width - 1] === '' || cells[width - 1] === null)) width--;
  if (width > scan.columns) scan.columns = width;
}

/** One pass over a sheet before writing: the counts must match the seal, and the widest row sizes the sheet. */
async function scanSheet(sheet: TabularSheet, totals: SheetTotalsV1, label: string): Promise<SheetScan> {
  const scan: SheetScan = { dataRows: 0, blankRows: 0, columns: sheet.header.length };
  try {
    // The title block above the header and the 합계 rows are written too, so they size the sheet as well.
    for (const row of sheet.above) widen(scan, row.cells);
    for await (const row of sheet.rows()) {
      if (row.blank) {
        scan.blankRows++;
        if (row.total) widen(scan, row.cells);
        continue;
      }
      scan.dataRows++;
      widen(scan, row.cells);
    }
  } catch (e) {
    if (e instanceof SpreadsheetFormatError) throw new MergeDataError(e.message);
    throw e;
  }
  if (scan.dataRows !== totals.rows || scan.blankRows !== totals.blankRows) {
    throw new MergeDataError(
      `${label}: the upload has ${scan.dataRows} data rows and ${scan.blankRows} blank rows, ` +
        `but ${totals.rows} and ${totals.blankRows} were published`,
    );
  }
  return scan;
}

/**
 * Writes a job's result from what is durable: the stored upload, opened in exactly one place
 * (`openUpload`), and the stored chunk results. Knows nothing of claims, retries or Kafka.
 */
export class WorkbookWriter {
  constructor(
    private readonly config: ReportMergerConfig,
    private readonly jobs: JobRepository,
  ) {}

  /** The one place the merger opens a job's stored upload, for the progressive and the full merge alike. */
  async openUpload(job: JobEntity): Promise<TabularFile> {
    try {
      // The plan the gateway stored with the job, through the same function: the very same rows come back.
      return await openPlannedUpload(this.config.STORAGE_DIR, job.uploadPath, job.options.upload);
    } catch (e) {
      if (isMissingFile(e)) throw new MergeDataError(`원본 파일이 없습니다 (the stored upload ${job.uploadPath} is missing)`);
      if (e instanceof StoredPathError) throw new MergeDataError(`upload path "${job.uploadPath}" is outside the storage folder`);
      if (e instanceof SpreadsheetFormatError) throw new MergeDataError(e.message);
      throw e;
    }
  }


  /** The sealed sheets, matched with the upload's sheets and scanned, in workbook order. */
  private async sheetJobs(job: JobEntity, file: TabularFile): Promise<SheetJob[]> {
    const sealed = [...(job.sheets ?? [])].sort((a, b) => a.sheet - b.sheet);
    if (sealed.length === 0) throw new MergeDataError('the job was sealed without any sheet');
    if (file.kind === 'csv' && (sealed.length !== 1 || sealed[0].sheet !== 0)) {
      throw new MergeDataError(`a CSV upload has one sheet, but the job was sealed with sheets [${sealed.map((s) => s.sheet).join(', ')}]`);
    }
    const out: SheetJob[] = [];
    for (const totals of sealed) {
      const label = `sheet ${totals.sheet} ("${totals.name}")`;
      const sheet = file.sheets.find((s) => s.index === totals.sheet);
      const planned = job.options.upload.sheets.find((s) => s.sheet === totals.sheet);
      if (!sheet || !planned) throw new MergeDataError(`${label}: the upload has no such sheet`);
      const columns = { x: planned.x, y: planned.y };
      out.push({ totals, sheet, output: planned.output, columns, scan: await scanSheet(sheet, totals, label), label });
    }
    return out;
  }

  summaryOptions(job: JobEntity, sheets: SummarySheetColumns[]): [string, string][] {
    const o = job.options;
    const options: [string, string][] = [
      ['x', o.x],
      ['y', o.y],
      ['sheet', o.sheet ?? (o.upload.kind === 'xlsx' ? '(auto)' : '')],
      ['encoding', o.upload.encoding ? `${o.upload.encoding}${o.encodingRequested && o.encodingRequested !== 'auto' ? '' : ' (auto)'}` : ''],
      ['crs', o.crs],
      ['lang', o.lang],
      ['format', o.format],
      ['nearestM', String(o.nearestM)],
      // Dated jobs only (an empty value is dropped below): the column, and each series' timeline.
      ['dateColumn', o.dateColumn ?? ''],
      ...(o.datasetVersions ?? []).map((versions, g): [string, string] => [
        `versions ${o.datasetLabels[g] ?? g + 1}`,
        versions.map((v) => `${v.version} (${v.effectiveDate}~)`).join(', '),
      ]),
    ];
    for (const s of sheets) {
      const col = (i: number) => `${columnLetter(i)} (${JSON.stringify(s.header[i] ?? '')})`;
      options.push([`columns "${s.name}"`, `x=${col(s.columns.x)}, y=${col(s.columns.y)}`]);
    }
    return options.filter(([, v]) => v !== '');
  }

  /** The full merge: re-reads the upload and zips it with the stored chunks, in input order. */
  async writeWorkbook(job: JobEntity, tick: () => Promise<void>): Promise<{ rows: number; resultPath: string }> {
    const file = await this.openUpload(job);
    const sheets = await this.sheetJobs(job, file);
    const output = await ResultOutput.open(this.config.STORAGE_DIR, job, this.config.MERGE_MAX_ROWS_PER_SHEET);
    try {
      for (const { totals, sheet, output: name, columns, scan, label } of sheets) {
        const above = await rowsAbove(sheet);
        output.startSheet({ name, header: sheet.header, columnCount: scan.columns, inferNumbers: file.kind === 'csv', columns, above });
        let sheetRows = 0;
        const results = resultsOfChunks(this.jobs.chunksOf(job.id, totals.sheet), totals.chunks, label);
        for await (const { row, result } of alignRows(sheet.rows(), results, label)) {
          if (result === null) {
            output.addTotalRow(row);
            continue;
          }
          const wait = output.addRow(row, result, tick);
          if (wait) await wait;
          sheetRows++;
        }
        if (sheetRows !== totals.rows) throw new MergeDataError(`${label}: ${sheetRows} rows merged but ${totals.rows} were published`);
        output.addBlank(scan.blankRows);
      }
      const resultPath = await output.commit(this.summaryOptions(job, sheets.map((s) => ({ name: s.totals.name, header: s.sheet.header, columns: s.columns }))), tick);
      return { rows: output.rows, resultPath };
    } catch (e) {
      await output.abort();
      throw e;
    }
  }
}
