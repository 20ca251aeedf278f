import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { BadRequestException, ConflictException, GoneException, Logger, NotFoundException } from '@nestjs/common';
import { JobStatus } from '@geobatch/contracts';
import type { JobEntity } from '@geobatch/job-store';
import { DatasetResolverService, type DatasetLookup, type DatasetRecord } from '../datasets/dataset-resolver.service';
import { CapturingLogger, FakeWorld, TempStorage, fakeJob } from '../testing/gateway-fakes';
import type { ChunkPublisherService } from './chunk-publisher.service';
import type { StoredUpload } from './hashing-disk-storage';
import { JobsService } from './jobs.service';

const DEFAULT_DS: DatasetRecord = { id: '0b5a4c8e-1c3e-4a8b-9d3f-0d1e2f3a4b5c', name: 'kostat', version: '2018', isDefault: true };
const OTHER_DS: DatasetRecord = { id: '9a8b7c6d-1c3e-4a8b-9d3f-0d1e2f3a4b5c', name: 'mois', version: '2024-01', isDefault: false };

class FakeDatasets implements DatasetLookup {
  constructor(private readonly all: DatasetRecord[]) {}
  list = async () => this.all;
  findByName = async (name: string) => this.all.find((d) => d.name === name) ?? null;
  findDefault = async () => this.all.find((d) => d.isDefault) ?? null;
}

describe('JobsService', () => {
  let storage: TempStorage;
  let world: FakeWorld;
  let started: JobEntity[];
  let datasets: DatasetRecord[];

  const service = () =>
    new JobsService(storage.config(), world.repository, new DatasetResolverService(new FakeDatasets(datasets)), {
      start: async (job: JobEntity) => void started.push(job),
    } as unknown as ChunkPublisherService);

  const upload = (content: string | Buffer, originalname = '측정.csv'): StoredUpload => {
    const path = storage.write('uploads-file', content);
    return { fieldname: 'file', originalname, mimetype: 'text/csv', path, storagePath: 'uploads/abc', size: 10, sha256: 'f00d' };
  };
  const CSV = 'id,경도,위도\n1,127.0,37.5\n';

  /** Asserts a 400 whose message matches, and that the refused upload was deleted. */
  async function rejects400(file: StoredUpload | undefined, fields: unknown, message: RegExp): Promise<void> {
    await assert.rejects(service().create(file, fields), (e: unknown) => {
      assert.ok(e instanceof BadRequestException, `expected 400, got ${String(e)}`);
      assert.match(e.message, message);
      return true;
    });
    if (file) assert.equal(existsSync(file.path), false, 'the refused upload must be deleted');
    assert.equal(world.ofOp('create').length, 0);
    assert.equal(started.length, 0);
  }

  beforeEach(() => {
    storage = new TempStorage();
    world = new FakeWorld();
    started = [];
    datasets = [DEFAULT_DS, OTHER_DS];
    Logger.overrideLogger(new CapturingLogger());
  });
  afterEach(() => storage.dispose());

  describe('create', () => {
    it('accepts a valid upload: pins the default dataset, creates the job and starts publishing', async () => {
      const file = upload(CSV);
      const created = await service().create(file, { x: '경도', y: '3' });
      const [{ job }] = world.ofOp('create');
      assert.deepEqual(created, { id: started[0].id, status: JobStatus.Queued });
      assert.deepEqual(job, {
        fileName: '측정.csv',
        uploadPath: 'uploads/abc',
        uploadSha256: 'f00d',
        options: { x: '경도', y: '3', crs: 'EPSG:4326', datasetIds: [DEFAULT_DS.id], datasetLabels: ['kostat@2018'] },
      });
      assert.equal(existsSync(file.path), true, 'an accepted upload stays');
    });

    it('pins a named dataset', async () => {
      await service().create(upload(CSV), { x: '2', y: '3', dataset: 'mois' });
      assert.deepEqual(world.ofOp('create')[0].job.options.datasetLabels, ['mois@2024-01']);
    });

    it('400 without a file', () => rejects400(undefined, { x: '2', y: '3' }, /file.*required/));

    it('400 when y is missing', () => rejects400(upload(CSV), { x: '2' }, /^y: .*required/));

    it('400 when a field is not a single string', () => rejects400(upload(CSV), { x: ['2', '3'], y: '3' }, /^x: /));

    it('400 for an unknown column, naming the headers', () =>
      rejects400(upload(CSV), { x: '경도', y: 'lat' }, /y: .*"lat".*headers: "id", "경도", "위도"/));

    it('400 for a column number beyond the header', () => rejects400(upload(CSV), { x: '2', y: '9' }, /y: .*9/));

    it('400 when x and y are the same column', () => rejects400(upload(CSV), { x: '경도', y: '2' }, /same column/));

    it('400 for an empty file', () => rejects400(upload(''), { x: '1', y: '2' }, /empty file or no header/));

    it('400 for a workbook uploaded as the CSV', () =>
      rejects400(upload(Buffer.from('504b030414000600', 'hex')), { x: '1', y: '2' }, /only CSV/));

    it('400 for an unknown dataset, listing the known ones', () =>
      rejects400(upload(CSV), { x: '2', y: '3', dataset: 'nope' }, /"nope".*available: kostat, mois/));

    it('400 when no dataset is named and there is no default', () => {
      datasets = [OTHER_DS];
      return rejects400(upload(CSV), { x: '2', y: '3' }, /no default dataset/);
    });
  });

  describe('status', () => {
    it('reports null total before the job is sealed', async () => {
      const job = fakeJob();
      world.jobs.set(job.id, job);
      const status = await service().status(job.id);
      assert.deepEqual(status.rows, { total: null, processed: 3, ok: 2, problems: 1, blank: 0 });
      assert.equal(status.resultUrl, null);
      assert.deepEqual(status.datasets, ['test@1']);
      assert.equal(status.createdAt, '2026-01-02T03:04:05.000Z');
    });

    it('counts data and blank rows once sealed, and links the result once completed', async () => {
      const job = fakeJob({
        status: JobStatus.Completed,
        sheets: [{ sheet: 0, name: 'a', rows: 7, chunks: 1, blankRows: 2 }],
        finishedAt: new Date('2026-01-02T03:05:00Z'),
      });
      world.jobs.set(job.id, job);
      const status = await service().status(job.id);
      assert.equal(status.rows.total, 9);
      assert.equal(status.rows.blank, 2);
      assert.equal(status.resultUrl, `/jobs/${job.id}/result`);
      assert.equal(status.finishedAt, '2026-01-02T03:05:00.000Z');
    });

    it('404 for an unknown job', async () => {
      await assert.rejects(service().status(fakeJob().id), NotFoundException);
    });
  });

  describe('result', () => {
    it('409 naming the status while the job runs', async () => {
      const job = fakeJob({ status: JobStatus.Running });
      world.jobs.set(job.id, job);
      await assert.rejects(service().result(job.id), (e: unknown) => e instanceof ConflictException && /is running/.test(e.message));
    });

    it('streams the stored workbook of a completed job', async () => {
      storage.write('result.xlsx', 'PK-data');
      const job = fakeJob({ status: JobStatus.Completed, resultPath: 'result.xlsx' });
      world.jobs.set(job.id, job);
      const download = await service().result(job.id);
      assert.equal(download.size, 7);
      assert.equal(download.fileName, 'input.csv');
      const parts: Buffer[] = [];
      for await (const part of download.stream) parts.push(part as Buffer);
      assert.equal(Buffer.concat(parts).toString(), 'PK-data');
    });

    it('410 when the workbook is gone, and never serves a path outside STORAGE_DIR', async () => {
      for (const resultPath of ['missing.xlsx', '../../etc/passwd']) {
        const job = fakeJob({ status: JobStatus.Completed, resultPath });
        world.jobs.set(job.id, job);
        await assert.rejects(service().result(job.id), GoneException);
      }
    });
  });
});
