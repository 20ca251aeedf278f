import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPENDED_COLUMNS, DISTANCE_COLUMN, RowStatus, VERSION_COLUMN } from '@geobatch/contracts';
import { BoundaryImporter, openGeoDataSource } from '@geobatch/geo-query';
import { testEnv } from '@geobatch/util-testing';
import { deleteRunDatasets } from './support/dataset-cleanup';
import { headerOf, JobsApi } from './support/jobs-api';
import { E2eStack } from './support/stack';

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
  const stack = new E2eStack({
    name: 'dated-series',
    port: '3127',
    chunkSize: '4',
    // Its own group: geocoders other engineers run on this broker must not take this run's chunks.
    env: { GEOCODER_GROUP_ID: `geobatch-geocoder-e2e-dated-${RUN}` },
  });
  const storage = stack.storage;
  const api = new JobsApi(stack.base);
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
    keyId = await api.issueKey(`e2e-dated-${RUN}`);
    await stack.start();
  });

  after(async () => {
    await stack.stop();
    await deleteRunDatasets(testEnv.TEST_DATABASE_URL, [SERIES, UNDATED], keyId);
  });

  const CSV = Buffer.from(['id,일자,x,y', ...ROWS.map(([id, date, [x, y]]) => `${id},${date},${x},${y}`)].join('\n') + '\n');
  const submit = (fields: Record<string, string>) => api.submit(CSV, fields, 'dated.csv');

  it('gives every row the version in force on its date, the newest with a note when undated, and counts rows per version', async () => {
    const id = await api.upload(CSV, { x: 'x', y: 'y', dataset: SERIES, dateColumn: '일자' }, 'dated.csv');
    const view = await api.waitForCompletion<{
      status: string; error: string | null; datasets: string[]; options: { dateColumn: string | null; datasetVersions?: string[]; columns: { date?: { number: number } }[] };
    }>(id, 120_000, 300);
    // datasetIds/labels: one entry per output group, the newest version; the versions beside them.
    assert.deepEqual(view.datasets, [`${SERIES}@2023`]);
    assert.equal(view.options.dateColumn, '일자');
    assert.deepEqual(view.options.datasetVersions, [`${SERIES}@2020 (2020-01-01)`, `${SERIES}@2023 (2023-01-01)`]);
    assert.equal(view.options.columns[0].date?.number, 2);

    const wb = await api.downloadWorkbook(id);
    const sheet = wb.worksheets[0];
    const input = ['id', '일자', 'x', 'y'];
    const titles = [...APPENDED_COLUMNS, DISTANCE_COLUMN.ko, VERSION_COLUMN.ko];
    assert.deepEqual(headerOf(sheet, input.length + titles.length), [...input, ...titles]);
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
    const id = await api.upload(CSV, { x: 'x', y: 'y', dataset: SERIES, force: 'true' }, 'dated.csv');
    await api.waitForCompletion(id, 120_000, 300);
    const wb = await api.downloadWorkbook(id);
    assert.deepEqual(headerOf(wb.worksheets[0], 4 + APPENDED_COLUMNS.length + 2), ['id', '일자', 'x', 'y', ...APPENDED_COLUMNS, DISTANCE_COLUMN.ko, '']);
    // The newest version answers every row: A1/A2, never A.
    assert.equal(wb.worksheets[0].getRow(2).getCell(4 + APPENDED_COLUMNS.indexOf('읍면동') + 1).value, 'A1동');
  });

  it('refuses a date column with a clear 400 when it is not in the file, or a version of the series has no effective date', async () => {
    const missing = await submit({ x: 'x', y: 'y', dataset: SERIES, dateColumn: '날짜' });
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as { message: string }).message, /dateColumn: 열 "날짜"/);
    const undated = await submit({ x: 'x', y: 'y', dataset: UNDATED, dateColumn: '일자' });
    assert.equal(undated.status, 400);
    assert.match(((await undated.json()) as { message: string }).message, new RegExp(`"${UNDATED}" has versions without an effective date: old`));
  });
});
