import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import ExcelJS from 'exceljs';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import {
  APPENDED_COLUMNS,
  JobSealedEventV1,
  JobStatus,
  packChunkResult,
  RowStatus,
  Topics,
  type ChunkResultEventV2,
  type RowResultV1,
  type SheetTotalsV1,
} from '@geobatch/contracts';
import { JobRepository, type JobEntity, type JobOptions } from '@geobatch/job-store';
import { openJobStoreSchema, testColumns, testJobOptions } from '@geobatch/job-store/testing';
import { csvSheetName } from '@geobatch/util-spreadsheet';
import { JsonLogger } from '@geobatch/util-observability';
import { deleteConsumerGroups, dropTestSchema, inSchema, testEnv } from '@geobatch/util-testing';
import { startTestMerger } from './testing/merger-integration.testing';

const CHUNK = 10;

/** A generated upload: awkward values on purpose (leading zeros, formula-like text, quoted commas, blank lines). */
interface Upload {
  csv: string;
  header: string[];
  /** Data rows (blank lines excluded), with their row number as the reader counts them. */
  rows: { n: number; cells: string[] }[];
  blankRows: number;
}

function makeUpload(dataRows: number, blankAt: number[]): Upload {
  const header = ['번호', '경도', '위도', '지점코드', '메모'];
  const memos = ['=1+1', '-cmd', '+82 10', '@SUM(A1)', '쉼표, 있는 메모', '', '37.50', '보통 메모'];
  const lines = [header.join(',')];
  const rows: Upload['rows'] = [];
  let n = 0;
  for (let i = 1; rows.length < dataRows; ) {
    n++;
    if (blankAt.includes(n)) {
      lines.push(n % 2 === 0 ? '' : ',,,,');
      continue;
    }
    const cells = [String(i), (126.9 + i / 1000 + 0.00003).toFixed(5), (37.5 + i / 997).toFixed(6), `0${100 + i}`, memos[i % memos.length]];
    lines.push(cells.map((c) => (c.includes(',') ? `"${c}"` : c)).join(','));
    rows.push({ n, cells });
    i++;
  }
  return { csv: lines.join('\r\n') + '\r\n', header, rows, blankRows: blankAt.length };
}

function resultFor(n: number): RowResultV1 {
  if (n % 7 === 0) return { n, matches: [{ status: RowStatus.NotFound, note: '경계 밖 (outside every boundary)' }] };
  return {
    n,
    matches: [
      {
        status: RowStatus.Ok,
        sido: { code: '11', name: '서울특별시' },
        sigungu: { code: '11110', name: '종로구' },
        eupmyeondong: { code: `11110${String(100 + n).padStart(5, '0')}`, name: `동${n}` },
      },
    ],
  };
}

function chunksOf(jobId: string, upload: Upload): ChunkResultEventV2[] {
  const events: ChunkResultEventV2[] = [];
  for (let c = 0; c * CHUNK < upload.rows.length; c++) {
    const rows = upload.rows.slice(c * CHUNK, (c + 1) * CHUNK).map((r) => resultFor(r.n));
    events.push(packChunkResult({ jobId, sheet: 0, chunk: c }, rows, 1));
  }
  return events;
}

function totals(upload: Upload, name: string): SheetTotalsV1[] {
  return [{ sheet: 0, name, rows: upload.rows.length, chunks: Math.ceil(upload.rows.length / CHUNK), blankRows: upload.blankRows }];
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('report-merger against the real broker and database', { timeout: 180_000 }, () => {
  const logs: string[] = [];
  const created: string[] = [];
  const groupId = `geobatch-report-merger-it-${randomUUID()}`;
  const schema = `merger_it_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  // This file's own schema alone on the search path: the merger under test sees only this file's
  // jobs (its start-up recovery must not touch jobs other suites left behind), and mergers
  // elsewhere that pick up these messages find no such job.
  const databaseUrl = inSchema(testEnv.TEST_DATABASE_URL, schema, false);
  let storage: string;
  let db: DataSource;
  let jobs: JobRepository;
  let producer: Producer;
  let app: INestMicroservice | undefined;
  let recovered: JobEntity;

  const kafka = new Kafka({ clientId: 'report-merger-it', brokers: testEnv.KAFKA_BROKERS, logLevel: logLevel.NOTHING });

  /** A job as the gateway records it: x/y in columns 2 and 3 of the CSV's one sheet, named after the file. */
  async function newJob(upload: Upload, fileName: string, options: Partial<JobOptions> = {}, columns = [testColumns(0, csvSheetName(fileName), 1, 2)]): Promise<JobEntity> {
    const id = randomUUID();
    const uploadPath = `uploads/${id}.csv`;
    await writeFile(join(storage, uploadPath), upload.csv);
    const job = await jobs.create({
      fileName,
      uploadPath,
      uploadSha256: 'not-checked-by-the-merger',
      options: testJobOptions({ x: '2', y: '3', ...options }, { columns }),
    });
    created.push(job.id);
    // As the gateway does before its first chunk: results are stored only for a running job.
    await jobs.markRunning(job.id);
    return job;
  }

  async function publish(topic: string, key: string, value: unknown): Promise<void> {
    await producer.send({ topic, acks: -1, messages: [{ key, value: typeof value === 'string' ? value : JSON.stringify(value) }] });
  }

  function finished(id: string, timeoutMs = 60_000): Promise<JobEntity> {
    return waitFor(`job ${id} to finish`, async () => {
      const job = await jobs.findById(id);
      return job && ([JobStatus.Completed, JobStatus.Failed] as JobStatus[]).includes(job.status) ? job : undefined;
    }, timeoutMs).catch((e: Error) => {
      throw new Error(`${e.message}\nlast merger logs:\n${logs.slice(-15).join('\n')}`);
    });
  }

  async function readSheet(job: JobEntity): Promise<ExcelJS.Worksheet> {
    assert.equal(job.resultPath, `results/${job.id}.xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(storage, job.resultPath!));
    // The input's one sheet, then the problem rows and the summary.
    assert.deepEqual(wb.worksheets.slice(1).map((w) => w.name), ['문제 행', '요약']);
    return wb.worksheets[0];
  }

  before(async () => {
    storage = await mkdtemp(join(tmpdir(), 'geobatch-merger-it-'));
    await mkdir(join(storage, 'uploads'));
    db = await openJobStoreSchema(schema);
    jobs = new JobRepository(db);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();

    // A job whose merger died mid-write: sealed, every chunk stored, the claim still held, a half file on disk.
    const upload = makeUpload(4, []);
    recovered = await newJob(upload, 'recovered.csv');
    await jobs.seal(recovered.id, totals(upload, 'recovered'));
    for (const c of chunksOf(recovered.id, upload)) await jobs.saveChunkResult(c);
    assert.ok(await jobs.claimMerge(recovered.id));
    await mkdir(join(storage, 'results'));
    await writeFile(join(storage, 'results', `.${recovered.id}.999-dead.xlsx.part`), 'half a workbook');

    // Our own group, starting at the end of the topics: nothing shared with a merger that may be running.
    app = await startTestMerger(
      { DATABASE_URL: databaseUrl, STORAGE_DIR: storage, KAFKA_SESSION_TIMEOUT_MS: '10000', LOG_LEVEL: 'log' },
      new JsonLogger('report-merger', 'log', (l) => logs.push(l)),
      groupId,
    );
  });

  after(async () => {
    await app?.close();
    await producer?.disconnect();
    if (created.length > 0) await db?.query(`DELETE FROM job WHERE id = ANY($1::uuid[])`, [created]);
    await dropTestSchema(db, schema);
    await deleteConsumerGroups(kafka, [`${groupId}-server`]);
    if (storage) await rm(storage, { recursive: true, force: true });
  });

  it('rebuilds at start-up a merge that a dead merger left half-written', async () => {
    // Start-up recovery ran before listen() resolved.
    const job = (await jobs.findById(recovered.id))!;
    assert.equal(job.status, JobStatus.Completed, job.error ?? '');
    const sheet = await readSheet(job);
    assert.equal(sheet.actualRowCount, 5);
    assert.deepEqual(
      (await readdir(join(storage, 'results'))).filter((f) => f.startsWith(`.${recovered.id}`)),
      [],
      'the half-written file is gone',
    );
  });

  it('merges out-of-order, replayed chunks and a poison message into one workbook in input order once sealed', async () => {
    const upload = makeUpload(25, [4, 11, 20]);
    // The sheet's name as sealed holds characters Excel forbids: the plan's output name has them replaced.
    const job = await newJob(upload, '단속 지점: 2024/01*.csv', {}, [testColumns(0, '단속 지점: 2024/01*', 1, 2)]);
    const chunks = chunksOf(job.id, upload);
    assert.equal(chunks.length, 3);
    // The sheet name as the gateway reported it; the writer makes it a valid Excel name.
    const seal = totals(upload, '단속 지점: 2024/01*');

    // Out of order, a poison message on the job's partition (results are keyed by job), and chunk 0 replayed.
    await publish(Topics.results.name, job.id, chunks[2]);
    await publish(Topics.results.name, job.id, '{"jobId": "this is not a chunk result"');
    await publish(Topics.results.name, job.id, chunks[0]);
    await publish(Topics.results.name, job.id, chunks[1]);
    await publish(Topics.results.name, job.id, chunks[0]);

    // Every chunk stored, but the job is not sealed: no workbook yet.
    await waitFor('3 stored chunks', async () => ((await jobs.progress(job.id)).chunksDone === 3 ? true : undefined));
    await waitFor('the replay to be handled', async () =>
      logs.filter((l) => l.includes(job.id) && l.includes('chunk result')).length >= 4 ? true : undefined,
    );
    // Running since its first chunk (results are stored for a running job only), but not complete.
    assert.equal((await jobs.findById(job.id))!.status, JobStatus.Running);
    assert.equal(existsSync(join(storage, 'results', `${job.id}.xlsx`)), false);

    // The gateway seals in the database, then announces it.
    await jobs.seal(job.id, seal);
    await publish(Topics.jobs.name, job.id, { type: JobSealedEventV1.type, jobId: job.id, sheets: seal });
    const done = await finished(job.id);
    assert.equal(done.status, JobStatus.Completed, done.error ?? '');

    const sheet = await readSheet(done);
    assert.equal(sheet.name, '단속 지점_ 2024_01_');
    const width = upload.header.length + APPENDED_COLUMNS.length;
    const headerRow = Array.from({ length: width }, (_, i) => sheet.getRow(1).getCell(i + 1).value);
    assert.deepEqual(headerRow, [...upload.header, ...APPENDED_COLUMNS]);
    assert.equal(sheet.getRow(1).getCell(1).font?.bold, true);

    // Every data row exactly once, in input order (the replayed chunk added nothing), blank lines dropped.
    assertRowsExact(sheet, upload);
    // Numbers stay numbers, codes and formula-like values stay text.
    const first = sheet.getRow(2);
    assert.equal(first.getCell(1).type, ExcelJS.ValueType.Number);
    assert.equal(first.getCell(2).type, ExcelJS.ValueType.Number);
    assert.equal(first.getCell(4).value, '0101');
    const formulaLike = upload.rows.findIndex((r) => r.cells[4] === '=1+1');
    assert.equal(sheet.getRow(formulaLike + 2).getCell(5).type, ExcelJS.ValueType.String);
    assert.equal(sheet.getRow(2).getCell(upload.header.length + 6).value, '11');

    // Every handled message was logged with where it came from.
    const stored = logs.map((l) => JSON.parse(l)).filter((l) => l.jobId === job.id && l.msg === 'chunk result stored');
    assert.equal(stored.length, 3);
    for (const l of stored) {
      assert.equal(l.topic, Topics.results.name);
      assert.equal(typeof l.partition, 'number');
      assert.match(l.offset, /^\d+$/);
    }

    // The poison message was parked on the dead-letter topic, with the error, and did not block its partition.
    const letter = await readDeadLetter(job.id);
    assert.equal(letter.source.topic, Topics.results.name);
    assert.match(letter.error, /invalid ChunkResultEventV2/);
    assert.equal(letter.payload, '{"jobId": "this is not a chunk result"');
  });

  /** Every data row exactly once, in input order, with its result; blank lines dropped. */
  function assertRowsExact(sheet: ExcelJS.Worksheet, upload: Upload): void {
    assert.equal(sheet.actualRowCount, 1 + upload.rows.length);
    const codeCols = [6, 7, 8, 9].map((i) => upload.header.length + i);
    upload.rows.forEach(({ n, cells }, i) => {
      const row = sheet.getRow(i + 2);
      // A CSV value Excel reads as a number is a number cell (`37.500000` → 37.5): compared by value.
      cells.forEach((v, c) => {
        const value = row.getCell(c + 1).value ?? '';
        assert.equal(typeof value === 'number' ? value : String(value), typeof value === 'number' ? Number(v) : v, `row ${n} column ${c + 1}`);
      });
      const expected = resultFor(n).matches[0];
      const at = (title: (typeof APPENDED_COLUMNS)[number]) => row.getCell(upload.header.length + APPENDED_COLUMNS.indexOf(title) + 1);
      assert.equal(at('상태').value, expected.status, `row ${n} status`);
      assert.equal(at('읍면동').value ?? undefined, expected.eupmyeondong?.name, `row ${n} 읍면동`);
      assert.equal(at('주소').value ?? undefined, expected.sido ? `서울특별시 종로구 동${n}` : undefined);
      assert.equal(at('비고').value ?? undefined, expected.note);
      for (const col of codeCols) {
        const cell = row.getCell(col);
        if (cell.value !== null) assert.equal(cell.type, ExcelJS.ValueType.String, `row ${n} code column ${col} is text`);
      }
    });
  }

  const jsonLogs = (jobId: string, msg: string) => logs.map((l) => JSON.parse(l)).filter((l) => l.jobId === jobId && l.msg === msg);

  /** Spreadsheet row numbers in the job's problem-row spool: the rows the progressive merge has written so far. */
  async function spooledProblemRows(jobId: string): Promise<number[]> {
    const files = (await readdir(join(storage, 'results'))).filter((f) => f.startsWith(`.${jobId}.`) && f.endsWith('.problems.part'));
    if (files.length !== 1) return [];
    const text = await readFile(join(storage, 'results', files[0]), 'utf8');
    return text.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { row: number }).row);
  }

  it('writes the workbook while the chunks arrive, before the job is sealed, then finishes it exactly; a replayed chunk changes nothing', async () => {
    const upload = makeUpload(45, [4, 11, 20, 33]);
    const name = 'progressive';
    // A job as the gateway records it now: with its sheet plan, running once its first chunk is out.
    const job = await newJob(upload, 'progressive.csv', {}, [{ sheet: 0, name, x: 1, y: 2, xName: '경도', yName: '위도', xBy: 'header', yBy: 'header' }]);
    await jobs.markRunning(job.id);
    const chunks = chunksOf(job.id, upload);
    assert.equal(chunks.length, 5);
    const seal = totals(upload, name);

    // Chunks 0-3 out of order, chunk 1 replayed at once; the job is not sealed.
    for (const i of [1, 1, 0, 3, 2]) await publish(Topics.results.name, job.id, chunks[i]);
    await waitFor('4 stored chunks', async () => ((await jobs.progress(job.id)).chunksDone === 4 ? true : undefined));

    // Rows are written as their chunks line up: the problem rows (every 7th) of chunks 0-3 are already spooled for 문제 행.
    const problemRows = (rows: Upload['rows']) => rows.filter((r) => r.n % 7 === 0).map((r) => r.n + 1);
    const before = problemRows(upload.rows.slice(0, 4 * CHUNK));
    assert.ok(before.length >= 4);
    const spooled = await waitFor('the rows of chunks 0-3 to be written', async () => {
      const rows = await spooledProblemRows(job.id);
      return rows.length >= before.length ? rows : undefined;
    }, 30_000);
    assert.deepEqual(spooled, before, 'the rows of chunks 0-3, in input order, and none of chunk 4');
    const partial = (await readdir(join(storage, 'results'))).filter((f) => f.startsWith(`.${job.id}.`) && f.endsWith('.xlsx.part'));
    assert.equal(partial.length, 1, 'the workbook is being written under a temporary name');
    assert.equal(existsSync(join(storage, 'results', `${job.id}.xlsx`)), false);
    assert.equal((await jobs.findById(job.id))!.status, JobStatus.Running);
    assert.equal(jsonLogs(job.id, 'progressive merge started').length, 1);
    assert.equal(jsonLogs(job.id, 'chunk result already stored or job unknown; nothing written').length, 1, 'the replay was handled');

    // Sealed, then the last chunk, then chunk 2 replayed once more.
    await jobs.seal(job.id, seal);
    await publish(Topics.jobs.name, job.id, { type: JobSealedEventV1.type, jobId: job.id, sheets: seal });
    await publish(Topics.results.name, job.id, chunks[4]);
    await publish(Topics.results.name, job.id, chunks[2]);
    const done = await finished(job.id);
    assert.equal(done.status, JobStatus.Completed, done.error ?? '');
    assert.deepEqual(jsonLogs(job.id, 'progressive merge finished').map((l) => l.rows), [upload.rows.length], 'the progressive file was the result');
    assert.deepEqual(jsonLogs(job.id, 'progressive merge failed; merging from the database'), []);
    assert.deepEqual(jsonLogs(job.id, 'progressive merge dropped; the job is merged from the database when complete'), []);

    const sheet = await readSheet(done);
    assert.equal(sheet.name, name);
    assertRowsExact(sheet, upload);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(storage, done.resultPath!));
    const problems = wb.getWorksheet('문제 행')!;
    assert.deepEqual(
      Array.from({ length: problems.actualRowCount - 1 }, (_, i) => problems.getRow(i + 2).getCell(2).value),
      problemRows(upload.rows),
      '문제 행: every problem row once, in order',
    );
    await waitFor('the replay of chunk 2 to be handled', async () =>
      jsonLogs(job.id, 'chunk result already stored or job unknown; nothing written').length === 2 ? true : undefined,
    );
    assert.deepEqual((await readdir(join(storage, 'results'))).filter((f) => f.includes(job.id)), [`${job.id}.xlsx`], 'no partial file left behind');
    assert.ok((await stat(join(storage, done.resultPath!))).size > 0);
  });

  it('seals from the event when the job is not sealed in the database yet', async () => {
    const upload = makeUpload(3, [2]);
    const job = await newJob(upload, 'late-seal.csv');
    const [chunk] = chunksOf(job.id, upload);
    const seal = totals(upload, 'late-seal');
    await publish(Topics.jobs.name, job.id, { type: JobSealedEventV1.type, jobId: job.id, sheets: seal });
    await publish(Topics.results.name, job.id, chunk);
    const done = await finished(job.id);
    assert.equal(done.status, JobStatus.Completed, done.error ?? '');
    assert.ok(done.sealedAt);
    assert.deepEqual(done.sheets, seal);
    const sheet = await readSheet(done);
    assert.deepEqual([2, 3, 4].map((r) => sheet.getRow(r).getCell(1).value), [1, 2, 3]);
  });

  it('fails the job instead of writing a misaligned workbook', async () => {
    const upload = makeUpload(5, []);
    const job = await newJob(upload, 'misaligned.csv');
    const [chunk] = chunksOf(job.id, upload);
    chunk.n[2] = 99;
    const seal = totals(upload, 'misaligned');
    await jobs.seal(job.id, seal);
    await publish(Topics.results.name, job.id, chunk);
    await publish(Topics.jobs.name, job.id, { type: JobSealedEventV1.type, jobId: job.id, sheets: seal });
    const done = await finished(job.id);
    assert.equal(done.status, JobStatus.Failed);
    assert.match(done.error ?? '', /result for row 99 is where input row 3 belongs/);
    assert.equal(existsSync(join(storage, 'results', `${job.id}.xlsx`)), false);
  });

  async function readDeadLetter(key: string): Promise<{ source: { topic: string }; error: string; payload: unknown }> {
    const readerGroup = `report-merger-it-dlq-${randomUUID()}`;
    const reader = kafka.consumer({ groupId: readerGroup });
    await reader.connect();
    try {
      await reader.subscribe({ topic: Topics.deadLetter.name, fromBeginning: true });
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no dead letter with key ${key}`)), 30_000);
        void reader.run({
          eachMessage: async ({ message }) => {
            if (message.key?.toString() !== key) return;
            clearTimeout(timer);
            resolve(JSON.parse(message.value!.toString()));
          },
        });
      });
    } finally {
      await reader.disconnect();
      const kafkaAdmin = kafka.admin();
      await kafkaAdmin.connect();
      await kafkaAdmin.deleteGroups([readerGroup]).catch(() => undefined);
      await kafkaAdmin.disconnect();
    }
  }
});
