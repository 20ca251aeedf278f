import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@nestjs/common';
import { chunkKey, JobStatus, pointsOf, Topics, type JobSealedEventV1, type PointV1, type RowsChunkEventV2 } from '@geobatch/contracts';
import type { JobEntity, JobRepository } from '@geobatch/job-store';
import { Metrics } from '@geobatch/util-observability';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { CapturingLogger, FakeWorld, TempStorage, fakeJob, fakeOptions, fakePlan, writeXlsx } from '../testing/gateway-fakes';
import { ChunkPublisherService } from './chunk-publisher.service';

const metrics = new Metrics('gateway-spec');

describe('ChunkPublisherService', () => {
  let storage: TempStorage;
  let world: FakeWorld;
  let logs: CapturingLogger;
  let unsealed: JobEntity[];

  const service = (chunkSize: number) =>
    new ChunkPublisherService(storage.config({ CHUNK_SIZE: String(chunkSize) }), world.publisher, {
      ...world.repository,
      findUnsealed: async () => unsealed,
    } as JobRepository, metrics);

  /** A CSV job whose planned columns are the upload's `lon` and `lat` (else columns 1 and 2), as acceptance would record them. */
  const jobFor = (csv: string, over: Partial<JobEntity> = {}) => {
    storage.write('upload.csv', csv);
    const header = csv.split(/\r?\n/).find((line) => line.trim() !== '')?.split(',') ?? [];
    const at = (name: string, otherwise: number) => (header.includes(name) ? header.indexOf(name) : otherwise);
    const options = fakeOptions('측정 자료');
    options.upload = fakePlan({ columns: [{ ...options.upload.sheets[0], x: at('lon', 0), y: at('lat', 1) }] });
    return fakeJob({ uploadPath: 'upload.csv', fileName: '측정 자료.csv', options, ...over });
  };
  const chunks = () =>
    (world.ofOp('publish').filter((c) => c.topic === Topics.rows.name) as { key: string; value: RowsChunkEventV2 }[]).map((c) => {
      // Every column has one entry per row; `points` reads them back one object per row.
      assert.deepEqual([c.value.x.length, c.value.y.length], [c.value.n.length, c.value.n.length]);
      return { ...c, value: { ...c.value, points: pointsOf(c.value) as PointV1[] } };
    });
  const sealedEvents = () =>
    world.ofOp('publish').filter((c) => c.topic === Topics.jobs.name) as { key: string; value: JobSealedEventV1 }[];

  beforeEach(() => {
    storage = new TempStorage();
    world = new FakeWorld();
    logs = new CapturingLogger();
    unsealed = [];
    Logger.overrideLogger(logs);
  });
  afterEach(() => storage.dispose());

  it('cuts rows into CHUNK_SIZE chunks with stable keys, skipping and counting blank rows', async () => {
    // Data rows n=1,2,4,5,7 (3 and 6 blank); row 5 lacks the y cell.
    const job = jobFor('lat,name,lon\n37.5,a,127.0\n37.4,b,126.9\n\n35.1,c,129.0\n36.0,d\n,,\n33.5,e,126.5\n');
    await service(2).start(job);

    const published = chunks();
    assert.deepEqual(published.map((c) => c.key), [0, 1, 2].map((n) => chunkKey(job.id, 0, n)));
    assert.deepEqual(published.map((c) => c.value.chunk), [0, 1, 2]);
    assert.deepEqual(published.map((c) => c.value.points), [
      [{ n: 1, x: '127.0', y: '37.5' }, { n: 2, x: '126.9', y: '37.4' }],
      [{ n: 4, x: '129.0', y: '35.1' }, { n: 5, x: null, y: '36.0' }],
      [{ n: 7, x: '126.5', y: '33.5' }],
    ]);
    for (const c of published) {
      assert.equal(c.value.jobId, job.id);
      assert.equal(c.value.sheet, 0);
      assert.equal(c.value.crs, 'EPSG:4326');
      assert.deepEqual(c.value.datasetIds, job.options.datasetIds);
    }

    const totals = { sheet: 0, name: '측정 자료', rows: 5, chunks: 3, blankRows: 2 };
    assert.deepEqual(world.ofOp('seal'), [{ op: 'seal', id: job.id, sheets: [totals] }]);
    assert.deepEqual(sealedEvents(), [
      { op: 'publish', topic: Topics.jobs.name, key: job.id, value: { type: 'job.sealed', jobId: job.id, sheets: [totals] } },
    ]);
    assert.equal(world.ofOp('fail').length, 0);
    assert.ok(logs.lines.some((l) => l.message?.msg === 'job sealed' && l.message.jobId === job.id));
  });

  it('marks the job running before its first chunk, and seals in the store before announcing it', async () => {
    const job = jobFor('lon,lat\n1,2\n3,4\n5,6\n');
    await service(2).start(job);
    const order = world.calls.map((c) => (c.op === 'publish' ? `publish:${c.topic}` : c.op));
    assert.deepEqual(order, [
      'markRunning',
      `publish:${Topics.rows.name}`,
      `publish:${Topics.rows.name}`,
      'seal',
      `publish:${Topics.jobs.name}`,
    ]);
  });

  it('rides out a database outage: retries marking running and sealing, carries on past a missed watermark, seals every chunk', async () => {
    const job = jobFor('lon,lat\n1,2\n3,4\n5,6\n7,8\n');
    const away = (times: number, write: (...args: never[]) => Promise<unknown>) => {
      let left = times;
      return async (...args: never[]) => {
        if (left-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return write(...args);
      };
    };
    const repo = world.repository as unknown as Record<string, (...args: never[]) => Promise<unknown>>;
    const publisher = new ChunkPublisherService(storage.config({ CHUNK_SIZE: '1', PUBLISH_DB_RETRY_BASE_MS: '1' }), world.publisher, {
      ...world.repository,
      markRunning: away(2, repo.markRunning),
      recordPublished: away(1, repo.recordPublished),
      seal: away(3, repo.seal),
      findUnsealed: async () => [],
    } as unknown as JobRepository, metrics);
    await publisher.start(job);
    assert.equal(chunks().length, 4);
    assert.deepEqual(world.ofOp('seal').map((c) => (c as { sheets: { rows: number }[] }).sheets[0].rows), [4]);
    assert.equal(sealedEvents().length, 1);
    assert.equal(world.ofOp('fail').length, 0);
    assert.ok(logs.lines.some((l) => l.message?.msg === 'could not seal the job; retrying'));
    assert.ok(logs.lines.some((l) => l.message?.msg === 'could not record the publish watermark; carrying on'));
  });

  it('does not publish an empty trailing chunk when the rows fill the last chunk exactly', async () => {
    const job = jobFor('lon,lat\n1,2\n3,4\n5,6\n7,8\n');
    await service(2).start(job);
    assert.deepEqual(chunks().map((c) => c.value.points.length), [2, 2]);
    assert.equal(world.ofOp('seal')[0].sheets[0].chunks, 2);
  });

  it('seals a job without data rows with zero chunks', async () => {
    const job = jobFor('lon,lat\n\n,\n');
    await service(2).start(job);
    assert.equal(chunks().length, 0);
    assert.equal(world.ofOp('markRunning').length, 0);
    assert.deepEqual(world.ofOp('seal')[0].sheets, [{ sheet: 0, name: '측정 자료', rows: 0, chunks: 0, blankRows: 2 }]);
    assert.equal(sealedEvents().length, 1);
  });

  it('caps a coordinate cell at the 200 characters PointV1 allows', async () => {
    const job = jobFor(`lon,lat\n${'9'.repeat(500)},1\n`);
    await service(2).start(job);
    assert.equal(chunks()[0].value.points[0].x, '9'.repeat(200));
  });

  it('fails the job, and neither seals nor announces it, when a publish fails', async () => {
    const job = jobFor('lon,lat\n1,2\n3,4\n5,6\n');
    world.failPublishAt = 1;
    await service(2).start(job); // must not reject: the failure is recorded on the job
    assert.equal(chunks().length, 1);
    assert.equal(world.ofOp('seal').length, 0);
    assert.equal(sealedEvents().length, 0);
    const [failed] = world.ofOp('fail');
    assert.equal(failed.id, job.id);
    assert.match(failed.error, /broker unavailable/);
    assert.ok(logs.lines.some((l) => l.level === 'error' && l.message?.jobId === job.id));
  });

  it('records an XLSX job\'s estimated rows (each sheet\'s extent below its header) before it seals; none for a CSV', async () => {
    await writeXlsx(join(storage.dir, 'book'), [
      { name: 'A', rows: [['id', 'lon', 'lat'], [1, 127.5, 37.25], [], [2, 126.1, '37.9'], [3, null, 35]] },
      { name: 'B', rows: [['lat', 'lon'], [33.5, 126.5]] },
    ]);
    const estimates: { id: string; rows: number; callsBefore: string[] }[] = [];
    const repository = {
      ...world.repository,
      findUnsealed: async () => [],
      recordEstimatedRows: async (id: string, rows: number) => void estimates.push({ id, rows, callsBefore: world.calls.map((c) => c.op) }),
    } as unknown as JobRepository;
    const publisher = new ChunkPublisherService(storage.config({ CHUNK_SIZE: '2' }), world.publisher, repository, metrics);
    const job = fakeJob({
      uploadPath: 'book',
      fileName: 'book.xlsx',
      options: {
        ...fakeJob().options,
        upload: fakePlan({
          kind: 'xlsx',
          columns: [
            { sheet: 0, name: 'A', x: 1, y: 2, xName: 'lon', yName: 'lat', xBy: 'header', yBy: 'header' },
            { sheet: 1, name: 'B', x: 1, y: 0, xName: 'lon', yName: 'lat', xBy: 'header', yBy: 'header' },
          ],
        }),
      },
    });
    await publisher.start(job);
    // Sheet A: rows 2-5 below its header (the empty row 3 included, as the sealed total counts it); sheet B: row 2.
    assert.deepEqual(estimates.map((e) => [e.id, e.rows]), [[job.id, 5]]);
    assert.ok(!estimates[0].callsBefore.includes('seal'), 'the estimate comes before the seal');
    const sealed = world.ofOp('seal')[0].sheets.reduce((n, s) => n + s.rows + s.blankRows, 0);
    assert.equal(sealed, 5, 'the estimate of an exceljs workbook (with its dimension) is the exact total');

    estimates.length = 0;
    await publisher.start(jobFor('lon,lat\n1,2\n'));
    assert.deepEqual(estimates, []);
  });

  it('fails the job when its stored upload is gone', async () => {
    const job = fakeJob({ uploadPath: 'missing.csv' });
    await service(2).start(job);
    assert.equal(world.ofOp('fail').length, 1);
    assert.equal(world.calls.filter((c) => c.op === 'publish').length, 0);
  });

  it('publishes every planned sheet of an XLSX under its own sheet number, with the columns recorded for it', async () => {
    await writeXlsx(join(storage.dir, 'book'), [
      { name: '표지', rows: [['과속 보고서']] },
      { name: 'A', rows: [['id', 'lon', 'lat'], [1, 127.5, 37.25], [], [2, 126.1, '37.9'], [3, null, 35]] },
      { name: 'B', rows: [['lat', 'lon'], [33.5, 126.5]] },
    ]);
    const base = fakeJob().options;
    const job = fakeJob({
      uploadPath: 'book',
      fileName: 'book.xlsx',
      options: {
        ...base,
        x: 'auto',
        y: 'auto',
        upload: fakePlan({
          kind: 'xlsx',
          columns: [
            { sheet: 1, name: 'A', x: 1, y: 2, xName: 'lon', yName: 'lat', xBy: 'header', yBy: 'header' },
            { sheet: 2, name: 'B', x: 1, y: 0, xName: 'lon', yName: 'lat', xBy: 'header', yBy: 'header' },
          ],
        }),
      },
    });
    await service(2).start(job);
    assert.deepEqual(chunks().map((c) => c.key), [chunkKey(job.id, 1, 0), chunkKey(job.id, 1, 1), chunkKey(job.id, 2, 0)]);
    assert.deepEqual(chunks().map((c) => [c.value.sheet, c.value.chunk, c.value.points]), [
      // Numbers travel as their shortest exact text; the empty row 4 is a blank row; a missing cell is null.
      [1, 0, [{ n: 1, x: '127.5', y: '37.25' }, { n: 3, x: '126.1', y: '37.9' }]],
      [1, 1, [{ n: 4, x: null, y: '35' }]],
      [2, 0, [{ n: 1, x: '126.5', y: '33.5' }]],
    ]);
    assert.deepEqual(world.ofOp('seal')[0].sheets, [
      { sheet: 1, name: 'A', rows: 3, chunks: 2, blankRows: 1 },
      { sheet: 2, name: 'B', rows: 1, chunks: 1, blankRows: 0 },
    ]);
    assert.equal(world.ofOp('markRunning').length, 1);
  });

  it('reads the upload with the encoding and delimiter recorded at acceptance', async () => {
    storage.write('upload.csv', iconv.encode('경도;위도\n127,5;37,5\n', 'cp949'));
    const job = fakeJob({
      uploadPath: 'upload.csv',
      options: {
        ...fakeJob().options,
        upload: fakePlan({ encoding: 'cp949', delimiter: ';', columns: [{ sheet: 0, name: 'x', x: 0, y: 1, xName: '경도', yName: '위도', xBy: 'header', yBy: 'header' }] }),
      },
    });
    await service(2).start(job);
    assert.deepEqual(chunks()[0].value.points, [{ n: 1, x: '127,5', y: '37,5' }]);
  });

  it('fails the job when the upload no longer reads as planned (its header moved)', async () => {
    const job = jobFor('\nlon,lat\n1,2\n');
    await service(2).start(job);
    assert.match(world.ofOp('fail')[0].error, /the job planned its header on row 1, but headerRow: 1행이 비어 있습니다 \(row 1 is empty\)/);
  });

  it('runs a job once even when started twice concurrently', async () => {
    const job = jobFor('lon,lat\n1,2\n3,4\n5,6\n');
    const svc = service(2);
    const [a, b] = [svc.start(job), svc.start(job)];
    assert.equal(a, b);
    await a;
    assert.equal(world.ofOp('seal').length, 1);
  });

  it('re-publishes unsealed jobs from chunk 0 at start-up', async () => {
    const job = jobFor('lon,lat\n1,2\n3,4\n5,6\n');
    unsealed = [job];
    const svc = service(2);
    await svc.onApplicationBootstrap();
    await svc.start(job); // the run already in flight, not a second one
    assert.deepEqual(chunks().map((c) => c.value.chunk), [0, 1]);
    assert.equal(world.ofOp('seal').length, 1);
    assert.ok(logs.lines.some((l) => l.message?.msg === 'resuming unsealed job' && l.message.jobId === job.id));
  });

  it('leaves an unsealed job alone at start-up when its upload is not in STORAGE_DIR', async () => {
    unsealed = [fakeJob({ uploadPath: 'elsewhere.csv' })];
    await service(2).onApplicationBootstrap();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(world.calls, []);
    assert.ok(logs.lines.some((l) => l.level === 'warn' && l.message?.jobId === unsealed[0].id));
  });

  it('stops between chunks on shutdown without failing the job, leaving it for the next start', async () => {
    const job = jobFor(`lon,lat\n${Array.from({ length: 10 }, (_, i) => `${i},${i}`).join('\n')}\n`);
    const svc = service(2);
    let release!: () => void;
    let firstSent!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sent = new Promise<void>((r) => (firstSent = r));
    const publish = world.publisher.publish.bind(world.publisher);
    let first = true;
    (world.publisher as { publish: typeof publish }).publish = async (topic, key, value) => {
      await publish(topic, key, value);
      if (first) {
        first = false;
        firstSent();
        await gate; // hold the first chunk's ack until shutdown has begun
      }
    };
    const run = svc.start(job);
    await sent;
    const stopped = svc.onModuleDestroy();
    release();
    await Promise.all([run, stopped]);
    assert.equal(chunks().length, 1);
    assert.equal(world.ofOp('fail').length, 0);
    assert.equal(world.ofOp('seal').length, 0);
  });

  it('records a publish watermark after the first chunk, then at most once per WATERMARK_EVERY_MS', async () => {
    const job = jobFor(`lon,lat\n${Array.from({ length: 20 }, (_, i) => `${i},${i}`).join('\n')}\n`);
    await service(2).start(job);
    assert.equal(chunks().length, 10);
    // Ten chunks go out well within 500 ms: one write, pinning the chunk size, not one per chunk.
    assert.deepEqual(world.watermarks, [{ id: job.id, chunkSize: 2, sheet: 0, chunks: 1 }]);
  });

  it('resumes from the watermark: counts every row but publishes only the chunks after it, cut with the recorded size', async () => {
    const job = jobFor(`lon,lat\n${Array.from({ length: 9 }, (_, i) => `${i},${i}`).join('\n')}\n`, {
      status: JobStatus.Running,
      publishedChunks: { chunkSize: 2, sheets: { '0': 3 } },
    });
    unsealed = [job];
    const svc = service(5); // CHUNK_SIZE changed since: the job keeps its chunk size of 2
    await svc.onApplicationBootstrap();
    await svc.start(job);
    assert.deepEqual(chunks().map((c) => c.key), [3, 4].map((n) => chunkKey(job.id, 0, n)));
    assert.deepEqual(chunks().map((c) => c.value.points.map((p) => p.n)), [[7, 8], [9]]);
    assert.deepEqual(world.ofOp('seal')[0].sheets, [{ sheet: 0, name: '측정 자료', rows: 9, chunks: 5, blankRows: 0 }]);
    assert.ok(logs.lines.some((l) => l.message?.msg === 'resuming unsealed job' && l.message.published?.['0'] === 3));
  });

  it('seals without publishing anything when the watermark covers every chunk', async () => {
    const job = jobFor('lon,lat\n1,2\n3,4\n5,6\n', { publishedChunks: { chunkSize: 2, sheets: { '0': 2 } } });
    await service(2).start(job);
    assert.equal(chunks().length, 0);
    assert.deepEqual(world.ofOp('seal')[0].sheets, [{ sheet: 0, name: '측정 자료', rows: 3, chunks: 2, blankRows: 0 }]);
    assert.equal(sealedEvents().length, 1);
  });
});
