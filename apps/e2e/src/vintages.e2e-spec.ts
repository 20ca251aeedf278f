import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { APPENDED_COLUMNS, DISTANCE_COLUMN, RowStatus } from '@geobatch/contracts';
import { ADMDONG_2021, KOSTAT_2018, SAMPLE_INPUTS, testEnv } from '@geobatch/util-testing';
import { deleteRunDatasets } from './support/dataset-cleanup';
import { IndependentCoversReference } from './support/independent-reference';
import { headerOf, JobsApi, sampleHeader, sampleRows } from './support/jobs-api';
import { E2eStack } from './support/stack';

const RUN = randomUUID().slice(0, 8);
const KOSTAT = `e2e-vintage-kostat-${RUN}`;
const ADMDONG = `e2e-vintage-admdong-${RUN}`;
const LABELS = [`${KOSTAT}@2018`, `${ADMDONG}@2021-04`];
/** The appended group of one dataset: the usual columns plus 거리(m) (nearest matching is on by default). */
const GROUP = [...APPENDED_COLUMNS, DISTANCE_COLUMN.ko];

describe('two vintages in one job: KOSTAT 2018 and the 2021 행정동, each with its own group of columns', () => {
  const stack = new E2eStack({ name: 'vintages', port: '3117', chunkSize: '50' });
  const references: IndependentCoversReference[] = [];
  const api = new JobsApi(stack.base);
  let keyId: string;

  before(async () => {
    assert.equal(await stack.importKostat2018(KOSTAT), 0, `KOSTAT import failed; see ${stack.logs}/cli.log`);
    const admdong = await stack.cli([
      'datasets:import', '--name', ADMDONG, '--version', '2021-04', '--effective-date', '2021-04-01',
      '--eupmyeondong', ADMDONG_2021.eupmyeondong, '--code-field', ADMDONG_2021.codeField, '--name-field', ADMDONG_2021.nameField,
      '--name-last-word', '--parent-name-field', `sido=${ADMDONG_2021.parentNameFields.sido},sigungu=${ADMDONG_2021.parentNameFields.sigungu}`,
      '--attribution', 'vuski/admdongkor (CC BY 4.0), 통계청 통계지리정보서비스(SGIS)',
    ]);
    assert.equal(admdong, 0, `2021 행정동 import failed; see ${stack.logs}/cli.log`);
    references.push(await IndependentCoversReference.load(testEnv.TEST_DATABASE_URL, KOSTAT_2018.eupmyeondong));
    references.push(await IndependentCoversReference.load(testEnv.TEST_DATABASE_URL, ADMDONG_2021.eupmyeondong, ADMDONG_2021.codeField));
    keyId = await api.issueKey(`e2e-vintages-${RUN}`);
    await stack.start();
  });

  after(async () => {
    await stack.stop();
    for (const r of references) await r.close();
    // Every generation of both datasets, and the key.
    await deleteRunDatasets(testEnv.TEST_DATABASE_URL, [KOSTAT, ADMDONG], keyId);
  });

  it('fills both column groups for the sample rows, each agreeing with PostGIS ST_Covers on its own fixture', async () => {
    const id = await api.upload(SAMPLE_INPUTS.utf8Csv, { x: '5', y: '6', dataset: `${KOSTAT},${ADMDONG}` });
    const view = await api.waitForCompletion<{ status: string; error: string | null; datasets: string[] }>(id, 180_000, 500);
    assert.deepEqual(view.datasets, LABELS);

    const wb = await api.downloadWorkbook(id);
    const sheet = wb.worksheets[0];
    const inputHeader = sampleHeader();
    const header = headerOf(sheet, inputHeader.length + 2 * GROUP.length);
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
