// `npm run chaos -- [--trials 5] [--rows 200000] [--targets gateway,geocoder,merger,kafka,postgres] [--brokers 3] [--json]`
// Runs a job through the local stack once per trial and, at a random moment of each, SIGKILLs one
// of: the gateway, a geocoder, the merger, the Kafka broker or PostgreSQL, restarting it a few
// seconds later. Then checks the result row by row: every input row exactly once, in order.
// With `--brokers 3` the stack runs on a replicated three-node cluster (tools/stack/kafka.sh with
// KAFKA_NODES) and a `kafka` kill takes one random node down for the rest of the trial: the job
// must complete on the other two. Prints `{ "trials", "completed", "rows_expected", "rows_exact",
// "duplicates", "lost", "longest_stall_s" }` (the longest time row progress stood still, while rows remained).
//
// Uses KAFKA_BROKERS and DATABASE_URL (TEST_DATABASE_URL wins when set, so a test setup never
// touches the dev database). The broker is killed and restarted with tools/stack/kafka.sh on
// KAFKA_PORT / GEOBATCH_CACHE: it must be the broker KAFKA_BROKERS names.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import { Kafka, logLevel } from 'kafkajs';
import { ConsumerGroups, Topics } from '@geobatch/contracts';
import { Client } from 'pg';
import { IsOptional, IsString } from 'class-validator';
import { CommonEnvSchema, loadConfig } from '@geobatch/util-config';
import { ensureTopics } from '@geobatch/util-kafka';
import { freePort, issueTestApiKey, mulberry32, REPO_ROOT, ServiceProcess, waitFor } from '@geobatch/util-testing';
import {
  BENCH_DATASET,
  GatewayClient,
  ensureBenchDataset,
  landPoints,
  log as logFor,
  writeSampleCsv,
} from '../support/stack-harness';

const VICTIMS = ['gateway', 'geocoder', 'report-merger', 'kafka', 'postgres'] as const;
type Victim = (typeof VICTIMS)[number];
/** `--targets` names: `merger` is the report-merger. */
const TARGET_ALIASES: Record<string, Victim> = { merger: 'report-merger' };

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '5' },
    rows: { type: 'string', default: '200000' },
    seed: { type: 'string', default: String(Date.now() % 100000) },
    victim: { type: 'string' },
    /** Comma-separated victims to rotate through (default: all five). */
    targets: { type: 'string' },

    json: { type: 'boolean', default: false },
    /** Kafka nodes: 1 (restarted after its kill) or a cluster whose killed node stays down until the trial ends. */
    brokers: { type: 'string', default: '1' },
  },
});
const log = logFor('chaos');
const rows = Number(args.rows);
const rand = mulberry32(Number(args.seed));
const targets: Victim[] = (args.targets ?? args.victim ?? VICTIMS.join(','))
  .split(',')
  .map((t) => t.trim())
  .filter(Boolean)
  .map((t) => {
    const victim = (TARGET_ALIASES[t] ?? t) as Victim;
    if (!VICTIMS.includes(victim)) throw new Error(`unknown target "${t}" (gateway, geocoder, merger, kafka, postgres)`);
    return victim;
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const brokerCount = Number(args.brokers);
if (!Number.isInteger(brokerCount) || brokerCount < 1 || brokerCount > 9) throw new Error(`--brokers: 1 to 9 (got ${args.brokers})`);

function sh(cmd: string, cmdArgs: string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'inherit'], cwd: REPO_ROOT, env }).toString().trim();
}

/**
 * kafka.sh manages the local broker on KAFKA_PORT/GEOBATCH_CACHE; with KAFKA_BROKERS set it refuses
 * to kill anything ("external broker"), so it runs without it.
 */
function kafkaSh(command: 'kill' | 'ensure' | 'bootstrap', node?: number): string {
  const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_NODES: String(brokerCount) };
  delete env.KAFKA_BROKERS;
  return sh('bash', ['tools/stack/kafka.sh', command, ...(node === undefined ? [] : [String(node)])], env);
}

/**
 * Waits for the job to end, reading its progress every 250 ms: the longest time its processed rows
 * stood still while rows remained (a stall: a rebalance, a leader election, a restarted service).
 */
async function followJob(api: GatewayClient, id: string, timeoutMs: number): Promise<{ status: string; longestStallS: number }> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  let longest = 0;
  while (Date.now() < deadline) {
    const view = await api.job(id).catch(() => undefined);
    const now = Date.now();
    if (view && view.rows.processed !== last) {
      last = view.rows.processed;
      since = now;
    } else if (last < rows) {
      longest = Math.max(longest, now - since);
    }
    if (view && !['queued', 'running'].includes(view.status)) return { status: view.status, longestStallS: Math.round(longest / 100) / 10 };
    await sleep(250);
  }
  throw new Error(`job ${id} did not end within ${timeoutMs / 1000} s`);
}

/**
 * Starts the geocoder's and the merger's groups at the end of their topics, so a backlog left on the
 * broker by earlier work (other jobs, test runs) does not delay, and so distort, the trials. Only a
 * group without live members can be moved; one that has them is left as it is.
 */
async function skipBacklog(brokers: string[]): Promise<void> {
  const admin = new Kafka({ clientId: 'geobatch-chaos', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const groups: [string, string[]][] = [
      [`${ConsumerGroups.geocoder}-server`, [Topics.rows.name]],
      [`${ConsumerGroups.reportMerger}-server`, [Topics.results.name, Topics.jobs.name]],
    ];
    for (const [groupId, topics] of groups) {
      const [described] = (await admin.describeGroups([groupId])).groups;
      if (described && described.members.length > 0) {
        log(`group ${groupId} has live members; its backlog is not skipped`);
        continue;
      }
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.offset })) });
      }
    }
  } finally {
    await admin.disconnect();
  }
}

class ChaosEnvSchema extends CommonEnvSchema {
  /** When set (a test setup), the database to use instead of DATABASE_URL. */
  @IsOptional()
  @IsString()
  TEST_DATABASE_URL?: string;
}

/**
 * A random moment in a job's life, by stage, so every stage gets hit whatever the machine's speed:
 * the upload and publishing (a random delay of 0.5–6.5 s), the geocoding (once a random share of the
 * rows is processed), or the merge (every row processed, the workbook being written).
 */
function killMoment(): { label: string; wait: (api: GatewayClient, id: string) => Promise<void> } {
  const u = rand();
  if (u < 0.2) {
    const ms = 500 + Math.floor(rand() * 6000);
    return { label: `${ms} ms after the upload`, wait: async () => void (await sleep(ms)) };
  }
  const share = u < 0.8 ? (u - 0.2) / 0.6 : 1;
  const target = Math.max(1, Math.floor(rows * share));
  const extraMs = share === 1 ? Math.floor(rand() * 1500) : 0;
  return {
    label: share === 1 ? `${extraMs} ms into the merge` : `once ${target} rows are processed`,
    wait: async (api, id) => {
      const deadline = Date.now() + 10 * 60_000;
      while (Date.now() < deadline) {
        const view = await api.job(id).catch(() => undefined);
        if (view && (view.rows.processed >= target || (view.status !== 'running' && view.status !== 'queued'))) break;
        await sleep(100);
      }
      await sleep(extraMs);
    },
  };
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
  const loaded = loadConfig(ChaosEnvSchema);
  const config = { ...loaded, DATABASE_URL: loaded.TEST_DATABASE_URL ?? loaded.DATABASE_URL, KAFKA_BROKERS: [...loaded.KAFKA_BROKERS] };
  if (brokerCount > 1) {
    // The cluster is this run's own: started (or found) by kafka.sh, on ports apart from the one-node broker.
    config.KAFKA_BROKERS = kafkaSh('ensure').split(',');
  } else if (targets.includes('kafka')) {
    const managed = kafkaSh('bootstrap');
    if (!config.KAFKA_BROKERS.includes(managed)) {
      throw new Error(`tools/stack/kafka.sh manages ${managed} but KAFKA_BROKERS is ${config.KAFKA_BROKERS.join(',')}: set KAFKA_PORT (and GEOBATCH_CACHE) to match`);
    }
  }
  log(`database ${config.DATABASE_URL.replace(/\/\/[^@]*@/, '//')}, broker ${config.KAFKA_BROKERS.join(',')}, targets ${targets.join(',')}`);
  // The gateway may require an API key (when the api_key table exists): issue one for this run.
  const apiKey = await issueTestApiKey(config.DATABASE_URL, { name: 'chaos' }).then(
    (k) => k.key,
    (e: Error) => {
      log(`no API key issued (${e.message}); calling the gateway without one`);
      return undefined;
    },
  );
  const work = mkdtempSync(join(tmpdir(), 'geobatch-chaos-'));
  const storage = join(work, 'storage');
  await mkdir(storage, { recursive: true });
  const datasetId = await ensureBenchDataset(config.DATABASE_URL, log);
  const db = new Client({ connectionString: config.DATABASE_URL });
  await db.connect();
  const csv = join(work, 'chaos.csv');
  await writeSampleCsv(csv, rows, await landPoints(db, datasetId, 7), 7);
  await db.end();

  const port = await freePort();
  await ensureTopics({ clientId: 'geobatch-chaos', brokers: config.KAFKA_BROKERS });
  await skipBacklog(config.KAFKA_BROKERS);
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
  const api = new GatewayClient(`http://127.0.0.1:${port}`, apiKey);
  // Interrupted (Ctrl-C, a timeout): take the services down with us instead of orphaning them.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the services`);
      void Promise.all(Object.values(services).map((s) => s.kill())).finally(() => process.exit(130));
    });
  }
  const summary = { trials: Number(args.trials), brokers: brokerCount, completed: 0, rows_expected: 0, rows_exact: 0, duplicates: 0, lost: 0, longest_stall_s: 0 };
  const details: unknown[] = [];
  try {
    await waitFor(
      'gateway health',
      async () => {
        for (const [name, service] of Object.entries(services)) {
          if (!service.running) throw new Error(`${name} exited during start-up (see ${logs}/${name}.log)`);
        }
        return (await api.healthy()) ? true : undefined;
      },
      90_000,
      500,
      () => true,
    );
    for (let t = 0; t < summary.trials; t++) {
      const victim: Victim = targets[t % targets.length];
      const moment = killMoment();
      summary.rows_expected += rows;
      const t0 = Date.now();
      const id = await api.submit(csv, { x: '5', y: '6', dataset: BENCH_DATASET });
      log(`trial ${t + 1}: job ${id}; killing ${victim} ${moment.label}`);
      await moment.wait(api, id);
      const delayMs = Date.now() - t0;
      // Where the job was when the kill hit.
      const at = await api.job(id).then((v) => `${v.status}, ${v.rows.processed} rows processed`, () => 'unknown');
      // On a cluster the broker stays down until the job has ended: the other nodes must carry it.
      const node = victim === 'kafka' ? 1 + Math.floor(rand() * brokerCount) : undefined;
      const forGood = victim === 'kafka' && brokerCount > 1;
      if (victim === 'kafka') kafkaSh('kill', node);
      else if (victim === 'postgres') killPostgres();
      else await services[victim].kill();
      if (!forGood) {
        await sleep(2000 + Math.floor(rand() * 3000));
        if (victim === 'kafka') kafkaSh('ensure');
        else if (victim === 'postgres') startPostgres();
        else services[victim] = new ServiceProcess(victim, env, logs).start();
      }

      let outcome: { exact: boolean; rows: number; duplicates: number; lost: number } | { error: string };
      let stall: number | null = null;
      try {
        const ended = await followJob(api, id, 10 * 60_000);
        stall = ended.longestStallS;
        summary.longest_stall_s = Math.max(summary.longest_stall_s, stall);
        if (ended.status !== 'completed') throw new Error(`job ${ended.status}`);
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
      const seconds = Math.round((Date.now() - t0) / 100) / 10;
      if (forGood) kafkaSh('ensure'); // the next trial starts with every node up
      details.push({ trial: t + 1, victim, ...(node === undefined ? {} : { node, forGood }), delayMs, killedWhen: at, seconds, longestStallS: stall, ...outcome });
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
