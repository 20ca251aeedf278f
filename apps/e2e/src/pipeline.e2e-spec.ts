import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { APPENDED_COLUMNS } from '@geobatch/contracts';
import { KOSTAT_2018, REPO_ROOT, SAMPLE_INPUTS, ServiceProcess, testEnv, waitFor } from '@geobatch/util-testing';
import { IndependentCoversReference } from './support/independent-reference';

const PORT = '3107';
const BASE = `http://127.0.0.1:${PORT}`;
const DATASET = 'e2e-kostat-2018';

interface JobView {
  status: string;
  rows: { total: number | null; processed: number; ok: number; problems: number };
  error: string | null;
}

/** The sample, read with the plainest possible split: it has no quotes, so this is an independent reading. */
function sampleRows(): string[][] {
  const lines = readFileSync(SAMPLE_INPUTS.utf8Csv, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l !== '');
  return lines.slice(1).map((l) => l.split(',').map((c) => c.trim()));
}

async function upload(file: string, fields: Record<string, string>): Promise<string> {
  const form = new FormData();
  form.set('file', new Blob([readFileSync(file)]), 'overspeed-200.utf8.csv');
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const res = await fetch(`${BASE}/jobs`, { method: 'POST', body: form });
  const body = (await res.json()) as { id: string; status: string };
  assert.equal(res.status, 202, JSON.stringify(body));
  assert.match(body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  return body.id;
}

async function job(id: string): Promise<JobView> {
  const res = await fetch(`${BASE}/jobs/${id}`);
  assert.equal(res.status, 200);
  return (await res.json()) as JobView;
}

async function waitForCompletion(id: string, timeoutMs = 120_000): Promise<JobView> {
  return waitFor(`job ${id} to complete`, async () => {
    const view = await job(id);
    assert.notEqual(view.status, 'failed', `job failed: ${view.error}`);
    return view.status === 'completed' ? view : undefined;
  }, timeoutMs);
}

async function downloadSheet(id: string): Promise<ExcelJS.Worksheet> {
  const res = await fetch(`${BASE}/jobs/${id}/result`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-disposition') ?? '', /_%EC%A3%BC%EC%86%8C%EB%B3%80%ED%99%98\.xlsx/); // _주소변환.xlsx
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
  return wb.worksheets[0];
}

describe('pipeline end to end: gateway → Kafka → geocoder → Kafka → report-merger', () => {
  const storage = mkdtempSync(join(tmpdir(), 'geobatch-e2e-'));
  const logs = join(REPO_ROOT, 'test-output', 'e2e-logs');
  const env = {
    DATABASE_URL: testEnv.TEST_DATABASE_URL,
    KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
    STORAGE_DIR: storage,
    PORT,
    // Small chunks make a 200-row job span many Kafka messages, so a crash lands mid-job.
    CHUNK_SIZE: '5',
    KAFKA_SESSION_TIMEOUT_MS: '8000',
    LOG_LEVEL: 'log',
  };
  const gateway = new ServiceProcess('gateway', env, logs);
  const merger = new ServiceProcess('report-merger', env, logs);
  let geocoder = new ServiceProcess('geocoder', env, logs);
  let reference: IndependentCoversReference;

  before(async () => {
    const importer = new ServiceProcess('cli', env, logs, [
      'datasets:import', '--name', DATASET, '--version', '2018',
      '--sido', KOSTAT_2018.sido, '--sigungu', KOSTAT_2018.sigungu, '--eupmyeondong', KOSTAT_2018.eupmyeondong,
    ]).start();
    assert.equal(await importer.waitForExit(), 0, `dataset import failed; see ${logs}/cli.log`);
    reference = await IndependentCoversReference.load(testEnv.TEST_DATABASE_URL, KOSTAT_2018.eupmyeondong);
    gateway.start();
    merger.start();
    geocoder.start();
    await waitFor('gateway health', async () => ((await fetch(`${BASE}/health`)).status === 200 ? true : undefined), 90_000, 500);
  });

  after(async () => {
    await Promise.all([gateway.stop(), merger.stop(), geocoder.stop()]);
    await reference?.close();
    rmSync(storage, { recursive: true, force: true });
  });

  it('returns every row of the awkward-header sample once, in order, with the 읍면동 code PostGIS ST_Covers gives', async () => {
    const id = await upload(SAMPLE_INPUTS.utf8Csv, { x: '5', y: '6', dataset: DATASET });
    const view = await waitForCompletion(id);
    const input = sampleRows();
    assert.equal(input.length, 200);
    assert.deepEqual(view.rows.total, 200);
    assert.equal(view.rows.processed, 200);
    assert.equal(view.rows.ok + view.rows.problems, 200);

    const sheet = await downloadSheet(id);
    const inputHeader = readFileSync(SAMPLE_INPUTS.utf8Csv, 'utf8').split(/\r?\n/)[0].split(',');
    const width = inputHeader.length + APPENDED_COLUMNS.length;
    // An empty header cell reads back as no value at all, so read cell by cell.
    const header = Array.from({ length: width }, (_, i) => String(sheet.getRow(1).getCell(i + 1).value ?? ''));
    assert.deepEqual(header, [...inputHeader, ...APPENDED_COLUMNS]);
    assert.equal(sheet.actualRowCount, 201);

    const expected = await reference.codesFor(input.map((r) => ({ lon: Number(r[4]), lat: Number(r[5]) })));
    const emdCol = inputHeader.length + APPENDED_COLUMNS.indexOf('읍면동코드') + 1;
    const statusCol = inputHeader.length + APPENDED_COLUMNS.indexOf('상태') + 1;
    let matched = 0;
    input.forEach((values, i) => {
      const row = sheet.getRow(i + 2);
      values.forEach((v, c) => assert.equal(String(row.getCell(c + 1).value ?? ''), v, `row ${i + 1} column ${c + 1}`));
      const code = row.getCell(emdCol);
      if (expected[i] === null) {
        assert.equal(code.value ?? null, null, `row ${i + 1}: no 읍면동 covers it`);
      } else {
        assert.equal(code.type, ExcelJS.ValueType.String, `row ${i + 1}: codes are text cells`);
        assert.equal(code.value, expected[i], `row ${i + 1}: 읍면동코드`);
        assert.equal(row.getCell(statusCol).value, 'OK');
        matched++;
      }
    });
    // The sample's points are on land: nearly all must match, or the comparison above says little.
    assert.ok(matched >= 190, `only ${matched} of 200 rows matched a 읍면동`);
  });

  it('still completes with exactly 200 rows when the geocoder is SIGKILLed mid-job and restarted', async () => {
    const id = await upload(SAMPLE_INPUTS.utf8Csv, { x: '5', y: '6', dataset: DATASET });
    const atKill = await waitFor('the geocoder to be part-way through', async () => {
      const v = await job(id);
      return v.rows.processed >= 10 ? v : undefined;
    }, 60_000, 20);
    await geocoder.kill();
    assert.ok(atKill.rows.processed < 200, `the kill must land mid-job (processed ${atKill.rows.processed})`);
    assert.notEqual((await job(id)).status, 'completed');

    geocoder = new ServiceProcess('geocoder', env, logs).start();
    const view = await waitForCompletion(id);
    assert.equal(view.rows.processed, 200);
    const sheet = await downloadSheet(id);
    assert.equal(sheet.actualRowCount, 201);
    const plates = sampleRows().map((r) => r[1]);
    for (let i = 0; i < 200; i++) assert.equal(String(sheet.getRow(i + 2).getCell(2).value), plates[i], `row ${i + 1}`);
  });
});
