import { createReadStream, type ReadStream } from 'node:fs';
import { rm, stat, unlink } from 'node:fs/promises';
import { extname } from 'node:path';
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
import {
  DEFAULT_JOBS_PAGE,
  JobStatus,
  type CreateJobDto,
  type JobCreatedDto,
  type JobListDto,
  type JobPreviewDto,
  type JobStatusDto,
  type JobSummaryDto,
  type ListJobsQueryDto,
  type OutputFormat,
  type PreviewJobDto,
} from '@geobatch/contracts';
import { DatasetRepository } from '@geobatch/geo-query';
import { JobRepository, type JobEntity, type JobOptions } from '@geobatch/job-store';
import { resolveStoredPath } from '@geobatch/util-spreadsheet';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import { DatasetResolverService } from '../datasets/dataset-resolver.service';
import { ChunkPublisherService } from './chunk-publisher.service';
import type { SeriesLookup } from './dated-series';
import type { StoredUpload } from './hashing-disk-storage';
import { jobOptionsOf, openUpload, pinDatasets, planSheets } from './job-options';
import { statusOf, summaryOf } from './job-views';
import { previewUpload } from './upload-preview';

export { DEFAULT_CRS } from './job-options';
export { progressOf, resultUrlOf } from './job-views';
export { PREVIEW_ROWS } from './upload-preview';

const FILE_REQUIRED = 'file: CSV 또는 XLSX 파일이 필요합니다 (multipart field "file" is required)';

export interface ResultDownload {
  stream: ReadStream;
  size: number;
  fileName: string;
  format: OutputFormat;
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
   * `ownerKeyId`: the caller's API key, which owns the job. The same upload (SHA-256 and name) with
   * the same options from the same key answers its existing job (`deduplicated`) unless `force`.
   */
  async create(upload: StoredUpload | undefined, dto: CreateJobDto, requestId?: string, ownerKeyId: string | null = null): Promise<JobCreatedDto> {
    if (!upload) throw new BadRequestException(FILE_REQUIRED);
    try {
      const options = await this.optionsFor(upload, dto, ownerKeyId);
      const same = ownerKeyId && !dto.force ? await this.jobs.findReusable(ownerKeyId, { sha256: upload.sha256, fileName: upload.originalname }, options) : null;
      if (same) {
        await unlink(upload.path).catch(() => undefined);
        this.logger.log({ msg: 'job deduplicated: same file and options as an existing job', jobId: same.id, requestId, sha256: upload.sha256, status: same.status });
        return { id: same.id, status: same.status, deduplicated: true };
      }
      const job = await this.jobs.create({ fileName: upload.originalname, uploadPath: upload.storagePath, uploadSha256: upload.sha256, options, ownerKeyId });
      this.logAccepted(job, upload, requestId);
      void this.publisher.start(job);
      return { id: job.id, status: job.status, deduplicated: false };
    } catch (err) {
      await unlink(upload.path).catch(() => undefined);
      throw err;
    }
  }

  /** Reads the upload and works out everything the job will do: its sheets and columns, datasets and upload plan. */
  private async optionsFor(upload: StoredUpload, dto: CreateJobDto, ownerKeyId: string | null): Promise<JobOptions> {
    const file = await openUpload(upload, dto.encoding, { headerRow: dto.headerRow, x: dto.x, y: dto.y });
    const columns = await planSheets(file, dto);
    const datasets = await pinDatasets(this.datasets, this.seriesLookup, dto, ownerKeyId);
    const facts = await this.datasets.factsOf(datasets.ids, ownerKeyId ?? undefined);
    return jobOptionsOf(dto, file, columns, datasets, facts);
  }

  private logAccepted(job: JobEntity, upload: StoredUpload, requestId: string | undefined): void {
    const { upload: plan, datasetLabels } = job.options;
    this.logger.log({
      msg: 'job accepted',
      jobId: job.id,
      requestId,
      fileName: job.fileName,
      bytes: upload.size,
      sha256: upload.sha256,
      kind: plan.kind,
      encoding: plan.encoding ?? undefined,
      sheets: plan.sheets.map((c) => ({ sheet: c.sheet, name: c.name, x: c.x + 1, y: c.y + 1, by: [c.xBy, c.yBy] })),
      datasets: datasetLabels,
    });
  }

  /** What Geobatch reads in an upload (see previewUpload), without creating a job; the upload is deleted afterwards. */
  async preview(upload: StoredUpload | undefined, dto: PreviewJobDto): Promise<JobPreviewDto> {
    if (!upload) throw new BadRequestException(FILE_REQUIRED);
    try {
      return await previewUpload(await openUpload(upload, dto.encoding, { headerRow: dto.headerRow }), dto.sheet);
    } finally {
      await unlink(upload.path).catch(() => undefined);
    }
  }

  async status(id: string, ownerKeyId: string): Promise<JobStatusDto> {
    const job = await this.find(id, ownerKeyId);
    return statusOf(job, await this.jobs.progress(id), new Date());
  }

  async result(id: string, ownerKeyId: string): Promise<ResultDownload> {
    const job = await this.find(id, ownerKeyId);
    if (job.status === JobStatus.Expired) {
      throw new GoneException(`job ${id} expired after ${this.config.RETENTION_DAYS} days; its result was deleted (작업 보관 기간이 지나 결과 파일이 삭제되었습니다)`);
    }
    if (job.status !== JobStatus.Completed) {
      throw new ConflictException(`job ${id} is ${job.status}; its result is available once it has completed`);
    }
    const path = this.storedPath(job.resultPath);
    const info = path ? await stat(path).catch(() => null) : null;
    if (!path || !info?.isFile()) {
      this.logger.error({ msg: 'result file missing for a completed job', jobId: id, resultPath: job.resultPath });
      throw new GoneException(`the result file of job ${id} is no longer in storage`);
    }
    const format: OutputFormat = extname(path).toLowerCase() === '.csv' ? 'csv' : 'xlsx';
    return { stream: createReadStream(path), size: info.size, fileName: job.fileName, format };
  }

  /** The caller's jobs, newest first, without their options. */
  async list(ownerKeyId: string, q: ListJobsQueryDto): Promise<JobListDto> {
    const limit = q.limit ?? DEFAULT_JOBS_PAGE;
    // One more than asked tells whether there is a next page.
    const found = await this.jobs.listOwned(ownerKeyId, { limit: limit + 1, before: q.before, offset: q.offset });
    const page = found.slice(0, limit);
    const progress = await this.jobs.progressOf(page.map((j) => j.id));
    return {
      items: page.map((j) => summaryOf(j, progress.get(j.id))),
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
    return summaryOf(cancelled, undefined);
  }

  /** Deletes a job's files under STORAGE_DIR; a file already gone is fine, any other failure is logged. */
  async deleteFiles(jobId: string, stored: (string | null)[]): Promise<void> {
    for (const path of stored.map((p) => this.storedPath(p))) {
      if (!path) continue;
      await rm(path, { force: true }).catch((e: unknown) =>
        this.logger.warn({ msg: 'could not delete a job file', jobId, path, error: e instanceof Error ? e.message : String(e) }),
      );
    }
  }

  /** A job of another key answers exactly like a job that does not exist. */
  private async find(id: string, ownerKeyId: string): Promise<JobEntity> {
    const job = await this.jobs.findOwned(id, ownerKeyId);
    if (!job) throw new NotFoundException(`job ${id} not found`);
    return job;
  }

  /** Absolute path of a file stored under STORAGE_DIR; null when there is none or the recorded path would leave it. */
  private storedPath(stored: string | null): string | null {
    if (!stored) return null;
    try {
      return resolveStoredPath(this.config.STORAGE_DIR, stored);
    } catch {
      return null;
    }
  }
}
