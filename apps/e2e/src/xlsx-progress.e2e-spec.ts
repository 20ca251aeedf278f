import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { issueTestApiKey, REPO_ROOT, testEnv } from '@geobatch/util-testing';
import { E2eStack } from './support/stack';

const ROWS = 100_000;
const OUT = join(REPO_ROOT, 'test-output', 'xlsx-progress');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** What the page's progress card shows, read in the page (the test has no DOM types). */
const READ_BAR = `(() => {
  const bar = document.querySelector('#progress [role=progressbar]');
  if (!bar) return null;
  const now = bar.getAttribute('aria-valuenow');
  return {
    determinate: now !== null && !bar.classList.contains('indeterminate'),
    percent: now === null ? null : Number(now),
    stats: document.querySelector('#progress .stats')?.textContent ?? '',
    status: document.querySelector('#progress .status')?.className ?? '',
  };
})()`;
type Bar = { determinate: boolean; percent: number | null; stats: string; status: string };

/**
 * A 100,000-row XLSX written as exceljs' streaming writer writes it: no `<dimension>` (the gateway
 * counts the sheet's rows) and shared strings. Points spread over 서울 and 경기.
 */
async function writeBigXlsx(path: string): Promise<void> {
  const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
  const sheet = writer.addWorksheet('측정');
  sheet.addRow(['id', '차량', 'x', 'y']).commit();
  for (let i = 1; i <= ROWS; i++) {
    sheet.addRow([i, `서울${i % 97}가${i % 9973}`, 126.85 + ((i * 7919) % 3000) / 10_000, 37.45 + ((i * 104_729) % 2000) / 10_000]).commit();
  }
  sheet.commit();
  await writer.commit();
}

/** Samples the progress card every 100 ms until `stop` says so, keeping every distinct reading. */
async function watchBar(page: Page, stop: (b: Bar) => boolean, timeoutMs: number): Promise<Bar[]> {
  const seen: Bar[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const bar = (await page.evaluate(READ_BAR)) as Bar | null;
    if (bar && JSON.stringify(bar) !== JSON.stringify(seen[seen.length - 1])) seen.push(bar);
    if (bar && stop(bar)) return seen;
    if (Date.now() > deadline) throw new Error(`timed out; the bar read: ${JSON.stringify(seen.slice(-5))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('web page: a 100,000-row XLSX has a determinate bar and an ETA from the start (issue #14)', () => {
  // Its own port; small chunks so the bar moves in many steps. The default built-in dataset answers.
  const stack = new E2eStack({ name: 'xlsx-progress', port: '3123', chunkSize: '250' });
  // In the stack's storage folder: removed with it.
  const file = join(stack.storage, '측정 10만 행.xlsx');
  let browser: Browser | undefined;
  let apiKey = '';

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    apiKey = (await issueTestApiKey(testEnv.TEST_DATABASE_URL, { name: 'e2e-xlsx-progress' })).key;
    stack.startServices();
    const launched = chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    [browser] = await Promise.all([launched, stack.waitForHealth(), writeBigXlsx(file)]);
  });

  after(async () => {
    await browser?.close();
    await stack.stop();
  });

  it('shows the estimated total, a determinate bar and the time left before half-way, and 100 % at the end', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 860 }, locale: 'ko-KR' });
    const page = await context.newPage();
    await page.goto(`${stack.base}/`);
    await page.fill('#api-key', apiKey);
    await page.click('#key-form button[type=submit]');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#drop-zone')]);
    await chooser.setFiles(file);
    await page.waitForSelector('#preview table', { timeout: 60_000 });
    await page.click('#start');
    await page.waitForSelector('#progress .job-id code', { timeout: 60_000 });

    // Up to the first reading with a determinate bar and a time left.
    const early = await watchBar(page, (b) => (b.determinate && /남은 시간/.test(b.stats)) || /completed/.test(b.status), 120_000);
    await page.screenshot({ path: join(OUT, 'early.png') });
    writeFileSync(join(OUT, 'early-readings.json'), JSON.stringify(early, null, 1));
    const first = early[early.length - 1];
    assert.ok(first.determinate && /남은 시간 약/.test(first.stats), `no ETA before the end: ${JSON.stringify(early)}`);
    assert.ok(first.percent !== null && first.percent < 50, `the ETA came at ${first.percent} %: ${JSON.stringify(early)}`);
    // The total the bar first had was the gateway's estimate, before it had read the upload through.
    const firstDeterminate = early.find((b) => b.determinate)!;
    assert.match(firstDeterminate.stats, /\/ 약 100,000행/, JSON.stringify(early));
    assert.ok(!early.some((b) => b.determinate === false && /\d+ \/ /.test(b.stats)), 'never a count over a total beside an indeterminate bar');

    const late = await watchBar(page, (b) => /completed/.test(b.status), 300_000);
    const done = late[late.length - 1];
    assert.equal(done.percent, 100);
    assert.match(done.stats, /100,000 \/ 100,000행 \(100%\)/);
    await page.screenshot({ path: join(OUT, 'completed.png') });
    await context.close();
  });
});
