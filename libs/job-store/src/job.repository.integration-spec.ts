import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JobStatus, RowStatus, type ChunkResultEventV1 } from '@geobatch/contracts';
import { testEnv } from '@geobatch/util-testing';
import { JOB_STORE_ENTITIES, JOB_STORE_MIGRATIONS, JobRepository } from './index';

describe('JobRepository (real PostgreSQL)', () => {
  const schema = `job_store_it_${randomUUID().slice(0, 8)}`;
  let admin: DataSource;
  let db: DataSource;
  let jobs: JobRepository;

  before(async () => {
    admin = await new DataSource({ type: 'postgres', url: testEnv.TEST_DATABASE_URL }).initialize();
    await admin.query(`CREATE SCHEMA ${schema}`);
    db = await new DataSource({
      type: 'postgres',
      url: testEnv.TEST_DATABASE_URL,
      schema,
      extra: { options: `-c search_path=${schema}` },
      entities: JOB_STORE_ENTITIES,
      migrations: JOB_STORE_MIGRATIONS,
    }).initialize();
    await db.runMigrations();
    assert.deepEqual(await db.runMigrations(), [], 'migrations are idempotent');
    jobs = new JobRepository(db);
  });

  after(async () => {
    await db?.destroy();
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.destroy();
  });

  const newJob = () =>
    jobs.create({
      fileName: 'in.csv',
      uploadPath: 'uploads/x',
      uploadSha256: 'abc',
      options: { x: 'x', y: 'y', crs: 'EPSG:4326', datasetIds: [randomUUID()], datasetLabels: ['d@1'] },
    });
  const chunk = (jobId: string, n: number, statuses: RowStatus[]): ChunkResultEventV1 => ({
    jobId,
    sheet: 0,
    chunk: n,
    rows: statuses.map((status, i) => ({ n: n * 10 + i + 1, matches: [{ status }] })),
  });

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

  it('stores results whose notes quote NUL characters or lone surrogates (jsonb refuses those escapes)', async () => {
    const job = await newJob();
    const note = 'x="\u0000\ud800" / \\u0000 stays';
    const event: ChunkResultEventV1 = { jobId: job.id, sheet: 0, chunk: 0, rows: [{ n: 1, matches: [{ status: RowStatus.Invalid, note }] }] };
    assert.equal(await jobs.saveChunkResult(event), true);
    assert.equal(await jobs.hasChunkResult(job.id, 0, 0), true);
    assert.equal(await jobs.hasChunkResult(job.id, 0, 1), false);
    const stored = [];
    for await (const c of jobs.chunksOf(job.id, 0)) stored.push(...c.rows);
    assert.equal(stored[0].matches[0].note, 'x="\ufffd\ufffd" / \\u0000 stays');
  });
});
