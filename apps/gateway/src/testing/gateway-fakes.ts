import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import ExcelJS from 'exceljs';
import { JobStatus, type SheetTotalsV1 } from '@geobatch/contracts';
import type { JobEntity, JobOptions, JobProgress, JobRepository, NewJob } from '@geobatch/job-store';
import { testUploadPlan } from '@geobatch/job-store/testing';
import { csvSheetName, type SheetColumns } from '@geobatch/util-spreadsheet';
import type { EventPublisher } from '@geobatch/util-kafka';
import { loadConfig } from '@geobatch/util-config';
import type { GatewayConfig } from '../config/gateway-config.module';
import { GatewayEnvSchema } from '../config/gateway-env.schema';

/** The API key id that owns fake jobs unless a test says otherwise. */
export const FAKE_OWNER = '0c0ffee0-0000-4000-8000-000000000001';

/** Unit-test doubles for the gateway's collaborators. Every call lands in one ordered `calls` log. */
export type Call =
  | { op: 'publish'; topic: string; key: string; value: any }
  | { op: 'markRunning'; id: string }
  | { op: 'seal'; id: string; sheets: SheetTotalsV1[] }
  | { op: 'fail'; id: string; error: string }
  | { op: 'create'; job: NewJob };

export class FakeWorld {
  readonly calls: Call[] = [];
  readonly jobs = new Map<string, JobEntity>();
  /** Publish watermarks recorded, in order (kept apart from `calls`: they are batched by time). */
  readonly watermarks: { id: string; chunkSize: number; sheet: number; chunks: number }[] = [];
  /** Makes the n-th publish (0-based) reject. */
  failPublishAt: number | null = null;
  private publishes = 0;

  readonly publisher = {
    publish: async (topic: string, key: string, value: object): Promise<void> => {
      if (this.failPublishAt !== null && this.publishes++ === this.failPublishAt) throw new Error('broker unavailable');
      this.calls.push({ op: 'publish', topic, key, value: structuredClone(value) });
    },
  } as unknown as EventPublisher;

  readonly repository = {
    create: async (job: NewJob): Promise<JobEntity> => {
      this.calls.push({ op: 'create', job });
      const entity = fakeJob({ ...job, id: randomUUID() });
      this.jobs.set(entity.id, entity);
      return entity;
    },
    findById: async (id: string) => this.jobs.get(id) ?? null,
    findOwned: async (id: string, owner: string) => {
      const job = this.jobs.get(id);
      return job && job.ownerKeyId === owner ? job : null;
    },
    findReusable: async () => null,
    markRunning: async (id: string) => {
      this.calls.push({ op: 'markRunning', id });
    },
    seal: async (id: string, sheets: SheetTotalsV1[]) => {
      this.calls.push({ op: 'seal', id, sheets });
    },
    fail: async (id: string, error: string) => {
      this.calls.push({ op: 'fail', id, error });
    },
    recordPublished: async (id: string, chunkSize: number, sheet: number, chunks: number) => {
      this.watermarks.push({ id, chunkSize, sheet, chunks });
    },
    progress: async (): Promise<JobProgress> => ({ chunksDone: 1, processed: 3, ok: 2, problems: 1 }),
  } as unknown as JobRepository;

  ofOp<K extends Call['op']>(op: K): Extract<Call, { op: K }>[] {
    return this.calls.filter((c): c is Extract<Call, { op: K }> => c.op === op);
  }
}

/** Options of a CSV job (its sheet `name`) reading `lon`, `lat` from columns 1 and 2 of a header on row 1. */
export function fakeOptions(name = 'input'): JobOptions {
  const columns: SheetColumns[] = [{ sheet: 0, name, x: 0, y: 1, xName: 'lon', yName: 'lat', xBy: 'given', yBy: 'given' }];
  return {
    x: 'lon', y: 'lat', crs: 'EPSG:4326', datasetIds: [randomUUID()], datasetLabels: ['test@1'], datasetFacts: [],
    encodingRequested: 'auto', sheet: null, lang: 'ko', format: 'xlsx', nearestM: 200,
    upload: fakePlan({ kind: 'csv', encoding: 'utf-8', delimiter: ',', columns }),
  };
}

/** An upload plan of a fixture: its kind (CSV, UTF-8, `,` unless given) and columns, each header on row 1. */
export const fakePlan = testUploadPlan;

/** A job of fixture options (a CSV job reading `lon`, `lat` unless `over.options` says otherwise). */
export function fakeJob(over: Partial<JobEntity> = {}): JobEntity {
  const options = over.options ?? fakeOptions(csvSheetName(over.fileName ?? 'input.csv'));
  return {
    id: randomUUID(),
    status: JobStatus.Queued,
    fileName: 'input.csv',
    uploadPath: 'uploads/input',
    uploadSha256: 'sha',
    ownerKeyId: FAKE_OWNER,
    sheets: null,
    totalChunks: null,
    publishedChunks: null,
    error: null,
    resultPath: null,
    createdAt: new Date('2026-01-02T03:04:05Z'),
    sealedAt: null,
    mergeStartedAt: null,
    finishedAt: null,
    ...over,
    options,
  } as JobEntity;
}

/** A throw-away STORAGE_DIR with helpers to write files into it. */
export class TempStorage {
  readonly dir = mkdtempSync(join(tmpdir(), 'gateway-spec-'));

  write(rel: string, content: string | Buffer): string {
    const path = join(this.dir, rel);
    writeFileSync(path, content);
    return path;
  }

  config(env: Record<string, string> = {}): GatewayConfig {
    return loadConfig(GatewayEnvSchema, { STORAGE_DIR: this.dir, ...env });
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Captures structured log lines (Nest's Logger hands objects through unchanged). */
export class CapturingLogger implements LoggerService {
  readonly lines: { level: string; message: any; rest: unknown[] }[] = [];
  log(message: any, ...rest: unknown[]) {
    this.lines.push({ level: 'log', message, rest });
  }
  error(message: any, ...rest: unknown[]) {
    this.lines.push({ level: 'error', message, rest });
  }
  warn(message: any, ...rest: unknown[]) {
    this.lines.push({ level: 'warn', message, rest });
  }
  debug(message: any, ...rest: unknown[]) {
    this.lines.push({ level: 'debug', message, rest });
  }
  verbose(message: any, ...rest: unknown[]) {
    this.lines.push({ level: 'verbose', message, rest });
  }
}

/** Writes a small XLSX workbook: each sheet a name and rows of values (the first row is the header). */
export async function writeXlsx(path: string, sheets: { name: string; rows: unknown[][] }[]): Promise<string> {
  const wb = new ExcelJS.Workbook();
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name);
    for (const row of s.rows) ws.addRow(row);
  }
  await wb.xlsx.writeFile(path);
  return path;
}
