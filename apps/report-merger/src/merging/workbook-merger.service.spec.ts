import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { APPENDED_COLUMNS, JobStatus, RowStatus, type RowResultV1, type SheetTotalsV1 } from '@geobatch/contracts';
import type { JobEntity, JobRepository } from '@geobatch/job-store';
import { loadConfig } from '@geobatch/util-config';
import { ReportMergerEnvSchema } from '../config/report-merger-env.schema';
import { MergeRecoveryService } from './merge-recovery.service';
import { WorkbookMergerService } from './workbook-merger.service';

const result = (n: number, name = `동${n}`): RowResultV1 => ({
  n,
  matches: [{ status: RowStatus.Ok, sido: { code: '11', name: '서울특별시' }, eupmyeondong: { code: `11110${String(n).padStart(5, '0')}`, name } }],
});

/** Just enough of JobRepository for the merger, in memory, recording what it was asked to do. */
class FakeJobs {
  job: JobEntity;
  chunks: { chunk: number; rows: RowResultV1[] }[] = [];
  claimed = false;
  calls: string[] = [];
  failChunksWith: Error | undefined;

  constructor(id: string, sheets: SheetTotalsV1[]) {
    this.job = {
      id,
      status: JobStatus.Running,
      fileName: 'points.csv',
      uploadPath: `uploads/${id}.csv`,
      uploadSha256: 'x',
      options: { x: '2', y: '3', crs: 'EPSG:4326', datasetIds: [], datasetLabels: [] },
      sheets,
      totalChunks: sheets.reduce((n, s) => n + s.chunks, 0),
      error: null,
      resultPath: null,
      createdAt: new Date(),
      sealedAt: new Date(),
      mergeStartedAt: null,
      finishedAt: null,
    };
  }

  async claimMerge(id: string) {
    this.calls.push('claimMerge');
    if (id !== this.job.id || this.claimed || this.job.status !== JobStatus.Running) return null;
    this.claimed = true;
    this.job.mergeStartedAt = new Date();
    return { ...this.job };
  }
  async releaseMerge() {
    this.calls.push('releaseMerge');
    this.claimed = false;
    this.job.mergeStartedAt = null;
  }
  async complete(_id: string, resultPath: string) {
    this.calls.push(`complete:${resultPath}`);
    this.job.status = JobStatus.Completed;
    this.job.resultPath = resultPath;
  }
  async fail(_id: string, error: string) {
    this.calls.push('fail');
    this.job.status = JobStatus.Failed;
    this.job.error = error;
  }
  async findById() {
    return { ...this.job };
  }
  async progress() {
    return { chunksDone: this.chunks.length, processed: 0, ok: 0, problems: 0 };
  }
  async findSealedRunning() {
    return this.job.status === JobStatus.Running ? [{ ...this.job }] : [];
  }
  async *chunksOf(_id: string, _sheet: number) {
    if (this.failChunksWith) throw this.failChunksWith;
    yield* [...this.chunks].sort((a, b) => a.chunk - b.chunk);
  }
}

describe('WorkbookMergerService', () => {
  let storage: string;
  let jobs: FakeJobs;
  let merger: WorkbookMergerService;
  const id = randomUUID();

  /** Input: header, 5 data rows and 2 blank lines (rows 3 and 6), like the gateway would have published them. */
  const CSV = '번호,경도,위도\n1,127.1,37.5\n2,127.2,37.6\n,,\n4,127.4,37.8\n5,127.5,37.9\n\n7,127.7,38.1\n';
  const SEAL: SheetTotalsV1[] = [{ sheet: 0, name: 'points', rows: 5, chunks: 3, blankRows: 2 }];

  async function setUp(env: Record<string, string> = {}) {
    storage = await mkdtemp(join(tmpdir(), 'geobatch-merger-'));
    await mkdir(join(storage, 'uploads'));
    await writeFile(join(storage, 'uploads', `${id}.csv`), CSV);
    jobs = new FakeJobs(id, SEAL);
    jobs.chunks = [
      { chunk: 2, rows: [result(7)] },
      { chunk: 0, rows: [result(1), result(2)] },
      { chunk: 1, rows: [result(4), result(5)] },
    ];
    const config = loadConfig(ReportMergerEnvSchema, { STORAGE_DIR: storage, ...env });
    merger = new WorkbookMergerService(config, jobs as unknown as JobRepository);
  }

  beforeEach(() => setUp());
  afterEach(async () => {
    await merger.beforeApplicationShutdown();
    mock.timers.reset();
    await rm(storage, { recursive: true, force: true });
  });

  async function readResult(): Promise<ExcelJS.Worksheet> {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(storage, 'results', `${id}.xlsx`));
    return wb.worksheets[0];
  }

  it('writes the workbook in input order without blank rows, then completes the job', async () => {
    assert.equal(await merger.tryFinalize(id), 'completed');
    assert.deepEqual(jobs.calls, ['claimMerge', `complete:results/${id}.xlsx`]);
    const ws = await readResult();
    assert.equal(ws.name, 'points');
    assert.deepEqual((ws.getRow(1).values as unknown[]).slice(1), ['번호', '경도', '위도', ...APPENDED_COLUMNS]);
    const rows = [2, 3, 4, 5, 6].map((r) => [ws.getRow(r).getCell(1).value, ws.getRow(r).getCell(2).value, ws.getRow(r).getCell(3 + 3).value]);
    assert.deepEqual(rows, [[1, 127.1, '동1'], [2, 127.2, '동2'], [4, 127.4, '동4'], [5, 127.5, '동5'], [7, 127.7, '동7']]);
    assert.equal(ws.actualRowCount, 6);
    assert.deepEqual(await readdir(join(storage, 'results')), [`${id}.xlsx`], 'no partial file left behind');
  });

  it('does nothing when the merge cannot be claimed', async () => {
    jobs.claimed = true;
    assert.equal(await merger.tryFinalize(id), 'not-ready');
    assert.deepEqual(jobs.calls, ['claimMerge']);
    assert.equal(existsSync(join(storage, 'results', `${id}.xlsx`)), false);
  });

  it('writes a job once when several handlers of this process finish it at the same moment', async () => {
    jobs.claimMerge = async () => ({ ...jobs.job, mergeStartedAt: new Date() });
    const outcomes = await Promise.all([merger.tryFinalize(id), merger.tryFinalize(id), merger.tryFinalize(id)]);
    assert.deepEqual(outcomes.sort(), ['completed', 'not-ready', 'not-ready']);
    assert.deepEqual(jobs.calls.filter((c) => c.startsWith('complete')), [`complete:results/${id}.xlsx`]);
  });

  it('fails the job, writing nothing, when a result does not match its input row', async () => {
    jobs.chunks[1] = { chunk: 0, rows: [result(1), result(3)] }; // row 3 is blank in the input
    assert.equal(await merger.tryFinalize(id), 'failed');
    assert.deepEqual(jobs.calls, ['claimMerge', 'fail']);
    assert.match(jobs.job.error ?? '', /result for row 3 is where input row 2 belongs/);
    assert.equal(existsSync(join(storage, 'results', `${id}.xlsx`)), false);
    assert.deepEqual(await readdir(join(storage, 'results')), [], 'the partial file is removed');
  });

  it('fails the job when a chunk holds fewer rows than the input has', async () => {
    jobs.chunks[0] = { chunk: 2, rows: [] };
    assert.equal(await merger.tryFinalize(id), 'failed');
    assert.match(jobs.job.error ?? '', /input row 7 has no result/);
    assert.equal(existsSync(join(storage, 'results', `${id}.xlsx`)), false);
  });

  it('fails the job before writing when the upload does not have the sealed row counts', async () => {
    jobs.job.sheets = [{ ...SEAL[0], rows: 6 }];
    assert.equal(await merger.tryFinalize(id), 'failed');
    assert.match(jobs.job.error ?? '', /5 data rows and 2 blank rows, but 6 and 2 were published/);
    assert.equal(existsSync(join(storage, 'results')), false);
  });

  it('fails the job when the stored upload is missing', async () => {
    await rm(join(storage, 'uploads', `${id}.csv`));
    assert.equal(await merger.tryFinalize(id), 'failed');
    assert.match(jobs.job.error ?? '', /is missing/);
  });

  it('refuses an upload path outside the storage folder', async () => {
    jobs.job.uploadPath = '../../etc/passwd';
    assert.equal(await merger.tryFinalize(id), 'failed');
    assert.match(jobs.job.error ?? '', /outside the storage folder/);
  });

  it('releases the merge on a write error and retries it later, then succeeds', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    jobs.failChunksWith = new Error('connection reset');
    assert.equal(await merger.tryFinalize(id), 'retrying');
    assert.deepEqual(jobs.calls, ['claimMerge', 'releaseMerge']);
    assert.equal(jobs.job.status, JobStatus.Running);
    assert.deepEqual(await readdir(join(storage, 'results')), [], 'the partial file is removed');

    jobs.failChunksWith = undefined;
    mock.timers.tick(2_000);
    // setTimeout is mocked: wait for the retry with setImmediate, against the real clock.
    const deadline = Date.now() + 5_000;
    while (jobs.job.status === JobStatus.Running && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    assert.equal(jobs.job.status, JobStatus.Completed);
    assert.deepEqual(jobs.calls, ['claimMerge', 'releaseMerge', 'claimMerge', `complete:results/${id}.xlsx`]);
  });

  it('fails the job once the write attempts are exhausted', async () => {
    await merger.beforeApplicationShutdown();
    await rm(storage, { recursive: true, force: true });
    await setUp({ MERGE_MAX_ATTEMPTS: '2' });
    jobs.failChunksWith = new Error('connection reset');
    assert.equal(await merger.tryFinalize(id), 'retrying');
    assert.equal(await merger.tryFinalize(id), 'failed');
    assert.deepEqual(jobs.calls, ['claimMerge', 'releaseMerge', 'claimMerge', 'fail']);
    assert.match(jobs.job.error ?? '', /after 2 attempts: connection reset/);
  });

  it('discards the workbook when the job stopped running during the merge', async () => {
    // Cancelled while the workbook was written: complete() then changes nothing.
    jobs.complete = async () => {
      jobs.calls.push('complete:ignored');
      jobs.job.status = JobStatus.Cancelled;
    };
    assert.equal(await merger.tryFinalize(id), 'abandoned');
    assert.equal(existsSync(join(storage, 'results', `${id}.xlsx`)), false);
  });
});

describe('MergeRecoveryService', () => {
  it('releases an interrupted merge, removes half-written files and rebuilds the workbook', async () => {
    const storage = await mkdtemp(join(tmpdir(), 'geobatch-recovery-'));
    try {
      const id = randomUUID();
      await mkdir(join(storage, 'uploads'));
      await mkdir(join(storage, 'results'));
      await writeFile(join(storage, 'uploads', `${id}.csv`), 'a,b\n1,2\n');
      await writeFile(join(storage, 'results', `.${id}.123-abcd.xlsx.part`), 'half a workbook');
      const jobs = new FakeJobs(id, [{ sheet: 0, name: 'p', rows: 1, chunks: 1, blankRows: 0 }]);
      jobs.chunks = [{ chunk: 0, rows: [result(1)] }];
      // The previous merger died while writing: the claim is still held.
      jobs.claimed = true;
      jobs.job.mergeStartedAt = new Date();
      const config = loadConfig(ReportMergerEnvSchema, { STORAGE_DIR: storage });
      const merger = new WorkbookMergerService(config, jobs as unknown as JobRepository);
      await new MergeRecoveryService(jobs as unknown as JobRepository, merger).onApplicationBootstrap();
      assert.deepEqual(jobs.calls, ['releaseMerge', 'claimMerge', `complete:results/${id}.xlsx`]);
      assert.deepEqual(await readdir(join(storage, 'results')), [`${id}.xlsx`]);
    } finally {
      await rm(storage, { recursive: true, force: true });
    }
  });
});
