// The result map's browser code that runs without Leaflet or a DOM (client/map-data.ts), and its texts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { RowStatus } from '@geobatch/contracts';
import { serveWebPage, WEB_CLIENT_DIR, WEB_ROOT, WEB_STYLES } from '../web/web-page';

/** A browser module from its TypeScript source; the computed path keeps the Node typecheck off it (it has its own tsconfig). */
async function browserModule<T>(name: string): Promise<T> {
  return (await import(join(WEB_CLIENT_DIR, name))) as T;
}

type Rows = { code: string | null; name: string | null; parent?: string | null; rows: number; problems: number };
interface MapData {
  statusGroup(status: string): 'ok' | 'warn' | 'bad';
  STATUS_GROUPS: readonly string[];
  groupCounts(d: { statuses: { status: string; rows: number }[] }): Record<string, number>;
  problemIndexes(p: { status: string[] }): number[];
  sortAreaRows(rows: Rows[], key: 'name' | 'rows' | 'problems'): Rows[];
  pointBounds(p: { lat: (number | null)[]; lon: (number | null)[] }): [[number, number], [number, number]] | null;
  snappedBbox(w: number, s: number, e: number, n: number): number[];
}

describe('result map data (client/map-data.ts)', () => {
  let m: MapData;
  before(async () => {
    m = await browserModule<MapData>('map-data.ts');
  });

  it('colours every row status: OK, found with a caveat, or not found', () => {
    const groups = Object.fromEntries(Object.values(RowStatus).map((s) => [s, m.statusGroup(s)]));
    assert.deepEqual(groups, { OK: 'ok', NEAREST: 'warn', SWAPPED: 'warn', PARTIAL: 'warn', NOT_FOUND: 'bad', INVALID: 'bad', ERROR: 'bad' });
    assert.equal(m.statusGroup('SOMETHING_NEW'), 'bad');
    assert.deepEqual(m.groupCounts({ statuses: [{ status: 'OK', rows: 7 }, { status: 'NEAREST', rows: 2 }, { status: 'SWAPPED', rows: 1 }, { status: 'INVALID', rows: 3 }] }), { ok: 7, warn: 3, bad: 3 });
  });

  it('finds the problem rows and the extent of the points that have a position', () => {
    assert.deepEqual(m.problemIndexes({ status: ['NOT_FOUND', 'INVALID', 'OK', 'OK'] }), [0, 1]);
    assert.deepEqual(m.pointBounds({ lat: [37.5, null, 35.1], lon: [127, 128, 129.1] }), [[35.1, 127], [37.5, 129.1]]);
    assert.equal(m.pointBounds({ lat: [null], lon: [null] }), null);
  });

  it('sorts the area table by rows or problems (largest first) or by name, the rows outside every area last by name', () => {
    const rows: Rows[] = [
      { code: '11', name: '서울특별시', rows: 5, problems: 0 },
      { code: null, name: null, rows: 2, problems: 2 },
      { code: '26', name: '부산광역시', rows: 9, problems: 1 },
    ];
    assert.deepEqual(m.sortAreaRows(rows, 'rows').map((r) => r.code), ['26', '11', null]);
    assert.deepEqual(m.sortAreaRows(rows, 'problems').map((r) => r.code), [null, '26', '11']);
    assert.deepEqual(m.sortAreaRows(rows, 'name').map((r) => r.code), ['26', '11', null]);
    assert.deepEqual(rows.map((r) => r.code), ['11', null, '26'], 'the input is left as it was');
  });

  it('asks for 시군구 by boxes of whole half degrees, so nearby views share one request', () => {
    assert.deepEqual(m.snappedBbox(126.81, 37.41, 127.12, 37.69), [126.5, 37, 127.5, 38]);
    assert.deepEqual(m.snappedBbox(126.9, 37.45, 127.05, 37.6), [126.5, 37, 127.5, 38]);
  });

  it('has a Korean and an English text for every status group of the legend', async () => {
    const { MESSAGES } = await browserModule<{ MESSAGES: Record<'ko' | 'en', Record<string, string>> }>('i18n.ts');
    for (const g of m.STATUS_GROUPS) for (const lang of ['ko', 'en'] as const) assert.ok(MESSAGES[lang][`mapGroup_${g}`], `${lang}.mapGroup_${g}`);
  });
});

@Module({})
class EmptyModule {}

describe('the result map on the page', () => {
  let app: NestExpressApplication;
  let base: string;

  before(async () => {
    app = await NestFactory.create<NestExpressApplication>(EmptyModule, { logger: false });
    serveWebPage(app);
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  after(() => app.close());

  it("serves Leaflet's stylesheet from the npm package, its images inlined (nothing fetched from elsewhere), and the map's own", async () => {
    const html = readFileSync(join(WEB_ROOT, 'index.html'), 'utf8');
    for (const sheet of [WEB_STYLES, 'result-map.css']) {
      assert.match(html, new RegExp(`<link rel="stylesheet" href="${sheet.replace('.', '\\.')}">`));
      const res = await fetch(`${base}/${sheet}`);
      assert.equal(res.status, 200, sheet);
      assert.match(res.headers.get('content-type') ?? '', /^text\/css/);
    }
    const css = await (await fetch(`${base}/${WEB_STYLES}`)).text();
    assert.match(css, /\.leaflet-container/);
    const urls = [...css.matchAll(/url\(\s*["']?([^"')]+)/g)].map((m) => m[1]);
    assert.ok(urls.length > 0);
    for (const u of urls) assert.match(u, /^(data:image\/png;base64,|#default#VML)/, u);
    assert.match(html, /<section class="card result-map"[^>]*id="map-card" hidden>/);
  });
});
