import { createReadStream, type ReadStream } from 'node:fs';
import { rm, stat, unlink } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import {
  BadRequestException,
  ConflictException,
  GoneException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  Optional,
} from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import {
  CreateJobDto,
  DEFAULT_JOBS_PAGE,
  DEFAULT_NEAREST_M,
  JobStatus,
  ListJobsQueryDto,
  PreviewJobDto,
  ENDED_JOB_STATUSES,
  type ColumnRefDto,
  type JobCreatedDto,
  type JobListDto,
  type JobSummaryDto,
  type JobOptionsDto,
  type JobPreviewDto,
  type JobProgressDto,
  type JobStatusDto,
  type OutputFormat,
  type PreviewSheetDto,
} from '@geobatch/contracts';
import { DatasetRepository } from '@geobatch/geo-query';
import { JobRepository, type JobEntity, type JobOptions, type JobProgress, type JobSheetColumns } from '@geobatch/job-store';
import {
  cellJson,
  ColumnResolutionError,
  columnLetter,
  findSheet,
  openTabularFile,
  sampleRows,
  SpreadsheetFormatError,
  type ColumnChoice,
  type CoordinateColumns,
  type TabularFile,
  type TabularRow,
  type TabularSheet,
} from '@geobatch/util-spreadsheet';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import { DatasetResolverService, UnknownDatasetError } from '../datasets/dataset-resolver.service';
import { ChunkPublisherService } from './chunk-publisher.service';
import { columnsOf, DETECTION_SAMPLE_ROWS, planColumns } from './column-plan';
import { DatedSeriesError, resolveDatedSeries, type SeriesLookup } from './dated-series';
import type { StoredUpload } from './hashing-disk-storage';
import { sheetNameFor } from './sheet-name';

/** Coordinates are WGS84 longitude/latitude unless the caller names another system. */
export const DEFAULT_CRS = 'EPSG:4326';
/** Rows shown by `POST /jobs/preview`. */
export const PREVIEW_ROWS = 20;

export interface ResultDownload {
  stream: ReadStream;
  size: number;
  fileName: string;
  format: OutputFormat;
}

export function resultUrlOf(jobId: string): string {
  return `/jobs/${jobId}/result`;
}

/** One readable line per invalid form field, e.g. `lang: must be one of the following values: ko, en`. */
async function validateFields<T extends object>(cls: new () => T, fields: unknown): Promise<T> {
  const plain = fields !== null && typeof fields === 'object' ? fields : {};
  const dto = plainToInstance(cls, plain);
  const errors = await validate(dto, { whitelist: true, forbidUnknownValues: true });
  if (errors.length === 0) return dto;
  const problems = errors.map((e) => {
    if (e.value === '') return `${e.property}: 비어 있습니다 (empty: leave the field out instead)`;
    return `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`;
  });
  throw new BadRequestException(problems.join('; '));
}

function choiceRef(c: ColumnChoice): ColumnRefDto {
  return { name: c.name, number: c.index + 1, letter: columnLetter(c.index), by: c.by };
}

function sheetDto(sheet: TabularSheet): PreviewSheetDto {
  return { index: sheet.index + 1, name: sheet.name, hidden: sheet.hidden, columns: sheet.header.length };
}

/** The options as reported by `GET /jobs/:id` (older jobs lack the newer fields). */
function optionsDto(options: JobOptions): JobOptionsDto {
  const given = (spec: string, by: string | undefined) => (by === 'given' || (by === undefined && spec !== 'auto') ? spec : null);
  const first = options.columns?.[0];
  return {
    x: given(options.x, first?.xBy),
    y: given(options.y, first?.yBy),
    kind: options.kind ?? 'csv',
    encoding: options.encoding ?? null,
    sheet: options.sheet ?? null,
    lang: options.lang ?? 'ko',
    format: options.format ?? 'xlsx',
    crs: options.crs,
    nearestM: options.nearestM ?? DEFAULT_NEAREST_M,
    // Dated jobs only: every other job's options read as before.
    ...(options.dateColumn !== undefined && options.datasetVersions
      ? {
          dateColumn: options.dateColumn,
          datasetVersions: options.datasetVersions.flatMap((versions, g) => {
            const name = options.datasetLabels[g]?.replace(/@[^@]*$/, '') ?? '';
            return versions.map((v) => `${name}@${v.version} (${v.effectiveDate})`);
          }),
        }
      : {}),
    columns: (options.columns ?? []).map((c: JobSheetColumns) => ({
      sheet: c.sheet + 1,
      name: c.name,
      x: { name: c.xName, number: c.x + 1, letter: columnLetter(c.x), by: c.xBy },
      y: { name: c.yName, number: c.y + 1, letter: columnLetter(c.y), by: c.yBy },
      ...(c.date === undefined ? {} : { date: { name: c.dateName ?? '', number: c.date + 1, letter: columnLetter(c.date), by: 'given' } }),
    })),
  };
}

/** Progress, rate and ETA of a job from its geocoded rows and, once the upload is read through, its data rows. */
export function progressOf(job: Pick<JobEntity, 'status' | 'createdAt' | 'finishedAt'>, processed: number, dataRows: number | null, now: Date): JobProgressDto {
  const ended = ENDED_JOB_STATUSES.includes(job.status);
  const seconds = ((job.finishedAt ?? now).getTime() - job.createdAt.getTime()) / 1000;
  const rate = processed > 0 && seconds > 0 ? processed / seconds : null;
  const fraction = job.status === JobStatus.Completed ? 1 : dataRows ? Math.min(1, processed / dataRows) : dataRows === 0 ? 1 : null;
  let etaSeconds: number | null = null;
  if (ended) etaSeconds = 0;
  else if (dataRows !== null && rate) etaSeconds = Math.max(0, Math.round((dataRows - processed) / rate));
  return {
    fraction: fraction === null ? null : Math.round(fraction * 1000) / 1000,
    rowsPerSecond: rate === null ? null : Math.round(rate),
    etaSeconds,
  };
}

@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly jobs: JobRepository,
    private readonly datasets: DatasetResolverService,
    private readonly publisher: ChunkPublisherService,
    /** Versions of a dataset's series, for jobs with a date column (the gateway's DatasetRepository). */
    @Optional() @Inject(DatasetRepository) private readonly seriesLookup?: SeriesLookup,
  ) {}

  /**
   * Accepts an upload only once it reads as a table and its sheets, x/y columns and dataset
   * check out, so every accepted job can be published; a refused upload is deleted from storage.
   */
  /**
   * `ownerKeyId`: the caller's API key, which owns the job. The same upload (SHA-256 and name) with
   * the same options from the same key answers its existing job (`deduplicated`) unless `force`.
   */
  async create(upload: StoredUpload | undefined, fields: unknown, requestId?: string, ownerKeyId: string | null = null): Promise<JobCreatedDto> {
    if (!upload) throw new BadRequestException('file: CSV 또는 XLSX 파일이 필요합니다 (multipart field "file" is required)');
    try {
      const dto = await validateFields(CreateJobDto, fields);
      const file = await this.open(upload, dto.encoding);
      const columns = await this.plan(file, dto);
      const format = dto.format ?? 'xlsx';
      if (format === 'csv' && columns.length > 1) {
        throw new BadRequestException(
          `format: CSV 결과에는 시트 하나만 담을 수 있습니다 (format=csv holds one sheet, but ${columns.length} sheets have the columns: ` +
            `${columns.map((c) => `"${c.name}"`).join(', ')}; choose one with "sheet")`,
        );
      }
      let pinned = await this.datasets.resolve(dto.dataset, ownerKeyId ?? undefined).catch((e: unknown) => {
        throw e instanceof UnknownDatasetError ? new BadRequestException(e.message) : e;
      });
      const dateColumn = dto.dateColumn?.trim() ? dto.dateColumn : undefined;
      let dated: Pick<JobOptions, 'dateColumn' | 'datasetVersions' | 'datasetVersionIds'> = {};
      if (dateColumn !== undefined) {
        if (!this.seriesLookup) throw new Error('dated jobs need the dataset repository');
        const series = await resolveDatedSeries(this.seriesLookup, pinned.ids, ownerKeyId).catch((e: unknown) => {
          throw e instanceof DatedSeriesError ? new BadRequestException(e.message) : e;
        });
        // datasetIds/datasetLabels keep one entry per output group: the newest version of each series.
        pinned = { ids: series.ids, labels: series.labels };
        dated = { dateColumn, datasetVersions: series.versions, datasetVersionIds: series.versions.flatMap((vs) => vs.map((v) => v.id)) };
      }

      const options: JobOptions = {
        x: dto.x ?? 'auto',
        y: dto.y ?? 'auto',
        crs: dto.crs ?? DEFAULT_CRS,
        datasetIds: pinned.ids,
        datasetLabels: pinned.labels,
        datasetFacts: await this.datasets.factsOf(pinned.ids, ownerKeyId ?? undefined),
        kind: file.kind,
        ...(file.kind === 'csv' ? { encodingRequested: dto.encoding ?? 'auto', encoding: file.encoding, delimiter: file.delimiter } : {}),
        sheet: dto.sheet ?? null,
        lang: dto.lang ?? 'ko',
        format,
        nearestM: dto.nearestM ?? DEFAULT_NEAREST_M,
        ...dated,
        columns,
        ...(dto.callbackUrl ? { callbackUrl: dto.callbackUrl } : {}),
      };
      const same = ownerKeyId && !dto.force ? await this.jobs.findReusable(ownerKeyId, { sha256: upload.sha256, fileName: upload.originalname }, options) : null;
      if (same) {
        await unlink(upload.path).catch(() => undefined);
        this.logger.log({ msg: 'job deduplicated: same file and options as an existing job', jobId: same.id, requestId, sha256: upload.sha256, status: same.status });
        return { id: same.id, status: same.status, deduplicated: true };
      }
      const job = await this.jobs.create({
        fileName: upload.originalname,
        uploadPath: upload.storagePath,
        uploadSha256: upload.sha256,
        options,
        ownerKeyId,
      });
      this.logger.log({
        msg: 'job accepted',
        jobId: job.id,
        requestId,
        fileName: job.fileName,
        bytes: upload.size,
        sha256: upload.sha256,
        kind: file.kind,
        encoding: file.encoding,
        sheets: columns.map((c) => ({ sheet: c.sheet, name: c.name, x: c.x + 1, y: c.y + 1, by: [c.xBy, c.yBy] })),
        datasets: pinned.labels,
      });
      void this.publisher.start(job);
      return { id: job.id, status: job.status, deduplicated: false };
    } catch (err) {
      await unlink(upload.path).catch(() => undefined);
      throw err;
    }
  }

  /**
   * What Geobatch reads in an upload, without creating a job: the file type, encoding and
   * delimiter, the sheets, the chosen sheet's header and first rows, and the suggested x/y
   * columns and coordinate system. The upload is deleted afterwards.
   */
  async preview(upload: StoredUpload | undefined, fields: unknown): Promise<JobPreviewDto> {
    if (!upload) throw new BadRequestException('file: CSV 또는 XLSX 파일이 필요합니다 (multipart field "file" is required)');
    try {
      const dto = await validateFields(PreviewJobDto, fields);
      const file = await this.open(upload, dto.encoding);
      let chosen: { sheet: TabularSheet; rows: TabularRow[]; columns: CoordinateColumns | null; problem: string | null } | undefined;
      const candidates = dto.sheet?.trim() ? [this.findSheet(file, dto.sheet)] : file.sheets;
      for (const sheet of candidates) {
        const rows = await sampleRows(sheet, DETECTION_SAMPLE_ROWS).catch((e: unknown) => {
          // A file that opens but breaks within its first rows: refused like one that does not open.
          throw e instanceof SpreadsheetFormatError ? new BadRequestException(`file: ${e.message}`) : e;
        });
        let columns: CoordinateColumns | null = null;
        let problem: string | null = null;
        try {
          columns = await columnsOf({ ...sheet, rows: async function* () { yield* rows; } }, {});
        } catch (e) {
          if (!(e instanceof ColumnResolutionError)) throw e;
          problem = e.message;
        }
        const candidate = { sheet, rows, columns, problem };
        // The first sheet with coordinates, else the first sheet with anything in it.
        if (columns) {
          chosen = candidate;
          break;
        }
        if (!chosen || (chosen.sheet.header.length === 0 && sheet.header.length > 0)) chosen = candidate;
      }
      const { sheet, rows, columns, problem } = chosen!;
      return {
        kind: file.kind,
        encoding: file.encoding ?? null,
        delimiter: file.delimiter ?? null,
        sheets: file.sheets.map(sheetDto),
        sheet: sheetDto(sheet),
        header: sheet.header,
        rows: rows.slice(0, PREVIEW_ROWS).map((r) => r.cells.map(cellJson)),
        x: columns ? choiceRef(columns.x) : null,
        y: columns ? choiceRef(columns.y) : null,
        crs: columns?.crs ?? 'unknown',
        problem,
      };
    } finally {
      await unlink(upload.path).catch(() => undefined);
    }
  }

  async status(id: string, ownerKeyId: string): Promise<JobStatusDto> {
    const job = await this.find(id, ownerKeyId);
    const progress = await this.jobs.progress(id);
    const sheets = job.sheets ?? null;
    const blank = sheets?.reduce((sum, s) => sum + s.blankRows, 0) ?? 0;
    const dataRows = sheets ? sheets.reduce((sum, s) => sum + s.rows, 0) : null;
    return {
      id: job.id,
      status: job.status,
      progress: progressOf(job, progress.processed, dataRows, new Date()),
      rows: {
        total: sheets ? sheets.reduce((sum, s) => sum + s.rows, 0) + blank : null,
        processed: progress.processed,
        ok: progress.ok,
        problems: progress.problems,
        blank,
      },
      fileName: job.fileName,
      datasets: job.options.datasetLabels,
      options: optionsDto(job.options),
      error: job.error,
      createdAt: job.createdAt.toISOString(),
      finishedAt: job.finishedAt ? job.finishedAt.toISOString() : null,
      resultUrl: job.status === JobStatus.Completed ? resultUrlOf(job.id) : null,
    };
  }

  async result(id: string, ownerKeyId: string): Promise<ResultDownload> {
    const job = await this.find(id, ownerKeyId);
    if (job.status === JobStatus.Expired) {
      throw new GoneException(`job ${id} expired after ${this.config.RETENTION_DAYS} days; its result was deleted (작업 보관 기간이 지나 결과 파일이 삭제되었습니다)`);
    }
    if (job.status !== JobStatus.Completed) {
      throw new ConflictException(`job ${id} is ${job.status}; its result is available once it has completed`);
    }
    const path = this.storagePath(job.resultPath);
    const info = path ? await stat(path).catch(() => null) : null;
    if (!path || !info?.isFile()) {
      this.logger.error({ msg: 'result file missing for a completed job', jobId: id, resultPath: job.resultPath });
      throw new GoneException(`the result file of job ${id} is no longer in storage`);
    }
    const format: OutputFormat = extname(path).toLowerCase() === '.csv' ? 'csv' : 'xlsx';
    return { stream: createReadStream(path), size: info.size, fileName: job.fileName, format };
  }

  /** The caller's jobs, newest first, without their options. */
  async list(ownerKeyId: string, query: unknown): Promise<JobListDto> {
    const q = await validateFields(ListJobsQueryDto, query);
    const limit = q.limit ?? DEFAULT_JOBS_PAGE;
    // One more than asked tells whether there is a next page.
    const found = await this.jobs.listOwned(ownerKeyId, { limit: limit + 1, before: q.before, offset: q.offset });
    const page = found.slice(0, limit);
    const progress = await this.jobs.progressOf(page.map((j) => j.id));
    return {
      items: page.map((j) => this.summaryOf(j, progress.get(j.id))),
      next: found.length > limit ? page[page.length - 1].id : null,
    };
  }

  /**
   * Cancels a queued or running job: its status becomes `cancelled` (so the merger never completes
   * it), publishing stops, and its upload, any result and its stored row results are deleted.
   */
  async cancel(id: string, ownerKeyId: string, requestId?: string): Promise<JobSummaryDto> {
    const job = await this.find(id, ownerKeyId);
    if (!(await this.jobs.cancel(id))) {
      const now = (await this.jobs.findById(id))?.status ?? job.status;
      throw new ConflictException(`job ${id} is ${now}; only a queued or running job can be cancelled (이미 끝난 작업은 취소할 수 없습니다)`);
    }
    await this.publisher.cancel(id);
    await this.deleteFiles(id, [job.uploadPath, job.resultPath]);
    await this.jobs.deleteChunkResults(id);
    this.logger.log({ msg: 'job cancelled', jobId: id, requestId, was: job.status });
    const cancelled = (await this.jobs.findById(id)) ?? job;
    return this.summaryOf(cancelled, undefined);
  }

  /** Deletes a job's files under STORAGE_DIR; a file already gone is fine, any other failure is logged. */
  async deleteFiles(jobId: string, stored: (string | null)[]): Promise<void> {
    for (const path of stored.map((p) => this.storagePath(p))) {
      if (!path) continue;
      await rm(path, { force: true }).catch((e: unknown) =>
        this.logger.warn({ msg: 'could not delete a job file', jobId, path, error: e instanceof Error ? e.message : String(e) }),
      );
    }
  }

  private summaryOf(job: JobEntity, progress: JobProgress | undefined): JobSummaryDto {
    const sheets = job.sheets ?? null;
    const blank = sheets?.reduce((sum, s) => sum + s.blankRows, 0) ?? 0;
    return {
      id: job.id,
      status: job.status,
      fileName: job.fileName,
      datasets: job.options.datasetLabels,
      rows: {
        total: sheets ? sheets.reduce((sum, s) => sum + s.rows, 0) + blank : null,
        processed: progress?.processed ?? 0,
        ok: progress?.ok ?? 0,
        problems: progress?.problems ?? 0,
        blank,
      },
      error: job.error,
      createdAt: job.createdAt.toISOString(),
      finishedAt: job.finishedAt ? job.finishedAt.toISOString() : null,
      resultUrl: job.status === JobStatus.Completed ? resultUrlOf(job.id) : null,
    };
  }

  /** A job of another key answers exactly like a job that does not exist. */
  private async find(id: string, ownerKeyId: string): Promise<JobEntity> {
    const job = await this.jobs.findOwned(id, ownerKeyId);
    if (!job) throw new NotFoundException(`job ${id} not found`);
    return job;
  }

  private async open(upload: StoredUpload, encoding: string | undefined): Promise<TabularFile> {
    try {
      return await openTabularFile(upload.path, { encoding, csvSheetName: sheetNameFor(upload.originalname) });
    } catch (e) {
      if (e instanceof SpreadsheetFormatError) throw new BadRequestException(`file: ${e.message}`);
      throw e;
    }
  }

  private findSheet(file: TabularFile, spec: string): TabularSheet {
    try {
      return findSheet(file, spec);
    } catch (e) {
      if (e instanceof SpreadsheetFormatError) throw new BadRequestException(e.message);
      throw e;
    }
  }

  private async plan(file: TabularFile, dto: CreateJobDto): Promise<JobSheetColumns[]> {
    try {
      return await planColumns(file, { x: dto.x, y: dto.y, sheet: dto.sheet, date: dto.dateColumn });
    } catch (e) {
      if (e instanceof ColumnResolutionError || e instanceof SpreadsheetFormatError) throw new BadRequestException(e.message);
      throw e;
    }
  }

  /** Absolute path of a file stored under STORAGE_DIR; null when the recorded path would leave it. */
  private storagePath(stored: string | null): string | null {
    if (!stored) return null;
    const root = resolve(this.config.STORAGE_DIR);
    const full = resolve(root, stored);
    const rel = relative(root, full);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? full : null;
  }
}
