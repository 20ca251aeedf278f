import { createReadStream, type ReadStream } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import {
  BadRequestException,
  ConflictException,
  GoneException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { CreateJobDto, JobStatus, type JobCreatedDto, type JobStatusDto } from '@geobatch/contracts';
import { JobRepository, type JobEntity } from '@geobatch/job-store';
import { ColumnResolutionError, CsvFormatError, openCsv, resolveColumn } from '@geobatch/util-spreadsheet';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import { DatasetResolverService, UnknownDatasetError } from '../datasets/dataset-resolver.service';
import { ChunkPublisherService } from './chunk-publisher.service';
import type { StoredUpload } from './hashing-disk-storage';

/** Coordinates are taken as WGS84 longitude/latitude until the API lets callers choose. */
export const DEFAULT_CRS = 'EPSG:4326';

/** Leading bytes of workbooks people upload instead of a CSV: ZIP (xlsx) and OLE2 (xls). */
const WORKBOOK_MAGIC = [Buffer.from('504b0304', 'hex'), Buffer.from('d0cf11e0a1b11ae1', 'hex')];

export interface ResultDownload {
  stream: ReadStream;
  size: number;
  fileName: string;
}

export function resultUrlOf(jobId: string): string {
  return `/jobs/${jobId}/result`;
}

/** One readable line per invalid form field, e.g. `x: required (header name or 1-based column number)`. */
async function validateFields(fields: unknown): Promise<CreateJobDto> {
  const plain = fields !== null && typeof fields === 'object' ? fields : {};
  const dto = plainToInstance(CreateJobDto, plain);
  const errors = await validate(dto, { whitelist: true, forbidUnknownValues: true });
  if (errors.length === 0) return dto;
  const problems = errors.map((e) => {
    if (e.value === undefined || e.value === '') {
      return `${e.property}: 필수 항목입니다 (required: header name or 1-based column number)`;
    }
    return `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`;
  });
  throw new BadRequestException(problems.join('; '));
}

async function looksLikeWorkbook(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    return WORKBOOK_MAGIC.some((m) => bytesRead >= m.length && head.subarray(0, m.length).equals(m));
  } finally {
    await fh.close();
  }
}

@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly jobs: JobRepository,
    private readonly datasets: DatasetResolverService,
    private readonly publisher: ChunkPublisherService,
  ) {}

  /**
   * Accepts an upload only once its header and the requested columns and dataset check out,
   * so every accepted job can be published; a refused upload is deleted from storage.
   */
  async create(upload: StoredUpload | undefined, fields: unknown, requestId?: string): Promise<JobCreatedDto> {
    if (!upload) throw new BadRequestException('file: CSV 파일이 필요합니다 (multipart field "file" is required)');
    try {
      const dto = await validateFields(fields);
      if (await looksLikeWorkbook(upload.path)) {
        throw new BadRequestException('file: 엑셀 통합 문서는 받지 않습니다. CSV로 저장해 올려 주세요 (only CSV uploads are accepted)');
      }
      const header = await this.readHeader(upload.path);
      const [xi, yi] = [this.column(header, dto.x, 'x'), this.column(header, dto.y, 'y')];
      if (xi === yi) {
        throw new BadRequestException(`x, y: 같은 열(${xi + 1}번째)을 가리킵니다 (x and y refer to the same column)`);
      }
      const pinned = await this.datasets.resolve(dto.dataset).catch((e: unknown) => {
        throw e instanceof UnknownDatasetError ? new BadRequestException(e.message) : e;
      });

      const job = await this.jobs.create({
        fileName: upload.originalname,
        uploadPath: upload.storagePath,
        uploadSha256: upload.sha256,
        options: { x: dto.x, y: dto.y, crs: DEFAULT_CRS, datasetIds: pinned.ids, datasetLabels: pinned.labels },
      });
      this.logger.log({
        msg: 'job accepted',
        jobId: job.id,
        requestId,
        fileName: job.fileName,
        bytes: upload.size,
        sha256: upload.sha256,
        datasets: pinned.labels,
      });
      void this.publisher.start(job);
      return { id: job.id, status: job.status };
    } catch (err) {
      await unlink(upload.path).catch(() => undefined);
      throw err;
    }
  }

  async status(id: string): Promise<JobStatusDto> {
    const job = await this.find(id);
    const progress = await this.jobs.progress(id);
    const sheets = job.sheets ?? null;
    const blank = sheets?.reduce((sum, s) => sum + s.blankRows, 0) ?? 0;
    return {
      id: job.id,
      status: job.status,
      rows: {
        total: sheets ? sheets.reduce((sum, s) => sum + s.rows, 0) + blank : null,
        processed: progress.processed,
        ok: progress.ok,
        problems: progress.problems,
        blank,
      },
      fileName: job.fileName,
      datasets: job.options.datasetLabels,
      error: job.error,
      createdAt: job.createdAt.toISOString(),
      finishedAt: job.finishedAt ? job.finishedAt.toISOString() : null,
      resultUrl: job.status === JobStatus.Completed ? resultUrlOf(job.id) : null,
    };
  }

  async result(id: string): Promise<ResultDownload> {
    const job = await this.find(id);
    if (job.status !== JobStatus.Completed) {
      throw new ConflictException(`job ${id} is ${job.status}; its result is available once it has completed`);
    }
    const path = this.storagePath(job.resultPath);
    const info = path ? await stat(path).catch(() => null) : null;
    if (!path || !info?.isFile()) {
      this.logger.error({ msg: 'result file missing for a completed job', jobId: id, resultPath: job.resultPath });
      throw new GoneException(`the result file of job ${id} is no longer in storage`);
    }
    return { stream: createReadStream(path), size: info.size, fileName: job.fileName };
  }

  private async find(id: string): Promise<JobEntity> {
    const job = await this.jobs.findById(id);
    if (!job) throw new NotFoundException(`job ${id} not found`);
    return job;
  }

  private async readHeader(path: string): Promise<string[]> {
    try {
      return (await openCsv(path)).header;
    } catch (e) {
      if (e instanceof CsvFormatError) throw new BadRequestException(`file: ${e.message}`);
      throw e;
    }
  }

  private column(header: string[], spec: string, label: string): number {
    try {
      return resolveColumn(header, spec, label);
    } catch (e) {
      if (e instanceof ColumnResolutionError) throw new BadRequestException(e.message);
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
