// `npm run bench -- --rows 1000000 [--geocoders 2] [--chunk-size 5000] [--json]`
// Runs a seeded CSV in the sample's layout through the whole local stack (gateway, geocoders and
// report-merger as separate processes, the real Kafka broker and PostGIS), checks the output, and
// re-creates the replaced system's method (one ST_Within query per row, a fallback query when it
// finds nothing) on a 20,000-row slice in the same run as the baseline.
// Prints one JSON line on stdout; progress goes to stderr.
import 'reflect-metadata';
import { createWriteStream, mkdtempSync, openAsBlob, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { BoundaryImporter, DatasetRepository, openGeoDataSource } from '@geobatch/geo-query';
import { CommonEnvSchema, loadConfig } from '@geobatch/util-config';
import { KOSTAT_2018, REPO_ROOT, ServiceProcess, peakRssMb, waitFor } from '@geobatch/util-testing';

const DATASET = 'bench-kostat-2018';
const BASELINE_ROWS = 20_000;
const SAMPLE_CHECKS = 2_000;

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    geocoders: { type: 'string', default: '1' },
    'chunk-size': { type: 'string', default: '5000' },
    seed: { type: 'string', default: '42' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const rows = Number(args.rows);
const geocoderCount = Number(args.geocoders);
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/** Small, seeded PRNG: the same --seed gives the same file on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function ensureDataset(url: string): Promise<string> {
  const ds = await openGeoDataSource(url);
  try {
    const existing = await new DatasetRepository(ds).findByName(DATASET);
    if (existing) return existing.id;
    log(`importing ${DATASET} from the KOSTAT 2018 fixture`);
    const res = await new BoundaryImporter(ds).importGeoJson({ name: DATASET, version: '2018', levels: KOSTAT_2018 });
    return res.datasetId;
  } finally {
    await ds.destroy();
  }
}

/** Seeded points on land across Korea: PostGIS scatters them over the 시도 polygons. */
async function landPoints(db: Client, datasetId: string, seed: number): Promise<[number, number][]> {
  const { rows: pts } = await db.query<{ x: number; y: number }>(
    `SELECT ST_X(g) AS x, ST_Y(g) AS y FROM (
       SELECT (ST_Dump(ST_GeneratePoints(ST_Union(geom), 50000, $2))).geom AS g
         FROM boundary_area WHERE dataset_id = $1 AND level = 'sido') p`,
    [datasetId, seed],
  );
  return pts.map((p) => [p.x, p.y]);
}

async function writeCsv(path: string, points: [number, number][], seed: number): Promise<void> {
  const rand = mulberry32(seed);
  const regions = ['서울', '경기', '부산', '울산', '대구', '인천', '광주', '대전'];
  function* lines(): Generator<string> {
    yield '회사코드,차량번호,차량ID,날짜,주소,,속도,발생시각\n';
    let batch = '';
    for (let i = 0; i < rows; i++) {
      const [x, y] = points[Math.floor(rand() * points.length)];
      const d = 1 + (i % 28);
      batch += `testse${String(1 + (i % 9)).padStart(2, '0')},${regions[i % regions.length]}${100 + (i % 900)}바${10000 + (i % 90000)},kmsa12c${1000 + (i % 9000)},202401${String(d).padStart(2, '0')},${x.toFixed(6)},${y.toFixed(6)},${60 + (i % 60)},${String(d).padStart(2, '0')}-JAN-24 ${String(i % 24).padStart(2, '0')}:00:00\n`;
      if (i % 5000 === 4999) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  }
  await pipeline(Readable.from(lines()), createWriteStream(path));
}

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

async function main(): Promise<void> {
  const config = loadConfig(CommonEnvSchema);
  const work = mkdtempSync(join(tmpdir(), 'geobatch-bench-'));
  const storage = join(work, 'storage');
  await mkdir(storage, { recursive: true });
  const datasetId = await ensureDataset(config.DATABASE_URL);
  const db = new Client({ connectionString: config.DATABASE_URL });
  await db.connect();

  const seed = Number(args.seed);
  const points = await landPoints(db, datasetId, seed);
  const csv = join(work, 'bench.csv');
  log(`writing ${rows} rows to ${csv}`);
  await writeCsv(csv, points, seed);

  const port = 3190;
  const env = {
    DATABASE_URL: config.DATABASE_URL,
    KAFKA_BROKERS: config.KAFKA_BROKERS.join(','),
    STORAGE_DIR: storage,
    PORT: String(port),
    CHUNK_SIZE: args['chunk-size']!,
    LOG_LEVEL: 'warn',
  };
  const logs = join(REPO_ROOT, 'test-output', 'bench-logs');
  const gateway = new ServiceProcess('gateway', env, logs).start();
  const merger = new ServiceProcess('report-merger', { ...env, HTTP_PORT: '9390' }, logs).start();
  const geocoders = Array.from({ length: geocoderCount }, (_, i) =>
    new ServiceProcess('geocoder', { ...env, HTTP_PORT: String(9391 + i) }, logs).start(),
  );
  const all = [gateway, merger, ...geocoders];
  try {
    await waitFor('gateway health', async () => ((await fetch(`http://127.0.0.1:${port}/health`)).ok ? true : undefined), 90_000, 500);
    const before = await Promise.all(geocoders.map((_, i) => scrapeGeocoded(9391 + i)));

    log('uploading');
    const t0 = performance.now();
    const form = new FormData();
    form.set('file', await openAsBlob(csv), 'bench.csv');
    form.set('x', '5');
    form.set('y', '6');
    form.set('dataset', DATASET);
    const created = await fetch(`http://127.0.0.1:${port}/jobs`, { method: 'POST', body: form });
    if (created.status !== 202) throw new Error(`upload refused: ${created.status} ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    const done = await waitFor(
      `job ${id}`,
      async () => {
        const view = (await (await fetch(`http://127.0.0.1:${port}/jobs/${id}`)).json()) as { status: string; error: string | null; rows: { processed: number } };
        if (view.status === 'failed') throw new Error(`job failed: ${view.error}`);
        return view.status === 'completed' ? view : undefined;
      },
      30 * 60_000,
      100,
    );
    const seconds = (performance.now() - t0) / 1000;
    const peak = { gateway: peakRssMb(gateway.pid), geocoder: Math.max(...geocoders.map((g) => peakRssMb(g.pid) ?? 0)), merger: peakRssMb(merger.pid) };
    const geocodedBy = (await Promise.all(geocoders.map((_, i) => scrapeGeocoded(9391 + i)))).map((n, i) => n - before[i]);
    log(`job done in ${seconds.toFixed(1)} s; verifying the workbook`);

    // Check the row count and a sample of codes against PostGIS directly.
    const result = join(work, 'result.xlsx');
    const res = await fetch(`http://127.0.0.1:${port}/jobs/${id}/result`);
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(result));
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

    const report = {
      rows,
      seconds: Math.round(seconds * 10) / 10,
      rows_per_s: Math.round(rows / seconds),
      peak_rss_mb: peak,
      baseline_rows_per_s: Math.round(baselineRate),
      speedup_vs_baseline: Math.round((rows / seconds / baselineRate) * 10) / 10,
      output_rows: outRows,
      processed: done.rows.processed,
      sampled_codes_agree: codesAgree,
      geocoders: geocoderCount,
      geocoded_by_process: geocodedBy,
      chunk_size: Number(args['chunk-size']),
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
