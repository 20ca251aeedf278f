import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { APPENDED_COLUMNS, APPENDED_COLUMNS_EN, JobStatus, packChunkResult, RowStatus, type RowResultV1, type SheetTotalsV1 } from '@geobatch/contracts';
import type { JobEntity, JobRepository } from '@geobatch/job-store';
import { testColumns, testJobEntity, testJobOptions, testUploadPlan } from '@geobatch/job-store/testing';
import { loadConfig } from '@geobatch/util-config';
import { Metrics } from '@geobatch/util-observability';
import { waitFor } from '@geobatch/util-testing';
import { ReportMergerEnvSchema } from '../config/report-merger-env.schema';
import { MergeRecoveryService } from './merge-recovery.service';
import { WorkbookMergerService } from './workbook-merger.service';

const metrics = new Metrics('report-merger-spec');

const result = (n: number, name = `동${n}`): RowResultV1 => ({
  n,
  matches: [{ status: RowStatus.Ok, sido: { code: '11', name: '서울특별시' }, eupmyeondong: { code: `11110${String(n).padStart(5, '0')}`, name } }],
});

/** Just enough of JobRepository for the merger, in memory, recording what it was asked to do. */
class FakeJobs {
  job: JobEntity;
  chunks: { chunk: number; rows: RowResultV1[]; sheet?: number }[] = [];
  claimed = false;
  calls: string[] = [];
  failChunksWith: Error | undefined;
  /** Times the full merge read a sheet's chunks back (the progressive merge does not). */
  chunksRead = 0;

  constructor(id: string, sheets: SheetTotalsV1[]) {
    this.job = testJobEntity(
      id,
      `uploads/${id}.csv`,
      sheets,
      testJobOptions({ x: '2', y: '3', datasetIds: [], datasetLabels: [], nearestM: 0 }, { columns: [testColumns(0, 'points', 1, 2)] }),
    );
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
  async findChunkRows(_id: string, sheet: number, chunk: number) {
    return this.chunks.find((c) => (c.sheet ?? 0) === sheet && c.chunk === chunk)?.rows ?? null;
  }
  async *chunksOf(_id: string, sheet: number) {
    this.chunksRead++;
    if (this.failChunksWith) throw this.failChunksWith;
    yield* this.chunks.filter((c) => (c.sheet ?? 0) === sheet).sort((a, b) => a.chunk - b.chunk);
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
    merger = new WorkbookMergerService(config, jobs as unknown as JobRepository, metrics);
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

  /** The sheet plan the gateway records when it accepts a job: what makes a progressive merge possible. */
  const PLAN = [{ sheet: 0, name: 'points', x: 1, y: 2, xName: '경도', yName: '위도', xBy: 'header' as const, yBy: 'header' as const }];
  const offerAll = async (order: number[]) => {
    for (const i of order) {
      const c = jobs.chunks[i];
      await merger.offer(packChunkResult({ jobId: id, sheet: c.sheet ?? 0, chunk: c.chunk }, c.rows, 1));
    }
  };

  it('writes the result while chunks are offered, and at finalize finishes that file without reading the chunks back', async () => {
    jobs.job.options = { ...jobs.job.options, upload: testUploadPlan({ columns: PLAN }) };
    await offerAll([0, 2, 1]); // chunks 2, 1, 0
    // The file stream opens asynchronously: give it a moment.
    const partial = async () => (await readdir(join(storage, 'results'))).filter((f) => f.startsWith(`.${id}.`) && f.endsWith('.xlsx.part'));
    for (let i = 0; i < 100 && (await partial()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await partial()).length, 1, 'the progressive file is being written');
    assert.equal(await merger.tryFinalize(id), 'completed', jobs.job.error ?? '');
    assert.equal(jobs.chunksRead, 0, 'the progressive file was used');
    assert.deepEqual(jobs.calls, ['claimMerge', `complete:results/${id}.xlsx`]);
    const ws = await readResult();
    assert.equal(ws.name, 'points');
    const rows = [2, 3, 4, 5, 6].map((r) => [ws.getRow(r).getCell(1).value, ws.getRow(r).getCell(2).value, ws.getRow(r).getCell(3 + 3).value]);
    assert.deepEqual(rows, [[1, 127.1, '동1'], [2, 127.2, '동2'], [4, 127.4, '동4'], [5, 127.5, '동5'], [7, 127.7, '동7']]);
    assert.equal(ws.actualRowCount, 6);
    assert.deepEqual(await readdir(join(storage, 'results')), [`${id}.xlsx`], 'no partial file left behind');
  });

  it('finishes a progressive merge with the chunks it was never offered, read from the database', async () => {
    jobs.job.options = { ...jobs.job.options, upload: testUploadPlan({ columns: PLAN }) };
    await offerAll([0]); // only chunk 2 reaches this merger; 0 and 1 are stored
    assert.equal(await merger.tryFinalize(id), 'completed', jobs.job.error ?? '');
    assert.equal(jobs.chunksRead, 0);
    const ws = await readResult();
    assert.deepEqual([2, 3, 4, 5, 6].map((r) => ws.getRow(r).getCell(1).value), [1, 2, 4, 5, 7]);
  });

  it('drops a progressive merge that fails (a row wider than the header) and merges from the database instead', async () => {
    await writeFile(join(storage, 'uploads', `${id}.csv`), CSV.replace('4,127.4,37.8\n', '4,127.4,37.8,덧붙인 값\n'));
    jobs.job.options = { ...jobs.job.options, upload: testUploadPlan({ columns: PLAN }) };
    await offerAll([1, 2, 0]);
    assert.equal(await merger.tryFinalize(id), 'completed', jobs.job.error ?? '');
    assert.equal(jobs.chunksRead, 1, 'the full merge read the chunks back');
    const ws = await readResult();
    assert.deepEqual([2, 3, 4, 5, 6].map((r) => ws.getRow(r).getCell(1).value), [1, 2, 4, 5, 7]);
    assert.equal(ws.getRow(4).getCell(4).value, '덧붙인 값', 'the full merge sizes the sheet by its widest row');
    assert.deepEqual(await readdir(join(storage, 'results')), [`${id}.xlsx`], 'the dropped progressive files are removed');
  });

  it('does not keep a progressive merge opened while the job was being merged in full (no partial files left)', async () => {
    jobs.job.options = { ...jobs.job.options, upload: testUploadPlan({ columns: PLAN }) };
    // The progressive merge's lookup of the job races with the seal: it sees the job running and unclaimed...
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const findById = jobs.findById.bind(jobs);
    let first = true;
    jobs.findById = async () => {
      if (!first) return findById();
      first = false;
      const before = { ...jobs.job };
      await gate;
      return before;
    };
    const offered = offerAll([1]); // chunk 0
    // ...while the job is claimed and merged from the database.
    assert.equal(await merger.tryFinalize(id), 'completed', jobs.job.error ?? '');
    assert.equal(jobs.chunksRead, 1);
    release();
    await offered;
    const left = async () => (await readdir(join(storage, 'results'))).sort();
    for (let i = 0; i < 25 && (await left()).length > 1; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await left(), [`${id}.xlsx`]);
  });

  it('adds 거리(m) after the appended columns when nearest matching is on, filled for NEAREST rows', async () => {
    jobs.job.options = { ...jobs.job.options, nearestM: 200 };
    jobs.chunks[0] = { chunk: 2, rows: [{ n: 7, matches: [{ ...result(7).matches[0], status: RowStatus.Nearest, distanceM: 12.34 }] }] };
    assert.equal(await merger.tryFinalize(id), 'completed', jobs.job.error ?? '');
    const ws = await readResult();
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    assert.deepEqual(header, ['번호', '경도', '위도', ...APPENDED_COLUMNS, '거리(m)']);
    const distanceCol = header.length;
    assert.equal(ws.getRow(6).getCell(distanceCol).value, 12.3);
    assert.equal(ws.getRow(6).getCell(3 + APPENDED_COLUMNS.indexOf('상태') + 1).value, 'NEAREST');
    assert.equal(ws.getRow(2).getCell(distanceCol).value, null, 'an exact match has no distance');
  });

  it('adds 문제 행 (every non-OK row with its sheet, row number as in the file and reason) and 요약 (totals, by status and area)', async () => {
    jobs.chunks[2] = { chunk: 2, rows: [{ n: 7, matches: [{ status: RowStatus.Invalid, note: '좌표가 숫자가 아님' }] }] };
    jobs.chunks[0] = { chunk: 1, rows: [result(4), { n: 5, matches: [{ status: RowStatus.NotFound }] }] };
    assert.equal(await merger.tryFinalize(id), 'completed');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(storage, 'results', `${id}.xlsx`));
    assert.deepEqual(wb.worksheets.map((w) => w.name), ['points', '문제 행', '요약']);
    const problems = wb.getWorksheet('문제 행')!;
    const lines = [2, 3].map((r) => (problems.getRow(r).values as unknown[]).slice(1));
    // CSV rows 5 and 7 are data rows n=5 and n=7 below the header on line 1: lines 6 and 8 of the file.
    assert.deepEqual(lines, [
      ['points', 6, 'NOT_FOUND', '경계 밖 (어느 경계에도 속하지 않음)', '127.5', '37.9'],
      ['points', 8, 'INVALID', '좌표가 숫자가 아님', '127.7', '38.1'],
    ]);
    assert.equal(problems.actualRowCount, 3);
    const summary = new Map<string, unknown[]>();
    wb.getWorksheet('요약')!.eachRow((row) => {
      const v = (row.values as unknown[]).slice(1);
      summary.set(String(v[0]), v.slice(1));
    });
    assert.deepEqual(summary.get('전체'), [7]);
    assert.deepEqual(summary.get('OK'), [3]);
    assert.deepEqual(summary.get('문제'), [2]);
    assert.deepEqual(summary.get('빈 행'), [2]);
    assert.deepEqual(summary.get('NOT_FOUND'), [1]);
    assert.deepEqual(summary.get('INVALID'), [1]);
    assert.deepEqual(summary.get('11'), ['서울특별시', 3]);
    assert.deepEqual(summary.get('파일'), ['points.csv']);
    assert.deepEqual(summary.get('옵션 x'), ['2']);
  });

  it('continues a data sheet past the row limit on "<name> (2)" without losing a row', async () => {
    await merger.beforeApplicationShutdown();
    await rm(storage, { recursive: true, force: true });
    await setUp({ MERGE_MAX_ROWS_PER_SHEET: '2' });
    assert.equal(await merger.tryFinalize(id), 'completed');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(storage, 'results', `${id}.xlsx`));
    const data = wb.worksheets.filter((w) => w.name.startsWith('points'));
    assert.deepEqual(data.map((w) => w.name), ['points', 'points (2)', 'points (3)']);
    assert.deepEqual(data.flatMap((w) => Array.from({ length: w.actualRowCount - 1 }, (_, i) => w.getRow(i + 2).getCell(1).value)), [1, 2, 4, 5, 7]);
    for (const w of data) assert.equal(w.getRow(1).getCell(1).value, '번호');
  });

  it('writes a UTF-8 CSV with BOM for format=csv, with English headers for lang=en', async () => {
    jobs.job.options = { ...jobs.job.options, format: 'csv', lang: 'en' };
    assert.equal(await merger.tryFinalize(id), 'completed');
    assert.deepEqual(jobs.calls, ['claimMerge', `complete:results/${id}.csv`]);
    const text = await readFile(join(storage, 'results', `${id}.csv`), 'utf8');
    assert.equal(text.charCodeAt(0), 0xfeff);
    const lines = text.slice(1).split('\r\n');
    assert.equal(lines[0], ['번호', '경도', '위도', ...APPENDED_COLUMNS_EN].join(','));
    assert.match(lines[1], /^1,127\.1,37\.5,서울특별시,,동1,,서울특별시 동1,11,,1111000001,,OK,$/);
    assert.equal(lines.filter((l) => l !== '').length, 6);
  });

  it('merges every sheet of an XLSX upload into sheets of the same names, keeping cell types and dates', async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet('표지').addRow(['보고서']);
    const a = book.addWorksheet('A 지점');
    a.addRow(['코드', '경도', '위도', '일시']);
    a.addRow(['007', 127.1, 37.5, new Date(Date.UTC(2024, 0, 31, 8, 5))]);
    a.getCell('D2').numFmt = 'yyyy-mm-dd hh:mm';
    a.addRow([]);
    a.addRow(['60', 'x', 37.6, new Date(Date.UTC(2024, 1, 1))]);
    a.getCell('D4').numFmt = 'yyyy-mm-dd';
    const b = book.addWorksheet('B');
    b.addRow(['lon', 'lat']);
    b.addRow([126.5, 33.5]);
    await book.xlsx.writeFile(join(storage, 'uploads', `${id}.csv`));
    jobs.job.fileName = 'book.xlsx';
    jobs.job.options = {
      ...jobs.job.options,
      upload: testUploadPlan({
        kind: 'xlsx',
        columns: [
          { sheet: 1, name: 'A 지점', x: 1, y: 2, xName: '경도', yName: '위도', xBy: 'header', yBy: 'header' },
          { sheet: 2, name: 'B', x: 0, y: 1, xName: 'lon', yName: 'lat', xBy: 'header', yBy: 'header' },
        ],
      }),
    };
    jobs.job.sheets = [
      { sheet: 1, name: 'A 지점', rows: 2, chunks: 1, blankRows: 1 },
      { sheet: 2, name: 'B', rows: 1, chunks: 1, blankRows: 0 },
    ];
    jobs.chunks = [
      { sheet: 1, chunk: 0, rows: [result(1), { n: 3, matches: [{ status: RowStatus.Invalid, note: 'x is not a decimal number' }] }] },
      { sheet: 2, chunk: 0, rows: [result(1)] },
    ];
    assert.equal(await merger.tryFinalize(id), 'completed', jobs.job.error ?? '');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(storage, 'results', `${id}.xlsx`));
    assert.deepEqual(wb.worksheets.map((w) => w.name), ['A 지점', 'B', '문제 행', '요약']);
    const out = wb.getWorksheet('A 지점')!;
    assert.deepEqual((out.getRow(1).values as unknown[]).slice(1, 5), ['코드', '경도', '위도', '일시']);
    const first = out.getRow(2);
    assert.equal(first.getCell(1).value, '007');
    assert.equal(first.getCell(2).value, 127.1);
    assert.equal(first.getCell(4).type, ExcelJS.ValueType.Date);
    assert.deepEqual(first.getCell(4).value, new Date(Date.UTC(2024, 0, 31, 8, 5)));
    assert.equal(first.getCell(4).numFmt, 'yyyy-mm-dd hh:mm');
    const second = out.getRow(3);
    assert.equal(second.getCell(1).type, ExcelJS.ValueType.String, 'a text "60" stays text in an XLSX');
    assert.deepEqual(second.getCell(4).value, new Date(Date.UTC(2024, 1, 1)));
    assert.equal(out.actualRowCount, 3, 'the blank row is not written');
    assert.equal(wb.getWorksheet('B')!.getRow(2).getCell(3).value, '서울특별시');
    // The problem row is row 4 of sheet "A 지점" in the input workbook.
    assert.deepEqual((wb.getWorksheet('문제 행')!.getRow(2).values as unknown[]).slice(1), ['A 지점', 4, 'INVALID', 'x is not a decimal number', 'x', '37.6']);
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

  it('looks again after an attempt that was not ready when another trigger came in meanwhile (e.g. the seal)', async () => {
    // The first claim is still being answered (not ready yet) when the second trigger arrives.
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const claim = jobs.claimMerge.bind(jobs);
    let first = true;
    jobs.claimMerge = async (jobId: string) => {
      if (!first) return claim(jobId);
      first = false;
      await slow;
      return null;
    };
    const attempt = merger.tryFinalize(id);
    assert.equal(await merger.tryFinalize(id), 'not-ready', 'the second trigger finds the first attempt in flight');
    release();
    assert.equal(await attempt, 'not-ready');
    await waitFor('the second look', async () => (jobs.calls.some((c) => c.startsWith('complete')) ? true : undefined), 5_000, 10);
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
      const merger = new WorkbookMergerService(config, jobs as unknown as JobRepository, metrics);
      await new MergeRecoveryService(jobs as unknown as JobRepository, merger).onApplicationBootstrap();
      assert.deepEqual(jobs.calls, ['releaseMerge', 'claimMerge', `complete:results/${id}.xlsx`]);
      assert.deepEqual(await readdir(join(storage, 'results')), [`${id}.xlsx`]);
    } finally {
      await rm(storage, { recursive: true, force: true });
    }
  });
});
