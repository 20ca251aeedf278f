import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { APPENDED_COLUMNS, RowStatus } from '@geobatch/contracts';
import { fromWgs84 } from '@geobatch/geo-query';
import { SAMPLE_INPUTS, testEnv } from '@geobatch/util-testing';
import { JobsApi, sampleRows } from './support/jobs-api';
import { E2eStack } from './support/stack';

/** The columns compared row by row: every code and the status. */
const COMPARED = ['시도코드', '시군구코드', '읍면동코드', '리코드', '상태'] as const;

interface OptionsView {
  status: string;
  error: string | null;
  options?: { crs: string; columns: { x: { name: string; by: string }; y: { name: string; by: string } }[] };
}

/** A number that looks like a longitude/latitude of Korea: those rows are projected, the others kept as they are. */
const degrees = (lon: string, lat: string): boolean => Number(lon) >= 124 && Number(lon) <= 132 && Number(lat) >= 33 && Number(lat) <= 39.5;

/**
 * The 200-row sample with its WGS84 points projected by proj4 into `crs`, under `번호,X좌표,Y좌표`
 * (the form of public TM data). Rows without a Korean point keep their raw values.
 */
function projectedSample(crs: 'EPSG:5179' | 'EPSG:5186'): Buffer {
  const to = fromWgs84(crs);
  const lines = sampleRows().map((r, i) => {
    const [lon, lat] = [r[4] ?? '', r[5] ?? ''];
    const xy = degrees(lon, lat) ? to(Number(lon), Number(lat)).map((v) => v.toFixed(3)) : [lon, lat];
    return [String(i + 1), ...xy].join(',');
  });
  return Buffer.from(['번호,X좌표,Y좌표', ...lines].join('\n') + '\n');
}

/** Each data row's compared cells, read from the result's first sheet (`inputWidth` input columns before them). */
async function comparedCells(api: JobsApi, id: string, inputWidth: number, rows: number): Promise<string[][]> {
  const sheet = (await api.downloadWorkbook(id)).worksheets[0];
  const col = (title: string) => inputWidth + APPENDED_COLUMNS.indexOf(title as never) + 1;
  assert.equal(sheet.actualRowCount, rows + 1);
  return Array.from({ length: rows }, (_, i) => COMPARED.map((title) => String(sheet.getRow(i + 2).getCell(col(title)).value ?? '')));
}

describe('TM coordinates: an X좌표/Y좌표 CSV in UTM-K (EPSG:5179) is recognised and geocoded with no crs given', () => {
  // Its own port; the default built-in dataset (법정 kr-bjd) already in the test database answers.
  const stack = new E2eStack({ name: 'tm-coordinates', port: '3125', chunkSize: '50' });
  const api = new JobsApi(stack.base);
  let keyId = '';

  before(async () => {
    keyId = await api.issueKey('e2e-tm-coordinates');
    await stack.start();
  });

  after(async () => {
    await stack.stop();
    const db = new Client({ connectionString: testEnv.TEST_DATABASE_URL });
    await db.connect();
    await db.query('DELETE FROM api_key WHERE id = $1', [keyId]).catch(() => undefined);
    await db.end();
  });

  it('previews the TM file as EPSG:5179 with X좌표/Y좌표 found from the header', async () => {
    const form = new FormData();
    form.set('file', new Blob([projectedSample('EPSG:5179')]), 'tm-5179.csv');
    const res = await fetch(`${stack.base}/jobs/preview`, { method: 'POST', body: form, headers: api.auth });
    const body = (await res.json()) as { crs: string; x: { name: string; by: string } | null; y: { name: string; by: string } | null; problem: string | null };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.crs, 'EPSG:5179');
    assert.deepEqual([body.x?.name, body.x?.by, body.y?.name, body.y?.by], ['X좌표', 'header', 'Y좌표', 'header']);
    assert.equal(body.problem, null);
  });

  it('runs the TM job with no crs as EPSG:5179, every row answering as the same job on the original WGS84 sample', async () => {
    const tmId = await api.upload(projectedSample('EPSG:5179'), {}, 'tm-5179.csv');
    const wgsId = await api.upload(SAMPLE_INPUTS.utf8Csv, { x: '5', y: '6' });
    const [tm, wgs] = await Promise.all([api.waitForCompletion<OptionsView>(tmId, 180_000, 500), api.waitForCompletion<OptionsView>(wgsId, 180_000, 500)]);
    assert.equal(tm.options?.crs, 'EPSG:5179', 'the job took the system its values show');
    assert.equal(wgs.options?.crs, 'EPSG:4326');

    const input = sampleRows();
    const tmCells = await comparedCells(api, tmId, 3, input.length);
    const wgsCells = await comparedCells(api, wgsId, input[0].length, input.length);
    let compared = 0;
    input.forEach((r, i) => {
      // Rows without a Korean point kept their raw values: not a TM point, nothing to compare.
      if (!degrees(r[4] ?? '', r[5] ?? '')) return;
      assert.deepEqual(tmCells[i], wgsCells[i], `row ${i + 1}: ${COMPARED.join('/')}`);
      if (wgsCells[i][4] === RowStatus.Ok) compared++;
    });
    assert.ok(compared >= 190, `only ${compared} rows were OK in both`);
  });

  it('refuses to guess between the overlapping Central Belt systems (5186 vs 5181/5174): a 400 that names them', async () => {
    const res = await api.submit(projectedSample('EPSG:5186'), {}, 'tm-5186.csv');
    const body = (await res.json()) as { message: string };
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match(body.message, /^crs: .*EPSG:5186, EPSG:5181, EPSG:5174/);
    // Named, it runs.
    const id = await api.upload(projectedSample('EPSG:5186'), { crs: 'EPSG:5186' }, 'tm-5186.csv');
    assert.equal((await api.waitForCompletion<OptionsView>(id, 180_000, 500)).options?.crs, 'EPSG:5186');
  });
});
