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
/** Evaluated in the page (the test has no DOM types): the bar is somewhere between empty and full. */
const PART_WAY = `(() => {
  const now = Number(document.querySelector('#progress [role=progressbar]')?.getAttribute('aria-valuenow'));
  return now > 0 && now < 100;
})()`;
/** The sample's data sheet (its first sheet is a summary without coordinates). */
const DATA_SHEET = '과속 상세내역';
const SAMPLE_HEADER = ['회사코드', '차량번호', '차량ID', '날짜', '주소', '', '속도', '발생시각'];

interface JobView {
  status: string;
  rows: { total: number | null; processed: number; ok: number; problems: number };
  options?: { sheet: string | null; columns: { name: string; x: { number: number }; y: { number: number } }[] };
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
      .waitForFunction(PART_WAY, undefined, { timeout: 5_000, polling: 100 })
      .then(() => page.screenshot({ path: join(OUT, '2-progress.png') }))
      .catch(() => undefined);

    await page.waitForSelector('#progress .status-completed', { timeout: 90_000 });
    assert.equal(await page.getAttribute('#progress [role=progressbar]', 'aria-valuenow'), '100');
    assert.match((await page.textContent('#progress .stats')) ?? '', /200 \/ 200행/);
    // The live region is updated just after the status renders: give it a moment, then assert.
    await page
      .waitForFunction("/작업이 끝났습니다/.test(document.querySelector('#announce')?.textContent ?? '')", undefined, { timeout: 5_000 })
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

  it("shows an API error verbatim with its request id, and the page's text only as text", async () => {
    const page = await context.newPage();
    const faults = watchForFaults(page);
    await page.goto(`${BASE}/`);
    // From the keyboard: the drop zone is a real button.
    await page.focus('#drop-zone');
    // Headless Chromium now and then drops the first key press: press once more before failing.
    const openChooser = () => Promise.all([page.waitForEvent('filechooser', { timeout: 10_000 }), page.keyboard.press('Space')]);
    const [chooser] = await openChooser().catch(() => openChooser());
    // Not a spreadsheet; its name would be markup if the page ever used innerHTML.
    await chooser.setFiles({ name: '<img src=x>.csv', mimeType: 'text/csv', buffer: Buffer.from('a,"b\n"c,d\n') });
    await page.waitForSelector('#preview .error');
    const message = (await page.textContent('#preview .error-message')) ?? '';
    assert.match(message, /CSV/);
    assert.match((await page.textContent('#preview .error-meta')) ?? '', /HTTP 400/);
    assert.match((await page.textContent('#preview .request-id')) ?? '', /^[0-9a-f-]{36}$/);
    assert.match((await page.textContent('#file-name')) ?? '', /<img src=x>\.csv/);
    assert.equal(await page.$$eval('img', (imgs) => imgs.length), 0);
    assert.deepEqual(faults, []);
    await page.close();
  });
});
