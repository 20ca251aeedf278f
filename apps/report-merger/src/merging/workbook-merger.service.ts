import { rm } from 'node:fs/promises';
import { basename, extname, join, resolve, sep } from 'node:path';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { DEFAULT_NEAREST_M, JobStatus, type ChunkResultEventV2, type SheetTotalsV1 } from '@geobatch/contracts';
import { JobRepository, type JobEntity, type JobSheetColumns } from '@geobatch/job-store';
import {
  columnLetter,
  EXCEL_MAX_DATA_ROWS,
  openTabularFile,
  resolveColumn,
  SpreadsheetFormatError,
  type CsvDelimiter,
  type TabularFile,
  type TabularSheet,
} from '@geobatch/util-spreadsheet';
import { Metrics } from '@geobatch/util-observability';
import { REPORT_MERGER_CONFIG, type ReportMergerConfig } from '../config/report-merger-config.module';
import { ProgressiveMerge, type ChunkFetcher } from './progressive-merge';
import { alignRows, MergeDataError, resultsOfChunks } from './result-alignment';
import { RESULTS_DIR, ResultOutput } from './result-output';

export { PARTIAL_SUFFIX, RESULTS_DIR } from './result-output';

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

/** One input sheet to merge: the sealed totals, how the upload reads it and where its coordinates are. */
interface SheetJob {
  totals: SheetTotalsV1;
  sheet: TabularSheet;
  columns: { x: number; y: number };
  scan: SheetScan;
  label: string;
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
  /** Jobs triggered again while their attempt was running. */
  private readonly lookAgain = new Set<string>();
  /** Results being written while their chunks arrive, by job. */
  private readonly progressive = new Map<string, ProgressiveMerge>();
  /** Jobs found unfit for a progressive merge (finished, legacy, unreadable): not looked up again. */
  private readonly noProgressive = new Set<string>();
  private closing = false;
  /** Data rows per output sheet before rows continue on `<name> (2)`; Excel's limit (lowered by tests only). */
  maxRowsPerSheet = EXCEL_MAX_DATA_ROWS;

  constructor(
    @Inject(REPORT_MERGER_CONFIG) private readonly config: ReportMergerConfig,
    private readonly jobs: JobRepository,
    private readonly metrics: Metrics,
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

  /**
   * Takes a chunk just stored and writes the job's rows as far as the chunks in order allow, so
   * the workbook is nearly done when the last chunk arrives. Never throws: a progressive merge
   * that fails is dropped, and the job is then merged from the database when it is ready.
   */
  async offer(event: ChunkResultEventV2): Promise<void> {
    const { jobId } = event;
    if (this.closing || this.noProgressive.has(jobId)) return;
    let merge = this.progressive.get(jobId);
    if (!merge) {
      merge = (await this.openProgressive(jobId).catch((e: Error) => {
        this.logger.warn({ msg: 'progressive merge not started; the job is merged when complete', jobId, error: e.message });
        return null;
      })) ?? undefined;
      if (!merge) {
        this.rememberUnfit(jobId);
        return;
      }
      // The job was merged (or the app began shutting down) while the upload was opened: nobody would finish this one.
      if (this.closing || this.noProgressive.has(jobId)) {
        await merge.discard();
        return;
      }
      this.progressive.set(jobId, merge);
    }
    merge.offer(event);
    const current = merge;
    void current.advance(this.fetcher(jobId)).then(() => {
      if (current.failure && this.progressive.get(jobId) === current) void this.dropProgressive(jobId, current.failure.message);
    });
  }

  private async openProgressive(jobId: string): Promise<ProgressiveMerge | null> {
    const job = await this.jobs.findById(jobId);
    if (!job || job.status !== JobStatus.Running || job.mergeStartedAt) return null;
    const file = await this.openUpload(job);
    const name = (columns: JobSheetColumns, sheet: TabularSheet) =>
      this.sheetName(job, columns.name || sheet.name);
    const merge = await ProgressiveMerge.open(job, file, this.config.STORAGE_DIR, this.maxRowsPerSheet, name);
    if (merge) this.logger.log({ msg: 'progressive merge started', jobId });
    return merge;
  }

  private fetcher(jobId: string): ChunkFetcher {
    return (sheet, chunk) => this.jobs.findChunkRows(jobId, sheet, chunk);
  }

  private rememberUnfit(jobId: string): void {
    // Bounded: only a replay after the job ended would look it up again.
    if (this.noProgressive.size > 10_000) this.noProgressive.clear();
    this.noProgressive.add(jobId);
  }

  private async dropProgressive(jobId: string, reason: string): Promise<void> {
    const merge = this.progressive.get(jobId);
    if (!merge) return;
    this.progressive.delete(jobId);
    this.rememberUnfit(jobId);
    this.logger.warn({ msg: 'progressive merge dropped; the job is merged from the database when complete', jobId, reason });
    await merge.discard();
  }

  /** Stops scheduled retries and waits for merges in progress, before the database goes away. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.logger.log({ msg: 'shutting down: finishing merges in progress', merges: this.inFlight.size, retriesDropped: this.retryTimers.size });
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    await Promise.allSettled([...this.inFlight]);
    // Unfinished progressive merges are rebuilt from the durable chunks by whoever merges next.
    await Promise.allSettled([...this.progressive.values()].map((m) => m.discard()));
    this.progressive.clear();
  }

  private async finalize(jobId: string, options: FinalizeOptions): Promise<MergeOutcome> {
    // Checked and taken before any await, so two handlers of this process never write one job twice.
    if (this.merging.has(jobId)) {
      // The attempt in progress may have looked before this trigger's news (e.g. the seal): look again after it.
      this.lookAgain.add(jobId);
      return 'not-ready';
    }
    this.merging.add(jobId);
    let outcome: MergeOutcome = 'not-ready';
    try {
      const job = await this.jobs.claimMerge(jobId);
      if (!job) return outcome;
      outcome = await this.merge(job, options);
      return outcome;
    } finally {
      this.merging.delete(jobId);
      if (this.lookAgain.delete(jobId) && outcome === 'not-ready' && !this.closing) void this.tryFinalize(jobId).catch(() => undefined);
    }
  }

  private async merge(job: JobEntity, options: FinalizeOptions): Promise<MergeOutcome> {
    const jobId = job.id;
    this.clearRetry(jobId);
    const started = Date.now();
    this.logger.log({ msg: 'merge claimed', jobId, totalChunks: job.totalChunks });
    try {
      const { rows, resultPath } = await this.writeResult(job, options);
      await this.jobs.complete(jobId, resultPath);
      const after = await this.jobs.findById(jobId);
      if (after?.status !== JobStatus.Completed) {
        // Cancelled or failed while we wrote: the workbook belongs to nobody.
        await rm(join(this.config.STORAGE_DIR, resultPath), { force: true });
        this.logger.warn({ msg: 'job stopped running during the merge; workbook discarded', jobId, status: after?.status });
        return 'abandoned';
      }
      this.attempts.delete(jobId);
      this.metrics.rows.inc({ stage: 'written' }, rows);
      this.observeJob(job, 'completed');
      this.logger.log({ msg: 'job completed', jobId, rows, resultPath, ms: Date.now() - started });
      return 'completed';
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      if (err instanceof MergeDataError) {
        await this.jobs.fail(jobId, err.message);
        this.attempts.delete(jobId);
        this.observeJob(job, 'failed');
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
      const job = await this.jobs.findById(jobId);
      if (job) this.observeJob(job, 'failed');
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

  /** From acceptance to the end, so the histogram is what a user waited. */
  private observeJob(job: JobEntity, outcome: 'completed' | 'failed'): void {
    this.metrics.jobSeconds.observe({ outcome }, (Date.now() - job.createdAt.getTime()) / 1000);
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

  private async openUpload(job: JobEntity): Promise<TabularFile> {
    try {
      // Same reader, encoding and delimiter as the gateway, so the very same rows come back.
      return await openTabularFile(this.uploadFile(job), {
        encoding: job.options.encoding ?? 'auto',
        delimiter: job.options.delimiter as CsvDelimiter | undefined,
      });
    } catch (e) {
      if (isMissingFile(e)) throw new MergeDataError(`원본 파일이 없습니다 (the stored upload ${job.uploadPath} is missing)`);
      if (e instanceof SpreadsheetFormatError) throw new MergeDataError(e.message);
      throw e;
    }
  }

  /** One pass over a sheet before writing: the counts must match the seal, and the widest row sizes the sheet. */
  private async scan(sheet: TabularSheet, totals: SheetTotalsV1, label: string): Promise<SheetScan> {
    const scan: SheetScan = { dataRows: 0, blankRows: 0, columns: sheet.header.length };
    try {
      for await (const row of sheet.rows()) {
        if (row.blank) {
          scan.blankRows++;
          continue;
        }
        scan.dataRows++;
        let width = row.cells.length;
        while (width > scan.columns && (row.cells[width - 1] === '' || row.cells[width - 1] === null)) width--;
        if (width > scan.columns) scan.columns = width;
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

  /** The output name of an input sheet named `name` (as sealed); a CSV's has none: the upload's base name. */
  private sheetName(job: JobEntity, name: string): string {
    if (name.trim() !== '') return name;
    const base = basename(job.fileName.replace(/\\/g, '/'));
    return base.slice(0, base.length - extname(base).length) || 'Sheet1';
  }

  /**
   * Where a sheet's coordinates are (only to show them in `문제 행`): recorded at acceptance, or
   * for older jobs resolved from the x/y specs; -1 when that no longer works.
   */
  private coordinateColumns(job: JobEntity, sheet: TabularSheet): { x: number; y: number } {
    const planned = job.options.columns?.find((c: JobSheetColumns) => c.sheet === sheet.index);
    if (planned) return { x: planned.x, y: planned.y };
    const resolved = (spec: string) => {
      try {
        return resolveColumn(sheet.header, spec);
      } catch {
        return -1;
      }
    };
    return { x: resolved(job.options.x), y: resolved(job.options.y) };
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
      if (!sheet) throw new MergeDataError(`${label}: the upload has no such sheet`);
      out.push({ totals, sheet, columns: this.coordinateColumns(job, sheet), scan: await this.scan(sheet, totals, label), label });
    }
    return out;
  }

  summaryOptions(job: JobEntity, sheets: { name: string; header: readonly string[]; columns: { x: number; y: number } }[]): [string, string][] {
    const o = job.options;
    const options: [string, string][] = [
      ['x', o.x],
      ['y', o.y],
      ['sheet', o.sheet ?? (o.kind === 'xlsx' ? '(auto)' : '')],
      ['encoding', o.encoding ? `${o.encoding}${o.encodingRequested && o.encodingRequested !== 'auto' ? '' : ' (auto)'}` : ''],
      ['crs', o.crs],
      ['lang', o.lang ?? 'ko'],
      ['format', o.format ?? 'xlsx'],
      ['nearestM', String(o.nearestM ?? DEFAULT_NEAREST_M)],
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

  /** The progressive merge's file when this process has one in good order, else a full merge from the database. */
  private async writeResult(job: JobEntity, options: FinalizeOptions): Promise<{ rows: number; resultPath: string }> {
    const merge = this.progressive.get(job.id);
    this.progressive.delete(job.id);
    this.rememberUnfit(job.id);
    if (merge && !merge.failure) {
      try {
        const written = await merge.complete(this.fetcher(job.id), job.sheets ?? [], (sheets) => this.summaryOptions(job, sheets), () => this.beat(options));
        this.logger.log({ msg: 'progressive merge finished', jobId: job.id, rows: written.rows });
        return written;
      } catch (e) {
        this.logger.warn({ msg: 'progressive merge failed; merging from the database', jobId: job.id, error: (e as Error).message });
      }
    }
    await merge?.discard();
    return this.writeWorkbook(job, options);
  }

  private async writeWorkbook(job: JobEntity, options: FinalizeOptions): Promise<{ rows: number; resultPath: string }> {
    const file = await this.openUpload(job);
    const sheets = await this.sheetJobs(job, file);
    const output = await ResultOutput.open(this.config.STORAGE_DIR, job, this.maxRowsPerSheet);
    const tick = () => this.beat(options);
    try {
      for (const { totals, sheet, columns, scan, label } of sheets) {
        const name = this.sheetName(job, totals.name);
        output.startSheet({ name, header: sheet.header, columnCount: scan.columns, inferNumbers: file.kind === 'csv', columns });
        let sheetRows = 0;
        const results = resultsOfChunks(this.jobs.chunksOf(job.id, totals.sheet), totals.chunks, label);
        for await (const { row, result } of alignRows(sheet.rows(), results, label)) {
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

  private async beat(options: FinalizeOptions): Promise<void> {
    try {
      await options.heartbeat?.();
    } catch {
      // A rebalance is under way; the merge claim in the database still protects this job.
    }
  }
}
