import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { APPENDED_COLUMNS } from '@geobatch/contracts';
import { issueTestApiKey, SAMPLE_INPUTS, testEnv, waitFor } from '@geobatch/util-testing';
import { E2eStack } from './support/stack';

/** Debian's Chromium; playwright-core never downloads a browser of its own. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** The sample CSV's longitude and latitude columns (its header names them `주소` and nothing). */
const X_COLUMN = 5;
const Y_COLUMN = 6;

/** One operation's panel in Swagger UI, e.g. `JobsController_create`, opened with "Try it out". */
async function tryItOut(page: Page, operationId: string): Promise<Locator> {
  const op = page.locator(`#operations-jobs-${operationId}`);
  await op.locator('.opblock-summary').first().click();
  await op.locator('button.try-out__btn').click();
  return op;
}

/** Executes the operation and resolves with the status and body text of the answer Swagger UI shows. */
async function execute(page: Page, op: Locator, path: RegExp): Promise<{ status: number; body: string }> {
  const answered = page.waitForResponse((r) => path.test(new URL(r.url()).pathname) && r.request().method() !== 'OPTIONS');
  await op.locator('button.execute').click();
  await answered;
  const row = op.locator('.live-responses-table tbody tr.response').first();
  await row.waitFor();
  const status = Number((await row.locator('td.response-col_status').innerText()).trim());
  const body = (await row.locator('.response-col_description pre').first().innerText().catch(() => '')) ?? '';
  return { status, body };
}

describe('Swagger UI end to end: Authorize, POST /jobs with only file, x and y, poll, download', () => {
  // Its own port and storage; the default built-in dataset (seeded in the test database): no import.
  const stack = new E2eStack({ name: 'swagger-ui', port: '3121', chunkSize: '50' });
  let browser: Browser | undefined;
  let apiKey = '';

  before(async () => {
    apiKey = (await issueTestApiKey(testEnv.TEST_DATABASE_URL, { name: 'e2e-swagger-ui' })).key;
    stack.startServices();
    const [b] = await Promise.all([chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 }), stack.waitForHealth()]);
    browser = b;
  });

  after(async () => {
    await browser?.close();
    await stack.stop();
  });

  it('runs a job from the prefilled form and downloads an XLSX whose x/y cells are all numbers', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
    const page = await context.newPage();
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/jobs') sent.push(r.headers()['authorization'] ?? '');
    });
    await page.goto(`${stack.base}/docs`);

    // Authorize with the real key.
    await page.locator('button.authorize').first().click();
    const modal = page.locator('.modal-ux');
    await modal.locator('input[type=text], input[type=password]').first().fill(apiKey);
    await modal.locator('button.authorize').click();
    await modal.locator('button.btn-done').click();

    // POST /jobs: only file, x and y; every other field as Swagger UI prefills it.
    const create = await tryItOut(page, 'JobsController_create');
    const prefilled = await create.locator('tr[data-property-name]').evaluateAll((rows) =>
      rows.map((r) => {
        const input = r.querySelector('input:not([type=checkbox]):not([type=file]), select');
        return `${r.getAttribute('data-property-name')}=${input ? (input as unknown as { value: string }).value : '(file)'}`;
      }),
    );
    for (const field of ['crs=EPSG:4326', 'nearestM=200', 'force=false', 'dataset=', 'sheet=', 'callbackUrl=', 'headerRow=']) {
      assert.ok(prefilled.includes(field), `${field} in ${prefilled.join(', ')}`);
    }
    await create.locator('tr[data-property-name=file] input[type=file]').setInputFiles(SAMPLE_INPUTS.utf8Csv);
    await create.locator('tr[data-property-name=x] input[type=text]').fill(String(X_COLUMN));
    await create.locator('tr[data-property-name=y] input[type=text]').fill(String(Y_COLUMN));
    const created = await execute(page, create, /^\/jobs$/);
    assert.equal(created.status, 202, created.body);
    assert.equal(sent.at(-1), `Bearer ${apiKey}`);
    const id = (JSON.parse(created.body) as { id: string }).id;

    // GET /jobs/{id}, executed again until the job has completed.
    const status = await tryItOut(page, 'JobsController_status');
    await status.locator('tr[data-param-name=id] input[type=text]').fill(id);
    const done = await waitFor('job completed in Swagger UI', async () => {
      const answer = await execute(page, status, new RegExp(`^/jobs/${id}$`));
      assert.equal(answer.status, 200, answer.body);
      const view = JSON.parse(answer.body) as { status: string; error: string | null; rows: { total: number }; options: { nearestM: number; crs: string } };
      assert.notEqual(view.status, 'failed', view.error ?? '');
      return view.status === 'completed' ? view : undefined;
    }, 120_000, 1000);
    assert.equal(done.rows.total, 200);
    assert.equal(done.options.nearestM, 200, 'nearest matching on, as without the field');

    // GET /jobs/{id}/result: Swagger UI offers the body as a file to download.
    const result = await tryItOut(page, 'JobsController_result');
    await result.locator('tr[data-param-name=id] input[type=text]').fill(id);
    const answer = await execute(page, result, new RegExp(`^/jobs/${id}/result$`));
    assert.equal(answer.status, 200);
    const [download] = await Promise.all([page.waitForEvent('download'), result.locator('.live-responses-table a[download]').first().click()]);
    const path = await download.path();
    assert.ok(path);
    const bytes = readFileSync(path);
    await context.close(); // deletes the download
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'an XLSX (a ZIP)');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    const input = readFileSync(SAMPLE_INPUTS.utf8Csv, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
    const width = input[0].split(',').length;
    assert.deepEqual(header.slice(width, width + APPENDED_COLUMNS.length).map(String), [...APPENDED_COLUMNS], 'the appended columns after the input header');

    // Cells as Excel would read them: every x/y of every data row is a number cell, trailing zeros too.
    const rawXy = input.slice(1).map((l) => l.split(',').map((v) => v.trim())).map((c) => [c[X_COLUMN - 1], c[Y_COLUMN - 1]]);
    assert.equal(rawXy.length, 200);
    assert.ok(rawXy.flat().filter((v) => /\.\d*0$/.test(v)).length > 0, 'the sample has coordinates with trailing zeros');
    rawXy.forEach(([x, y], i) => {
      const row = sheet.getRow(i + 2);
      for (const [c, raw] of [[X_COLUMN, x], [Y_COLUMN, y]] as const) {
        const cell = row.getCell(c);
        assert.equal(cell.type, ExcelJS.ValueType.Number, `row ${i + 2} column ${c} (${raw}) is a number cell`);
        assert.equal(cell.value, Number(raw), `row ${i + 2} column ${c}`);
      }
    });
  });
});
