import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { APPENDED_COLUMNS, DISTANCE_COLUMN, RowStatus } from '@geobatch/contracts';
import { DatasetRepository, openGeoDataSource } from '@geobatch/geo-query';
import { ADMDONG_2021, issueTestApiKey, KOSTAT_2018, REPO_ROOT, SAMPLE_INPUTS, ServiceProcess, testEnv, waitFor } from '@geobatch/util-testing';
import { IndependentCoversReference } from './support/independent-reference';

const PORT = '3117';
const BASE = `http://127.0.0.1:${PORT}`;
const RUN = randomUUID().slice(0, 8);
const KOSTAT = `e2e-vintage-kostat-${RUN}`;
const ADMDONG = `e2e-vintage-admdong-${RUN}`;
const LABELS = [`${KOSTAT}@2018`, `${ADMDONG}@2021-04`];
/** The appended group of one dataset: the usual columns plus 거리(m) (nearest matching is on by default). */
const GROUP = [...APPENDED_COLUMNS, DISTANCE_COLUMN.ko];

/** The sample, split the plainest way (it has no quotes): an independent reading. */
function sampleRows(): string[][] {
  const lines = readFileSync(SAMPLE_INPUTS.utf8Csv, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l !== '');
  return lines.slice(1).map((l) => l.split(',').map((c) => c.trim()));
}

describe('two vintages in one job: KOSTAT 2018 and the 2021 행정동, each with its own group of columns', () => {
  const storage = mkdtempSync(join(tmpdir(), 'geobatch-e2e-vintages-'));
  const logs = join(REPO_ROOT, 'test-output', 'e2e-logs', 'vintages');
  const env = {
    DATABASE_URL: testEnv.TEST_DATABASE_URL,
    KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
    STORAGE_DIR: storage,
    PORT,
    CHUNK_SIZE: '50',
    KAFKA_SESSION_TIMEOUT_MS: '8000',
    LOG_LEVEL: 'log',
  };
  const gateway = new ServiceProcess('gateway', env, logs);
  const merger = new ServiceProcess('report-merger', env, logs);
  const geocoder = new ServiceProcess('geocoder', env, logs);
  const references: IndependentCoversReference[] = [];
  let auth: { authorization: string };
  let keyId: string;

  const cli = (args: string[]) => new ServiceProcess('cli', env, logs, args).start().waitForExit();

  before(async () => {
    const kostat = await cli([
      'datasets:import', '--name', KOSTAT, '--version', '2018',
      '--sido', KOSTAT_2018.sido, '--sigungu', KOSTAT_2018.sigungu, '--eupmyeondong', KOSTAT_2018.eupmyeondong,
    ]);
    assert.equal(kostat, 0, `KOSTAT import failed; see ${logs}/cli.log`);
    const admdong = await cli([
      'datasets:import', '--name', ADMDONG, '--version', '2021-04', '--effective-date', '2021-04-01',
      '--eupmyeondong', ADMDONG_2021.eupmyeondong, '--code-field', ADMDONG_2021.codeField, '--name-field', ADMDONG_2021.nameField,
      '--name-last-word', '--parent-name-field', `sido=${ADMDONG_2021.parentNameFields.sido},sigungu=${ADMDONG_2021.parentNameFields.sigungu}`,
      '--attribution', 'vuski/admdongkor (CC BY 4.0), 통계청 통계지리정보서비스(SGIS)',
    ]);
    assert.equal(admdong, 0, `2021 행정동 import failed; see ${logs}/cli.log`);
    references.push(await IndependentCoversReference.load(testEnv.TEST_DATABASE_URL, KOSTAT_2018.eupmyeondong));
    references.push(await IndependentCoversReference.load(testEnv.TEST_DATABASE_URL, ADMDONG_2021.eupmyeondong, ADMDONG_2021.codeField));
    const key = await issueTestApiKey(testEnv.TEST_DATABASE_URL, { name: `e2e-vintages-${RUN}` });
    auth = { authorization: `Bearer ${key.key}` };
    keyId = key.keyId;
    gateway.start();
    merger.start();
    geocoder.start();
    await waitFor('gateway health', async () => ((await fetch(`${BASE}/health`)).status === 200 ? true : undefined), 90_000, 500);
  });

  after(async () => {
    await Promise.all([gateway.stop(), merger.stop(), geocoder.stop()]);
    for (const r of references) await r.close();
    rmSync(storage, { recursive: true, force: true });
    // Every generation of both datasets, and the key.
    const ds = await openGeoDataSource(testEnv.TEST_DATABASE_URL, 1);
    try {
      const repo = new DatasetRepository(ds);
      const mine = [...(await repo.list()), ...(await repo.listSuperseded())].filter((d) => d.name === KOSTAT || d.name === ADMDONG);
      for (const d of mine) await repo.delete(d.id);
      if (keyId) await ds.query('DELETE FROM api_key WHERE id = $1', [keyId]).catch(() => undefined);
    } finally {
      await ds.destroy();
    }
  });

  it('fills both column groups for the sample rows, each agreeing with PostGIS ST_Covers on its own fixture', async () => {
    const form = new FormData();
    form.set('file', new Blob([readFileSync(SAMPLE_INPUTS.utf8Csv)]), 'overspeed-200.utf8.csv');
    form.set('x', '5');
    form.set('y', '6');
    form.set('dataset', `${KOSTAT},${ADMDONG}`);
    const res = await fetch(`${BASE}/jobs`, { method: 'POST', headers: auth, body: form });
    const created = (await res.json()) as { id: string };
    assert.equal(res.status, 202, JSON.stringify(created));

    const view = await waitFor(`job ${created.id} to complete`, async () => {
      const v = (await (await fetch(`${BASE}/jobs/${created.id}`, { headers: auth })).json()) as { status: string; error: string | null; datasets: string[] };
      assert.notEqual(v.status, 'failed', `job failed: ${v.error}`);
      return v.status === 'completed' ? v : undefined;
    }, 180_000, 500);
    assert.deepEqual(view.datasets, LABELS);

    const download = await fetch(`${BASE}/jobs/${created.id}/result`, { headers: auth });
    assert.equal(download.status, 200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await download.arrayBuffer()) as never);
    const sheet = wb.worksheets[0];
    const inputHeader = readFileSync(SAMPLE_INPUTS.utf8Csv, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0].split(',');
    const width = inputHeader.length + 2 * GROUP.length;
    const header = Array.from({ length: width }, (_, i) => String(sheet.getRow(1).getCell(i + 1).value ?? ''));
    assert.deepEqual(header.slice(inputHeader.length), LABELS.flatMap((label) => GROUP.map((t) => `${t} [${label}]`)));

    const input = sampleRows();
    assert.equal(sheet.actualRowCount, input.length + 1);
    const points = input.map((r) => ({ lon: Number(r[4]), lat: Number(r[5]) }));
    const expected = await Promise.all(references.map((r) => r.codesFor(points)));
    const col = (group: number, title: string) => inputHeader.length + group * GROUP.length + APPENDED_COLUMNS.indexOf(title as never) + 1;
    const filled = [0, 0];
    input.forEach((_, i) => {
      const row = sheet.getRow(i + 2);
      for (const g of [0, 1]) {
        const code = row.getCell(col(g, '읍면동코드')).value ?? null;
        const status = row.getCell(col(g, '상태')).value;
        const want = expected[g][i];
        if (want !== null) {
          assert.equal(code, want, `row ${i + 1}, ${LABELS[g]}: 읍면동코드`);
          assert.equal(status, RowStatus.Ok, `row ${i + 1}, ${LABELS[g]}: 상태`);
          assert.ok(row.getCell(col(g, '시도')).value, `row ${i + 1}, ${LABELS[g]}: 시도 filled from the code hierarchy`);
          filled[g]++;
        } else {
          // Outside every polygon of that vintage (e.g. 경상북도, absent from the 2021 file): never a clean match.
          assert.notEqual(status, RowStatus.Ok, `row ${i + 1}, ${LABELS[g]}`);
          assert.ok(status === RowStatus.NotFound || status === RowStatus.Nearest, `row ${i + 1}, ${LABELS[g]}: ${String(status)}`);
        }
      }
    });
    // The sample's points are on land: nearly all match KOSTAT; the 2021 set lacks two 시도, but most still match.
    assert.ok(filled[0] >= 190, `only ${filled[0]} rows matched ${LABELS[0]}`);
    assert.ok(filled[1] >= 100, `only ${filled[1]} rows matched ${LABELS[1]}`);
    // The vintages differ: codes are not simply copied from one group to the other for every row.
    const differing = input.filter((_, i) => expected[0][i] !== null && expected[1][i] !== null && expected[0][i] !== expected[1][i]).length;
    console.log(`vintages: ${filled[0]} rows matched 2018, ${filled[1]} matched 2021, ${differing} with different 읍면동 codes`);

    // 요약 lists both datasets.
    const summary = wb.getWorksheet('요약')!;
    let datasetsLine = '';
    summary.eachRow((r) => {
      if (r.getCell(1).value === '데이터셋') datasetsLine = String(r.getCell(2).value);
    });
    assert.equal(datasetsLine, LABELS.join(', '));
  });
});
