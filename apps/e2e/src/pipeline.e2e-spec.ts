import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { APPENDED_COLUMNS, APPENDED_COLUMNS_EN, DISTANCE_COLUMN } from '@geobatch/contracts';
import { BUILT_IN_SOURCES, KOSTAT_2018, SAMPLE_INPUTS, testEnv, waitFor } from '@geobatch/util-testing';
import { dropSupersededGenerations } from './support/dataset-cleanup';
import { IndependentCoversReference, type ReferenceFeature } from './support/independent-reference';
import { headerOf, JobsApi, sampleHeader, sampleRows, shownText } from './support/jobs-api';
import { E2eStack } from './support/stack';

const DATASET = 'e2e-kostat-2018';

interface JobView {
  status: string;
  rows: { total: number | null; processed: number; ok: number; problems: number; blank: number };
  error: string | null;
}

// Small chunks make a 200-row job span many Kafka messages, so a crash lands mid-job.
const stack = new E2eStack({ name: 'pipeline', logs: '', port: '3107', chunkSize: '5' });
const api = new JobsApi(stack.base);
const upload = (file: string | Buffer, fields: Record<string, string>, name?: string) => api.upload(file, fields, name);
const job = (id: string) => api.job<JobView>(id);
const waitForCompletion = (id: string) => api.waitForCompletion<JobView>(id);
const downloadWorkbook = (id: string) => api.downloadWorkbook(id);

async function downloadSheet(id: string): Promise<ExcelJS.Worksheet> {
  return (await downloadWorkbook(id)).worksheets[0];
}

/** Label → values of the 요약 sheet's rows. */
function summaryOf(wb: ExcelJS.Workbook): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  wb.getWorksheet('요약')!.eachRow((row) => {
    const v = (row.values as unknown[]).slice(1);
    if (!out.has(String(v[0]))) out.set(String(v[0]), v.slice(1));
  });
  return out;
}

/** The appended columns of every data row of a sheet, as text. */
function appendedOf(sheet: ExcelJS.Worksheet, originalColumns: number): string[][] {
  return Array.from({ length: sheet.actualRowCount - 1 }, (_, i) =>
    APPENDED_COLUMNS.map((_, c) => String(sheet.getRow(i + 2).getCell(originalColumns + c + 1).value ?? '')),
  );
}

/**
 * A CSV with every awkward case at once: BOM, CRLF, a quoted header with a comma, an empty
 * header name, quotes and line breaks inside fields, formula-like values, blank lines, padded
 * values, missing, non-numeric, out-of-range and swapped coordinates, a cell longer than Excel holds.
 */
const HUGE = '가나다라마'.repeat(8_000); // 40,000 characters
const AWKWARD_ROWS: { line: string; cells?: string[]; status?: 'OK' | 'INVALID' | RegExp; note?: RegExp; lon?: number; lat?: number }[] = [
  { line: '1,"쉼표, ""인용"" 그리고\r\n줄바꿈",a,127.229305,37.646395,007', cells: ['1', '쉼표, "인용" 그리고\n줄바꿈', 'a', '127.229305', '37.646395', '007'], status: 'OK', lon: 127.229305, lat: 37.646395 },
  { line: '' },
  { line: '2,=1+1,+82 10,126.381893,34.805947,@SUM(A1)', cells: ['2', '=1+1', '+82 10', '126.381893', '34.805947', '@SUM(A1)'], status: 'OK', lon: 126.381893, lat: 34.805947 },
  { line: '3,-cmd,,,37.5,0101', cells: ['3', '-cmd', '', '', '37.5', '0101'], status: 'INVALID', note: /missing x/ },
  { line: '4,"탭\t안",,abc,37.5,', cells: ['4', '탭\t안', '', 'abc', '37.5', ''], status: 'INVALID', note: /x is not a decimal number/ },
  { line: ',,,,,' },
  { line: `5,"${HUGE}",,128.454931,35.736320,`, cells: ['5', HUGE.slice(0, 32_767), '', '128.454931', '35.736320', ''], status: 'OK', note: /truncated to 32767/, lon: 128.454931, lat: 35.73632 },
  { line: '6,  공백  ,,  127.0276  ,  37.4979  ,', cells: ['6', '공백', '', '127.0276', '37.4979', ''], status: 'OK', lon: 127.0276, lat: 37.4979 },
  { line: '7,,,200,95,', cells: ['7', '', '', '200', '95', ''], status: 'INVALID', note: /out of range/ },
  // Refused as INVALID, or (geocoders that swap such points back) SWAPPED: a problem row either way.
  { line: '8,swap,,37.5665,126.9780,', cells: ['8', 'swap', '', '37.5665', '126.9780', ''], status: /^(INVALID|SWAPPED)$/, note: /swap/i },
];
const AWKWARD_HEADER = ['번호', '메모, 인용', '', '경도', '위도', '코드'];
const AWKWARD_CSV = Buffer.from('\uFEFF번호,"메모, 인용",,경도,위도,코드\r\n' + AWKWARD_ROWS.map((r) => r.line).join('\r\n') + '\r\n', 'utf8');

describe('pipeline end to end: gateway → Kafka → geocoder → Kafka → report-merger', () => {
  let reference: IndependentCoversReference;

  before(async () => {
    // The census layers as SGIS publishes them, by the kostat preset: levels from the file names, version from the year.
    const imported = await stack.cli([
      'datasets:import', '--preset', 'kostat', '--name', DATASET, KOSTAT_2018.sido, KOSTAT_2018.sigungu, KOSTAT_2018.eupmyeondong,
    ]);
    assert.equal(imported, 0, `dataset import failed; see ${stack.logs}/cli.log`);
    reference = await IndependentCoversReference.load(testEnv.TEST_DATABASE_URL, KOSTAT_2018.eupmyeondong);
    await api.issueKey('e2e-pipeline');
    await stack.start();
  });

  after(async () => {
    await stack.stop();
    await reference?.close();
    await dropSupersededGenerations(testEnv.TEST_DATABASE_URL, DATASET);
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
    const inputHeader = sampleHeader();
    // An empty header cell reads back as no value at all, so read cell by cell.
    assert.deepEqual(headerOf(sheet, inputHeader.length + APPENDED_COLUMNS.length), [...inputHeader, ...APPENDED_COLUMNS]);
    assert.equal(sheet.actualRowCount, 201);

    const expected = await reference.codesFor(input.map((r) => ({ lon: Number(r[4]), lat: Number(r[5]) })));
    const emdCol = inputHeader.length + APPENDED_COLUMNS.indexOf('읍면동코드') + 1;
    const statusCol = inputHeader.length + APPENDED_COLUMNS.indexOf('상태') + 1;
    let matched = 0;
    input.forEach((values, i) => {
      const row = sheet.getRow(i + 2);
      values.forEach((v, c) => assert.equal(shownText(row.getCell(c + 1)), v, `row ${i + 1} column ${c + 1}`));
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

  it('with no options at all, the built-in default answers 시도, 시군구 and 읍면동 with 10-digit 법정동코드 on every land row', async () => {
    const id = await upload(SAMPLE_INPUTS.utf8Csv, {}, 'overspeed-200-builtin.csv');
    const view = await waitForCompletion(id);
    assert.equal(view.rows.processed, 200);
    const wb = await downloadWorkbook(id);
    const sheet = wb.worksheets[0];
    // The published TopoJSON (../shared/data), not the product's vendored copy, judged by PostGIS ST_Covers.
    const topology = JSON.parse(readFileSync(BUILT_IN_SOURCES.bjdEmdTopoJson, 'utf8')) as Topology;
    const emd = feature(topology, topology.objects.emd as GeometryCollection) as unknown as { features: ReferenceFeature[] };
    const names = new Map(emd.features.map((f) => [`${f.properties.CODE}00`, String(f.properties.KOR_NM)]));
    const builtIn = await IndependentCoversReference.fromFeatures(
      testEnv.TEST_DATABASE_URL,
      emd.features.map((f) => ({ properties: { code: `${f.properties.CODE}00` }, geometry: f.geometry })),
      'code',
    );
    const input = sampleRows();
    const expected = await builtIn.codesFor(input.map((r) => ({ lon: Number(r[4]), lat: Number(r[5]) }))).finally(() => builtIn.close());
    const cell = (row: number, title: (typeof APPENDED_COLUMNS)[number]) => sheet.getRow(row + 2).getCell(8 + APPENDED_COLUMNS.indexOf(title) + 1);
    let land = 0;
    expected.forEach((code, i) => {
      if (code === null) return;
      land++;
      assert.equal(cell(i, '상태').value, 'OK', `row ${i + 1}`);
      assert.deepEqual(
        [cell(i, '시도코드').value, cell(i, '시군구코드').value, cell(i, '읍면동코드').value, cell(i, '읍면동').value],
        // 세종특별자치시 has no 시군구 of its own: its 시도 is spelled like its one 시군구, 3611000000.
        [code.startsWith('36') ? '3611000000' : code.slice(0, 2).padEnd(10, '0'), code.slice(0, 5).padEnd(10, '0'), code, names.get(code)],
        `row ${i + 1}`,
      );
      for (const title of ['시도', '시군구'] as const) assert.ok(String(cell(i, title).value ?? '') !== '', `row ${i + 1}: ${title} named`);
      assert.equal(cell(i, '리').value ?? null, null, 'the built-in dataset has no 리');
    });
    assert.ok(land >= 190, `only ${land} of 200 sample rows are on land`);
    // 요약 names the dataset and its vintage, says it is simplified and has no 리 level.
    const summary = summaryOf(wb);
    assert.deepEqual(summary.get('데이터셋'), ['kr-bjd@2024-02']);
    assert.deepEqual(summary.get('데이터셋 kr-bjd@2024-02 기준일'), ['2024-02-13']);
    assert.match(String(summary.get('데이터셋 kr-bjd@2024-02 경계')?.[0]), /간소화/);
    assert.match(String(summary.get('데이터셋 kr-bjd@2024-02 단계')?.[0]), /리 단계 없음 \(no 리 level in this dataset\)/);
  });

  it('still completes with exactly 200 rows when the geocoder is SIGKILLed mid-job and restarted', async () => {
    // The same file and options as the first test: force a new job instead of getting that one back.
    const id = await upload(SAMPLE_INPUTS.utf8Csv, { x: '5', y: '6', dataset: DATASET, force: 'true' });
    const atKill = await waitFor('the geocoder to be part-way through', async () => {
      const v = await job(id);
      return v.rows.processed >= 10 ? v : undefined;
    }, 60_000, 20);
    await stack.geocoder.kill();
    assert.ok(atKill.rows.processed < 200, `the kill must land mid-job (processed ${atKill.rows.processed})`);
    assert.notEqual((await job(id)).status, 'completed');

    stack.restartGeocoder();
    const view = await waitForCompletion(id);
    assert.equal(view.rows.processed, 200);
    const sheet = await downloadSheet(id);
    assert.equal(sheet.actualRowCount, 201);
    const plates = sampleRows().map((r) => r[1]);
    for (let i = 0; i < 200; i++) assert.equal(String(sheet.getRow(i + 2).getCell(2).value), plates[i], `row ${i + 1}`);
  });

  it('gives the same addresses for the UTF-8 CSV, the CP949 CSV and the XLSX sample (data on its 2nd sheet), columns detected', async () => {
    const [utf8, cp949, xlsx, csvEn] = await Promise.all([
      upload(SAMPLE_INPUTS.utf8Csv, { dataset: DATASET }, 'overspeed-200.utf8.csv'),
      upload(SAMPLE_INPUTS.cp949Csv, { dataset: DATASET }, 'overspeed-200.cp949.csv'),
      upload(SAMPLE_INPUTS.xlsx, { dataset: DATASET }, 'overspeed-200.xlsx'),
      upload(SAMPLE_INPUTS.utf8Csv, { dataset: DATASET, format: 'csv', lang: 'en' }, 'overspeed-200.utf8.csv'),
    ]);
    const views = await Promise.all([utf8, cp949, xlsx, csvEn].map((id) => waitForCompletion(id)));
    for (const v of views) assert.deepEqual([v.rows.total, v.rows.processed, v.rows.ok + v.rows.problems + v.rows.blank], [200, 200, 200]);

    const [a, b, c] = await Promise.all([utf8, cp949, xlsx].map((id) => downloadWorkbook(id)));
    assert.deepEqual(a.worksheets.map((w) => w.name), ['overspeed-200.utf8', '문제 행', '요약']);
    assert.deepEqual(c.worksheets.map((w) => w.name), ['과속 상세내역', '문제 행', '요약'], 'the XLSX data sheet keeps its name; the title sheet is left out');
    const fromUtf8 = appendedOf(a.worksheets[0], 8);
    assert.equal(fromUtf8.length, 200);
    assert.ok(fromUtf8.filter((r) => r[APPENDED_COLUMNS.indexOf('상태')] === 'OK').length >= 190);
    assert.deepEqual(appendedOf(b.worksheets[0], 8), fromUtf8, 'CP949 CSV: identical addresses');
    assert.deepEqual(appendedOf(c.getWorksheet('과속 상세내역')!, 8), fromUtf8, 'XLSX: identical addresses');

    // Every input cell of the XLSX comes back with the same value and type (numbers stay numbers, text stays text).
    const input = new ExcelJS.Workbook();
    await input.xlsx.readFile(SAMPLE_INPUTS.xlsx);
    const inSheet = input.getWorksheet('과속 상세내역')!;
    const outSheet = c.getWorksheet('과속 상세내역')!;
    for (let r = 1; r <= 201; r++) {
      for (let col = 1; col <= 8; col++) {
        const [i, o] = [inSheet.getRow(r).getCell(col), outSheet.getRow(r).getCell(col)];
        if (i.value === '' || i.value === null) continue;
        assert.deepEqual([o.type, o.value], [i.type, i.value], `row ${r} column ${col}`);
      }
    }
    assert.equal(outSheet.getRow(2).getCell(7).type, ExcelJS.ValueType.Number, '속도 is a number');
    assert.equal(outSheet.getRow(2).getCell(4).value, '20240101', '날짜 typed as text stays text');
    // 요약 accounts for every row, the same for all three.
    for (const wb of [a, b, c]) {
      const summary = summaryOf(wb);
      assert.deepEqual(summary.get('전체'), [200]);
      assert.equal((summary.get('OK')![0] as number) + (summary.get('문제')![0] as number) + (summary.get('빈 행')![0] as number), 200);
      assert.deepEqual(summary.get('데이터셋'), [`${DATASET}@2018`]);
    }

    // format=csv, lang=en: a UTF-8 CSV with BOM named _주소변환.csv, English appended headers, the same addresses.
    const res = await fetch(`${stack.base}/jobs/${csvEn}/result`, { headers: api.auth });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', /_%EC%A3%BC%EC%86%8C%EB%B3%80%ED%99%98\.csv/);
    const text = Buffer.from(await res.arrayBuffer()).toString('utf8');
    assert.equal(text.charCodeAt(0), 0xfeff);
    const lines = text.slice(1).split('\r\n').filter((l) => l !== '');
    assert.equal(lines.length, 201);
    // Nearest matching is on by default, so the distance column follows the appended ones.
    assert.deepEqual(lines[0].split(',').slice(8), [...APPENDED_COLUMNS_EN, DISTANCE_COLUMN.en]);
    assert.deepEqual(lines.slice(1).map((l) => l.split(',').slice(8, 8 + APPENDED_COLUMNS_EN.length)), fromUtf8);
    assert.ok(lines.slice(1).every((l) => l.split(',')[8 + APPENDED_COLUMNS_EN.length] === ''), 'every sample point is inside a polygon');
  });

  it('handles a file with every awkward case: each row once, values kept, statuses and reasons, 문제 행 and 요약', async () => {
    const id = await upload(AWKWARD_CSV, { dataset: DATASET }, 'awkward.csv');
    const view = await waitForCompletion(id);
    const data = AWKWARD_ROWS.filter((r) => r.cells);
    const oks = data.filter((r) => r.status === 'OK');
    assert.deepEqual(view.rows, { total: 10, processed: 8, ok: oks.length, problems: 4, blank: 2 });

    const wb = await downloadWorkbook(id);
    assert.deepEqual(wb.worksheets.map((w) => w.name), ['awkward', '문제 행', '요약']);
    const sheet = wb.worksheets[0];
    const width = AWKWARD_HEADER.length;
    assert.deepEqual(headerOf(sheet, width), AWKWARD_HEADER);
    assert.equal(sheet.actualRowCount, 1 + data.length, 'blank lines dropped, every other row once');
    const expectedCodes = await reference.codesFor(oks.map((r) => ({ lon: r.lon!, lat: r.lat! })));
    const at = (row: ExcelJS.Row, title: (typeof APPENDED_COLUMNS)[number]) => row.getCell(width + APPENDED_COLUMNS.indexOf(title) + 1);
    data.forEach((r, i) => {
      const row = sheet.getRow(i + 2);
      r.cells!.forEach((v, c) => {
        const cell = row.getCell(c + 1);
        assert.equal(shownText(cell), v, `row ${i + 1} column ${c + 1}`);
        // Formula-like input stays inert text.
        assert.equal(cell.formula, undefined);
      });
      if (r.status instanceof RegExp) assert.match(String(at(row, '상태').value), r.status, `row ${i + 1} status`);
      else assert.equal(at(row, '상태').value, r.status, `row ${i + 1} status`);
      if (r.note) assert.match(String(at(row, '비고').value ?? ''), r.note, `row ${i + 1} note`);
      if (r.status === 'OK') {
        const code = expectedCodes[oks.indexOf(r)];
        assert.ok(code, `row ${i + 1} lies in a 읍면동`);
        assert.equal(at(row, '읍면동코드').value, code, `row ${i + 1} 읍면동코드`);
        assert.equal(at(row, '읍면동코드').type, ExcelJS.ValueType.String);
      }
    });
    assert.equal(sheet.getRow(2).getCell(6).value, '007', 'leading zeros stay text');
    assert.equal(sheet.getRow(2).getCell(1).value, 1, 'plain numbers become numbers');
    assert.equal(sheet.getRow(3).getCell(2).type, ExcelJS.ValueType.String, '=1+1 is text');

    // 문제 행: the four bad rows, with their row number as in the file (header = row 1, blank lines counted).
    const problems = wb.getWorksheet('문제 행')!;
    const listed = Array.from({ length: problems.actualRowCount - 1 }, (_, i) => (problems.getRow(i + 2).values as unknown[]).slice(1, 4));
    assert.deepEqual(listed.map(([sheetName, rowNumber]) => [sheetName, rowNumber]), [
      ['awkward', 5],
      ['awkward', 6],
      ['awkward', 10],
      ['awkward', 11],
    ]);
    assert.deepEqual(listed.slice(0, 3).map((l) => l[2]), ['INVALID', 'INVALID', 'INVALID']);
    assert.match(String(listed[3][2]), /^(INVALID|SWAPPED)$/);
    assert.match(String(problems.getRow(3).getCell(4).value), /x is not a decimal number/);
    assert.equal(problems.getRow(3).getCell(5).value, 'abc');

    const summary = summaryOf(wb);
    assert.deepEqual([summary.get('전체'), summary.get('OK'), summary.get('문제'), summary.get('빈 행')], [[10], [4], [4], [2]]);
    assert.equal((summary.get('INVALID')![0] as number) + ((summary.get('SWAPPED')?.[0] as number | undefined) ?? 0), 4);
  });
});
