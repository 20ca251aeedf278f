import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { DatasetRepository, openGeoDataSource } from '@geobatch/geo-query';
import { freePort, issueTestApiKey, ServiceProcess, testEnv, waitFor } from '@geobatch/util-testing';
import { ROOT, spawnCli } from './testing/cli-process';

/** Two made-up 시도 squares: one over Seoul, one over Busan. */
function square(code: string, name: string, [x0, y0, x1, y1]: number[]) {
  return { type: 'Feature', properties: { code, name }, geometry: { type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] } };
}
const SQUARES = { type: 'FeatureCollection', features: [square('11', '서울특별시', [126.8, 37.4, 127.2, 37.7]), square('26', '부산광역시', [128.9, 35.0, 129.3, 35.3])] };
const POINTS = [
  ['p1', '127.0276', '37.4979', '서울특별시'],
  ['p2', '129.0756', '35.1796', '부산광역시'],
  ['p3', '126.9780', '37.5665', '서울특별시'],
  ['p4', '130.5000', '36.0000', ''], // at sea: no square holds it
];

/**
 * The CLI against the real gateway, geocoder and report-merger (each its own process, on the real
 * broker and database), as a user runs it: a child process, stdout a pipe.
 */
describe('geobatch CLI against the real services', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'geobatch-cli-it-'));
  const storage = mkdtempSync(join(tmpdir(), 'geobatch-cli-it-storage-'));
  const logs = join(ROOT, 'test-output', 'cli-integration-logs');
  const dataset = `it-cli-gw-${randomUUID().slice(0, 8)}`;
  let base = '';
  let services: ServiceProcess[] = [];
  let jobId = '';
  let firstResult = '';
  let setUpMs = 0;
  let apiKey = '';
  const cliEnv = () => ({ GEOBATCH_URL: base, GEOBATCH_API_KEY: apiKey, INIT_CWD: dir, DATABASE_URL: testEnv.TEST_DATABASE_URL });

  before(async () => {
    const started = Date.now();
    apiKey = (await issueTestApiKey(testEnv.TEST_DATABASE_URL, { name: 'cli-it' })).key;
    await writeFile(join(dir, 'squares.geojson'), JSON.stringify(SQUARES));
    await writeFile(join(dir, 'points.csv'), ['id,경도,위도', ...POINTS.map((p) => p.slice(0, 3).join(','))].join('\n') + '\n');
    const imported = spawnCli(['datasets:import', '--name', dataset, '--version', '1', '--sido', 'squares.geojson'], cliEnv());
    assert.equal((await imported.exit).code, 0, imported.stderr());

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: testEnv.TEST_DATABASE_URL,
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      STORAGE_DIR: storage,
      PORT: String(port),
      CHUNK_SIZE: '2',
      KAFKA_SESSION_TIMEOUT_MS: '8000',
    };
    services = (['gateway', 'geocoder', 'report-merger'] as const).map((name) => new ServiceProcess(name, env, logs).start());
    await waitFor(`the gateway's health at ${base} (logs: ${logs})`, async () => ((await fetch(`${base}/health`)).status === 200 ? true : undefined), 60_000, 250);
    setUpMs = Date.now() - started;
  });

  after(async () => {
    await Promise.all(services.map((s) => s.stop()));
    const ds = await openGeoDataSource(testEnv.TEST_DATABASE_URL, 1);
    try {
      const repo = new DatasetRepository(ds);
      for (const d of (await repo.list()).filter((x) => x.name === dataset)) await repo.delete(d.id);
    } finally {
      await ds.destroy();
    }
    await rm(dir, { recursive: true, force: true });
    await rm(storage, { recursive: true, force: true });
  });

  it('submit uploads, prints the progress as plain lines, and writes the workbook the job produced', async (t) => {
    t.diagnostic(`dataset import and three services up in ${setUpMs} ms`);
    const cli = spawnCli(['submit', 'points.csv', '--x', '경도', '--y', '위도', '--dataset', dataset, '--interval', '0.2'], cliEnv());
    const { code } = await cli.exit;
    assert.equal(code, 0, `${cli.stdout()}\n${cli.stderr()}`);
    const lines = cli.stdout().trimEnd().split('\n');
    const queued = /^job ([0-9a-f-]{36}) queued$/.exec(lines[1]);
    assert.ok(queued, lines.join('\n'));
    jobId = queued[1];
    assert.match(lines.at(-2)!, new RegExp(`^job ${jobId} completed in \\d+\\.\\d s: 4 rows: 3 ok, 1 problems, 0 blank lines skipped$`));
    firstResult = join(dir, 'points_주소변환.xlsx');
    assert.match(lines.at(-1)!, new RegExp(`^wrote ${firstResult.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+(\\.\\d)? kB\\)$`));
    for (const l of lines.slice(2, -2)) assert.match(l, new RegExp(`^job ${jobId} (queued|running \\d+/(\\d+|\\?) rows( \\(.* rows/s\\))?)$`), 'only progress lines between');

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(firstResult);
    const sheet = wb.worksheets[0];
    const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    const sido = header.indexOf('시도') + 1;
    assert.ok(sido > 0, `a 시도 column in ${header.join(',')}`);
    POINTS.forEach(([id, , , expected], i) => {
      assert.equal(String(sheet.getRow(i + 2).getCell(1).value), id);
      assert.equal(String(sheet.getRow(i + 2).getCell(sido).value ?? ''), expected, `row ${id}`);
    });
  });

  it('status shows the finished job; download fetches it again without overwriting the first copy', async () => {
    assert.ok(jobId, 'the submit test ran');
    // Each CLI process takes a second to start: run them side by side.
    const [status, json, again] = [['status', jobId], ['status', jobId, '--json'], ['download', jobId]].map((args) => spawnCli(args, cliEnv()));
    assert.equal((await status.exit).code, 0, status.stderr());
    assert.match(status.stdout(), /^status: +completed$/m);
    assert.match(status.stdout(), /^file: +points\.csv$/m);
    assert.equal((await json.exit).code, 0);
    const view = JSON.parse(json.stdout());
    assert.deepEqual([view.id, view.status, view.rows.total, view.datasets], [jobId, 'completed', 4, [`${dataset}@1`]]);

    assert.equal((await again.exit).code, 0, again.stderr());
    const second = join(dir, 'points_주소변환 (1).xlsx');
    assert.match(again.stdout(), new RegExp(`wrote ${second.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.deepEqual(await readFile(second), await readFile(firstResult));
  });

  it('exits 2 with the gateway message for a column the file does not have, for an unknown job, and without an API key', async () => {
    const bad = spawnCli(['submit', 'points.csv', '--x', '경도', '--y', 'latitude', '--dataset', dataset], cliEnv());
    const unknown = spawnCli(['status', randomUUID()], cliEnv());
    const keyless = spawnCli(['status', jobId || randomUUID()], Object.fromEntries(Object.entries(cliEnv()).filter(([k]) => k !== 'GEOBATCH_API_KEY')));
    assert.equal((await keyless.exit).code, 2, keyless.stdout());
    assert.match(keyless.stderr(), /API key.*--key.*GEOBATCH_API_KEY.*\(HTTP 401 from GET \/jobs\//);
    assert.equal((await bad.exit).code, 2, bad.stdout());
    assert.match(bad.stderr(), /^error: .*latitude.* \(HTTP 400 from POST \/jobs, request [\w-]+\)$/m);
    assert.equal((await unknown.exit).code, 2);
    assert.match(unknown.stderr(), /not found \(HTTP 404 from GET \/jobs\//);
  });

  it('jobs and datasets list what the gateway has, or say the gateway cannot list yet', async (t) => {
    const jobs = spawnCli(['jobs'], cliEnv());
    const datasets = spawnCli(['datasets'], cliEnv());
    const jobsCode = (await jobs.exit).code;
    t.diagnostic(`jobs: exit ${jobsCode}; ${(jobs.stderr() || jobs.stdout()).split('\n')[0]}`);
    if (jobsCode === 3) assert.match(jobs.stderr(), /this gateway does not support listing jobs yet \(GET \/jobs answered 404\)/);
    else {
      assert.equal(jobsCode, 0, jobs.stderr());
      assert.match(jobs.stdout(), new RegExp(`^${jobId}  completed +4/4 `, 'm'));
    }
    const datasetsCode = (await datasets.exit).code;
    t.diagnostic(`datasets: exit ${datasetsCode}; ${(datasets.stderr() || datasets.stdout()).split('\n')[0]}`);
    if (datasetsCode === 3) assert.match(datasets.stderr(), /this gateway does not support listing datasets yet \(GET \/datasets answered 404\)/);
    else {
      assert.equal(datasetsCode, 0, datasets.stderr());
      assert.match(datasets.stdout(), new RegExp(`${dataset}@1 +- +시도 2 `));
    }
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.part')), []);
  });
});
