import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import ExcelJS from 'exceljs';
import {
  JobStatus,
  packChunkResult,
  RowStatus,
  type ChunkResultEventV2,
  type RowResultV1,
  type SheetTotalsV1,
} from '@geobatch/contracts';
import type { JobEntity, JobOptions, JobRepository } from '@geobatch/job-store';
import { testColumns, testJobEntity, testJobOptions, type TestUpload } from '@geobatch/job-store/testing';
import { loadConfig } from '@geobatch/util-config';
import { Metrics } from '@geobatch/util-observability';
import { openTabularFile, type TabularFile } from '@geobatch/util-spreadsheet';
import { ReportMergerEnvSchema } from '../config/report-merger-env.schema';
import { MAX_PENDING_ROWS, ProgressiveMerge, type ChunkFetcher } from './progressive-merge';
import { MergeDataError } from './result-alignment';
import { WorkbookMergerService } from './workbook-merger.service';

/** A result for row n: OK in Seoul, except every 4th row (NOT_FOUND) and every 9th (NEAREST), so 문제 행 and 요약 have content. */
function resultFor(n: number): RowResultV1 {
  if (n % 4 === 0) return { n, matches: [{ status: RowStatus.NotFound, note: '경계 밖 (outside every boundary)' }] };
  const match = { status: RowStatus.Ok, sido: { code: '11', name: '서울특별시' }, eupmyeondong: { code: `11110${String(n % 50).padStart(5, '0')}`, name: `동${n % 50}` } };
  return n % 9 === 0 ? { n, matches: [{ ...match, status: RowStatus.Nearest, distanceM: 12.3 }] } : { n, matches: [match] };
}

const metrics = new Metrics('report-merger-spec');
const plan = (sheet: number, name: string, x = 1, y = 2) => testColumns(sheet, name, x, y);

function makeJob(id: string, uploadPath: string, sheets: SheetTotalsV1[], options: Partial<JobOptions> = {}, upload: TestUpload = { columns: [plan(0, 'points')] }): JobEntity {
  return testJobEntity(id, uploadPath, sheets, testJobOptions({ x: '2', y: '3', ...options }, upload));
}

/** Data rows by number (blank lines skipped), cut into chunks of the given sizes, as the gateway would. */
function cut(rowNumbers: number[], sizes: number[], sheet = 0): { sheet: number; chunk: number; rows: RowResultV1[] }[] {
  const chunks = [];
  let at = 0;
  for (let c = 0; c < sizes.length; c++) {
    chunks.push({ sheet, chunk: c, rows: rowNumbers.slice(at, at + sizes[c]).map(resultFor) });
    at += sizes[c];
  }
  assert.equal(at, rowNumbers.length, 'the chunks cover every data row');
  return chunks;
}

/** The database, as far as the merge reads it: chunks are visible once stored; every fetch is recorded. */
class FakeStore {
  readonly stored = new Map<string, RowResultV1[]>();
  readonly fetched: string[] = [];
  store(c: { sheet: number; chunk: number; rows: RowResultV1[] }): void {
    this.stored.set(`${c.sheet}:${c.chunk}`, c.rows);
  }
  readonly fetch: ChunkFetcher = async (sheet, chunk) => {
    this.fetched.push(`${sheet}:${chunk}`);
    return this.stored.get(`${sheet}:${chunk}`) ?? null;
  };
}

const event = (jobId: string, c: { sheet: number; chunk: number; rows: RowResultV1[] }): ChunkResultEventV2 =>
  packChunkResult({ jobId, sheet: c.sheet, chunk: c.chunk }, c.rows, 1);

/** Every cell of every sheet: name, then per row the values and number formats. */
async function workbookCells(path: string): Promise<{ name: string; rows: unknown[][] }[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  return wb.worksheets.map((ws) => {
    const rows: unknown[][] = [];
    ws.eachRow({ includeEmpty: true }, (row, r) => {
      const cells: unknown[] = [r];
      row.eachCell({ includeEmpty: false }, (cell, c) => cells.push([c, cell.type, cell.value, cell.numFmt ?? null]));
      rows.push(cells);
    });
    return { name: ws.name, rows };
  });
}

/** Just enough of JobRepository for the full merge of one job. */
function fullMergeJobs(job: JobEntity, chunks: { sheet: number; chunk: number; rows: RowResultV1[] }[]) {
  const state = { ...job };
  return {
    state,
    claimMerge: async () => ({ ...state, mergeStartedAt: new Date() }),
    releaseMerge: async () => undefined,
    complete: async (_id: string, resultPath: string) => void Object.assign(state, { status: JobStatus.Completed, resultPath }),
    fail: async (_id: string, error: string) => void Object.assign(state, { status: JobStatus.Failed, error }),
    findById: async () => ({ ...state }),
    findChunkRows: async () => null,
    async *chunksOf(_id: string, sheet: number) {
      yield* chunks.filter((c) => c.sheet === sheet).sort((a, b) => a.chunk - b.chunk);
    },
  };
}

describe('ProgressiveMerge', () => {
  let dir: string;
  let storage: string;
  let open: ProgressiveMerge[];

  // Data rows n=1,2,4,5,7,8,9,10 (3 and 6 blank); chunks of 2, 2, 3 and 1 rows.
  const CSV = '번호,경도,위도\n1,127.1,37.5\n2,127.2,37.6\n,,\n4,127.4,37.8\n5,127.5,37.9\n\n7,127.7,38.1\n8,127.8,38.2\n9,127.9,38.3\n10,128.0,38.4\n';
  const DATA = [1, 2, 4, 5, 7, 8, 9, 10];
  const SIZES = [2, 2, 3, 1];
  const SEAL: SheetTotalsV1[] = [{ sheet: 0, name: 'points', rows: 8, chunks: 4, blankRows: 2 }];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'geobatch-progressive-'));
    storage = join(dir, 'storage');
    await mkdir(join(storage, 'uploads'), { recursive: true });
    open = [];
  });
  afterEach(async () => {
    for (const m of open) await m.discard();
    await rm(dir, { recursive: true, force: true });
  });

  async function upload(name: string, content: string | Buffer): Promise<{ path: string; file: TabularFile }> {
    const path = join(storage, 'uploads', name);
    await writeFile(path, content);
    return { path: `uploads/${name}`, file: await openTabularFile(path) };
  }

  async function start(job: JobEntity, file: TabularFile, maxRowsPerSheet = 1_000_000, out = storage): Promise<ProgressiveMerge> {
    const merge = await ProgressiveMerge.open(job, file, out, maxRowsPerSheet);
    assert.ok(merge, 'a job with a sheet plan gets a progressive merge');
    open.push(merge);
    return merge;
  }

  /** A job of CSV sealed as `seal`, its data rows cut in chunks of SIZES, an empty store and the job's progressive merge. */
  async function csvMerge(seal = SEAL): Promise<{ id: string; job: JobEntity; chunks: ReturnType<typeof cut>; db: FakeStore; merge: ProgressiveMerge }> {
    const id = randomUUID();
    const { path, file } = await upload(`${id}.csv`, CSV);
    const job = makeJob(id, path, seal);
    return { id, job, chunks: cut(DATA, SIZES), db: new FakeStore(), merge: await start(job, file) };
  }

  /** Row numbers in the problem-rows spool: the part of the output that reaches the disk as rows are written. */
  async function spooledProblems(jobId: string): Promise<number[]> {
    const files = (await readdir(join(storage, 'results'))).filter((f) => f.startsWith(`.${jobId}.`) && f.endsWith('.problems.part'));
    if (files.length === 0) return [];
    const rows: number[] = [];
    for await (const line of createInterface({ input: createReadStream(join(storage, 'results', files[0])) })) if (line) rows.push(JSON.parse(line).row);
    return rows;
  }

  /** The spool's file stream writes asynchronously: wait (briefly) for the expected lines. */
  async function assertSpooled(jobId: string, expected: number[]): Promise<void> {
    const deadline = Date.now() + 2_000;
    let rows = await spooledProblems(jobId);
    while (rows.length < expected.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      rows = await spooledProblems(jobId);
    }
    assert.deepEqual(rows, expected);
  }

  it('writes chunks offered out of order in input order, each as soon as the ones before it are there', async () => {
    const { id, chunks, db, merge } = await csvMerge();

    merge.offer(event(id, chunks[2]));
    merge.offer(event(id, chunks[3]));
    assert.equal(await merge.advance(db.fetch), false);
    assert.equal(merge.rows, 0, 'chunk 0 is not there: nothing can be written');
    merge.offer(event(id, chunks[1]));
    assert.equal(await merge.advance(db.fetch), false);
    assert.equal(merge.rows, 0);
    merge.offer(event(id, chunks[0]));
    assert.equal(await merge.advance(db.fetch), true, 'every chunk of the only sheet is written');
    assert.equal(merge.rows, 8);
    assert.deepEqual(db.fetched, ['0:0', '0:0'], 'held chunks are taken from memory; only the missing chunk 0 was looked up');
    // Rows 4 and 8 (NOT_FOUND) and 9 (NEAREST) are spooled for 문제 행 as they are written, with their line numbers in the file.
    await assertSpooled(id, [5, 9, 10]);
    assert.equal(merge.failure, undefined);

    const { rows, resultPath } = await merge.complete(db.fetch, SEAL, () => []);
    assert.deepEqual([rows, resultPath], [8, `results/${id}.xlsx`]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(storage, resultPath));
    assert.deepEqual(wb.worksheets.map((w) => w.name), ['points', '문제 행', '요약']);
    const ws = wb.worksheets[0];
    assert.equal(ws.actualRowCount, 9);
    assert.deepEqual([2, 3, 4, 5, 6, 7, 8, 9].map((r) => ws.getRow(r).getCell(1).value), DATA, 'input order, blank rows dropped');
    assert.deepEqual(await readdir(join(storage, 'results')), [`${id}.xlsx`], 'no partial file left behind');
  });

  it('stops at a missing chunk, writing the ones before it, and goes on once it is offered', async () => {
    const { id, chunks, db, merge } = await csvMerge();

    merge.offer(event(id, chunks[0]));
    merge.offer(event(id, chunks[2]));
    merge.offer(event(id, chunks[3]));
    assert.equal(await merge.advance(db.fetch), false);
    assert.equal(merge.rows, 2, 'chunk 0 is written, chunk 1 is missing');
    assert.deepEqual(db.fetched, ['0:1']);
    await assertSpooled(id, []);
    // Still missing: another advance writes nothing more.
    assert.equal(await merge.advance(db.fetch), false);
    assert.equal(merge.rows, 2);
    merge.offer(event(id, chunks[1]));
    assert.equal(await merge.advance(db.fetch), true);
    assert.equal(merge.rows, 8);
    assert.deepEqual(db.fetched, ['0:1', '0:1']);
    await assertSpooled(id, [5, 9, 10]);
  });

  it('reads a chunk from the database when it is stored but was never offered (e.g. offered to a merger that restarted)', async () => {
    const { id, chunks, db, merge } = await csvMerge();
    chunks.slice(0, 2).forEach((c) => db.store(c));
    merge.offer(event(id, chunks[3]));
    assert.equal(await merge.advance(db.fetch), false);
    assert.equal(merge.rows, 4);
    db.store(chunks[2]);
    const { rows } = await merge.complete(db.fetch, SEAL, () => []);
    assert.equal(rows, 8);
    assert.deepEqual(db.fetched, ['0:0', '0:1', '0:2', '0:2']);
  });

  it('does not hold chunks beyond MAX_PENDING_ROWS: those are read back from the database at their turn', async () => {
    // Chunk 0 is small and arrives last; chunks 1 and 2 together are more than may wait in memory.
    const sizes = [3, MAX_PENDING_ROWS / 2 + 1, MAX_PENDING_ROWS / 2];
    const total = sizes.reduce((a, b) => a + b, 0);
    const id = randomUUID();
    const lines = ['번호,경도,위도'];
    for (let n = 1; n <= total; n++) lines.push(`${n},127.${n % 1000},37.${n % 997}`);
    const { path, file } = await upload(`${id}.csv`, lines.join('\n') + '\n');
    const seal: SheetTotalsV1[] = [{ sheet: 0, name: 'points', rows: total, chunks: 3, blankRows: 0 }];
    // CSV output: the point here is which chunks come from where, not the workbook writer's speed.
    const job = makeJob(id, path, seal, { format: 'csv' });
    const chunks = cut(Array.from({ length: total }, (_, i) => i + 1), sizes);
    const db = new FakeStore();
    const merge = await start(job, file);

    // As the handler does: stored first, then offered.
    db.store(chunks[1]);
    merge.offer(event(id, chunks[1]));
    db.store(chunks[2]);
    merge.offer(event(id, chunks[2]));
    assert.equal(await merge.advance(db.fetch), false);
    assert.deepEqual(db.fetched, ['0:0']);
    db.store(chunks[0]);
    merge.offer(event(id, chunks[0]));
    assert.equal(await merge.advance(db.fetch), true);
    assert.deepEqual(db.fetched, ['0:0', '0:2'], 'chunk 1 was held in memory; chunk 2, beyond the limit, was read back');

    const { rows, resultPath } = await merge.complete(db.fetch, seal, () => []);
    assert.equal(rows, total);
    const text = await readFile(join(storage, resultPath), 'utf8');
    const out = text.slice(1).split('\r\n').filter((l) => l !== '');
    assert.equal(out.length, 1 + total);
    // Spot checks across the chunk boundaries: every row in its place.
    for (const n of [1, 3, 4, sizes[0] + sizes[1], sizes[0] + sizes[1] + 1, total]) assert.match(out[n], new RegExp(`^${n},127\\.${n % 1000},`), `row ${n}`);
  });

  it('fails (and says why) on a row wider than the header, so its owner falls back to the full merge', async () => {
    const id = randomUUID();
    const { path, file } = await upload(`${id}.csv`, '번호,경도,위도\n1,127.1,37.5\n2,127.2,37.6,덧붙인 값\n3,127.3,37.7\n');
    const seal: SheetTotalsV1[] = [{ sheet: 0, name: 'points', rows: 3, chunks: 1, blankRows: 0 }];
    const job = makeJob(id, path, seal);
    const db = new FakeStore();
    const merge = await start(job, file);
    merge.offer(event(id, cut([1, 2, 3], [3])[0]));
    assert.equal(await merge.advance(db.fetch), false);
    assert.ok(merge.failure instanceof RangeError, String(merge.failure));
    assert.match(merge.failure.message, /has 4 values but the sheet was opened with 3 columns/);
    // A failed merge stays failed: later calls neither write nor clear the failure.
    assert.equal(await merge.advance(db.fetch), false);
    await assert.rejects(merge.complete(db.fetch, seal, () => []), /has 4 values/);
    await merge.discard();
    assert.deepEqual(await readdir(join(storage, 'results')), [], 'discard removes the partial files');
  });

  it('fails when a chunk does not line up with the input rows', async () => {
    const { id, merge } = await csvMerge();
    merge.offer(event(id, { sheet: 0, chunk: 0, rows: [resultFor(1), resultFor(3)] })); // row 3 is blank in the input
    assert.equal(await merge.advance(new FakeStore().fetch), false);
    assert.ok(merge.failure instanceof MergeDataError);
    assert.match(merge.failure.message, /result for row 3 is where input row 2 belongs/);
  });

  it('completes only when what was written matches the sealed totals', async () => {
    const chunks = cut(DATA, SIZES);
    const cases: { seal: SheetTotalsV1[]; error: RegExp }[] = [
      { seal: [{ ...SEAL[0], chunks: 5 }], error: /differ from the ones published/ },
      { seal: [{ ...SEAL[0], rows: 9 }], error: /differ from the ones published/ },
      { seal: [{ ...SEAL[0], blankRows: 1 }], error: /differ from the ones published/ },
      { seal: [SEAL[0], { sheet: 1, name: 'more', rows: 1, chunks: 1, blankRows: 0 }], error: /differ from the ones published/ },
    ];
    for (const { seal, error } of cases) {
      const { id, merge } = await csvMerge(seal);
      for (const c of chunks) merge.offer(event(id, c));
      await assert.rejects(merge.complete(new FakeStore().fetch, seal, () => []), (e: Error) => e instanceof MergeDataError && error.test(e.message));
      assert.equal((await readdir(join(storage, 'results'))).includes(`${id}.xlsx`), false, 'nothing is renamed into place');
    }

    // A chunk still missing when the job is sealed.
    const { id, merge } = await csvMerge();
    for (const c of chunks.slice(0, 3)) merge.offer(event(id, c));
    await assert.rejects(merge.complete(new FakeStore().fetch, SEAL, () => []), /a stored chunk is missing/);
  });

  it('is not started for a plan without a sheet', async () => {
    const id = randomUUID();
    const { path, file } = await upload(`${id}.csv`, CSV);
    assert.equal(await ProgressiveMerge.open(makeJob(id, path, SEAL, {}, { columns: [] }), file, storage, 10), null);
  });

  /**
   * The same job merged twice: in full by WorkbookMergerService from the stored chunks, and
   * progressively from chunks offered in a scrambled order. Both files must hold the same cells.
   */
  async function assertSameAsFullMerge(job: JobEntity, chunks: { sheet: number; chunk: number; rows: RowResultV1[] }[], maxRowsPerSheet: number) {
    const jobs = fullMergeJobs(job, chunks);
    const config = loadConfig(ReportMergerEnvSchema, { STORAGE_DIR: storage, MERGE_MAX_ROWS_PER_SHEET: String(maxRowsPerSheet) });
    const merger = new WorkbookMergerService(config, jobs as unknown as JobRepository, metrics);
    assert.equal(await merger.tryFinalize(job.id), 'completed', jobs.state.error ?? '');
    const full = await workbookCells(join(storage, 'results', `${job.id}.xlsx`));

    const out = join(dir, 'progressive-out');
    const file = await openTabularFile(join(storage, job.uploadPath), { encoding: job.options.upload.encoding ?? 'auto' });
    const merge = await start(job, file, maxRowsPerSheet, out);
    const db = new FakeStore();
    const order = chunks.map((_, i) => i).sort((a, b) => ((a * 7) % 5) - ((b * 7) % 5) || b - a);
    assert.notDeepEqual(order, chunks.map((_, i) => i), 'scrambled');
    for (const i of order) {
      merge.offer(event(job.id, chunks[i]));
      await merge.advance(db.fetch);
    }
    const { rows, resultPath } = await merge.complete(db.fetch, job.sheets!, (sheets) => merger.summaryOptions(job, sheets));
    assert.equal(resultPath, `results/${job.id}.xlsx`);
    // The store is empty: every chunk came from memory.
    assert.equal(rows, chunks.reduce((n, c) => n + c.rows.length, 0));
    const progressive = await workbookCells(join(out, resultPath));

    assert.deepEqual(progressive.map((s) => s.name), full.map((s) => s.name));
    for (let s = 0; s < full.length; s++) assert.deepEqual(progressive[s], full[s], `sheet "${full[s].name}"`);
    await merger.beforeApplicationShutdown();
    return full;
  }

  it('writes the same workbook as the full merge for a CSV (blank rows, problem rows, NEAREST, a sheet split at the row limit)', async () => {
    const id = randomUUID();
    const { path } = await upload(`${id}.csv`, CSV);
    const full = await assertSameAsFullMerge(makeJob(id, path, SEAL), cut(DATA, SIZES), 3);
    assert.deepEqual(full.map((s) => s.name), ['points', 'points (2)', 'points (3)', '문제 행', '요약']);
    assert.equal(full[3].rows.length, 4, '문제 행: the header and rows 4, 8 (NOT_FOUND) and 9 (NEAREST)');
  });

  it('writes the same workbook as the full merge for an XLSX of several sheets (types, dates, number formats)', async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet('표지').addRow(['보고서']);
    const a = book.addWorksheet('A 지점');
    a.addRow(['코드', '경도', '위도', '일시', '값']);
    a.addRow(['007', 127.1, 37.5, new Date(Date.UTC(2024, 0, 31, 8, 5)), 1.5]);
    a.getCell('D2').numFmt = 'yyyy-mm-dd hh:mm';
    a.getCell('E2').numFmt = '0.00';
    a.addRow([]);
    a.addRow(['60', 'x', 37.6, new Date(Date.UTC(2024, 1, 1)), '=1']);
    a.getCell('D4').numFmt = 'yyyy-mm-dd';
    a.addRow(['61', 127.3, 37.7, null, 3]);
    const b = book.addWorksheet('B');
    b.addRow(['lon', 'lat']);
    for (let i = 1; i <= 5; i++) b.addRow([126.5 + i / 10, 33.5 + i / 10]);
    const id = randomUUID();
    const { path } = await upload(`${id}.xlsx`, Buffer.from(await book.xlsx.writeBuffer()));
    const sheets: SheetTotalsV1[] = [
      { sheet: 1, name: 'A 지점', rows: 3, chunks: 2, blankRows: 1 },
      { sheet: 2, name: 'B', rows: 5, chunks: 3, blankRows: 0 },
    ];
    const job = makeJob(id, path, sheets, {}, { kind: 'xlsx', columns: [plan(1, 'A 지점'), plan(2, 'B', 0, 1)] });
    job.fileName = 'book.xlsx';
    const chunks = [...cut([1, 3, 4], [2, 1], 1), ...cut([1, 2, 3, 4, 5], [2, 2, 1], 2)];
    const full = await assertSameAsFullMerge(job, chunks, 1_000_000);
    assert.deepEqual(full.map((s) => s.name), ['A 지점', 'B', '문제 행', '요약']);
  });
});
