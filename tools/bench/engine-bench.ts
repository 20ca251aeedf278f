/*
 * Point-lookup benchmark: the in-memory engine against the PostGIS reference on the KOSTAT 2018
 * boundaries (시도/시군구/읍면동), in the `geobatch` database (DATABASE_URL).
 *
 *   node -r reflect-metadata -r @swc-node/register tools/bench/engine-bench.ts [--json] [--points N]
 *     [--postgis-points N] [--per-row-points N] [--seed N]
 *
 * Imports the fixture as dataset `bench-kostat-2018` when it is missing (reused otherwise), then, in
 * one run: the engine over N points on one core after a warm-up, the set-based reference in batches
 * of 5,000 over one connection, one reference query per point (as the old system did) on a small
 * sample, and how often engine and PostGIS give identical answers. With --json the only stdout line is
 * `{"points","engine_pts_per_s","postgis_pts_per_s","per_row_pts_per_s","agreement"}`; progress goes to stderr.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isDeepStrictEqual } from 'node:util';
import { DataSource } from 'typeorm';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, CommonEnvSchema } from '@geobatch/util-config';
import { KOSTAT_2018, mulberry32 } from '@geobatch/util-testing';
import {
  BoundaryImporter,
  BoundaryLookup,
  DatasetRepository,
  InMemoryLookup,
  geoDataSourceOptions,
  loadBoundaryIndex,
  runMigrationsExclusive,
  type LookupHit,
  type LookupPoint,
} from '@geobatch/geo-query';

const DATASET_NAME = 'bench-kostat-2018';
const DATASET_VERSION = '2018';
const BATCH = 5_000;

const log = (...args: unknown[]) => console.error('[engine-bench]', ...args);

function positiveInt(value: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** A forced full GC, for heap figures (the flag is set at run time so the command line stays plain). */
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function heapMb(gc: () => void): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 1e6;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function ensureDataset(ds: DataSource): Promise<string> {
  const existing = await new DatasetRepository(ds).findByName(DATASET_NAME);
  if (existing) {
    log(`reusing dataset ${DATASET_NAME} (${existing.id})`);
    return existing.id;
  }
  log(`importing KOSTAT 2018 as ${DATASET_NAME} …`);
  const r = await new BoundaryImporter(ds).importGeoJson({
    name: DATASET_NAME,
    version: DATASET_VERSION,
    levels: { ...KOSTAT_2018 },
    onProgress: (e) => log(`  ${e.step}${e.level ? ` ${e.level}` : ''}${e.count !== undefined ? ` ${e.count}` : ''} (${e.ms} ms)`),
  });
  log(`imported ${r.parts} pieces in ${r.ms} ms`);
  return r.datasetId;
}

/**
 * Points where addresses are: a uniformly chosen 읍면동, then a uniform point in its bounding box
 * (so dense urban areas, with many small 읍면동, get many points; some land outside, at sea or abroad).
 */
async function samplePoints(ds: DataSource, datasetId: string, count: number, seed: number): Promise<LookupPoint[]> {
  const boxes: { x0: number; y0: number; x1: number; y1: number }[] = await ds.query(
    `SELECT ST_XMin(b) AS x0, ST_YMin(b) AS y0, ST_XMax(b) AS x1, ST_YMax(b) AS y1
     FROM (SELECT ST_Envelope(geom)::box2d AS b, code FROM boundary_area WHERE dataset_id = $1 AND level = 'eupmyeondong') a
     ORDER BY code COLLATE "C"`,
    [datasetId],
  );
  if (boxes.length === 0) throw new Error(`dataset ${datasetId} has no 읍면동`);
  const rnd = mulberry32(seed);
  const points: LookupPoint[] = new Array(count);
  for (let n = 0; n < count; n++) {
    const b = boxes[Math.floor(rnd() * boxes.length)];
    points[n] = { n, lon: b.x0 + rnd() * (b.x1 - b.x0), lat: b.y0 + rnd() * (b.y1 - b.y0) };
  }
  return points;
}

function sameAnswer(a: LookupHit | undefined, b: LookupHit | undefined): boolean {
  return a === undefined || b === undefined ? a === b : isDeepStrictEqual(a, b);
}

async function main(): Promise<void> {
  const opts = new Command('engine-bench')
    .option('--json', 'print only the result line as JSON on stdout')
    .option('--points <n>', 'points timed through the in-memory engine', positiveInt, 200_000)
    .option('--postgis-points <n>', 'points of the same sample looked up by PostGIS (set-based)', positiveInt, 200_000)
    .option('--per-row-points <n>', 'points looked up with one query each', positiveInt, 2_000)
    .option('--seed <n>', 'seed of the point sample', positiveInt, 20_180_101)
    .parse()
    .opts<{ json?: boolean; points: number; postgisPoints: number; perRowPoints: number; seed: number }>();
  const config = loadConfig(CommonEnvSchema);
  const gc = gcFunction();

  // Set-up (migrations need a second connection besides the one holding their lock) and loading.
  const ds = await new DataSource(geoDataSourceOptions(config.DATABASE_URL, { poolSize: 2 })).initialize();
  // The reference runs over this single connection, as one geocoder worker would.
  const single = new DataSource(geoDataSourceOptions(config.DATABASE_URL, { poolSize: 1 }));
  try {
    await runMigrationsExclusive(ds);
    await single.initialize();
    const datasetId = await ensureDataset(ds);

    // Load figures for the 읍면동 layer alone (the big one after subdivision), then the full index.
    const heap0 = heapMb(gc);
    const emdOnly = await loadBoundaryIndex(ds, datasetId, { levels: ['eupmyeondong'] });
    const heapEmd = heapMb(gc) - heap0;
    log(`읍면동 layer: ${emdOnly.stats.pieces} pieces, ${emdOnly.stats.vertices} vertices, loaded in ${emdOnly.stats.ms} ms; ` +
      `typed arrays ${(emdOnly.stats.bytes / 1e6).toFixed(1)} MB, heap+buffers ${heapEmd.toFixed(1)} MB (with area names)`);
    const heap1 = heapMb(gc);
    const loaded = await loadBoundaryIndex(ds, datasetId);
    const heapAll = heapMb(gc) - heap1;
    log(`all levels: ${loaded.stats.pieces} pieces, ${loaded.stats.vertices} vertices, loaded in ${loaded.stats.ms} ms; ` +
      `typed arrays ${(loaded.stats.bytes / 1e6).toFixed(1)} MB, heap+buffers ${heapAll.toFixed(1)} MB`);
    const engine = InMemoryLookup.fromLoaded(loaded);

    const points = await samplePoints(ds, datasetId, opts.points, opts.seed);
    const warmup = await samplePoints(ds, datasetId, 50_000, opts.seed + 1);
    const pointChunks = chunks(points, BATCH);

    // Engine: warm-up, then the whole sample in chunks of 5,000 (what one geocoder call gets), on this one thread.
    for (let r = 0; r < 3; r++) for (const c of chunks(warmup, BATCH)) engine.lookupSync(c);
    const results: Map<number, LookupHit>[] = [];
    const cpu0 = process.cpuUsage();
    let t0 = performance.now();
    for (const c of pointChunks) results.push(engine.lookupSync(c));
    const engineMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const enginePps = points.length / (engineMs / 1e3);
    const engineHits = new Map<number, LookupHit>();
    for (const m of results) for (const [n, hit] of m) engineHits.set(n, hit);
    log(`engine: ${points.length} points in ${engineMs.toFixed(0)} ms = ${Math.round(enginePps)} pts/s ` +
      `(process CPU time ${((cpu.user + cpu.system) / 1e3).toFixed(0)} ms); ${engineHits.size} in an area`);
    {
      const lons = Float64Array.from(points, (p) => p.lon);
      const lats = Float64Array.from(points, (p) => p.lat);
      const out = new Int32Array(points.length);
      loaded.index.lookupMany(lons, lats, out);
      t0 = performance.now();
      loaded.index.lookupMany(lons, lats, out);
      const ms = performance.now() - t0;
      log(`index alone (lookupMany, area ids only): ${Math.round(points.length / (ms / 1e3))} pts/s`);
    }

    // PostGIS, set-based: the reference lookup, 5,000 points per statement over one connection.
    const reference = new BoundaryLookup(single);
    const shared = points.slice(0, Math.min(opts.postgisPoints, points.length));
    await reference.lookup(datasetId, warmup.slice(0, BATCH));
    const postgisHits = new Map<number, LookupHit>();
    t0 = performance.now();
    for (const c of chunks(shared, BATCH)) for (const [n, hit] of await reference.lookup(datasetId, c)) postgisHits.set(n, hit);
    const postgisMs = performance.now() - t0;
    const postgisPps = shared.length / (postgisMs / 1e3);
    log(`postgis (set-based): ${shared.length} points in ${postgisMs.toFixed(0)} ms = ${Math.round(postgisPps)} pts/s`);

    // One query per point, as the old system did.
    const perRow = points.slice(0, Math.min(opts.perRowPoints, points.length));
    const perRowHits = new Map<number, LookupHit>();
    t0 = performance.now();
    for (const p of perRow) {
      const hit = (await reference.lookup(datasetId, [p])).get(p.n);
      if (hit) perRowHits.set(p.n, hit);
    }
    const perRowMs = performance.now() - t0;
    const perRowPps = perRow.length / (perRowMs / 1e3);
    log(`postgis (one query per point): ${perRow.length} points in ${perRowMs.toFixed(0)} ms = ${Math.round(perRowPps)} pts/s`);

    let same = 0;
    const differ: unknown[] = [];
    for (const p of shared) {
      if (sameAnswer(engineHits.get(p.n), postgisHits.get(p.n))) same++;
      else if (differ.length < 5) differ.push({ lon: p.lon, lat: p.lat, engine: engineHits.get(p.n), postgis: postgisHits.get(p.n) });
    }
    const agreement = same / shared.length;
    const perRowSame = perRow.filter((p) => sameAnswer(engineHits.get(p.n), perRowHits.get(p.n))).length;
    log(`agreement: ${same}/${shared.length} identical (per-row sample: ${perRowSame}/${perRow.length})`);
    if (differ.length > 0) log('first differences:', JSON.stringify(differ));
    log(`engine is ${(enginePps / postgisPps).toFixed(1)}× PostGIS set-based, ${(enginePps / perRowPps).toFixed(0)}× per-row`);

    const result = {
      points: points.length,
      engine_pts_per_s: Math.round(enginePps),
      postgis_pts_per_s: Math.round(postgisPps),
      per_row_pts_per_s: Math.round(perRowPps),
      agreement,
    };
    if (opts.json) console.log(JSON.stringify(result));
    else console.table(result);
  } finally {
    if (single.isInitialized) await single.destroy();
    await ds.destroy();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
