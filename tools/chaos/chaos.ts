// `npm run chaos -- [--trials 5] [--rows 200000] [--json]`
// Runs a job through the local stack once per trial and, at a random moment of each, SIGKILLs one
// of: the gateway, a geocoder, the merger, the Kafka broker or PostgreSQL, restarting it a few
// seconds later. Then checks the result row by row: every input row exactly once, in order.
// Prints `{ "trials", "completed", "rows_expected", "rows_exact", "duplicates", "lost" }`.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { CommonEnvSchema, loadConfig } from '@geobatch/util-config';
import { REPO_ROOT, ServiceProcess, waitFor } from '@geobatch/util-testing';
import {
  BENCH_DATASET,
  GatewayClient,
  ensureBenchDataset,
  landPoints,
  log as logFor,
  mulberry32,
  writeSampleCsv,
} from '../support/stack-harness';

const VICTIMS = ['gateway', 'geocoder', 'report-merger', 'kafka', 'postgres'] as const;
type Victim = (typeof VICTIMS)[number];

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '5' },
    rows: { type: 'string', default: '200000' },
    seed: { type: 'string', default: String(Date.now() % 100000) },
    victim: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const log = logFor('chaos');
const rows = Number(args.rows);
const rand = mulberry32(Number(args.seed));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sh(cmd: string, cmdArgs: string[]): void {
  execFileSync(cmd, cmdArgs, { stdio: ['ignore', 'ignore', 'inherit'], cwd: REPO_ROOT });
}

/** SIGKILL the PostgreSQL postmaster (the whole cluster goes down uncleanly), then start it again. */
function killPostgres(): void {
  const version = execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n')[0];
  const pid = Number(readFileSync(`/var/lib/postgresql/${version}/main/postmaster.pid`, 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGKILL');
}
function startPostgres(): void {
  const version = execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n')[0];
  sh('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
}

/** Reads the data sheet(s) of a result and compares them with the input, row by row, by the unique 차량ID. */
async function checkResult(path: string): Promise<{ exact: boolean; rows: number; duplicates: number; lost: number }> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { sharedStrings: 'cache', worksheets: 'emit' });
  const seen = new Uint8Array(rows + 1);
  let count = 0;
  let duplicates = 0;
  let inOrder = true;
  for await (const sheet of reader) {
    let dataSheet = false;
    for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
      if (row.number === 1) {
        dataSheet = String(row.getCell(3).value) === '차량ID';
        continue;
      }
      if (!dataSheet) break;
      const n = Number(String(row.getCell(3).value).slice(1));
      count++;
      if (seen[n]) duplicates++;
      seen[n] = 1;
      if (n !== count) inOrder = false;
    }
  }
  let lost = 0;
  for (let n = 1; n <= rows; n++) if (!seen[n]) lost++;
  return { exact: inOrder && duplicates === 0 && lost === 0 && count === rows, rows: count, duplicates, lost };
}

async function main(): Promise<void> {
  const config = loadConfig(CommonEnvSchema);
  const work = mkdtempSync(join(tmpdir(), 'geobatch-chaos-'));
  const storage = join(work, 'storage');
  await mkdir(storage, { recursive: true });
  const datasetId = await ensureBenchDataset(config.DATABASE_URL, log);
  const db = new Client({ connectionString: config.DATABASE_URL });
  await db.connect();
  const csv = join(work, 'chaos.csv');
  await writeSampleCsv(csv, rows, await landPoints(db, datasetId, 7), 7);
  await db.end();

  const port = 3191;
  const env = {
    DATABASE_URL: config.DATABASE_URL,
    KAFKA_BROKERS: config.KAFKA_BROKERS.join(','),
    STORAGE_DIR: storage,
    PORT: String(port),
    CHUNK_SIZE: '2000',
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    LOG_LEVEL: 'warn',
  };
  const logs = join(REPO_ROOT, 'test-output', 'chaos-logs');
  const services: Record<'gateway' | 'geocoder' | 'report-merger', ServiceProcess> = {
    gateway: new ServiceProcess('gateway', env, logs).start(),
    geocoder: new ServiceProcess('geocoder', env, logs).start(),
    'report-merger': new ServiceProcess('report-merger', env, logs).start(),
  };
  const api = new GatewayClient(`http://127.0.0.1:${port}`);
  const summary = { trials: Number(args.trials), completed: 0, rows_expected: 0, rows_exact: 0, duplicates: 0, lost: 0 };
  const details: unknown[] = [];
  try {
    await waitFor('gateway health', async () => ((await api.healthy()) ? true : undefined), 90_000, 500);
    for (let t = 0; t < summary.trials; t++) {
      const victim: Victim = (args.victim as Victim | undefined) ?? VICTIMS[t % VICTIMS.length];
      const delayMs = 500 + Math.floor(rand() * 6000);
      summary.rows_expected += rows;
      const t0 = Date.now();
      const id = await api.submit(csv, { x: '5', y: '6', dataset: BENCH_DATASET });
      log(`trial ${t + 1}: job ${id}; killing ${victim} after ${delayMs} ms`);
      await sleep(delayMs);
      if (victim === 'kafka') sh('bash', ['tools/stack/kafka.sh', 'kill']);
      else if (victim === 'postgres') killPostgres();
      else await services[victim].kill();
      await sleep(2000 + Math.floor(rand() * 3000));
      if (victim === 'kafka') sh('bash', ['tools/stack/kafka.sh', 'ensure']);
      else if (victim === 'postgres') startPostgres();
      else services[victim] = new ServiceProcess(victim, env, logs).start();

      let outcome: { exact: boolean; rows: number; duplicates: number; lost: number } | { error: string };
      try {
        await api.waitForCompletion(id, 10 * 60_000, 500);
        summary.completed++;
        const result = join(work, `${id}.xlsx`);
        await api.download(id, result);
        outcome = await checkResult(result);
        rmSync(result, { force: true });
        if (outcome.exact) summary.rows_exact += outcome.rows;
        summary.duplicates += outcome.duplicates;
        summary.lost += outcome.lost;
      } catch (e) {
        outcome = { error: (e as Error).message };
        summary.lost += rows;
      }
      details.push({ trial: t + 1, victim, delayMs, seconds: Math.round((Date.now() - t0) / 100) / 10, ...outcome });
      log(`trial ${t + 1}: ${JSON.stringify(details[details.length - 1])}`);
    }
  } finally {
    await Promise.all(Object.values(services).map((s) => s.stop()));
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(args.json ? summary : { ...summary, details }) + '\n');
  if (summary.completed !== summary.trials || summary.rows_exact !== summary.rows_expected) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`[chaos] failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
