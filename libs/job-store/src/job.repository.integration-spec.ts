import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { JobStatus, packChunkResult, RowStatus, type ChunkResultEventV2, type RowResultV1 } from '@geobatch/contracts';
import { dropTestSchema } from '@geobatch/util-testing';
import { JobRepository } from './index';
import { openJobStoreSchema } from './testing';

describe('JobRepository (real PostgreSQL)', () => {
  const schema = `job_store_it_${randomUUID().slice(0, 8)}`;
  let db: DataSource;
  let jobs: JobRepository;

  before(async () => {
    db = await openJobStoreSchema(schema);
    assert.deepEqual(await db.runMigrations(), [], 'migrations are idempotent');
    jobs = new JobRepository(db);
  });

  after(() => dropTestSchema(db, schema));

  const newJob = () =>
    jobs.create({
      fileName: 'in.csv',
      uploadPath: 'uploads/x',
      uploadSha256: 'abc',
      options: {
        x: 'x', y: 'y', crs: 'EPSG:4326', datasetIds: [randomUUID()], datasetLabels: ['d@1'], datasetFacts: [],
        sheet: null, lang: 'ko', format: 'xlsx', nearestM: 200,
        upload: { kind: 'csv', encoding: 'utf-8', delimiter: ',', sheets: [] },
      },
    });
  /** As the gateway leaves a job before its first chunk: results are stored only while a job runs. */
  const runningJob = async () => {
    const job = await newJob();
    await jobs.markRunning(job.id);
    return job;
  };
  const chunk = (jobId: string, n: number, statuses: RowStatus[]): ChunkResultEventV2 =>
    packChunkResult({ jobId, sheet: 0, chunk: n }, statuses.map((status, i) => ({ n: n * 10 + i + 1, matches: [{ status }] })), 1);

  it('lets exactly one caller claim the merge, and only once sealed with every chunk stored', async () => {
    const job = await newJob();
    assert.equal(job.status, JobStatus.Queued);
    assert.equal(await jobs.claimMerge(job.id), null, 'not sealed, not running');

    await jobs.seal(job.id, [{ sheet: 0, name: 'in', rows: 4, chunks: 2, blankRows: 1 }]);
    assert.equal((await jobs.findById(job.id))!.status, JobStatus.Running);
    assert.equal(await jobs.saveChunkResult(chunk(job.id, 0, [RowStatus.Ok, RowStatus.NotFound])), true);
    assert.equal(await jobs.claimMerge(job.id), null, 'one chunk of two is missing');

    assert.equal(await jobs.saveChunkResult(chunk(job.id, 0, [RowStatus.Ok, RowStatus.NotFound])), false, 'a replay is a no-op');
    assert.equal(await jobs.saveChunkResult(chunk(job.id, 1, [RowStatus.Ok, RowStatus.Invalid])), true);
    assert.deepEqual(await jobs.progress(job.id), { chunksDone: 2, processed: 4, ok: 2, problems: 2 });

    const [first, second] = await Promise.all([jobs.claimMerge(job.id), jobs.claimMerge(job.id)]);
    assert.equal([first, second].filter(Boolean).length, 1, 'exactly one concurrent claim wins');
    assert.equal(await jobs.claimMerge(job.id), null);

    await jobs.releaseMerge(job.id);
    assert.ok(await jobs.claimMerge(job.id), 'a released merge can be claimed again');
    const chunks = [];
    for await (const c of jobs.chunksOf(job.id, 0)) chunks.push(c.chunk);
    assert.deepEqual(chunks, [0, 1]);

    await jobs.complete(job.id, 'results/x.xlsx');
    const done = (await jobs.findById(job.id))!;
    assert.equal(done.status, JobStatus.Completed);
    assert.equal(done.resultPath, 'results/x.xlsx');
  });

  it('stores a chunk packed and reads its rows back as they were, and still reads chunks stored one object per row', async () => {
    const job = await runningJob();
    const seoul = { sido: { code: '11', name: '서울특별시' }, sigungu: { code: '11010', name: '종로구' } };
    const rows: RowResultV1[] = [
      { n: 1, matches: [{ status: RowStatus.Ok, ...seoul }, { status: RowStatus.NotFound, note: '경계 밖 / outside every boundary' }] },
      { n: 2, matches: [{ status: RowStatus.Nearest, ...seoul, distanceM: 12.3, note: 'near' }, { status: RowStatus.Ok, sido: { code: '99', name: '네모도' } }] },
      { n: 4, matches: [{ status: RowStatus.Invalid, note: 'bad' }, { status: RowStatus.Invalid, note: 'bad' }] },
    ];
    assert.equal(await jobs.findChunkRows(job.id, 0, 0), null, 'not stored yet');
    assert.equal(await jobs.saveChunkResult(packChunkResult({ jobId: job.id, sheet: 0, chunk: 0 }, rows, 2)), true);
    assert.deepEqual(await jobs.findChunkRows(job.id, 0, 0), rows);
    assert.equal(await jobs.findChunkRows(job.id, 0, 1), null);
    assert.equal(await jobs.findChunkRows(job.id, 1, 0), null, 'another sheet');
    const [stored] = await db.query(`SELECT rows, packed, row_count, ok_count, problem_count FROM job_chunk_result WHERE job_id = $1`, [job.id]);
    assert.equal(stored.rows, null, 'new chunks are stored packed only');
    assert.deepEqual(JSON.parse(stored.packed).n, [1, 2, 4], 'stored as the JSON text it travelled as');
    assert.deepEqual([stored.row_count, stored.ok_count, stored.problem_count], [3, 0, 3], 'OK only when every dataset matched cleanly');

    // A chunk stored before the packed column existed.
    const legacy: RowResultV1[] = [{ n: 5, matches: [{ status: RowStatus.Ok, ...seoul }, { status: RowStatus.Ok, ...seoul }] }];
    await db.query(
      `INSERT INTO job_chunk_result (job_id, sheet, chunk, row_count, ok_count, problem_count, rows) VALUES ($1, 0, 1, 1, 1, 0, $2::jsonb)`,
      [job.id, JSON.stringify(legacy)],
    );
    assert.deepEqual(await jobs.findChunkRows(job.id, 0, 1), legacy);
    const all: { chunk: number; rows: RowResultV1[] }[] = [];
    for await (const c of jobs.chunksOf(job.id, 0)) all.push(c);
    assert.deepEqual(all, [{ chunk: 0, rows }, { chunk: 1, rows: legacy }]);
    await assert.rejects(
      db.query(`INSERT INTO job_chunk_result (job_id, sheet, chunk, row_count, ok_count, problem_count) VALUES ($1, 0, 2, 0, 0, 0)`, [job.id]),
      /job_chunk_result_has_rows/,
      'a chunk without rows is refused',
    );
  });

  it('stores results only while the job runs: never for a queued job, nor after a cancel, even one racing the inserts', async () => {
    const job = await newJob();
    assert.equal(await jobs.saveChunkResult(chunk(job.id, 0, [RowStatus.Ok])), false, 'queued: no chunk was published yet');
    await jobs.markRunning(job.id);
    assert.equal(await jobs.saveChunkResult(chunk(job.id, 0, [RowStatus.Ok])), true);
    // Inserts racing the cancel and its delete, as the merger and the gateway would run them.
    const inserts = Array.from({ length: 40 }, (_, i) => jobs.saveChunkResult(chunk(job.id, i + 1, [RowStatus.Ok])).catch(() => false));
    assert.equal(await jobs.cancel(job.id), true);
    await jobs.deleteChunkResults(job.id);
    await Promise.all(inserts);
    assert.equal(await jobs.saveChunkResult(chunk(job.id, 99, [RowStatus.Ok])), false, 'cancelled: refused');
    assert.deepEqual(await jobs.progress(job.id), { chunksDone: 0, processed: 0, ok: 0, problems: 0 }, 'no result outlives the cancel');
  });

  it('ignores results for a job that does not exist, and lists unsealed jobs for replay', async () => {
    assert.equal(await jobs.saveChunkResult(chunk(randomUUID(), 0, [RowStatus.Ok])), false);
    const job = await newJob();
    assert.ok((await jobs.findUnsealed()).some((j) => j.id === job.id));
    await jobs.seal(job.id, []);
    assert.ok(!(await jobs.findUnsealed()).some((j) => j.id === job.id));
    await jobs.fail(job.id, 'boom');
    assert.equal((await jobs.findById(job.id))!.error, 'boom');
  });

  it('moves the publish watermark forward per sheet, never back, and leaves it alone once sealed', async () => {
    const job = await newJob();
    assert.equal(job.publishedChunks ?? null, null);
    await jobs.recordPublished(job.id, 2000, 0, 3);
    await jobs.recordPublished(job.id, 2000, 1, 1);
    await jobs.recordPublished(job.id, 2000, 0, 2); // a late, older batch
    assert.deepEqual((await jobs.findById(job.id))!.publishedChunks, { chunkSize: 2000, sheets: { '0': 3, '1': 1 } });
    assert.ok((await jobs.findUnsealed()).find((j) => j.id === job.id)?.publishedChunks?.sheets['0'] === 3);
    await jobs.seal(job.id, []);
    await jobs.recordPublished(job.id, 2000, 0, 9);
    assert.equal((await jobs.findById(job.id))!.publishedChunks!.sheets['0'], 3);
  });

  it('keeps notes that quote NUL characters or lone surrogates exactly', async () => {
    const job = await runningJob();
    const note = 'x="\u0000\ud800" / \\u0000 stays';
    const event = packChunkResult({ jobId: job.id, sheet: 0, chunk: 0 }, [{ n: 1, matches: [{ status: RowStatus.Invalid, note }] }], 1);
    assert.equal(await jobs.saveChunkResult(event), true);
    assert.equal(await jobs.hasChunkResult(job.id, 0, 0), true);
    assert.equal(await jobs.hasChunkResult(job.id, 0, 1), false);
    const stored = [];
    for await (const c of jobs.chunksOf(job.id, 0)) stored.push(...c.rows);
    assert.equal(stored[0].matches[0].note, note);
  });

  it('converts stored chunks to jsonb and back when the text migration is undone and redone', async () => {
    const job = await runningJob();
    const rows: RowResultV1[] = [{ n: 1, matches: [{ status: RowStatus.Invalid, note: 'nul \u0000 here, \\u0000 stays' }] }, { n: 2, matches: [{ status: RowStatus.NotFound }] }];
    await jobs.saveChunkResult(packChunkResult({ jobId: job.id, sheet: 0, chunk: 0 }, rows, 1));
    const typeOf = async () =>
      (await db.query(`SELECT data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'job_chunk_result' AND column_name = 'packed'`, [schema]))[0].data_type;
    assert.equal(await typeOf(), 'text');
    // Later migrations (other columns) are undone first; the text one is where `packed` turns jsonb again.
    for (let undone = 0; (await typeOf()) === 'text' && undone < 20; undone++) await db.undoLastMigration();
    assert.equal(await typeOf(), 'jsonb');
    const [asJsonb] = await db.query(`SELECT packed->'datasets'->0 AS d FROM job_chunk_result WHERE job_id = $1`, [job.id]);
    assert.equal(asJsonb.d.note[0], 'nul \ufffd here, \\u0000 stays', 'jsonb refuses the NUL escape: it becomes U+FFFD');
    await db.runMigrations();
    assert.equal(await typeOf(), 'text');
    const [back] = (await jobs.findChunkRows(job.id, 0, 0))!;
    assert.equal(back.matches[0].note, 'nul \ufffd here, \\u0000 stays');
  });
});
