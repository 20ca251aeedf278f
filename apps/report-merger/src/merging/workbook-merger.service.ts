import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, extname, join, resolve, sep } from 'node:path';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { JobStatus, type SheetTotalsV1 } from '@geobatch/contracts';
import { JobRepository, type JobEntity } from '@geobatch/job-store';
import { CsvFormatError, EXCEL_MAX_ROWS, openCsv, ResultWorkbookWriter, type CsvTable } from '@geobatch/util-spreadsheet';
import { REPORT_MERGER_CONFIG, type ReportMergerConfig } from '../config/report-merger-config.module';
import { alignRows, MergeDataError, resultsOfChunks } from './result-alignment';

/** Folder under STORAGE_DIR that holds the result workbooks. */
export const RESULTS_DIR = 'results';
/** Suffix of a workbook being written; never a finished result. */
export const PARTIAL_SUFFIX = '.xlsx.part';

/** Rows between two waits for the zip pipeline and two consumer heartbeats. */
const ROWS_PER_TICK = 256;
/** Delay before the n-th retry of a failed write: 2 s, 8 s, 32 s, then every 60 s. */
const retryDelayMs = (attempt: number) => Math.min(60_000, 2_000 * 4 ** (attempt - 1));

/**
 * What a finalisation attempt did: `not-ready` (not sealed, chunks missing, or someone else holds
 * the merge), `completed`, `failed` (data that cannot be merged), `retrying` (a write error; the
 * merge was released and is tried again later), `abandoned` (the job stopped running meanwhile).
 */
export type MergeOutcome = 'not-ready' | 'completed' | 'failed' | 'retrying' | 'abandoned';

export interface FinalizeOptions {
  /** Keeps the Kafka consumer's session alive while a long merge runs inside its handler. */
  heartbeat?: () => Promise<void>;
}

interface SheetScan {
  dataRows: number;
  blankRows: number;
  /** Widest row, trailing empty values ignored, and never narrower than the header. */
  columns: number;
}

function isMissingFile(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * Writes a job's result workbook once the job is sealed and every chunk is stored: re-reads the
 * original upload, zips its rows with the durable chunk results, streams the XLSX to a temporary
 * file and renames it into place. `JobRepository.claimMerge` makes sure only one attempt runs.
 */
@Injectable()
export class WorkbookMergerService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkbookMergerService.name);
  private readonly attempts = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Jobs this process is writing right now. */
  private readonly merging = new Set<string>();
  private closing = false;

  constructor(
    @Inject(REPORT_MERGER_CONFIG) private readonly config: ReportMergerConfig,
    private readonly jobs: JobRepository,
  ) {}

  get resultsDir(): string {
    return join(this.config.STORAGE_DIR, RESULTS_DIR);
  }

  /** Writes the job's workbook if the job is ready and nobody else is writing it. Never throws for a write failure. */
  tryFinalize(jobId: string, options: FinalizeOptions = {}): Promise<MergeOutcome> {
    const run = this.finalize(jobId, options);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run)).catch(() => undefined);
    return run;
  }

  /** Stops scheduled retries and waits for merges in progress, before the database goes away. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.logger.log({ msg: 'shutting down: finishing merges in progress', merges: this.inFlight.size, retriesDropped: this.retryTimers.size });
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private async finalize(jobId: string, options: FinalizeOptions): Promise<MergeOutcome> {
    // Checked and taken before any await, so two handlers of this process never write one job twice.
    if (this.merging.has(jobId)) return 'not-ready';
    this.merging.add(jobId);
    try {
      const job = await this.jobs.claimMerge(jobId);
      if (!job) return 'not-ready';
      return await this.merge(job, options);
    } finally {
      this.merging.delete(jobId);
    }
  }

  private async merge(job: JobEntity, options: FinalizeOptions): Promise<MergeOutcome> {
    const jobId = job.id;
    this.clearRetry(jobId);
    const started = Date.now();
    this.logger.log({ msg: 'merge claimed', jobId, totalChunks: job.totalChunks });
    try {
      const { rows, resultPath } = await this.writeWorkbook(job, options);
      await this.jobs.complete(jobId, resultPath);
      const after = await this.jobs.findById(jobId);
      if (after?.status !== JobStatus.Completed) {
        // Cancelled or failed while we wrote: the workbook belongs to nobody.
        await rm(join(this.config.STORAGE_DIR, resultPath), { force: true });
        this.logger.warn({ msg: 'job stopped running during the merge; workbook discarded', jobId, status: after?.status });
        return 'abandoned';
      }
      this.attempts.delete(jobId);
      this.logger.log({ msg: 'job completed', jobId, rows, resultPath, ms: Date.now() - started });
      return 'completed';
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      if (err instanceof MergeDataError) {
        await this.jobs.fail(jobId, err.message);
        this.attempts.delete(jobId);
        this.logger.warn({ msg: 'job failed: results cannot be merged', jobId, error: err.message });
        return 'failed';
      }
      return this.giveBack(jobId, err);
    }
  }

  /** A write that failed for a reason other than the data: release the claim so a later attempt rebuilds it. */
  private async giveBack(jobId: string, err: Error): Promise<MergeOutcome> {
    const attempt = (this.attempts.get(jobId) ?? 0) + 1;
    this.attempts.set(jobId, attempt);
    if (attempt >= this.config.MERGE_MAX_ATTEMPTS) {
      this.attempts.delete(jobId);
      const reason = `결과 파일을 만들지 못했습니다 (could not write the result workbook after ${attempt} attempts: ${err.message})`;
      await this.jobs.fail(jobId, reason);
      this.logger.error({ msg: 'job failed: merge attempts exhausted', jobId, attempt, error: err.message }, err.stack);
      return 'failed';
    }
    await this.jobs.releaseMerge(jobId);
    const delayMs = retryDelayMs(attempt);
    this.logger.error({ msg: 'merge failed; released for a retry', jobId, attempt, retryInMs: delayMs, error: err.message }, err.stack);
    if (!this.closing) {
      const timer = setTimeout(() => {
        this.retryTimers.delete(jobId);
        void this.tryFinalize(jobId).catch((e: Error) =>
          this.logger.error({ msg: 'merge retry failed', jobId, error: e.message }, e.stack),
        );
      }, delayMs);
      timer.unref();
      this.retryTimers.set(jobId, timer);
    }
    return 'retrying';
  }

  private clearRetry(jobId: string): void {
    const timer = this.retryTimers.get(jobId);
    if (timer) clearTimeout(timer);
    this.retryTimers.delete(jobId);
  }

  private uploadFile(job: JobEntity): string {
    const root = resolve(this.config.STORAGE_DIR);
    const file = resolve(root, job.uploadPath);
    if (!file.startsWith(root + sep)) throw new MergeDataError(`upload path "${job.uploadPath}" is outside the storage folder`);
    return file;
  }

  private async openUpload(job: JobEntity): Promise<CsvTable> {
    try {
      // Same detection as the gateway (encoding, delimiter) so the very same rows come back.
      return await openCsv(this.uploadFile(job));
    } catch (e) {
      if (isMissingFile(e)) throw new MergeDataError(`원본 파일이 없습니다 (the stored upload ${job.uploadPath} is missing)`);
      if (e instanceof CsvFormatError) throw new MergeDataError(e.message);
      throw e;
    }
  }

  /** One pass over the upload before writing: the counts must match the seal, and the widest row sizes the sheet. */
  private async scan(table: CsvTable, totals: SheetTotalsV1, label: string): Promise<SheetScan> {
    const scan: SheetScan = { dataRows: 0, blankRows: 0, columns: table.header.length };
    try {
      for await (const row of table.rows()) {
        if (row.blank) {
          scan.blankRows++;
          continue;
        }
        scan.dataRows++;
        let width = row.cells.length;
        while (width > scan.columns && row.cells[width - 1] === '') width--;
        if (width > scan.columns) scan.columns = width;
      }
    } catch (e) {
      if (e instanceof CsvFormatError) throw new MergeDataError(e.message);
      throw e;
    }
    if (scan.dataRows !== totals.rows || scan.blankRows !== totals.blankRows) {
      throw new MergeDataError(
        `${label}: the upload has ${scan.dataRows} data rows and ${scan.blankRows} blank rows, ` +
          `but ${totals.rows} and ${totals.blankRows} were published`,
      );
    }
    if (scan.dataRows + 1 > EXCEL_MAX_ROWS) {
      throw new MergeDataError(`${label}: ${scan.dataRows} rows do not fit in one Excel sheet (at most ${EXCEL_MAX_ROWS - 1})`);
    }
    return scan;
  }

  private sheetName(job: JobEntity, totals: SheetTotalsV1): string {
    if (totals.name.trim() !== '') return totals.name;
    const base = basename(job.fileName.replace(/\\/g, '/'));
    return base.slice(0, base.length - extname(base).length) || 'Sheet1';
  }

  private async writeWorkbook(job: JobEntity, options: FinalizeOptions): Promise<{ rows: number; resultPath: string }> {
    const sheets = [...(job.sheets ?? [])].sort((a, b) => a.sheet - b.sheet);
    // Only CSV uploads exist so far: exactly one sheet, number 0.
    if (sheets.length !== 1 || sheets[0].sheet !== 0) {
      throw new MergeDataError(`a CSV upload has one sheet, but the job was sealed with sheets [${sheets.map((s) => s.sheet).join(', ')}]`);
    }
    const totals = sheets[0];
    const label = `sheet ${totals.sheet} ("${totals.name}")`;
    const table = await this.openUpload(job);
    const scan = await this.scan(table, totals, label);

    await mkdir(this.resultsDir, { recursive: true });
    const resultPath = `${RESULTS_DIR}/${job.id}.xlsx`;
    const partial = join(this.resultsDir, `.${job.id}.${process.pid}-${randomBytes(4).toString('hex')}${PARTIAL_SUFFIX}`);
    const writer = new ResultWorkbookWriter(partial);
    let rows = 0;
    try {
      writer.addSheet(this.sheetName(job, totals), table.header, { columnCount: scan.columns });
      const results = resultsOfChunks(this.jobs.chunksOf(job.id, totals.sheet), totals.chunks, label);
      for await (const { row, result } of alignRows(table.rows(), results, label)) {
        writer.addRow(row.cells, result);
        if (++rows % ROWS_PER_TICK === 0) {
          await writer.drain();
          await this.beat(options);
        }
      }
      if (rows !== totals.rows) throw new MergeDataError(`${label}: ${rows} rows merged but ${totals.rows} were published`);
      await writer.commit();
      // Readers only ever see a complete workbook: the final name appears atomically.
      await rename(partial, join(this.config.STORAGE_DIR, resultPath));
      return { rows, resultPath };
    } catch (e) {
      await writer.abort().catch(() => undefined);
      await rm(partial, { force: true }).catch(() => undefined);
      throw e;
    }
  }

  private async beat(options: FinalizeOptions): Promise<void> {
    try {
      await options.heartbeat?.();
    } catch {
      // A rebalance is under way; the merge claim in the database still protects this job.
    }
  }
}
