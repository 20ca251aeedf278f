import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { BadRequestException, ConflictException, GoneException, HttpException, Logger, NotFoundException } from '@nestjs/common';
import { CreateJobDto, JobStatus, PreviewJobDto } from '@geobatch/contracts';
import type { JobEntity } from '@geobatch/job-store';
import { DatasetResolverService, type DatasetLookup, type DatasetRecord } from '../datasets/dataset-resolver.service';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { CapturingLogger, FAKE_OWNER, FakeWorld, TempStorage, fakeJob, writeXlsx } from '../testing/gateway-fakes';
import type { ChunkPublisherService } from './chunk-publisher.service';
import type { StoredUpload } from './hashing-disk-storage';
import { httpExceptionOf } from '../http/domain-errors';
import { createValidationPipe } from '../http/validation-pipe';
import { progressOf } from './job-views';
import { JobsService } from './jobs.service';

const DEFAULT_DS: DatasetRecord = {
  id: '0b5a4c8e-1c3e-4a8b-9d3f-0d1e2f3a4b5c',
  name: 'kostat',
  version: '2018',
  isDefault: true,
  effectiveDate: '2018-12-24',
  levels: ['sido', 'sigungu', 'eupmyeondong'],
  simplified: true,
  attribution: '통계청 SGIS',
  notes: '리 없음',
};
const OTHER_DS: DatasetRecord = { id: '9a8b7c6d-1c3e-4a8b-9d3f-0d1e2f3a4b5c', name: 'mois', version: '2024-01', isDefault: false };

class FakeDatasets implements DatasetLookup {
  constructor(private readonly all: DatasetRecord[]) {}
  list = async () => this.all;
  findByName = async (name: string) => this.all.find((d) => d.name === name) ?? null;
  findDefault = async () => this.all.find((d) => d.isDefault) ?? null;
  findById = async (id: string) => this.all.find((d) => d.id === id) ?? null;
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
  /** A workbook with a title sheet and two data sheets; only `B` has the `lon`/`lat` headers, `A` has Korean coordinates under other names. */
  const workbookUpload = async (originalname = '측정.xlsx'): Promise<StoredUpload> => {
    const path = await writeXlsx(join(storage.dir, 'uploads-book'), [
      { name: '표지', rows: [['과속 보고서'], ['기간', '2024']] },
      { name: 'A', rows: [['id', '지점 X', '지점 Y'], [1, 127.1234, 37.5123], [2, 126.98765, 37.45678], [3, 129.0756, 35.1796]] },
      { name: 'B', rows: [['lat', 'lon', 'memo'], [37.5, 127.1, 'a']] },
    ]);
    return { fieldname: 'file', originalname, mimetype: 'application/octet-stream', path, storagePath: 'uploads/book', size: 10, sha256: 'b00c' };
  };
  const CSV = 'id,경도,위도\n1,127.0,37.5\n';

  /** The fields as the gateway's validation pipe hands them over; a refused request's upload is deleted, as the app's interceptor does. */
  const pipe = createValidationPipe();
  async function fieldsOf<T>(metatype: new () => T, file: StoredUpload | undefined, fields: unknown): Promise<T> {
    try {
      return (await pipe.transform(fields ?? {}, { type: 'body', metatype })) as T;
    } catch (e) {
      if (file) rmSync(file.path, { force: true });
      throw e;
    }
  }
  const create = async (file: StoredUpload | undefined, fields: unknown, requestId?: string, owner?: string) =>
    service().create(file, await fieldsOf(CreateJobDto, file, fields), requestId, owner);
  const previewOf = async (file: StoredUpload | undefined, fields: unknown) => service().preview(file, await fieldsOf(PreviewJobDto, file, fields));
  /** What the client gets: an HttpException as thrown, a domain error as the exception filter maps it. */
  const asHttp = (e: unknown) => (e instanceof HttpException ? e : (httpExceptionOf(e) ?? e));

  /** Asserts a 400 whose message matches, and that the refused upload was deleted. */
  async function rejects400(file: StoredUpload | undefined, fields: unknown, message: RegExp): Promise<void> {
    await assert.rejects(create(file, fields), (thrown: unknown) => {
      const e = asHttp(thrown);
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
      const created = await create(file, { x: '경도', y: '3' }, undefined, FAKE_OWNER);
      const [{ job }] = world.ofOp('create');
      assert.deepEqual(created, { id: started[0].id, status: JobStatus.Queued, deduplicated: false });
      assert.deepEqual(job, {
        ownerKeyId: FAKE_OWNER,
        fileName: '측정.csv',
        uploadPath: 'uploads/abc',
        uploadSha256: 'f00d',
        options: {
          x: '경도',
          y: '3',
          crs: 'EPSG:4326',
          datasetIds: [DEFAULT_DS.id],
          datasetLabels: ['kostat@2018'],
          // Frozen with the job for its 요약, whatever later imports do to the dataset.
          datasetFacts: [
            { label: 'kostat@2018', effectiveDate: '2018-12-24', levels: ['sido', 'sigungu', 'eupmyeondong'], simplified: true, attribution: '통계청 SGIS', notes: '리 없음' },
          ],
          encodingRequested: 'auto',
          sheet: null,
          lang: 'ko',
          format: 'xlsx',
          nearestM: 200,
          // How the publisher and the merger will read the upload (kind, encoding, delimiter, sheets and columns), decided here once.
          upload: {
            kind: 'csv', encoding: 'utf-8', delimiter: ',',
            sheets: [{ sheet: 0, name: '측정', x: 1, y: 2, xName: '경도', yName: '위도', xBy: 'given', yBy: 'given', headerRow: 1, output: '측정' }],
          },
        },
      });
      assert.equal(existsSync(file.path), true, 'an accepted upload stays');
    });

    it('answers the existing job of the same key for the same file and options, unless force=true', async () => {
      const existing = fakeJob({ status: JobStatus.Running });
      const asked: { owner: string; upload: { sha256: string; fileName: string }; options: { x: string } }[] = [];
      (world.repository as unknown as { findReusable: unknown }).findReusable = async (owner: string, upload: never, options: never) => {
        asked.push({ owner, upload, options });
        return existing;
      };
      const file = upload(CSV);
      const same = await create(file, { x: '경도', y: '3' }, undefined, FAKE_OWNER);
      assert.deepEqual(same, { id: existing.id, status: JobStatus.Running, deduplicated: true });
      assert.deepEqual(world.ofOp('create'), [], 'no new job');
      assert.deepEqual(started, []);
      assert.equal(existsSync(file.path), false, 'the second copy of the upload is not kept');
      assert.deepEqual([asked[0].owner, asked[0].upload, asked[0].options.x], [FAKE_OWNER, { sha256: 'f00d', fileName: '측정.csv' }, '경도']);

      const forced = await create(upload(CSV), { x: '경도', y: '3', force: 'true' }, undefined, FAKE_OWNER);
      assert.equal(forced.deduplicated, false);
      assert.notEqual(forced.id, existing.id);
      assert.equal(world.ofOp('create').length, 1);
      assert.equal(asked.length, 1, 'force does not even look');
    });

    it('pins a named dataset', async () => {
      await create(upload(CSV), { x: '2', y: '3', dataset: 'mois' });
      assert.deepEqual(world.ofOp('create')[0].job.options.datasetLabels, ['mois@2024-01']);
    });

    it('400 without a file', () => rejects400(undefined, { x: '2', y: '3' }, /file.*required/));

    it('detects omitted x/y from the header names, and stores the other options', async () => {
      const cp949 = iconv.encode('id,Longitude,위도\n1,127.0,37.5\n', 'cp949');
      await create(upload(cp949), { lang: 'en', format: 'csv', crs: 'EPSG:5179', encoding: 'euc-kr' });
      const { options } = world.ofOp('create')[0].job;
      assert.deepEqual(options.upload.sheets, [{ sheet: 0, name: '측정', x: 1, y: 2, xName: 'Longitude', yName: '위도', xBy: 'header', yBy: 'header', headerRow: 1, output: '측정' }]);
      assert.equal(options.x, 'auto');
      assert.deepEqual([options.lang, options.format, options.crs, options.encodingRequested, options.upload.encoding], ['en', 'csv', 'EPSG:5179', 'euc-kr', 'cp949']);
    });

    it('detects columns from their values when the headers say nothing (the sample: 주소 and an empty name)', async () => {
      const csv = '회사코드,차량번호,날짜,주소,,속도\ntestse01,울산100바10000,20240101,127.229305,37.646395,60\ntestse02,서울101바10001,20240202,126.381893,34.805947,61\n';
      await create(upload(csv), {});
      const [col] = world.ofOp('create')[0].job.options.upload.sheets;
      assert.deepEqual([col.x, col.y, col.xBy, col.yBy], [3, 4, 'values', 'values']);
    });

    it('400 at once when a column cannot be detected, saying which and what to pass', () =>
      rejects400(upload('a,b,c\n1,2,3\n'), {}, /x: .*longitude.*give x.*y: .*latitude.*give y/));

    it('400 for an invalid option value', () => rejects400(upload(CSV), { lang: 'fr' }, /^lang: /));

    it('400 when a field is not a single string', () => rejects400(upload(CSV), { x: ['2', '3'], y: '3' }, /^x: /));

    it('400 for an unknown column, naming the headers', () =>
      rejects400(upload(CSV), { x: '경도', y: 'lat' }, /y: .*"lat".*headers: "id", "경도", "위도"/));

    it('400 for a column number beyond the header', () => rejects400(upload(CSV), { x: '2', y: '9' }, /y: .*9/));

    it('400 when x and y are the same column', () => rejects400(upload(CSV), { x: '경도', y: '2' }, /same column/));

    it('400 for an empty file', () => rejects400(upload(''), { x: '1', y: '2' }, /empty file or no header/));

    it('400 for a damaged XLSX (a ZIP header and nothing else)', () =>
      rejects400(upload(Buffer.from('504b030414000600', 'hex'), 'book.csv'), { x: '1', y: '2' }, /^file: .*damaged ZIP/));

    it('400 for an old .xls workbook, whatever its name', () =>
      rejects400(upload(Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512)]), 'points.csv'), {}, /^file: .*\.xls/));

    it('400 for other binary content', () => rejects400(upload(Buffer.from([0, 1, 2, 3, 0, 0, 9, 7])), {}, /binary file/));

    it('takes an XLSX by its content: every sheet whose columns resolve, each with its own detected columns', async () => {
      await create(await workbookUpload('renamed.csv'), {});
      const { options } = world.ofOp('create')[0].job;
      assert.equal(options.upload.kind, 'xlsx');
      assert.equal(options.upload.encoding, null);
      assert.deepEqual(
        options.upload.sheets.map((c) => [c.sheet, c.name, c.x, c.y, c.xBy, c.yBy]),
        [[1, 'A', 1, 2, 'values', 'values'], [2, 'B', 1, 0, 'header', 'header']],
      );
    });

    it('XLSX with given columns: only the sheets that have them', async () => {
      await create(await workbookUpload(), { x: 'lon', y: 'lat' });
      assert.deepEqual(world.ofOp('create')[0].job.options.upload.sheets.map((c) => c.name), ['B']);
    });

    it('XLSX: the sheet asked for, by name or 1-based number', async () => {
      await create(await workbookUpload(), { sheet: '2' });
      await create(await workbookUpload(), { sheet: ' b ' });
      assert.deepEqual(world.ofOp('create').map((c) => [c.job.options.sheet, c.job.options.upload.sheets.map((s) => s.name)]), [['2', ['A']], [' b ', ['B']]]);
    });

    it('XLSX: 400 for an unknown sheet, listing the sheets', async () =>
      rejects400(await workbookUpload(), { sheet: 'C' }, /sheet: .*"C".*1: "표지", 2: "A", 3: "B"/));

    it('XLSX: 400 when the sheet asked for has no coordinates', async () =>
      rejects400(await workbookUpload(), { sheet: '표지' }, /시트 "표지": x: .*give x/));

    it('XLSX: 400 when no sheet has the columns given, with the reason per sheet', async () =>
      rejects400(await workbookUpload(), { x: 'nope', y: 'lat' }, /no sheet has the x\/y columns.*시트 "A": x: .*"nope".*시트 "B": x: /));

    it('plans the header found below a title block, or the headerRow asked for; 400 past the end or on an empty row', async () => {
      const titled = '과속 상세내역 (2024년 4월)\n출력일시: 2024-05-02,,\n\n업체,가로,세로\na,127.1,37.5\nb,127.2,37.6\n';
      await create(upload(titled), {});
      const sheet = world.ofOp('create')[0].job.options.upload.sheets[0];
      assert.deepEqual([sheet.headerRow, sheet.x, sheet.y, sheet.xBy], [4, 1, 2, 'values']);
      await create(upload(titled), { headerRow: '2', x: '1', y: '2', force: 'true' });
      assert.equal(world.ofOp('create')[1].job.options.upload.sheets[0].headerRow, 2);
      world = new FakeWorld();
      started = [];
      await rejects400(upload(titled), { headerRow: '3' }, /^headerRow: 3행이 비어 있습니다 \(row 3 is empty\)/);
      await rejects400(upload(titled), { headerRow: '9' }, /row 9 is past the end of the sheet, whose last row with a value is 6/);
      await rejects400(upload(titled), { headerRow: '0' }, /^headerRow: /);
    });

    it('400 for format=csv over several sheets', async () =>
      rejects400(await workbookUpload(), { format: 'csv' }, /format=csv holds one sheet.*"A", "B"/));

    it('400 for an unknown dataset, listing the known ones', () =>
      rejects400(upload(CSV), { x: '2', y: '3', dataset: 'nope' }, /"nope".*available: kostat, mois/));

    it('400 when no dataset is named and there is no default', () => {
      datasets = [OTHER_DS];
      return rejects400(upload(CSV), { x: '2', y: '3' }, /no default dataset/);
    });
  });

  describe('preview', () => {
    it('shows kind, encoding, delimiter, header, the first 20 rows and the suggested columns of a CSV, and keeps nothing', async () => {
      const rows = Array.from({ length: 30 }, (_, i) => `${i + 1};${(127 + i / 100).toFixed(4)};${(37 + i / 100).toFixed(4)}`);
      const file = upload(Buffer.from(`\ufeff번호;주소;\n${rows.join('\r\n')}\r\n`));
      const preview = await previewOf(file, {});
      assert.equal(existsSync(file.path), false, 'the preview upload is deleted');
      assert.deepEqual([preview.kind, preview.encoding, preview.delimiter], ['csv', 'utf-8', ';']);
      assert.deepEqual(preview.sheets, [{ index: 1, name: '측정', hidden: false, columns: 3 }]);
      assert.deepEqual(preview.header, ['번호', '주소', '']);
      assert.equal(preview.rows.length, 20);
      assert.deepEqual(preview.rows[0], ['1', '127.0000', '37.0000']);
      assert.deepEqual(preview.x, { name: '주소', number: 2, letter: 'B', by: 'values' });
      assert.deepEqual(preview.y, { name: '', number: 3, letter: 'C', by: 'values' });
      assert.equal(preview.crs, 'EPSG:4326');
      assert.equal(preview.problem, null);
    });

    it('reads CP949 when asked (or detected), and says unknown CRS and why without coordinates', async () => {
      const preview = await previewOf(upload(Buffer.from([0xb9, 0xf8, 0xc8, 0xa3, 0x2c, 0x61, 0x0a, 0x31, 0x2c, 0x32, 0x0a])), { encoding: 'cp949' });
      assert.equal(preview.encoding, 'cp949');
      assert.deepEqual(preview.header, ['번호', 'a']);
      assert.deepEqual([preview.x, preview.y, preview.crs], [null, null, 'unknown']);
      assert.match(preview.problem ?? '', /longitude/);
    });

    it('previews the first XLSX sheet with coordinates by default, numbers as numbers, and lists every sheet', async () => {
      const preview = await previewOf(await workbookUpload(), {});
      assert.equal(preview.kind, 'xlsx');
      assert.deepEqual(preview.sheets.map((s) => [s.index, s.name]), [[1, '표지'], [2, 'A'], [3, 'B']]);
      assert.equal(preview.sheet.name, 'A');
      assert.deepEqual(preview.rows[0], [1, 127.1234, 37.5123]);
      assert.deepEqual([preview.x?.letter, preview.y?.letter], ['B', 'C']);
      const chosen = await previewOf(await workbookUpload(), { sheet: 'B' });
      assert.deepEqual([chosen.sheet.name, chosen.x?.name, chosen.y?.name, chosen.x?.by], ['B', 'lon', 'lat', 'header']);
    });

    it('shows the header row taken and the rows above it, and takes headerRow; 400 for one that is not a row', async () => {
      const titled = '과속 상세내역\n\n번호,경도,위도\n1,127.1,37.5\n';
      const found = await previewOf(upload(titled), {});
      assert.deepEqual([found.headerRow, found.above, found.header, found.x?.letter], [3, [['과속 상세내역'], []], ['번호', '경도', '위도'], 'B']);
      const asked = await previewOf(upload(titled), { headerRow: '1' });
      assert.deepEqual([asked.headerRow, asked.above, asked.header], [1, [], ['과속 상세내역']]);
      await assert.rejects(previewOf(upload(titled), { headerRow: '2' }), (thrown: unknown) => {
        const e = asHttp(thrown);
        return e instanceof BadRequestException && /row 2 is empty/.test(e.message);
      });
    });

    it('400 without a file or for an unreadable one', async () => {
      await assert.rejects(previewOf(undefined, {}), BadRequestException);
      const file = upload(Buffer.from('%PDF-1.7\n'));
      await assert.rejects(previewOf(file, {}), (thrown: unknown) => { const e = asHttp(thrown); return e instanceof BadRequestException && /PDF/.test(e.message); });
      assert.equal(existsSync(file.path), false);
    });
  });

  describe('status', () => {
    it('reports null total before the job is sealed', async () => {
      const job = fakeJob();
      world.jobs.set(job.id, job);
      const status = await service().status(job.id, FAKE_OWNER);
      assert.deepEqual(status.rows, { total: null, processed: 3, ok: 2, problems: 1, blank: 0 });
      // The options as stored, with the columns the job reads (given ones: x and y are reported).
      assert.deepEqual(status.options, {
        x: 'lon', y: 'lat', kind: 'csv', encoding: 'utf-8', sheet: null, lang: 'ko', format: 'xlsx', crs: 'EPSG:4326', nearestM: 200,
        columns: [{ sheet: 1, name: 'input', x: { name: 'lon', number: 1, letter: 'A', by: 'given' }, y: { name: 'lat', number: 2, letter: 'B', by: 'given' } }],
      });
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
      const status = await service().status(job.id, FAKE_OWNER);
      assert.equal(status.rows.total, 9);
      assert.equal(status.rows.blank, 2);
      assert.equal(status.resultUrl, `/jobs/${job.id}/result`);
      assert.equal(status.finishedAt, '2026-01-02T03:05:00.000Z');
    });

    it("404 for an unknown job, and for another key's job", async () => {
      await assert.rejects(service().status(fakeJob().id, FAKE_OWNER), NotFoundException);
      const job = fakeJob();
      world.jobs.set(job.id, job);
      await assert.rejects(service().status(job.id, '0c0ffee0-0000-4000-8000-000000000002'), (e: unknown) => e instanceof NotFoundException && e.message === `job ${job.id} not found`);
      await assert.rejects(service().result(job.id, '0c0ffee0-0000-4000-8000-000000000002'), NotFoundException);
    });
  });

  describe('result', () => {
    it('409 naming the status while the job runs', async () => {
      const job = fakeJob({ status: JobStatus.Running });
      world.jobs.set(job.id, job);
      await assert.rejects(service().result(job.id, FAKE_OWNER), (e: unknown) => e instanceof ConflictException && /is running/.test(e.message));
    });

    it('streams the stored workbook of a completed job', async () => {
      storage.write('result.xlsx', 'PK-data');
      const job = fakeJob({ status: JobStatus.Completed, resultPath: 'result.xlsx' });
      world.jobs.set(job.id, job);
      const download = await service().result(job.id, FAKE_OWNER);
      assert.equal(download.size, 7);
      assert.equal(download.fileName, 'input.csv');
      assert.equal(download.format, 'xlsx');
      const parts: Buffer[] = [];
      for await (const part of download.stream) parts.push(part as Buffer);
      assert.equal(Buffer.concat(parts).toString(), 'PK-data');
    });

    it('410 for an expired job, saying so', async () => {
      const job = fakeJob({ status: JobStatus.Expired, finishedAt: new Date() });
      world.jobs.set(job.id, job);
      await assert.rejects(service().result(job.id, FAKE_OWNER), (e: unknown) => e instanceof GoneException && /expired after 7 days/.test(e.message));
    });

    it('410 when the workbook is gone, and never serves a path outside STORAGE_DIR', async () => {
      for (const resultPath of ['missing.xlsx', '../../etc/passwd']) {
        const job = fakeJob({ status: JobStatus.Completed, resultPath });
        world.jobs.set(job.id, job);
        await assert.rejects(service().result(job.id, FAKE_OWNER), GoneException);
      }
    });
  });
});

describe('progressOf (GET /jobs/:id progress, rate and ETA)', () => {
  const createdAt = new Date('2026-01-01T00:00:00Z');
  const at = (s: number) => new Date(createdAt.getTime() + s * 1000);

  it('gives the rate since acceptance and the ETA at that rate once the total is known', () => {
    assert.deepEqual(progressOf({ status: JobStatus.Running, createdAt, finishedAt: null }, 30_000, 100_000, at(10)), {
      fraction: 0.3,
      rowsPerSecond: 3000,
      etaSeconds: 23,
    });
  });

  it('has no fraction or ETA before the upload is read through, and no rate before the first chunk', () => {
    assert.deepEqual(progressOf({ status: JobStatus.Running, createdAt, finishedAt: null }, 5_000, null, at(2)), { fraction: null, rowsPerSecond: 2500, etaSeconds: null });
    assert.deepEqual(progressOf({ status: JobStatus.Queued, createdAt, finishedAt: null }, 0, null, at(2)), { fraction: null, rowsPerSecond: null, etaSeconds: null });
  });

  it('is complete with ETA 0 once the job has completed, measured to its end', () => {
    assert.deepEqual(progressOf({ status: JobStatus.Completed, createdAt, finishedAt: at(20) }, 100_000, 100_000, at(500)), { fraction: 1, rowsPerSecond: 5000, etaSeconds: 0 });
    assert.equal(progressOf({ status: JobStatus.Failed, createdAt, finishedAt: at(5) }, 10, 100, at(50)).etaSeconds, 0);
  });
});
