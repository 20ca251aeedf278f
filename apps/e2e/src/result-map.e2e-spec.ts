import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { issueTestApiKey, REPO_ROOT, SAMPLE_INPUTS, testEnv, waitFor } from '@geobatch/util-testing';
import { E2eStack } from './support/stack';

/** Beside the README's other screenshots. */
const SCREENSHOT = join(REPO_ROOT, 'docs', 'screenshots', 'result-map.png');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Points {
  datasetId: string;
  rows: number;
  problems: number;
  sampled: boolean;
  points: { n: number[]; lon: (number | null)[]; lat: (number | null)[]; status: string[]; note: (string | null)[] };
  table: { sido: { name: string | null; rows: number }[] };
}

/** Script errors and CSP refusals: a working page reports none. */
function watchForFaults(page: Page): string[] {
  const faults: string[] = [];
  page.on('pageerror', (e) => faults.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text()) || m.type() === 'error') faults.push(`console ${m.type()}: ${m.text()}`);
  });
  return faults;
}

/**
 * The sample geocodes cleanly against the default dataset, so three rows of its layout that cannot
 * are added at the end: a point in the Yellow Sea (NOT_FOUND), x and y exchanged (SWAPPED) and a
 * coordinate that is not a number (INVALID, so not on the map).
 */
const EXTRA_ROWS = [
  'testse09, 서울199바19999, kmsa12c1999, 20240901, 125.000000, 36.000000, 99, 01-SEP-24 10:00:00',
  'testse09, 서울199바19998, kmsa12c1998, 20240902, 37.566500, 126.978000, 98, 02-SEP-24 11:00:00',
  'testse09, 서울199바19997, kmsa12c1997, 20240903, 동경 127도, 37.500000, 97, 03-SEP-24 12:00:00',
];
const SAMPLE_TEXT = readFileSync(SAMPLE_INPUTS.utf8Csv, 'utf8');
/** The sample's own line ending (CRLF), for the added rows too. */
const EOL = SAMPLE_TEXT.includes('\r\n') ? '\r\n' : '\n';
const UPLOAD = `${SAMPLE_TEXT.replace(/\r?\n$/, '')}${EOL}${EXTRA_ROWS.join(EOL)}${EOL}`;

/**
 * The upload's rows that have a place on a map, read from the file itself (not from the gateway):
 * plain decimals inside Korea's box, either way round (a swapped pair is swapped back).
 */
function placeableRows(): number {
  const lines = UPLOAD.replace(/^\uFEFF/, '').split(/\r?\n/).slice(1).filter((l) => l.trim());
  const inKorea = (lon: number, lat: number) => lon >= 124 && lon <= 132 && lat >= 33 && lat <= 39.5;
  return lines.filter((l) => {
    const [x, y] = l.split(',').slice(4, 6).map((v) => v.trim());
    if (!/^[+-]?\d+(\.\d+)?$/.test(x) || !/^[+-]?\d+(\.\d+)?$/.test(y)) return false;
    return inKorea(Number(x), Number(y)) || inKorea(Number(y), Number(x));
  }).length;
}

/** Painted pixels of the points' canvas: zero when no marker was drawn. */
const PAINTED = `(() => {
  const canvases = [...document.querySelectorAll('#map-canvas .leaflet-overlay-pane canvas')];
  let painted = 0;
  for (const c of canvases) {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) painted++;
  }
  return painted;
})()`;

describe('result map end to end: the sample job on a map over the default dataset', () => {
  const stack = new E2eStack({ name: 'result-map', port: '3127', chunkSize: '50' });
  const BASE = stack.base;
  let browser: Browser | undefined;
  let key = '';
  let other = '';

  before(async () => {
    key = (await issueTestApiKey(testEnv.TEST_DATABASE_URL, { name: 'e2e-result-map' })).key;
    other = (await issueTestApiKey(testEnv.TEST_DATABASE_URL, { name: 'e2e-result-map-other' })).key;
    stack.startServices();
    [browser] = await Promise.all([chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 }), stack.waitForHealth()]);
  });

  after(async () => {
    await browser?.close();
    await stack.stop();
  });

  it('shows the finished job’s points over the boundaries, lists the problem rows, and a click on one moves the map there', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 }, locale: 'ko-KR' });
    const faults = watchForFaults(page);
    await page.goto(`${BASE}/`);
    await page.fill('#api-key', key);
    await page.click('#key-form button[type=submit]');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#drop-zone')]);
    await chooser.setFiles({ name: 'overspeed-203.csv', mimeType: 'text/csv', buffer: Buffer.from(UPLOAD) });
    await page.waitForSelector('#preview table');
    await page.selectOption('#x-select', '5');
    await page.selectOption('#y-select', '6');
    assert.equal(await page.isVisible('#map-card'), false, 'no map before a job has completed');
    await page.click('#start');
    await page.waitForSelector('#progress .status-completed', { timeout: 90_000 });
    const jobId = ((await page.textContent('#progress .job-id code')) ?? '').trim();

    // The gateway's answer, to compare the drawing with.
    const res = await fetch(`${BASE}/jobs/${jobId}/points`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.status, 200);
    const data = (await res.json()) as Points;
    assert.deepEqual([data.rows, data.problems, data.sampled, data.points.n.length], [203, 3, false, 203]);
    assert.deepEqual(data.points.status.slice(0, 3), ['NOT_FOUND', 'SWAPPED', 'INVALID'], 'problem rows first, in input order');
    assert.deepEqual(data.points.n.slice(0, 3), [202, 203, 204], 'row numbers as in the file (the header is row 1)');
    const placed = data.points.lat.filter((v) => v !== null).length;
    assert.equal(placed, placeableRows(), 'every sample row with usable coordinates has a position');

    // The map: 17 시도 outlines (SVG paths) and one marker per placed point (canvas, counted by Leaflet's layer).
    await page.waitForSelector('#map-canvas[data-points][data-sido]', { timeout: 20_000 });
    assert.equal(await page.getAttribute('#map-canvas', 'data-points'), String(placed));
    assert.equal(await page.getAttribute('#map-canvas', 'data-sido'), '17');
    assert.equal(await page.locator('#map-canvas path.map-boundary-sido').count(), 17);
    assert.ok((await page.evaluate<number>(PAINTED)) > placed * 10, 'the markers are painted on the canvas');
    assert.equal(await page.locator('#map-canvas .leaflet-tile').count(), 0, 'no base tiles');

    // The problem rows, beside the map: one button each, with row number, status and note.
    const buttons = page.locator('#map-side .map-problem');
    assert.equal(await buttons.count(), data.problems);
    assert.equal(await page.locator('#map-side .map-problem:disabled').count(), 1, 'the INVALID row has no point to show');
    // The swapped row (서울 시청): its point is where the swapped-back pair lies. It is the one clicked below.
    assert.deepEqual([data.points.lon[1], data.points.lat[1]], [126.978, 37.5665]);
    const picked = 1;
    const item = page.locator(`#map-side .map-problem[data-index="${picked}"]`);
    const text = (await item.textContent()) ?? '';
    assert.match(text, new RegExp(`${data.points.n[picked]}행`));
    assert.match(text, new RegExp(data.points.status[picked]));
    assert.ok(text.includes(data.points.note[picked] ?? '\u0000'), text);
    // Rows per 시도, most rows first.
    const sidoRows = await page.$$eval('.map-areas-sido tbody tr td:first-of-type', (tds) => tds.map((td) => Number((td.textContent ?? '').replace(/\D/g, ''))));
    assert.equal(sidoRows.reduce((a, b) => a + b, 0), 203);
    assert.deepEqual(sidoRows, [...sidoRows].sort((a, b) => b - a));
    mkdirSync(join(REPO_ROOT, 'docs', 'screenshots'), { recursive: true });
    await page.locator('#map-card').screenshot({ path: SCREENSHOT });

    // A click on the row brings its point into view, close up and ringed; 시군구 outlines come with the zoom.
    const before = await page.getAttribute('#map-canvas', 'data-view');
    await item.click();
    const [lat, lon] = [data.points.lat[picked]!, data.points.lon[picked]!];
    await waitFor('the map to move to the row', async () => {
      const [clat, clon, zoom] = ((await page.getAttribute('#map-canvas', 'data-view')) ?? '').split(',').map(Number);
      return Math.abs(clat - lat) < 0.01 && Math.abs(clon - lon) < 0.01 && zoom >= 12 ? true : undefined;
    }, 10_000, 100);
    assert.notEqual(await page.getAttribute('#map-canvas', 'data-view'), before);
    assert.equal(await page.locator('#map-canvas path.map-highlight').count(), 1);
    assert.equal(await page.getAttribute(`#map-side .map-problem[data-index="${picked}"]`, 'aria-pressed'), 'true');
    await page.waitForSelector('#map-canvas path.map-boundary-sigungu', { timeout: 10_000 });

    // English keeps the map and redraws the lists.
    await page.click('#lang-toggle');
    assert.match((await page.textContent('#map-title')) ?? '', /Result map/);
    assert.match((await page.locator(`#map-side .map-problem[data-index="${picked}"]`).textContent()) ?? '', /row \d+/);
    assert.equal(await page.getAttribute('#map-canvas', 'data-points'), String(placed));
    assert.deepEqual(faults, []);
    await page.close();

    // The routes keep to the key's own jobs and check their queries.
    assert.equal((await fetch(`${BASE}/jobs/${jobId}/points`)).status, 401);
    assert.equal((await fetch(`${BASE}/jobs/${jobId}/points`, { headers: { authorization: `Bearer ${other}` } })).status, 404);
    assert.equal((await fetch(`${BASE}/jobs/${jobId}/points?limit=0`, { headers: { authorization: `Bearer ${key}` } })).status, 400);
    assert.equal((await fetch(`${BASE}/datasets/${data.datasetId}/boundaries?level=ri`, { headers: { authorization: `Bearer ${key}` } })).status, 400);
    const sample = (await (await fetch(`${BASE}/jobs/${jobId}/points?limit=20`, { headers: { authorization: `Bearer ${key}` } })).json()) as Points;
    assert.equal(sample.sampled, true);
    assert.equal(sample.points.n.length, 20);
    assert.ok(sample.points.status.slice(0, data.problems).every((s) => s !== 'OK'), 'problem rows come first');
  });
});
