import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { chunkKey, ConsumerGroups, JobStatus, Topics } from '@geobatch/contracts';
import { BoundaryImporter } from '@geobatch/geo-query';
import { JobRepository } from '@geobatch/job-store';
import { dropTestSchema, REPO_ROOT, ServiceProcess, testEnv, waitFor } from '@geobatch/util-testing';
import type { JobOptions } from '@geobatch/job-store';
import { gatewaySchemaUrl, openGatewaySchema } from '../gateway-integration.testing';
import { fakeOptions, fakePlan } from '../testing/gateway-fakes';

/** A CSV of `v,lon,lat` rows (the dataset ids are filled in once it exists). */
const RESUME_OPTIONS: JobOptions = {
  ...fakeOptions(),
  upload: fakePlan({ columns: [{ sheet: 0, name: 'resume', x: 1, y: 2, xName: 'lon', yName: 'lat', xBy: 'given', yBy: 'given' }] }),
};

/*
 * A gateway SIGKILLed while publishing a job's rows resumes, when it starts again, from the job's
 * publish watermark instead of chunk 0: the chunks below the watermark recorded at the kill are on
 * the broker exactly once, at most a few after it twice, and the job completes with every row
 * (a geocoder and a merger of this spec run it to the end).
 */
const RUN = randomUUID().replace(/-/g, '').slice(0, 10);
const ROWS = 60_000;
const CHUNK_SIZE = 20;
const CHUNKS = ROWS / CHUNK_SIZE;

describe('gateway publish watermark: SIGKILL mid-publish, resume after restart (real broker and database)', () => {
  const storage = mkdtempSync(join(tmpdir(), 'gateway-resume-it-'));
  const schema = `resume_it_${RUN}`;
  const databaseUrl = gatewaySchemaUrl(schema);
  const readerGroup = `geobatch-resume-reader-${RUN}`;
  const geocoderGroup = `geobatch-resume-geocoder-${RUN}`;
  const logs = join(REPO_ROOT, 'test-output', `resume-${RUN}`);
  const kafka = new Kafka({ clientId: `resume-it-${RUN}`, brokers: testEnv.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  /** Messages seen per chunk key of the job. */
  const seen = new Map<string, number>();
  let jobId: string;
  let db: DataSource;
  let jobs: JobRepository;
  let admin: Admin;
  let reader: Consumer;
  const services: ServiceProcess[] = [];
  const env = () => ({
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
    STORAGE_DIR: storage,
    CHUNK_SIZE: String(CHUNK_SIZE),
    PORT: '0',
    LOG_LEVEL: 'warn',
  });

  async function startAtEnd(groupId: string, topics: string[]): Promise<void> {
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.offset })) });
    }
  }

  before(async () => {
    db = await openGatewaySchema(schema);
    jobs = new JobRepository(db);
    const square = join(storage, 'square.geojson');
    writeFileSync(square, JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { code: '96', name: '재개도' }, geometry: { type: 'Polygon', coordinates: [[[126, 36], [128, 36], [128, 38], [126, 38], [126, 36]]] } }],
    }));
    const datasetId = (await new BoundaryImporter(db).importGeoJson({ name: `resume-${RUN}`, levels: { sido: square } })).datasetId;

    // The upload of a job accepted by a "previous" gateway: the next gateway publishes it at start-up.
    mkdirSync(join(storage, 'uploads'));
    const lines = ['id,lon,lat'];
    for (let i = 1; i <= ROWS; i++) lines.push(`v${i},${(126.5 + (i % 1000) / 1000).toFixed(4)},${(36.5 + (i % 997) / 1000).toFixed(4)}`);
    writeFileSync(join(storage, 'uploads', 'resume.csv'), lines.join('\n') + '\n');
    jobId = (await jobs.create({
      fileName: 'resume.csv',
      uploadPath: 'uploads/resume.csv',
      uploadSha256: 'n/a',
      options: {
        ...RESUME_OPTIONS,
        datasetIds: [datasetId],
        datasetLabels: [`resume-${RUN}@1`],
      },
    })).id;

    admin = kafka.admin();
    await admin.connect();
    await startAtEnd(readerGroup, [Topics.rows.name]);
    await startAtEnd(`${geocoderGroup}-server`, [Topics.rows.name]);
    await startAtEnd(`${ConsumerGroups.reportMerger}-server`, [Topics.results.name, Topics.jobs.name]);
    reader = kafka.consumer({ groupId: readerGroup });
    await reader.connect();
    await reader.subscribe({ topics: [Topics.rows.name] });
    await reader.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString() ?? '';
        if (key.startsWith(jobId)) seen.set(key, (seen.get(key) ?? 0) + 1);
      },
    });
  });

  after(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await reader?.disconnect();
    await admin?.deleteGroups([readerGroup, `${geocoderGroup}-server`]).catch(() => undefined);
    await admin?.disconnect();
    await dropTestSchema(db, schema);
    rmSync(storage, { recursive: true, force: true });
  });

  it('re-publishes only the chunks after the watermark, and the job completes with every row', async () => {
    const first = new ServiceProcess('gateway', env(), logs).start();
    services.push(first);
    const watermark = async () => ((await jobs.findById(jobId))?.publishedChunks?.sheets['0'] ?? 0);
    // Killed once a good share of the chunks is out, well before the end.
    await waitFor('publishing to get going', async () => ((await watermark()) >= CHUNKS / 5 ? true : undefined), 120_000, 20);
    await first.kill();
    const atKill = await watermark();
    const job = (await jobs.findById(jobId))!;
    assert.equal(job.sealedAt, null, 'killed before the job was sealed');
    assert.ok(atKill < CHUNKS, `watermark ${atKill} of ${CHUNKS}`);
    assert.equal(job.publishedChunks!.chunkSize, CHUNK_SIZE);

    // The second gateway (and a geocoder and a merger) finish the job.
    services.push(
      new ServiceProcess('gateway', env(), logs).start(),
      new ServiceProcess('geocoder', { ...env(), GEOCODER_GROUP_ID: geocoderGroup }, logs).start(),
      new ServiceProcess('report-merger', env(), logs).start(),
    );
    const done = await waitFor('the job to end', async () => {
      const j = await jobs.findById(jobId);
      return j && ([JobStatus.Completed, JobStatus.Failed] as JobStatus[]).includes(j.status) ? j : undefined;
    }, 240_000, 500);
    assert.equal(done.status, JobStatus.Completed, done.error ?? '');
    assert.deepEqual(done.sheets, [{ sheet: 0, name: 'resume', rows: ROWS, chunks: CHUNKS, blankRows: 0 }]);
    assert.deepEqual(await jobs.progress(jobId), { chunksDone: CHUNKS, processed: ROWS, ok: ROWS, problems: 0 });

    // Every chunk on the broker; those below the watermark exactly once (the restart skipped them).
    await waitFor('every chunk to be read back', async () => (seen.size === CHUNKS ? true : undefined), 30_000);
    for (let c = 0; c < atKill; c++) assert.equal(seen.get(chunkKey(jobId, 0, c)), 1, `chunk ${c} below the watermark ${atKill}`);
    const twice = [...seen.values()].filter((n) => n > 1).length;
    // Only what the first run published after its last (batched) watermark write goes out again.
    assert.ok(twice < CHUNKS / 5, `${twice} chunks published twice`);
    process.stderr.write(`[resume] killed at watermark ${atKill}/${CHUNKS}; ${twice} chunks published twice\n`);
  });
});
