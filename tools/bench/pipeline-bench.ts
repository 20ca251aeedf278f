// `npm run bench -- --rows 1000000 [--geocoders 2] [--chunk-size 5000] [--niceness 10] [--warmup 1000] [--peer geopandas] [--json]`
// Runs a seeded CSV in the sample's layout through the whole local stack (gateway, geocoders and
// report-merger as separate processes, the real Kafka broker and PostGIS), checks the output, and
// re-creates the replaced system's method (one ST_Within query per row, a fallback query when it
// finds nothing) on a 20,000-row slice in the same run as the baseline. `--peer geopandas` also runs
// what an analyst would use instead (geopandas-peer.ts) on the same CSV and 읍면동 layer, after the job.
// Prints one JSON line on stdout; progress goes to stderr.
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { CommonEnvSchema, loadConfig } from '@geobatch/util-config';
import { cpuByPid, cpuSince, issueTestApiKey, KOSTAT_2018, machineBusySeconds, pidsNamed, REPO_ROOT, ServiceProcess, peakRssMb, waitFor } from '@geobatch/util-testing';
import { runGeoPandasPeer, type PeerReport } from './geopandas-peer';
import { BENCH_DATASET, GatewayClient, ensureBenchDataset, landPoints, log as logFor, writeSampleCsv } from '../support/stack-harness';

const BASELINE_ROWS = 20_000;
/** The bench CSV's coordinate columns (`주소` is x, the unnamed sixth is y) and dataset, for every job. */
const JOB_OPTIONS = { x: '5', y: '6', dataset: BENCH_DATASET };
const round1 = (n: number) => Math.round(n * 10) / 10;
const SAMPLE_CHECKS = 2_000;

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    geocoders: { type: 'string', default: '1' },
    'chunk-size': { type: 'string', default: '5000' },
    seed: { type: 'string', default: '42' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    /** Writes a V8 CPU profile of every service into this folder (open in Chrome DevTools). */
    profile: { type: 'string' },
    /** The services' LOG_LEVEL; `log` shows each chunk's timing in test-output/bench-logs. */
    'log-level': { type: 'string', default: 'warn' },
    /** Niceness of the gateway and the geocoders (0: all equal), so the merger gets the CPU first. */
    niceness: { type: 'string', default: '10' },
    /** Rows of an untimed job run first, as a service that has already served one (0: none). */
    warmup: { type: 'string', default: '1000' },
    /** `geopandas`: also time the GeoPandas sjoin + xlsxwriter script on the same input. */
    peer: { type: 'string' },
  },
});
const rows = Number(args.rows);
const geocoderCount = Number(args.geocoders);
const niceness = Number(args.niceness);
const warmupRows = Number(args.warmup);
const log = logFor('bench');
if (args.peer !== undefined && args.peer !== 'geopandas') throw new Error(`--peer: only geopandas is known (got ${args.peer})`);

/** The replaced system's method: one query per row with ST_Within, and a fallback query when it finds nothing. */
async function baseline(db: Client, datasetId: string, points: [number, number][]): Promise<number> {
  const t0 = performance.now();
  for (const [x, y] of points) {
    const hit = await db.query(
      `SELECT code, name FROM boundary_area
        WHERE dataset_id = $1 AND level = 'eupmyeondong' AND ST_Within(ST_SetSRID(ST_MakePoint($2, $3), 4326), geom)`,
      [datasetId, x, y],
    );
    if (hit.rowCount === 0) {
      await db.query(
        `SELECT code, name FROM boundary_area WHERE dataset_id = $1 AND level = 'sigungu'
          AND ST_Within(ST_SetSRID(ST_MakePoint($2, $3), 4326), geom)`,
        [datasetId, x, y],
      );
    }
  }
  return points.length / ((performance.now() - t0) / 1000);
}

async function scrapeGeocoded(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = /^geobatch_rows_total\{stage="geocoded"[^}]*\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/**
 * Seconds from `t0` until the geocoders together have geocoded `rows` more rows than `before`
 * (their metrics, read every 200 ms): how long the geocoding stage took, whatever the merger does after.
 */
async function geocodingDone(ports: number[], before: number[], rows: number, t0: number, stop: AbortSignal): Promise<number | null> {
  while (!stop.aborted) {
    const counts = await Promise.all(ports.map((p) => scrapeGeocoded(p).catch(() => 0)));
    if (counts.reduce((sum, n, i) => sum + n - before[i], 0) >= rows) return (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

async function main(): Promise<void> {
  const config = loadConfig(CommonEnvSchema);
  const work = mkdtempSync(join(tmpdir(), 'geobatch-bench-'));
  const storage = join(work, 'storage');
  await mkdir(storage, { recursive: true });
  const datasetId = await ensureBenchDataset(config.DATABASE_URL, log);
  const db = new Client({ connectionString: config.DATABASE_URL });
  await db.connect();

  const seed = Number(args.seed);
  const points = await landPoints(db, datasetId, seed);
  const csv = join(work, 'bench.csv');
  log(`writing ${rows} rows to ${csv}`);
  await writeSampleCsv(csv, rows, points, seed);

  const port = 3190;
  const env = {
    DATABASE_URL: config.DATABASE_URL,
    KAFKA_BROKERS: config.KAFKA_BROKERS.join(','),
    STORAGE_DIR: storage,
    PORT: String(port),
    CHUNK_SIZE: args['chunk-size']!,
    LOG_LEVEL: args['log-level']!,
  };
  const logs = join(REPO_ROOT, 'test-output', 'bench-logs');
  // The services run from the build output, as in their containers (no on-the-fly compiler in their memory).
  log('building the services');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const run = { compiled: true, nodeArgs: args.profile ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.profile)}`] : [] };
  // On a shared host the merger goes first: it is the one stage that cannot be scaled out (one
  // writer per workbook) and sets the total, while the others are ahead of it anyway.
  const yielding = { ...run, niceness };
  const gateway = new ServiceProcess('gateway', env, logs, [], yielding).start();
  const merger = new ServiceProcess('report-merger', { ...env, HTTP_PORT: '9390' }, logs, [], run).start();
  const geocoders = Array.from({ length: geocoderCount }, (_, i) =>
    new ServiceProcess('geocoder', { ...env, HTTP_PORT: String(9391 + i) }, logs, [], yielding).start(),
  );
  const all = [gateway, merger, ...geocoders];
  try {
    const api = new GatewayClient(`http://127.0.0.1:${port}`, (await issueTestApiKey(config.DATABASE_URL, { name: 'pipeline-bench' })).key);
    await waitFor('gateway health', async () => ((await api.healthy()) ? true : undefined), 90_000, 500);
    // Each geocoder's ops port answers once it has started (its /metrics says who took which chunks).
    for (let i = 0; i < geocoderCount; i++) {
      await waitFor(`geocoder ${i + 1} health`, async () => ((await fetch(`http://127.0.0.1:${9391 + i}/health`).then((r) => r.ok, () => false)) ? true : undefined), 90_000, 500);
    }
    if (warmupRows > 0) {
      // Not timed: the dataset's index loads once per geocoder (then stays until idle for 30 min)
      // and the services' code is compiled; a busy service has done both before any given job.
      log(`warm-up job of ${warmupRows} rows`);
      const warmupCsv = join(work, 'warmup.csv');
      await writeSampleCsv(warmupCsv, warmupRows, points, seed + 1);
      await api.waitForCompletion(await api.submit(warmupCsv, JOB_OPTIONS), 5 * 60_000, 100);
    }
    const before = await Promise.all(geocoders.map((_, i) => scrapeGeocoded(9391 + i)));

    log('uploading');
    // The broker is the only java process here; PostgreSQL's backends are counted from when they are first seen.
    const cpuOf = () => ({
      services: all.map((p) => cpuByPid(p.pid === undefined ? [] : [p.pid])),
      kafka: cpuByPid(pidsNamed('java')),
      postgres: cpuByPid(pidsNamed('postgres')),
      machine: machineBusySeconds(),
    });
    const cpu0 = cpuOf();
    const t0 = performance.now();
    const jobDone = new AbortController();
    const geocoding = geocodingDone(geocoders.map((_, i) => 9391 + i), before, rows, t0, jobDone.signal);
    const id = await api.submit(csv, JOB_OPTIONS);
    const done = await api.waitForCompletion(id, 30 * 60_000, 100);
    const seconds = (performance.now() - t0) / 1000;
    jobDone.abort();
    const geocodingSeconds = await geocoding;
    const cpu1 = cpuOf();
    // CPU seconds each service spent on the job, and the whole machine's (the broker, PostgreSQL and this script included).
    const cpuUsed = cpu1.services.map((s, i) => round1(cpuSince(cpu0.services[i], s)));
    const cpu = {
      gateway: cpuUsed[0],
      merger: cpuUsed[1],
      geocoder: cpuUsed.slice(2),
      kafka: round1(cpuSince(cpu0.kafka, cpu1.kafka)),
      postgres: round1(cpuSince(cpu0.postgres, cpu1.postgres)),
      machine: round1(cpu1.machine - cpu0.machine),
    };
    const peak = { gateway: peakRssMb(gateway.pid), geocoder: Math.max(...geocoders.map((g) => peakRssMb(g.pid) ?? 0)), merger: peakRssMb(merger.pid) };
    const geocodedBy = (await Promise.all(geocoders.map((_, i) => scrapeGeocoded(9391 + i)))).map((n, i) => n - before[i]);
    log(`job done in ${seconds.toFixed(1)} s; verifying the workbook`);

    // Check the row count and a sample of codes against PostGIS directly.
    const result = join(work, 'result.xlsx');
    await api.download(id, result);
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(result, { sharedStrings: 'cache', worksheets: 'emit' });
    let outRows = 0;
    const sample: { x: number; y: number; code: string | null }[] = [];
    const every = Math.max(1, Math.floor(rows / SAMPLE_CHECKS));
    let emdCol = 0;
    for await (const sheet of reader) {
      for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
        if (row.number === 1) {
          const header = (row.values as unknown[]).map((v) => (v === undefined || v === null ? '' : String(v)));
          emdCol = header.indexOf('읍면동코드');
          continue;
        }
        if (emdCol < 1) break; // the problem-rows and summary sheets, not data
        if (outRows % every === 0) {
          const code = row.getCell(emdCol).value;
          sample.push({ x: Number(row.getCell(5).value), y: Number(row.getCell(6).value), code: code === null || code === undefined ? null : String(code) });
        }
        outRows++;
      }
    }
    const { rows: expected } = await db.query<{ i: number; code: string | null }>(
      `SELECT p.i, (SELECT a.code FROM boundary_area a WHERE a.dataset_id = $3 AND a.level = 'eupmyeondong'
                      AND ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326)) ORDER BY a.code LIMIT 1) AS code
         FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(x, y, i) ORDER BY p.i`,
      [sample.map((s) => s.x), sample.map((s) => s.y), datasetId],
    );
    const codesAgree = expected.filter((e, k) => e.code === sample[k].code).length / sample.length;

    log(`baseline: the old per-row method on ${BASELINE_ROWS} rows`);
    const baselineRate = await baseline(db, datasetId, Array.from({ length: BASELINE_ROWS }, (_, i) => points[i % points.length]));

    let peer: PeerReport | null = null;
    if (args.peer === 'geopandas') {
      // After the services are idle, so the two never share the CPU.
      log('peer: GeoPandas sjoin + xlsxwriter on the same CSV and 읍면동 layer');
      peer = runGeoPandasPeer(csv, KOSTAT_2018.eupmyeondong, join(work, 'peer.xlsx'));
      if (peer.rows !== rows) throw new Error(`the peer wrote ${peer.rows} rows, expected ${rows}`);
    }

    const report = {
      rows,
      seconds: Math.round(seconds * 10) / 10,
      rows_per_s: Math.round(rows / seconds),
      peak_rss_mb: peak,
      cpu_seconds: cpu,
      baseline_rows_per_s: Math.round(baselineRate),
      speedup_vs_baseline: Math.round((rows / seconds / baselineRate) * 10) / 10,
      output_rows: outRows,
      processed: done.rows.processed,
      sampled_codes_agree: codesAgree,
      geocoders: geocoderCount,
      geocoded_by_process: geocodedBy,
      // From the upload's start until every row was geocoded: the geocoding stage, read off the geocoders' metrics.
      geocoding_seconds: geocodingSeconds === null ? null : round1(geocodingSeconds),
      chunk_size: Number(args['chunk-size']),
      niceness: { gateway: niceness, geocoder: niceness, merger: 0 },
      warmup_rows: warmupRows,
      ...(peer ? { peer, peer_seconds: peer.process_seconds, speedup_vs_peer: round1(peer.process_seconds / seconds) } : {}),
    };
    if (outRows !== rows) throw new Error(`output has ${outRows} rows, expected ${rows}: ${JSON.stringify(report)}`);
    process.stdout.write(JSON.stringify(report) + '\n');
  } finally {
    await Promise.all(all.map((p) => p.stop()));
    await db.end();
    if (!args.keep) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`[bench] failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
