import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { JobStatus, packChunkResult, RowStatus, type RowResultV1 } from '@geobatch/contracts';
import { fromWgs84 } from '@geobatch/geo-query';
import { ApiKeyRepository, JobRepository } from '@geobatch/job-store';
import { openJobStoreSchema, testColumns, testJobOptions } from '@geobatch/job-store/testing';
import { dropTestSchema } from '@geobatch/util-testing';
import type { GatewayConfig } from '../config/gateway-config.module';
import { JobPointsService } from './job-points.service';
import { UploadCoordinatesReader } from './upload-coordinates.reader';

const ROWS = 1_000;
const seoul = { code: '1100000000', name: '서울특별시' };
const jongno = { code: '1111000000', name: '종로구' };
/** Row i's WGS84 position: a line across Seoul. */
const lonOf = (i: number) => 126.9 + i * 1e-4;
const latOf = (i: number) => 37.5 + i * 5e-5;

/*
 * The points of a completed job read back from its stored rows and its upload, against the real job
 * tables: a CSV in EPSG:5179 with a blank line, every 100th row a problem, 1,000 rows in chunks of 250.
 */
describe('JobPointsService (real Postgres, a stored upload)', () => {
  const schema = `job_points_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const storage = mkdtempSync(join(tmpdir(), 'job-points-it-'));
  let db: DataSource;
  let jobs: JobRepository;
  let service: JobPointsService;
  let jobId: string;
  let owner = '';

  before(async () => {
    db = await openJobStoreSchema(schema);
    jobs = new JobRepository(db);
    owner = (await new ApiKeyRepository(db).create({ name: 'job-points-it' })).id;
    service = new JobPointsService(jobs, new UploadCoordinatesReader({ STORAGE_DIR: storage } as GatewayConfig));
    const to5179 = fromWgs84('EPSG:5179');
    const lines = ['id,east,north'];
    for (let i = 1; i <= ROWS; i++) {
      const [x, y] = to5179(lonOf(i), latOf(i));
      lines.push(`p${i},${x.toFixed(3)},${y.toFixed(3)}`);
      if (i === 10) lines.push(''); // a blank line: skipped, so data row n and the file's row part ways
    }
    mkdirSync(join(storage, 'uploads'), { recursive: true });
    writeFileSync(join(storage, 'uploads', 'points.csv'), `${lines.join('\n')}\n`);
    const job = await jobs.create({ fileName: 'points.csv', uploadPath: 'uploads/points.csv', uploadSha256: 'x', ownerKeyId: owner, options: testJobOptions({ crs: 'EPSG:5179' }, { columns: [testColumns(0, 'points', 1, 2)] }) });
    jobId = job.id;
    await jobs.markRunning(jobId);
    // Data row numbers as the publisher numbers them: blank rows count, so row 11 is the blank one.
    const numbers = Array.from({ length: ROWS + 1 }, (_, k) => k + 1).filter((n) => n !== 11);
    for (let chunk = 0; chunk * 250 < ROWS; chunk++) {
      const rows: RowResultV1[] = numbers.slice(chunk * 250, chunk * 250 + 250).map((n) =>
        n % 100 === 0 ? { n, matches: [{ status: RowStatus.NotFound, note: '경계 밖' }] } : { n, matches: [{ status: RowStatus.Ok, sido: seoul, sigungu: jongno }] },
      );
      assert.equal(await jobs.saveChunkResult(packChunkResult({ jobId, sheet: 0, chunk }, rows, 1)), true);
    }
    await jobs.complete(jobId, 'results/points.xlsx');
  });
  after(async () => {
    await dropTestSchema(db, schema);
    rmSync(storage, { recursive: true, force: true });
  });

  it('answers every row, problem rows first, at its WGS84 position converted from EPSG:5179, with the row number of the file', async () => {
    const a = await service.points(jobId, owner);
    assert.deepEqual([a.rows, a.problems, a.sampled, a.points.n.length, a.crs, a.sheets], [ROWS, 10, false, ROWS, 'EPSG:5179', ['points']]);
    assert.ok(a.points.status.slice(0, 10).every((s) => s === RowStatus.NotFound));
    assert.ok(a.points.status.slice(10).every((s) => s === RowStatus.Ok));
    assert.deepEqual(a.statuses, [{ status: 'OK', rows: 990 }, { status: 'NOT_FOUND', rows: 10 }]);
    for (let k = 0; k < ROWS; k++) {
      // Data row n is the file's point i = n (n ≤ 10) or n - 1 (past the blank line); the file's row is n + 1 (the header).
      const n = a.points.n[k] - 1;
      const i = n <= 10 ? n : n - 1;
      assert.ok(Math.abs((a.points.lon[k] ?? 0) - lonOf(i)) < 2e-6 && Math.abs((a.points.lat[k] ?? 0) - latOf(i)) < 2e-6, `row ${a.points.n[k]}: ${a.points.lon[k]}, ${a.points.lat[k]}`);
    }
    assert.equal(a.points.n[0], 101, 'data row 100 (the first problem) is line 101 of the file');
    assert.deepEqual([a.table.sido[0].name, a.table.sido[0].rows, a.table.sigungu[0].parent], ['서울특별시', 990, '서울특별시']);
  });

  it('samples down to the limit: every problem row, then OK rows spread over the job', async () => {
    const a = await service.points(jobId, owner, 60);
    assert.equal(a.sampled, true);
    assert.equal(a.points.n.length, 60);
    assert.ok(a.points.status.slice(0, 10).every((s) => s === RowStatus.NotFound));
    const okRows = a.points.n.slice(10);
    assert.equal(okRows.length, 50);
    assert.ok(okRows[0] <= 3 && okRows[okRows.length - 1] > 950, `${okRows[0]}…${okRows[okRows.length - 1]}`);
    assert.ok(a.points.lat.every((v) => v !== null));
  });

  it("answers 404 for another key's job and 409 for a job that has not completed", async () => {
    await assert.rejects(service.points(jobId, randomUUID()), { status: 404 });
    const running = await jobs.create({ fileName: 'x.csv', uploadPath: 'uploads/points.csv', uploadSha256: 'y', ownerKeyId: owner, options: testJobOptions() });
    await assert.rejects(service.points(running.id, owner), { status: 409 });
    assert.equal((await jobs.findById(running.id))?.status, JobStatus.Queued);
  });
});
