/*
 * A 1,100,000-row CSV through the gateway's publisher and the report-merger, checking that the
 * result workbook splits it over two sheets (Excel holds 1,048,575 data rows per sheet) without
 * losing, duplicating or reordering a row.
 *
 *   node -r reflect-metadata -r @swc-node/register tools/bench/large-csv-bench.ts [--json] [--rows 1100000]
 *
 * Real code and a real PostgreSQL (DATABASE_URL, in a schema of its own that is dropped at the
 * end): the gateway's ChunkPublisherService reads the generated CSV with the shared reader and cuts
 * it into chunks; instead of Kafka and the geocoder, each chunk is answered in-process (OK with a
 * 시도/시군구 from a small set, every 1000th row INVALID) and stored with JobRepository.saveChunkResult,
 * as the merger's consumer would. Then WorkbookMergerService writes the XLSX, which is read back
 * with the streaming reader. Prints one JSON line:
 * `{"rows","sheets","rows_per_sheet","problems","publish_seconds","merge_seconds","verify_seconds","peak_rss_mb","ok"}`.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Command, InvalidArgumentError } from 'commander';
import { DataSource } from 'typeorm';
import { packChunkResult, RowStatus, Topics, type RowResultV1, type RowsChunkEventV2 } from '@geobatch/contracts';
import { JOB_STORE_ENTITIES, JOB_STORE_MIGRATIONS, JobRepository } from '@geobatch/job-store';
import { CommonEnvSchema, loadConfig } from '@geobatch/util-config';
import type { EventPublisher } from '@geobatch/util-kafka';
import { Metrics } from '@geobatch/util-observability';
import { openTabularFile } from '@geobatch/util-spreadsheet';
// The one tool that still reaches into apps: it runs the gateway's publisher and the merger's
// workbook writer in one process, which no barrel offers until those services live in libs.
/* eslint-disable @nx/enforce-module-boundaries */
import { GatewayEnvSchema } from '../../apps/gateway/src/config/gateway-env.schema';
import { ChunkPublisherService } from '../../apps/gateway/src/jobs/chunk-publisher.service';
import { ReportMergerEnvSchema } from '../../apps/report-merger/src/config/report-merger-env.schema';

const BENCH_COLUMNS = { sheet: 0, name: 'big', x: 2, y: 3, xName: '경도', yName: '위도', xBy: 'header', yBy: 'header' } as const;
import { WorkbookMergerService } from '../../apps/report-merger/src/merging/workbook-merger.service';
/* eslint-enable @nx/enforce-module-boundaries */

const log = (...args: unknown[]) => console.error('[large-csv-bench]', ...args);
const EXCEL_DATA_ROWS = 1_048_575;
const AREAS = [
  { sido: { code: '11', name: '서울특별시' }, sigungu: { code: '11110', name: '종로구' } },
  { sido: { code: '26', name: '부산광역시' }, sigungu: { code: '26110', name: '중구' } },
  { sido: { code: '41', name: '경기도' }, sigungu: { code: '41830', name: '양평군' } },
];

function positiveInt(value: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function peakRssMb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Math.round(Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024);
}

async function generateCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('번호,차량번호,경도,위도,메모\r\n');
  let batch: string[] = [];
  for (let i = 1; i <= rows; i++) {
    batch.push(`${i},서울${i % 1000}가${1000 + (i % 9000)},${(126 + (i % 1000) / 1000).toFixed(6)},${(37 + (i % 1000) / 2000).toFixed(6)},"메모, ${i}"\r\n`);
    if (batch.length === 10_000) {
      if (!out.write(batch.join(''))) await once(out, 'drain');
      batch = [];
    }
  }
  out.end(batch.join(''));
  await once(out, 'close');
}

function answer(n: number): RowResultV1 {
  if (n % 1000 === 0) return { n, matches: [{ status: RowStatus.Invalid, note: 'bench: every 1000th row' }] };
  return { n, matches: [{ status: RowStatus.Ok, ...AREAS[n % AREAS.length] }] };
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--json', 'print only the JSON result on stdout')
    .option('--rows <n>', 'data rows', positiveInt, 1_100_000)
    .parse()
    .opts<{ json?: boolean; rows: number }>();

  // The services log through Nest; keep stdout for the JSON line.
  Logger.overrideLogger(['error', 'warn']);
  const { DATABASE_URL } = loadConfig(CommonEnvSchema);
  const schema = `bench_large_csv_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const url = `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const dir = await mkdtemp(join(tmpdir(), 'geobatch-large-csv-'));
  const admin = await new DataSource({ type: 'postgres', url: DATABASE_URL }).initialize();
  let db: DataSource | undefined;
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    db = await new DataSource({ type: 'postgres', url, entities: JOB_STORE_ENTITIES, migrations: JOB_STORE_MIGRATIONS, extra: { max: 3 } }).initialize();
    await db.runMigrations();
    const jobs = new JobRepository(db);
    await mkdir(join(dir, 'uploads'));

    log(`generating ${opts.rows} rows`);
    await generateCsv(join(dir, 'uploads', 'big.csv'), opts.rows);
    const job = await jobs.create({
      fileName: 'big.csv',
      uploadPath: 'uploads/big.csv',
      uploadSha256: 'bench',
      options: {
        x: 'auto', y: 'auto', crs: 'EPSG:4326', datasetIds: [randomUUID()], datasetLabels: ['bench@1'],
        encodingRequested: 'auto', sheet: null, lang: 'ko', format: 'xlsx', nearestM: 200, datasetFacts: [],
        upload: { kind: 'csv', encoding: 'utf-8', delimiter: ',', sheets: [{ ...BENCH_COLUMNS, headerRow: 1, output: 'big' }] },
      },
    });

    // The geocoder's part, in-process: every published chunk is answered and stored as the merger's consumer would.
    const publisher = {
      publish: async (topic: string, _key: string, value: object) => {
        if (topic !== Topics.rows.name) return;
        const chunk = value as RowsChunkEventV2;
        const result = packChunkResult({ jobId: chunk.jobId, sheet: chunk.sheet, chunk: chunk.chunk }, chunk.n.map(answer), chunk.datasetIds.length);
        await jobs.saveChunkResult(result);
      },
    } as unknown as EventPublisher;
    const gatewayConfig = loadConfig(GatewayEnvSchema, { STORAGE_DIR: dir, CHUNK_SIZE: '20000', DATABASE_URL: url });
    let t = Date.now();
    await new ChunkPublisherService(gatewayConfig, publisher, jobs, new Metrics('gateway')).start(job);
    const publishSeconds = (Date.now() - t) / 1000;
    const sealed = await jobs.findById(job.id);
    if (sealed?.status !== 'running' || !sealed.sealedAt) throw new Error(`publishing did not seal the job: ${sealed?.status} ${sealed?.error}`);
    log(`published and stored ${sealed.totalChunks} chunks in ${publishSeconds.toFixed(1)} s`);

    const merger = new WorkbookMergerService(loadConfig(ReportMergerEnvSchema, { STORAGE_DIR: dir, DATABASE_URL: url }), jobs, new Metrics('report-merger'));
    t = Date.now();
    const outcome = await merger.tryFinalize(job.id);
    const mergeSeconds = (Date.now() - t) / 1000;
    const done = await jobs.findById(job.id);
    if (outcome !== 'completed') throw new Error(`merge ${outcome}: ${done?.error}`);
    log(`merged in ${mergeSeconds.toFixed(1)} s into ${done!.resultPath}`);

    // Read the workbook back, streaming: every row once, in order, split at Excel's limit with the header repeated.
    t = Date.now();
    const book = await openTabularFile(join(dir, done!.resultPath!));
    const names = book.sheets.map((s) => s.name);
    const data = book.sheets.filter((s) => s.name === 'big' || /^big \(\d+\)$/.test(s.name));
    const perSheet: number[] = [];
    let expected = 1;
    let ok = true;
    for (const sheet of data) {
      if (sheet.header[0] !== '번호' || sheet.header[5] !== '시도') {
        ok = false;
        log(`sheet ${sheet.name} has header ${JSON.stringify(sheet.header.slice(0, 6))}`);
      }
      let count = 0;
      for await (const row of sheet.rows()) {
        if (row.blank) continue;
        count++;
        if (row.cells[0] !== expected) {
          if (ok) log(`sheet ${sheet.name} row ${row.row}: expected 번호 ${expected}, found ${String(row.cells[0])}`);
          ok = false;
        }
        expected++;
      }
      perSheet.push(count);
    }
    const problemsSheet = book.sheets.find((s) => s.name === '문제 행');
    let problems = 0;
    if (problemsSheet) for await (const row of problemsSheet.rows()) if (!row.blank) problems++;
    const verifySeconds = (Date.now() - t) / 1000;
    ok &&= expected - 1 === opts.rows && perSheet[0] === Math.min(opts.rows, EXCEL_DATA_ROWS) && problems === Math.floor(opts.rows / 1000);
    if (opts.rows > EXCEL_DATA_ROWS) ok &&= data.length === Math.ceil(opts.rows / EXCEL_DATA_ROWS) && names.includes('big (2)');

    const result = {
      rows: opts.rows,
      sheets: names,
      rows_per_sheet: perSheet,
      problems,
      publish_seconds: Math.round(publishSeconds * 10) / 10,
      merge_seconds: Math.round(mergeSeconds * 10) / 10,
      verify_seconds: Math.round(verifySeconds * 10) / 10,
      peak_rss_mb: peakRssMb(),
      ok,
    };
    if (!opts.json) log(JSON.stringify(result, null, 2));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!ok) process.exitCode = 1;
  } finally {
    await db?.destroy();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
