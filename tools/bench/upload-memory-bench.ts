/*
 * Gateway memory while it takes a large CSV upload.
 *
 *   node -r reflect-metadata -r @swc-node/register tools/bench/upload-memory-bench.ts [--json]
 *     [--mb 1024] [--publish-seconds 0] [--keep]
 *
 * Generates a CSV of the given size in a temp dir (written in 1 MiB pieces, never held whole),
 * starts the gateway as a child process on the real broker and database (DATABASE_URL,
 * KAFKA_BROKERS; a throw-away `bench-upload-memory` dataset row is created for the job), uploads
 * the file as a streamed multipart body (file piped from disk), and samples the gateway's
 * VmHWM/VmRSS from /proc/<pid>/status every 50 ms until the 202 answer, plus `--publish-seconds`
 * of row publishing after it (0 by default: publishing a 1 GB file would put ~17M points on the
 * shared rows topic). Then it stops the gateway with SIGTERM (publishing stops between chunks),
 * deletes the job and the dataset row, and prints one JSON line:
 * `{"bytes","rows","seconds","gateway_peak_rss_mb","gateway_idle_rss_mb","status"}`
 * (`seconds`: upload until the 202, i.e. stored, hashed, type/encoding/columns checked, job created).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DataSource } from 'typeorm';
import { CommonEnvSchema, loadConfig } from '@geobatch/util-config';
import { Dataset, GEO_ENTITIES, GEO_MIGRATIONS, geoDataSourceOptions, runMigrationsExclusive } from '@geobatch/geo-query';
import { ApiKeyRepository, JOB_STORE_ENTITIES, JOB_STORE_MIGRATIONS } from '@geobatch/job-store';
import { freePort } from '@geobatch/util-testing';

const REPO_ROOT = resolve(__dirname, '../..');
const DATASET_NAME = 'bench-upload-memory';
const log = (...args: unknown[]) => console.error('[upload-memory-bench]', ...args);

function positiveNumber(value: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number');
  return n;
}

/** Writes a realistic coordinates CSV of about `bytes` bytes, 1 MiB at a time. Returns the data row count. */
async function generateCsv(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  out.write('회사코드,차량번호,차량ID,날짜,경도,위도,속도,발생시각\n');
  let written = 0;
  let rows = 0;
  while (written < bytes) {
    const lines: string[] = [];
    let size = 0;
    while (size < 1024 * 1024) {
      rows++;
      const line =
        `testse${String(rows % 97).padStart(2, '0')},서울${100 + (rows % 900)}바${10000 + (rows % 90000)},kmsa12c${rows},2024${String(1 + (rows % 12)).padStart(2, '0')}15,` +
        `${(126 + (rows % 2000) / 1000).toFixed(6)},${(35 + (rows % 3000) / 1000).toFixed(6)},${40 + (rows % 80)},15-JAN-24 0${rows % 10}:00:00\n`;
      lines.push(line);
      size += Buffer.byteLength(line);
    }
    written += size;
    if (!out.write(lines.join(''))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  return rows;
}

/** VmHWM (peak) and VmRSS of a process, in MiB. */
function memoryOf(pid: number): { hwm: number; rss: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { hwm: kb('VmHWM') / 1024, rss: kb('VmRSS') / 1024 };
  } catch {
    return null;
  }
}

async function waitForHealth(base: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode} before it was healthy`);
    const ok = await fetch(`${base}/health`).then((r) => r.status === 200, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error('the gateway did not become healthy');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** POSTs the file as multipart/form-data, streamed from disk with a known Content-Length. */
async function streamUpload(url: string, file: string, fields: Record<string, string>, apiKey: string): Promise<{ status: number; body: string }> {
  const boundary = `----geobatch-bench-${Date.now().toString(16)}`;
  const textParts = Object.entries(fields)
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join('');
  const head = Buffer.from(
    `${textParts}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.csv"\r\nContent-Type: text/csv\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = (await stat(file)).size;
  const target = new URL(url);
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': head.length + size + tail.length,
          authorization: `Bearer ${apiKey}`,
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.write(head);
    const body = createReadStream(file, { highWaterMark: 1024 * 1024 });
    body.pipe(req, { end: false });
    body.on('error', reject);
    body.on('end', () => req.end(tail));
  });
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--json', 'print only the JSON result on stdout')
    .option('--mb <n>', 'CSV size in MiB', positiveNumber, 1024)
    .option('--publish-seconds <n>', 'keep sampling while rows are published for this long after the 202', positiveNumber, 0)
    .option('--keep', 'keep the generated CSV and storage folder')
    .parse()
    .opts<{ json?: boolean; mb: number; publishSeconds: number; keep?: boolean }>();

  const config = loadConfig(CommonEnvSchema);
  const dir = await mkdtemp(join(tmpdir(), 'geobatch-upload-bench-'));
  const csv = join(dir, 'bench.csv');
  const storage = join(dir, 'storage');
  const db = await new DataSource(
    geoDataSourceOptions(config.DATABASE_URL, {
      migrations: [...GEO_MIGRATIONS, ...JOB_STORE_MIGRATIONS],
      entities: [...GEO_ENTITIES, ...JOB_STORE_ENTITIES],
      // runMigrationsExclusive holds a lock on one connection while the migrations use another.
      poolSize: 2,
    }),
  ).initialize();
  let gateway: ChildProcess | undefined;
  let jobId: string | undefined;
  let datasetId: string | undefined;
  try {
    await runMigrationsExclusive(db);
    const existing = await db.getRepository(Dataset).findOneBy({ name: DATASET_NAME });
    datasetId = (existing ?? (await db.getRepository(Dataset).save({ name: DATASET_NAME, version: '1', levels: ['sido'] }))).id;
    const apiKey = (await new ApiKeyRepository(db).create({ name: 'upload-memory-bench' })).key;

    log(`generating ${opts.mb} MiB of CSV in ${dir}`);
    const t0 = Date.now();
    const rows = await generateCsv(csv, opts.mb * 1024 * 1024);
    const bytes = (await stat(csv)).size;
    log(`${bytes} bytes, ${rows} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    gateway = spawn(process.execPath, ['-r', 'reflect-metadata', '-r', '@swc-node/register', join('apps', 'gateway', 'src', 'main.ts')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        STORAGE_DIR: storage,
        DATABASE_URL: config.DATABASE_URL,
        KAFKA_BROKERS: config.KAFKA_BROKERS.join(','),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const pid = gateway.pid!;
    await waitForHealth(base, gateway);
    const idle = memoryOf(pid)!;
    log(`gateway ${pid} healthy; VmRSS ${idle.rss.toFixed(0)} MiB, VmHWM ${idle.hwm.toFixed(0)} MiB`);

    let peakRss = idle.rss;
    let peakHwm = idle.hwm;
    const sampler = setInterval(() => {
      const m = memoryOf(pid);
      if (!m) return;
      peakRss = Math.max(peakRss, m.rss);
      peakHwm = Math.max(peakHwm, m.hwm);
    }, 50);

    const started = Date.now();
    const res = await streamUpload(`${base}/jobs`, csv, { dataset: DATASET_NAME }, apiKey);
    const seconds = (Date.now() - started) / 1000;
    log(`answer ${res.status} after ${seconds.toFixed(1)} s: ${res.body.slice(0, 300)}`);
    if (res.status === 202) jobId = (JSON.parse(res.body) as { id: string }).id;
    if (opts.publishSeconds > 0) await new Promise((r) => setTimeout(r, opts.publishSeconds * 1000));
    const final = memoryOf(pid);
    clearInterval(sampler);
    if (final) peakHwm = Math.max(peakHwm, final.hwm);

    gateway.kill('SIGTERM');
    await once(gateway, 'exit');
    gateway = undefined;

    const result = {
      bytes,
      rows,
      seconds: Math.round(seconds * 10) / 10,
      gateway_peak_rss_mb: Math.round(Math.max(peakHwm, peakRss)),
      gateway_idle_rss_mb: Math.round(idle.rss),
      publish_seconds: opts.publishSeconds,
      status: res.status,
    };
    if (!opts.json) log(JSON.stringify(result, null, 2));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (res.status !== 202) process.exitCode = 1;
  } finally {
    if (gateway) {
      gateway.kill('SIGKILL');
      await once(gateway, 'exit').catch(() => undefined);
    }
    // The job would otherwise be resumed by the next gateway on this database.
    if (jobId) await db.query('DELETE FROM job WHERE id = $1', [jobId]).catch(() => undefined);
    if (datasetId) await db.getRepository(Dataset).delete({ id: datasetId }).catch(() => undefined);
    await db.destroy();
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
