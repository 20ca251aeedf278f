import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { APPENDED_COLUMNS, DISTANCE_COLUMN, RowStatus, VERSION_COLUMN } from '@geobatch/contracts';
import { BoundaryImporter, DatasetRepository, openGeoDataSource } from '@geobatch/geo-query';
import { issueTestApiKey, REPO_ROOT, ServiceProcess, testEnv, waitFor } from '@geobatch/util-testing';

const PORT = '3127';
const BASE = `http://127.0.0.1:${PORT}`;
const RUN = randomUUID().slice(0, 8);
/** Version 2020 (from 2020-01-01) has one 동 A; version 2023 (from 2023-01-01) splits it into A1 (west) and A2 (east). */
const SERIES = `split-test-${RUN}`;
/** A series with one version lacking an effective date: cannot be dated. */
const UNDATED = `split-undated-${RUN}`;

const square = (x0: number, x1: number) => ({ type: 'Polygon', coordinates: [[[x0, 37.0], [x1, 37.0], [x1, 37.2], [x0, 37.2], [x0, 37.0]]] });
const layer = (features: { code: string; name: string; geometry: object }[]) =>
  JSON.stringify({ type: 'FeatureCollection', features: features.map((f) => ({ type: 'Feature', properties: { code: f.code, name: f.name }, geometry: f.geometry })) });

const WEST = ['127.05', '37.1'];
const EAST = ['127.15', '37.1'];
/** id, date, x, y, then what must come back: version, 동, and a note pattern (null: no note). */
const ROWS: [string, string, string[], string, string, RegExp | null][] = [
  ['1', '2021-06-01', WEST, '2020', 'A동', null],
  ['2', '2023-01-01', EAST, '2023', 'A2동', null],
  ['3', '', WEST, '2023', 'A1동', /no date: newest boundaries \(2023\) used/],
  ['4', '22-APR-24 10:43:00', WEST, '2023', 'A1동', null],
  ['5', '2019-12-31', EAST, '2020', 'A동', /before the earliest boundaries \(2020, in force from 2020-01-01\): earliest used/],
  ['6', '20221231', EAST, '2020', 'A동', null],
  ['7', '2024-02-30', WEST, '2023', 'A1동', /unreadable date "2024-02-30": newest boundaries \(2023\) used/],
  ['8', '2022.12.31 23:59', WEST, '2020', 'A동', null],
  ['9', '2023/1/1', EAST, '2023', 'A2동', null],
];

describe('a job with a date column: each row matched against the version in force on its date', () => {
  const storage = mkdtempSync(join(tmpdir(), 'geobatch-e2e-dated-'));
  const logs = join(REPO_ROOT, 'test-output', 'e2e-logs', 'dated-series');
  const env = {
    DATABASE_URL: testEnv.TEST_DATABASE_URL,
    KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
    STORAGE_DIR: storage,
    PORT,
    CHUNK_SIZE: '4',
    KAFKA_SESSION_TIMEOUT_MS: '8000',
    LOG_LEVEL: 'log',
    // Its own group: geocoders other engineers run on this broker must not take this run's chunks.
    GEOCODER_GROUP_ID: `geobatch-geocoder-e2e-dated-${RUN}`,
  };
  const gateway = new ServiceProcess('gateway', env, logs);
  const merger = new ServiceProcess('report-merger', env, logs);
  const geocoder = new ServiceProcess('geocoder', env, logs);
  let auth: { authorization: string };
  let keyId: string;

  before(async () => {
    const ds = await openGeoDataSource(testEnv.TEST_DATABASE_URL, 1);
    try {
      const importer = new BoundaryImporter(ds);
      const file = (name: string, content: string) => {
        const path = join(storage, name);
        writeFileSync(path, content);
        return path;
      };
      const v2020 = file('v2020.geojson', layer([{ code: '11110510', name: 'A동', geometry: square(127.0, 127.2) }]));
      const v2023 = file('v2023.geojson', layer([
        { code: '11110511', name: 'A1동', geometry: square(127.0, 127.1) },
        { code: '11110512', name: 'A2동', geometry: square(127.1, 127.2) },
      ]));
      // Imported newest first: the timeline comes from the effective dates, not the import order.
      await importer.importGeoJson({ name: SERIES, version: '2023', effectiveDate: '2023-01-01', levels: { eupmyeondong: v2023 } });
      await importer.importGeoJson({ name: SERIES, version: '2020', effectiveDate: '2020-01-01', levels: { eupmyeondong: v2020 } });
      await importer.importGeoJson({ name: UNDATED, version: 'old', levels: { eupmyeondong: v2020 } });
      await importer.importGeoJson({ name: UNDATED, version: '2023', effectiveDate: '2023-01-01', levels: { eupmyeondong: v2023 } });
    } finally {
      await ds.destroy();
    }
    const key = await issueTestApiKey(testEnv.TEST_DATABASE_URL, { name: `e2e-dated-${RUN}` });
    auth = { authorization: `Bearer ${key.key}` };
    keyId = key.keyId;
    gateway.start();
    merger.start();
    geocoder.start();
    await waitFor('gateway health', async () => ((await fetch(`${BASE}/health`)).status === 200 ? true : undefined), 90_000, 500);
  });

  after(async () => {
    await Promise.all([gateway.stop(), merger.stop(), geocoder.stop()]);
    rmSync(storage, { recursive: true, force: true });
    const ds = await openGeoDataSource(testEnv.TEST_DATABASE_URL, 1);
    try {
      const repo = new DatasetRepository(ds);
      const mine = [...(await repo.list()), ...(await repo.listSuperseded())].filter((d) => d.name === SERIES || d.name === UNDATED);
      for (const d of mine) await repo.delete(d.id);
      if (keyId) await ds.query('DELETE FROM api_key WHERE id = $1', [keyId]).catch(() => undefined);
    } finally {
      await ds.destroy();
    }
  });

  const submit = (csv: string, fields: Record<string, string>) => {
    const form = new FormData();
    form.set('file', new Blob([csv]), 'dated.csv');
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    return fetch(`${BASE}/jobs`, { method: 'POST', headers: auth, body: form });
  };
  const CSV = ['id,일자,x,y', ...ROWS.map(([id, date, [x, y]]) => `${id},${date},${x},${y}`)].join('\n') + '\n';

  it('gives every row the version in force on its date, the newest with a note when undated, and counts rows per version', async () => {
    const res = await submit(CSV, { x: 'x', y: 'y', dataset: SERIES, dateColumn: '일자' });
    const created = (await res.json()) as { id: string };
    assert.equal(res.status, 202, JSON.stringify(created));
    const view = await waitFor(`job ${created.id} to complete`, async () => {
      const v = (await (await fetch(`${BASE}/jobs/${created.id}`, { headers: auth })).json()) as {
        status: string; error: string | null; datasets: string[]; options: { dateColumn: string | null; datasetVersions?: string[]; columns: { date?: { number: number } }[] };
      };
      assert.notEqual(v.status, 'failed', `job failed: ${v.error}`);
      return v.status === 'completed' ? v : undefined;
    }, 120_000, 300);
    // datasetIds/labels: one entry per output group, the newest version; the versions beside them.
    assert.deepEqual(view.datasets, [`${SERIES}@2023`]);
    assert.equal(view.options.dateColumn, '일자');
    assert.deepEqual(view.options.datasetVersions, [`${SERIES}@2020 (2020-01-01)`, `${SERIES}@2023 (2023-01-01)`]);
    assert.equal(view.options.columns[0].date?.number, 2);

    const download = await fetch(`${BASE}/jobs/${created.id}/result`, { headers: auth });
    assert.equal(download.status, 200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await download.arrayBuffer()) as never);
    const sheet = wb.worksheets[0];
    const input = ['id', '일자', 'x', 'y'];
    const titles = [...APPENDED_COLUMNS, DISTANCE_COLUMN.ko, VERSION_COLUMN.ko];
    const header = Array.from({ length: input.length + titles.length }, (_, i) => String(sheet.getRow(1).getCell(i + 1).value ?? ''));
    assert.deepEqual(header, [...input, ...titles]);
    const col = (title: string) => input.length + (titles as readonly string[]).indexOf(title) + 1;
    assert.equal(sheet.actualRowCount, ROWS.length + 1);
    ROWS.forEach(([id, date, , version, dong, note], i) => {
      const row = sheet.getRow(i + 2);
      const what = `row ${id} (date "${date}")`;
      assert.equal(String(row.getCell(1).value), id, what);
      assert.equal(row.getCell(col(VERSION_COLUMN.ko)).value, version, `${what}: 경계 버전`);
      assert.equal(row.getCell(col('읍면동')).value, dong, `${what}: 읍면동`);
      assert.equal(row.getCell(col('상태')).value, RowStatus.Ok, `${what}: 상태`);
      const written = row.getCell(col('비고')).value;
      if (note) assert.match(String(written), note, `${what}: 비고`);
      else assert.equal(written, null, `${what}: no 비고`);
    });

    const summary = wb.getWorksheet('요약')!;
    const counts = new Map<string, number>();
    let inVersions = false;
    summary.eachRow((r) => {
      const first = r.getCell(1).value;
      if (first === '데이터셋' && r.getCell(2).value === VERSION_COLUMN.ko) inVersions = true;
      else if (inVersions && first === `${SERIES}@2023`) counts.set(String(r.getCell(2).value), Number(r.getCell(3).value));
    });
    const want = new Map<string, number>();
    for (const [, , , v] of ROWS) want.set(v, (want.get(v) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(counts), Object.fromEntries(want));
  });

  it('keeps jobs without a date column as they were: no version column', async () => {
    const res = await submit(CSV, { x: 'x', y: 'y', dataset: SERIES, force: 'true' });
    const created = (await res.json()) as { id: string };
    assert.equal(res.status, 202, JSON.stringify(created));
    await waitFor(`job ${created.id} to complete`, async () => {
      const v = (await (await fetch(`${BASE}/jobs/${created.id}`, { headers: auth })).json()) as { status: string; error: string | null };
      assert.notEqual(v.status, 'failed', `job failed: ${v.error}`);
      return v.status === 'completed' ? v : undefined;
    }, 120_000, 300);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await (await fetch(`${BASE}/jobs/${created.id}/result`, { headers: auth })).arrayBuffer()) as never);
    const row1 = wb.worksheets[0].getRow(1);
    const header = Array.from({ length: 4 + APPENDED_COLUMNS.length + 2 }, (_, i) => String(row1.getCell(i + 1).value ?? ''));
    assert.deepEqual(header, ['id', '일자', 'x', 'y', ...APPENDED_COLUMNS, DISTANCE_COLUMN.ko, '']);
    // The newest version answers every row: A1/A2, never A.
    assert.equal(wb.worksheets[0].getRow(2).getCell(4 + APPENDED_COLUMNS.indexOf('읍면동') + 1).value, 'A1동');
  });

  it('refuses a date column with a clear 400 when it is not in the file, or a version of the series has no effective date', async () => {
    const missing = await submit(CSV, { x: 'x', y: 'y', dataset: SERIES, dateColumn: '날짜' });
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as { message: string }).message, /dateColumn: 열 "날짜"/);
    const undated = await submit(CSV, { x: 'x', y: 'y', dataset: UNDATED, dateColumn: '일자' });
    assert.equal(undated.status, 400);
    assert.match(((await undated.json()) as { message: string }).message, new RegExp(`"${UNDATED}" has versions without an effective date: old`));
  });
});
