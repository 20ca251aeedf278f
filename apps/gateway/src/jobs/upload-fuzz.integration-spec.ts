import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { Kafka, logLevel } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { ConsumerGroups, Topics, type JobStatusDto } from '@geobatch/contracts';
import { BoundaryImporter } from '@geobatch/geo-query';
import { JsonLogger } from '@geobatch/util-observability';
import { deleteConsumerGroups, dropTestSchema, issueTestApiKey, REPO_ROOT, SAMPLE_INPUTS, ServiceProcess, testEnv, waitFor } from '@geobatch/util-testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { gatewaySchemaUrl, openGatewaySchema, startTestGateway } from '../gateway-integration.testing';
import { fuzzInputs, type FuzzInput } from '../testing/fuzz-inputs';

/*
 * The bad-input rule of issue #5: any file, however broken, ends as a 4xx refusal with a clear
 * reason, or as a job that completes with every row accounted for or fails with a reason; no 5xx and
 * no crash. Over 1,000 generated inputs go through the real upload path (an in-process gateway on the
 * test broker and database): POST /jobs/preview and POST /jobs. A geocoder and a merger (processes of
 * their own) take every accepted job to its end; a sample of the results is downloaded and its rows
 * counted.
 */
const SEED = 20_260_105;
const COUNT = 1_000;
const CONCURRENCY = 4;
/** Completed jobs whose result workbook is downloaded and counted row by row. */
const DOWNLOAD_SAMPLE = 50;
const RUN = randomUUID().replace(/-/g, '').slice(0, 10);

/** Stack frames, SQL or driver/internal error names must never reach a client. */
const LEAKS = [/\n\s+at\s/, /\bat .*\.(ts|js):\d+/, /\b(SELECT|INSERT|UPDATE|DELETE)\b[\s\S]*\b(FROM|INTO|SET|WHERE)\b/, /QueryFailedError|TypeORMError|relation "|syntax error at|node_modules/];

type Outcome = { input: FuzzInput; preview: number; create: number; jobId?: string; message?: string; ms: number };

describe('upload fuzz: 1,000+ broken inputs through the real upload path (real broker and database)', () => {
  const storage = mkdtempSync(join(tmpdir(), 'gateway-fuzz-'));
  const schema = `fuzz_it_${RUN}`;
  const databaseUrl = gatewaySchemaUrl(schema);
  const geocoderGroup = `geobatch-fuzz-geocoder-${RUN}`;
  const logs = join(REPO_ROOT, 'test-output', `fuzz-${RUN}`);
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => void uncaught.push(e);
  let db: DataSource;
  let app: NestExpressApplication;
  let base: string;
  let auth: Record<string, string> = {};
  let datasetName: string;
  let services: ServiceProcess[] = [];
  let peakRssMb = 0;
  const outcomes: Outcome[] = [];
  const serverErrors: string[] = [];

  before(async () => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    db = await openGatewaySchema(schema);
    // One square over the whole sample area: every well-formed sample row is OK.
    const square = join(storage, 'square.geojson');
    writeFileSync(square, JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { code: '97', name: '퍼즈도' }, geometry: { type: 'Polygon', coordinates: [[[124, 33], [132, 33], [132, 39], [124, 39], [124, 33]]] } }],
    }));
    datasetName = `fuzz-${RUN}`;
    await new BoundaryImporter(db).importGeoJson({ name: datasetName, levels: { sido: square } });
    // Keys exist once the auth migration has run; a gateway without the guard ignores the header.
    const key = await issueTestApiKey(databaseUrl, { name: 'fuzz' }).catch(() => null);
    if (key) auth = { authorization: `Bearer ${key.key}` };

    const brokers = testEnv.KAFKA_BROKERS;
    const logger = new JsonLogger('gateway', 'error', (line) => {
      const l = JSON.parse(line) as { msg?: string; error?: string; path?: string };
      if (l.msg === 'unhandled error') serverErrors.push(`${l.path}: ${l.error}`);
      if (l.msg === 'unhandled error') process.stderr.write(`[fuzz] gateway error: ${line}\n`);
    });
    ({ app, base } = await startTestGateway({
      DATABASE_URL: databaseUrl,
      STORAGE_DIR: storage,
      DATABASE_POOL_SIZE: '4',
      CHUNK_SIZE: '50',
      RATE_LIMIT_PER_MINUTE: '1000000',
      UPLOAD_RATE_LIMIT_PER_MINUTE: '1000000',
    }, logger));

    // A geocoder of its own group and the merger, both starting at the end of their topics.
    const kafka = new Kafka({ clientId: `fuzz-${RUN}`, brokers, logLevel: logLevel.NOTHING });
    const kadmin = kafka.admin();
    await kadmin.connect();
    for (const [group, topics] of [
      [`${geocoderGroup}-server`, [Topics.rows.name]],
      [`${ConsumerGroups.reportMerger}-server`, [Topics.results.name, Topics.jobs.name]],
    ] as const) {
      for (const topic of topics) {
        const ends = await kadmin.fetchTopicOffsets(topic);
        await kadmin.setOffsets({ groupId: group, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.offset })) });
      }
    }
    await kadmin.disconnect();
    const env = { DATABASE_URL: databaseUrl, KAFKA_BROKERS: brokers.join(','), STORAGE_DIR: storage, LOG_LEVEL: 'warn' };
    services = [
      new ServiceProcess('geocoder', { ...env, GEOCODER_GROUP_ID: geocoderGroup }, logs).start(),
      new ServiceProcess('report-merger', env, logs).start(),
    ];
  });

  after(async () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    await Promise.all(services.map((s) => s.stop()));
    await app?.close();
    await dropTestSchema(db, schema);
    await deleteConsumerGroups(new Kafka({ clientId: `fuzz-${RUN}`, brokers: testEnv.KAFKA_BROKERS, logLevel: logLevel.NOTHING }), [`${geocoderGroup}-server`]);
    rmSync(storage, { recursive: true, force: true });
  });

  /** Every broken rule, so one run shows all of them. */
  const problems: string[] = [];

  /** Sends one input to a route; a refusal must be a clean 4xx JSON error. */
  async function send(route: 'preview' | 'create', input: FuzzInput): Promise<{ status: number; body: any }> {
    try {
      return await sendChecked(route, input);
    } catch (e) {
      problems.push((e as Error).message.split('\n')[0]);
      return { status: 0, body: {} };
    }
  }

  async function sendChecked(route: 'preview' | 'create', input: FuzzInput): Promise<{ status: number; body: any }> {
    const form = new FormData();
    form.append('file', new Blob([input.data]), input.fileName);
    if (route === 'create') form.append('dataset', datasetName);
    for (const [k, v] of Object.entries(input.fields ?? {})) form.append(k, v);
    const res = await fetch(`${base}/jobs${route === 'preview' ? '/preview' : ''}`, { method: 'POST', body: form, headers: auth });
    const text = await res.text();
    const what = `${input.label} ${route}: ${res.status} ${text.slice(0, 300)}`;
    assert.ok(res.status < 500, what);
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      assert.fail(`${what}: not JSON`);
    }
    if (res.status >= 400) {
      assert.equal(typeof body.message, 'string', what);
      assert.ok(body.message.trim().length > 0, what);
      for (const leak of LEAKS) assert.doesNotMatch(text, leak, what);
    } else if (route === 'create') {
      assert.ok([200, 202].includes(res.status), what);
      assert.match(body.id, /^[0-9a-f-]{36}$/, what);
    }
    return { status: res.status, body };
  }

  it('answers every input with a 2xx job or a clear 4xx, never a 5xx, with bounded memory', async () => {
    const inputs = fuzzInputs(SAMPLE_INPUTS, COUNT, SEED);
    assert.ok(inputs.length >= COUNT + 2);
    const t0 = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < inputs.length) {
        const input = inputs[next++];
        const started = Date.now();
        const preview = await send('preview', input);
        const create = await send('create', input);
        outcomes.push({ input: { ...input, data: input.data.length > 1_000_000 ? Buffer.alloc(0) : input.data }, preview: preview.status, create: create.status, jobId: create.body.id, message: create.body.message, ms: Date.now() - started });
        peakRssMb = Math.max(peakRssMb, Math.round(process.memoryUsage().rss / 2 ** 20));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    inputs.length = 0; // let the giants go
    const accepted = outcomes.filter((o) => o.jobId).length;
    const byStatus = outcomes.reduce<Record<string, number>>((m, o) => ((m[`${o.preview}/${o.create}`] = (m[`${o.preview}/${o.create}`] ?? 0) + 1), m), {});
    process.stderr.write(`[fuzz] ${outcomes.length} inputs in ${Math.round((Date.now() - t0) / 1000)} s: ${accepted} accepted; preview/create statuses ${JSON.stringify(byStatus)}; peak RSS ${peakRssMb} MB\n`);
    const slowest = [...outcomes].sort((a, b) => b.ms - a.ms).slice(0, 8).map((o) => `${o.input.label} ${o.ms} ms`);
    process.stderr.write(`[fuzz] slowest: ${slowest.join(', ')}\n`);
    assert.ok(outcomes.length >= COUNT);
    assert.deepEqual(problems, []);
    assert.deepEqual(serverErrors, []);
    assert.deepEqual(uncaught, []);
    // A 100 MB upload and a million-cell row must not balloon the process.
    assert.ok(peakRssMb < 1_500, `peak RSS ${peakRssMb} MB`);
    assert.ok(services.every((s) => s.running), 'the geocoder and the merger are still running');
  });

  it('takes every accepted job to completed with every row accounted for, or to failed with a reason', async () => {
    const jobs = [...new Set(outcomes.flatMap((o) => (o.jobId ? [o.jobId] : [])))];
    const t0 = Date.now();
    const final = new Map<string, JobStatusDto>();
    await waitFor(
      `${jobs.length} jobs to end`,
      async () => {
        for (const id of jobs) {
          if (final.has(id)) continue;
          const res = await fetch(`${base}/jobs/${id}`, { headers: auth });
          assert.equal(res.status, 200);
          const status = (await res.json()) as JobStatusDto;
          if (status.status === 'completed' || status.status === 'failed') final.set(id, status);
        }
        return final.size === jobs.length ? true : undefined;
      },
      150_000,
      1_000,
    ).catch(async (e: Error) => {
      const open = jobs.filter((id) => !final.has(id));
      const shown = await Promise.all(open.slice(0, 10).map(async (id) => `${outcomes.find((o) => o.jobId === id)?.input.label}: ${await (await fetch(`${base}/jobs/${id}`, { headers: auth })).text()}`));
      throw new Error(`${e.message}; ${open.length} still open, e.g.\n${shown.join('\n')}`);
    });
    const counts = { completed: 0, failed: 0 };
    for (const [id, s] of final) {
      const what = `job ${id} (${outcomes.find((o) => o.jobId === id)?.input.label}): ${JSON.stringify(s)}`;
      if (s.status === 'failed') {
        counts.failed++;
        assert.ok(s.error && s.error.trim().length > 0, what);
        for (const leak of LEAKS) assert.doesNotMatch(s.error!, leak, what);
        continue;
      }
      counts.completed++;
      assert.notEqual(s.rows.total, null, what);
      assert.equal(s.rows.processed + s.rows.blank, s.rows.total, what);
      assert.equal(s.rows.ok + s.rows.problems, s.rows.processed, what);
    }
    process.stderr.write(`[fuzz] ${jobs.length} jobs ended in ${Math.round((Date.now() - t0) / 1000)} s: ${JSON.stringify(counts)}\n`);

    // Row by row for a sample: the result holds exactly as many data rows as the input had (blank ones included).
    const completed = [...final].filter(([, s]) => s.status === 'completed').slice(0, DOWNLOAD_SAMPLE);
    let counted = 0;
    for (const [id, s] of completed) {
      const res = await fetch(`${base}/jobs/${id}/result`, { headers: auth });
      assert.equal(res.status, 200, `result of ${id}`);
      const path = join(storage, `${id}.result`);
      writeFileSync(path, Buffer.from(await res.arrayBuffer()));
      let rows = 0;
      const extraSheets = new Set(['문제 행', '요약', 'Problems', 'Summary']);
      if ((res.headers.get('content-type') ?? '').includes('csv')) {
        continue; // CSV results are not part of this fuzz (the default format is xlsx)
      }
      // Read whole (results here are small): exceljs' streaming reader spools some sheets to temporary
      // files and now and then loses one of them when sheets are skipped.
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(path);
      let statuses = 0;
      for (const sheet of workbook.worksheets) {
        if (extraSheets.has(sheet.name)) continue;
        let statusColumn = 0;
        sheet.getRow(1).eachCell((cell, col) => void (cell.value === '상태' && (statusColumn = col)));
        for (let r = 2; r <= sheet.rowCount; r++) {
          rows++;
          if (statusColumn > 0 && String(sheet.getRow(r).getCell(statusColumn).value ?? '') !== '') statuses++;
        }
      }
      // Every processed row has its status; blank input rows are kept as (empty) rows.
      const what = `job ${id}: ${rows} rows, ${statuses} statuses in the result, ${JSON.stringify(s.rows)}`;
      assert.equal(statuses, s.rows.processed, what);
      assert.ok(rows >= s.rows.processed && rows <= s.rows.total!, what);
      counted++;
    }
    assert.equal(counted, Math.min(DOWNLOAD_SAMPLE, counts.completed));
  });
});
