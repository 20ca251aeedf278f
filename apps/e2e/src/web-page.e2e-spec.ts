import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { APPENDED_COLUMNS } from '@geobatch/contracts';
import { issueTestApiKey, REPO_ROOT, SAMPLE_INPUTS, testEnv } from '@geobatch/util-testing';
import { dropSupersededGenerations } from './support/dataset-cleanup';
import { headerOf } from './support/jobs-api';
import { E2eStack } from './support/stack';

const DATASET = 'e2e-web-kostat-2018';
/** A real key, issued in `before`; the page's key field gets it. */
let API_KEY = '';
const OUT = join(REPO_ROOT, 'test-output', 'web-page');
/** Debian's Chromium; playwright-core never downloads a browser of its own. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The bar somewhere between empty and full, as a selector (the page's CSP refuses string predicates). */
const PART_WAY = '#progress [role=progressbar][aria-valuenow]:not([aria-valuenow="0"]):not([aria-valuenow="100"])';
/** The sample's data sheet (its first sheet is a summary without coordinates). */
const DATA_SHEET = '과속 상세내역';
const SAMPLE_HEADER = ['회사코드', '차량번호', '차량ID', '날짜', '주소', '', '속도', '발생시각'];

interface JobView {
  status: string;
  rows: { total: number | null; processed: number; ok: number; problems: number };
  options?: { sheet: string | null; columns: { name: string; x: { number: number }; y: { number: number } }[] };
}

/** Opens the page in Korean (the shared context remembers a language switch). */
async function gotoKorean(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`);
  if ((await page.getAttribute('html', 'lang')) !== 'ko') await page.click('#lang-toggle');
}

/** Everything the browser reported that a working page never does: script errors and CSP refusals. */
function watchForFaults(page: Page): string[] {
  const faults: string[] = [];
  page.on('pageerror', (e) => faults.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) faults.push(`console: ${m.text()}`);
  });
  return faults;
}

describe('web page end to end: browser → gateway → Kafka → geocoder → report-merger', () => {
  // Its own port and dataset, so it never disturbs the pipeline suite (which re-imports its dataset).
  // Small chunks: the 200 rows arrive in many steps, so the page shows a moving bar.
  const stack = new E2eStack({ name: 'web-page', port: '3117', chunkSize: '5' });
  const BASE = stack.base;
  let browser: Browser | undefined;
  let context: BrowserContext;

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    API_KEY = (await issueTestApiKey(testEnv.TEST_DATABASE_URL, { name: 'e2e-web-page' })).key;
    // The import (about 20 s) and the start-up of the services and the browser overlap.
    const imported = stack.importKostat2018(DATASET);
    stack.startServices();
    const launched = chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    const [code, b] = await Promise.all([imported, launched, stack.waitForHealth()]);
    browser = b;
    assert.equal(code, 0, `dataset import failed; see ${stack.logs}/cli.log`);
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true, locale: 'ko-KR' });
  });

  after(async () => {
    await browser?.close();
    await stack.stop();
    await dropSupersededGenerations(testEnv.TEST_DATABASE_URL, DATASET);
  });

  it('serves the page at / with a strict CSP, next to the API and Swagger', async () => {
    const page = await fetch(`${BASE}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await page.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script');
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handler');
    // The API and the docs are not shadowed by the static files.
    assert.equal((await fetch(`${BASE}/health`)).status, 200);
    assert.match((await fetch(`${BASE}/docs`)).headers.get('content-type') ?? '', /^text\/html/);
    assert.equal((await fetch(`${BASE}/docs-json`)).status, 200);
    const job = await fetch(`${BASE}/jobs/00000000-0000-4000-8000-000000000000`, { headers: { authorization: `Bearer ${API_KEY}` } });
    assert.equal(job.status, 404);
    assert.equal(((await job.json()) as { statusCode: number }).statusCode, 404);
    // The API wants the key; the page and the docs above do not.
    const keyless = await fetch(`${BASE}/jobs/00000000-0000-4000-8000-000000000000`);
    assert.equal(keyless.status, 401);
    assert.match(keyless.headers.get('www-authenticate') ?? '', /^Bearer/);
  });

  it('uploads the sample XLSX, previews its 2nd sheet, runs the job with x = 5, y = 6 and downloads the result', async () => {
    const started = Date.now();
    const page = await context.newPage();
    const faults = watchForFaults(page);
    const apiRequests: { url: string; authorization: string | undefined }[] = [];
    let keySaved = false;
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (keySaved && /^\/(jobs|datasets)(\/|$)/.test(path)) apiRequests.push({ url: `${r.method()} ${path}`, authorization: r.headers()['authorization'] });
    });

    await page.goto(`${BASE}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'ko', 'Korean by default');
    assert.equal((await page.textContent('#start'))?.trim(), '주소 붙이기 시작');

    // The key, entered once and kept by the browser.
    await page.fill('#api-key', API_KEY);
    keySaved = true;
    await page.click('#key-form button[type=submit]');
    assert.equal(await page.evaluate("localStorage.getItem('geobatch.apiKey')"), API_KEY);

    // The drop zone is a button that opens the file picker.
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#drop-zone')]);
    await chooser.setFiles(SAMPLE_INPUTS.xlsx);
    await page.waitForSelector('#preview table');
    const meta = await page.textContent('#preview .meta');
    assert.match(meta ?? '', /XLSX/);
    assert.match(meta ?? '', new RegExp(DATA_SHEET), 'the preview picked the sheet with coordinates');
    const headerCells = await page.$$eval('#preview thead th .col-name', (els) => els.map((e) => e.textContent ?? ''));
    assert.deepEqual(headerCells.slice(0, 5), SAMPLE_HEADER.slice(0, 5));
    assert.equal(await page.$$eval('#preview tbody tr', (rows) => rows.length), 20);

    // Confirm the columns (the preview suggests them from the values; choose them explicitly anyway).
    await page.selectOption('#x-select', '5');
    await page.selectOption('#y-select', '6');
    assert.equal(await page.textContent('#preview thead th.col-x .col-letter'), 'E');
    assert.equal(await page.textContent('#preview thead th.col-y .col-letter'), 'F');
    assert.equal(await page.inputValue('#crs-select'), 'EPSG:4326');
    if (await page.isVisible('#dataset-select')) await page.selectOption('#dataset-select', DATASET);
    else await page.fill('#dataset-text', DATASET);
    await page.screenshot({ path: join(OUT, '1-preview.png') });

    await page.click('#start');
    await page.waitForSelector('#progress .job-id code');
    const jobId = ((await page.textContent('#progress .job-id code')) ?? '').trim();
    assert.match(jobId, /^[0-9a-f-]{36}$/);
    // A moving bar when the browser catches the job part-way (200 rows can finish within a poll or two).
    await page
      .waitForSelector(PART_WAY, { timeout: 5_000 })
      .then(() => page.screenshot({ path: join(OUT, '2-progress.png') }))
      .catch(() => undefined);

    await page.waitForSelector('#progress .status-completed', { timeout: 90_000 });
    assert.equal(await page.getAttribute('#progress [role=progressbar]', 'aria-valuenow'), '100');
    assert.match((await page.textContent('#progress .stats')) ?? '', /200 \/ 200행/);
    // The live region is updated just after the status renders: give it a moment, then assert.
    await page
      .waitForSelector('#announce:has-text("작업이 끝났습니다")', { state: 'attached', timeout: 5_000 })
      .catch(() => undefined);
    assert.match((await page.textContent('#announce')) ?? '', /작업이 끝났습니다/, 'completion is announced (aria-live)');

    // The result, through the page: fetch with the key, then a blob download.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#progress button.primary')]);
    assert.equal(download.suggestedFilename(), 'overspeed-200_주소변환.xlsx');
    const saved = join(OUT, download.suggestedFilename());
    await download.saveAs(saved);
    await page.waitForSelector('#progress .ok-note');
    await page.screenshot({ path: join(OUT, '3-completed.png'), fullPage: true });

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(saved) as never);
    const sheet = wb.getWorksheet(DATA_SHEET);
    assert.ok(sheet, `the result has the sheet ${DATA_SHEET}: ${wb.worksheets.map((w) => w.name).join(', ')}`);
    assert.deepEqual(headerOf(sheet, SAMPLE_HEADER.length + APPENDED_COLUMNS.length), [...SAMPLE_HEADER, ...APPENDED_COLUMNS]);
    assert.equal(sheet.actualRowCount, 201, '200 data rows under the header');
    const statusCol = SAMPLE_HEADER.length + APPENDED_COLUMNS.indexOf('상태') + 1;
    const sidoCol = SAMPLE_HEADER.length + APPENDED_COLUMNS.indexOf('시도') + 1;
    let ok = 0;
    for (let r = 2; r <= 201; r++) {
      if (sheet.getRow(r).getCell(statusCol).value === 'OK') {
        ok++;
        assert.ok(String(sheet.getRow(r).getCell(sidoCol).value ?? '').length > 0, `row ${r}: an OK row names its 시도`);
      }
    }
    assert.ok(ok >= 190, `only ${ok} of 200 rows are OK`);

    // The job was created as chosen on the page.
    const view = (await (await fetch(`${BASE}/jobs/${jobId}`, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as JobView;
    assert.equal(view.status, 'completed');
    assert.equal(view.rows.processed, 200);
    assert.deepEqual(view.options?.columns.map((c) => [c.name, c.x.number, c.y.number]), [[DATA_SHEET, 5, 6]]);

    // The job is in the recent-jobs list (the server's, or the one this browser keeps).
    await page.waitForSelector(`#jobs code.job-id:text("${jobId}")`);

    // Every API call carried the key; nothing broke or was refused by the CSP.
    assert.ok(apiRequests.some((r) => r.url === 'POST /jobs'), JSON.stringify(apiRequests));
    assert.ok(apiRequests.some((r) => r.url === 'POST /jobs/preview'));
    assert.ok(apiRequests.some((r) => r.url === `GET /jobs/${jobId}/result`));
    for (const r of apiRequests) assert.equal(r.authorization, `Bearer ${API_KEY}`, r.url);
    assert.deepEqual(faults, []);

    // English is one press away; the choice is kept.
    await page.click('#lang-toggle');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal((await page.textContent('#start'))?.trim(), 'Start');
    assert.equal((await page.textContent('#progress button.primary'))?.trim(), 'Download the result');
    await page.reload();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.close();
    assert.ok(Date.now() - started < 60_000, `the browser part took ${Date.now() - started} ms`);
  });

  it('speaks plainly on a first visit without a key: no request needing one, no error box, a calm prompt', async () => {
    // A fresh browser profile: nothing stored, no key.
    const fresh = await browser!.newContext({ viewport: { width: 1280, height: 860 }, locale: 'ko-KR' });
    const page = await fresh.newPage();
    const faults = watchForFaults(page);
    const apiCalls: string[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (/^\/(jobs|datasets)(\/|$)/.test(path)) apiCalls.push(`${r.method()} ${path}`);
    });
    await page.goto(`${BASE}/`);
    await page.waitForSelector('#jobs p.empty');
    assert.equal(await page.$$eval('.error', (els) => els.length), 0, 'no error box before anything was done');
    assert.doesNotMatch((await page.textContent('body')) ?? '', /HTTP 401|요청 ID|거절/);
    assert.match((await page.textContent('#jobs')) ?? '', /API 키를 저장하면/);
    assert.match((await page.textContent('#dataset-note')) ?? '', /API 키를 저장하면/, 'the dataset hint says the list comes with the key');
    assert.equal(await page.isDisabled('#start'), true, 'Start waits for a file');
    // A file picked before the key: a calm prompt, still no request and no error.
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#drop-zone')]);
    await chooser.setFiles(SAMPLE_INPUTS.utf8Csv);
    await page.waitForSelector('#preview .key-prompt');
    assert.equal(await page.$$eval('.error', (els) => els.length), 0);
    assert.deepEqual(apiCalls, [], 'nothing needing a key was asked before a key was saved');
    // Saving the key reads the waiting file and lists the datasets.
    await page.fill('#api-key', API_KEY);
    await page.click('#key-form button[type=submit]');
    await page.waitForSelector('#preview table');
    await page.waitForSelector('#dataset-select option:nth-child(2)', { state: 'attached' });
    assert.equal(await page.textContent('#dataset-note'), '');
    assert.equal(await page.isDisabled('#start'), false, 'a valid preview (x and y found) enables Start');
    assert.deepEqual(faults, []);
    await fresh.close();
  });

  it('keeps Start disabled while the preview has no x/y, and enables it once both are chosen', async () => {
    const page = await context.newPage();
    await gotoKorean(page, BASE);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#drop-zone')]);
    await chooser.setFiles({ name: 'no-coordinates.csv', mimeType: 'text/csv', buffer: Buffer.from('이름,메모,값A,값B\n가,나,127.1,37.5x\n다,라,abc,def\n') });
    await page.waitForSelector('#preview .preview-problem');
    assert.equal(await page.isDisabled('#start'), true, 'no columns: Start is disabled');
    assert.match((await page.textContent('#start-hint')) ?? '', /열을 골라/);
    // The problem in plain words, the server's own message folded under 자세히.
    assert.equal(await page.textContent('#preview .preview-problem details summary'), '자세히');
    await page.selectOption('#x-select', '3');
    assert.equal(await page.isDisabled('#start'), true, 'x alone is not enough');
    await page.selectOption('#y-select', '3');
    assert.equal(await page.isDisabled('#start'), true, 'x = y is not valid');
    await page.selectOption('#y-select', '4');
    assert.equal(await page.isDisabled('#start'), false);
    assert.equal(await page.textContent('#start-hint'), '');
    await page.close();
  });

  it('moves the header row below a title block: the control re-previews with headerRow and the job is created with it', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('보고서');
    ws.getCell('A1').value = '2024년 과속 현황';
    ws.mergeCells('A1:H1');
    ws.getCell('A2').value = '작성일: 2024-05-01';
    // Row 3 stays blank; the header is row 4, the data below it.
    ws.getRow(4).values = SAMPLE_HEADER;
    const rows = readFileSync(SAMPLE_INPUTS.utf8Csv, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).slice(1, 31).filter((l) => l);
    rows.forEach((line, i) => {
      const c = line.split(',').map((v) => v.trim());
      ws.getRow(5 + i).values = [c[0], c[1], c[2], c[3], Number(c[4]), Number(c[5]), Number(c[6]), c[7]];
    });
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());

    const page = await context.newPage();
    const faults = watchForFaults(page);
    // The forms the page sends, field by field (the browser does not hand a test an upload's body):
    // FormData.append recorded before the page's script runs, one line per form, ended by its file.
    await page.addInitScript(`(() => {
      const append = FormData.prototype.append;
      window.__forms = [''];
      FormData.prototype.append = function (k, v, ...rest) {
        if (typeof v === 'string') window.__forms[window.__forms.length - 1] += k + '=' + v + '&';
        else window.__forms.push('');
        return append.call(this, k, v, ...rest);
      };
    })()`);
    const forms = async () => (await page.evaluate('window.__forms')) as string[];
    await gotoKorean(page, BASE);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#drop-zone')]);
    await chooser.setFiles({ name: 'title-block.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: xlsx });
    await page.waitForSelector('#preview .header-row');
    const found = await page.inputValue('#header-row-select');
    const headerNow = () => page.$$eval('#preview thead th .col-name', (els) => els.map((e) => e.textContent ?? ''));
    if (found === '4') {
      // The gateway's header finder took row 4: move it up to the date line through the list (rows 1–3 above and the header row).
      assert.equal(await page.$$eval('#header-row-select option', (o) => o.length), 4, 'rows 1–3 above and the header row');
      await page.selectOption('#header-row-select', '2');
      await page.waitForSelector('#header-row-select option[value="2"]:checked', { state: 'attached' });
      assert.equal((await headerNow())[0], '작성일: 2024-05-01', 'row 2 read as the header');
    }
    // Row 4 by number (the list holds only the rows down to the current header).
    await page.fill('#header-row-input', '4');
    await page.press('#header-row-input', 'Enter');
    await page.dispatchEvent('#header-row-input', 'change');
    await page.waitForSelector('#header-row-select option[value="4"]:checked', { state: 'attached' });
    await page.waitForSelector('#preview table');
    assert.ok((await forms()).some((f) => /(^|&)headerRow=4&/.test(f) && !/(^|&)x=/.test(f)), `the re-preview sent headerRow=4: ${(await forms()).join(' | ')}`);
    assert.match((await page.textContent('#header-row-note')) ?? '', /4번째 행.*직접/);
    assert.deepEqual((await headerNow()).slice(0, 5), SAMPLE_HEADER.slice(0, 5));
    // The x/y lists are the header row's columns; the values pick 주소 (E) and the empty-named F.
    const xOptions = await page.$$eval('#x-select option', (o) => o.map((e) => e.textContent ?? ''));
    assert.ok(xOptions.some((o) => /^E · 5번째 · 주소$/.test(o)), xOptions.join(' | '));
    assert.equal(await page.inputValue('#x-select'), '5');
    assert.equal(await page.inputValue('#y-select'), '6');
    if (await page.isVisible('#dataset-select')) await page.selectOption('#dataset-select', DATASET);
    await page.click('#start');
    await page.waitForSelector('#progress .status-completed', { timeout: 90_000 });
    const jobForm = (await forms()).find((f) => /(^|&)x=/.test(f)) ?? '';
    assert.match(jobForm, /(^|&)headerRow=4&/, `the job was created with the chosen header row: ${jobForm}`);
    assert.match((await page.textContent('#progress .stats')) ?? '', /30 \/ 30행/);
    assert.deepEqual(faults, []);
    await page.close();
  });

  it('cancels a running job from the page, after asking, and shows it cancelled', async () => {
    // Many rows in chunks of 5: the job runs long enough to be cancelled part-way.
    const lines = readFileSync(SAMPLE_INPUTS.utf8Csv, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l);
    const big = [lines[0], ...Array.from({ length: 250 }, () => lines.slice(1)).flat()].join('\n');
    const page = await context.newPage();
    const faults = watchForFaults(page);
    await gotoKorean(page, BASE);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#drop-zone')]);
    await chooser.setFiles({ name: 'cancel-me.csv', mimeType: 'text/csv', buffer: Buffer.from(big) });
    await page.waitForSelector('#preview table');
    if (await page.isVisible('#dataset-select')) await page.selectOption('#dataset-select', DATASET);
    await page.click('#start');
    await page.waitForSelector('#cancel-job', { timeout: 30_000 });
    const jobId = ((await page.textContent('#progress .job-id code')) ?? '').trim();
    await page.click('#cancel-job');
    // It asks first; "계속 진행" keeps the job.
    await page.waitForSelector('#cancel-confirm');
    assert.match((await page.textContent('#job-cancel')) ?? '', /되돌릴 수 없습니다/);
    await page.click('#cancel-keep');
    await page.waitForSelector('#cancel-job');
    await page.click('#cancel-job');
    await page.click('#cancel-confirm');
    await page.waitForSelector('#progress .status-cancelled', { timeout: 20_000 });
    assert.match((await page.textContent('#progress')) ?? '', /작업이 취소되었습니다/);
    assert.equal(await page.$$eval('#cancel-job', (b) => b.length), 0, 'no cancel button once cancelled');
    const view = (await (await fetch(`${BASE}/jobs/${jobId}`, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as JobView;
    assert.equal(view.status, 'cancelled');
    assert.ok(view.rows.processed < 50_000, `cancelled part-way (${view.rows.processed} rows done)`);
    assert.deepEqual(faults, []);
    await page.close();
  });

  it("explains an API error in plain words, with status, request id and the server's message under 자세히, and text only as text", async () => {
    const page = await context.newPage();
    const faults = watchForFaults(page);
    await gotoKorean(page, BASE);
    // From the keyboard: the drop zone is a real button.
    await page.focus('#drop-zone');
    // Headless Chromium now and then drops the first key press: press once more before failing.
    const openChooser = () => Promise.all([page.waitForEvent('filechooser', { timeout: 10_000 }), page.keyboard.press('Space')]);
    const [chooser] = await openChooser().catch(() => openChooser());
    // Not a spreadsheet; its name would be markup if the page ever used innerHTML.
    await chooser.setFiles({ name: '<img src=x>.csv', mimeType: 'text/csv', buffer: Buffer.from('a,"b\n"c,d\n') });
    await page.waitForSelector('#preview .error');
    assert.equal(await page.textContent('#preview .error-title'), '파일을 미리 볼 수 없습니다');
    const message = (await page.textContent('#preview .error-message')) ?? '';
    assert.match(message, /CSV/);
    assert.doesNotMatch(message, /HTTP|\d{3}|[A-Za-z]{4,} [a-z]{3,}/, `plain Korean, no status or English: ${message}`);
    // The detail is folded: closed until 자세히 is pressed.
    const details = '#preview .error details.error-details';
    assert.equal(await page.textContent(`${details} summary`), '자세히');
    assert.equal(await page.isVisible(`${details} .request-id`), false);
    await page.click(`${details} summary`);
    assert.match((await page.textContent(`${details} .error-meta`)) ?? '', /HTTP 400/);
    assert.match((await page.textContent(`${details} .request-id`)) ?? '', /^[0-9a-f-]{36}$/);
    assert.match((await page.textContent(`${details} .error-raw-text`)) ?? '', /\(.*[a-z]/, "the server's own message, English part included");
    assert.equal(await page.isDisabled('#start'), true, 'a failed preview leaves Start disabled');
    assert.match((await page.textContent('#file-name')) ?? '', /<img src=x>\.csv/);
    assert.equal(await page.$$eval('img', (imgs) => imgs.length), 0);
    assert.deepEqual(faults, []);
    await page.close();
  });
});
