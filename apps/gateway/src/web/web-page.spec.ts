import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { INPUT_CRS, INPUT_ENCODINGS, JobStatus } from '@geobatch/contracts';
import { WEB_BUNDLE, WEB_CLIENT_DIR, WEB_PAGE_CSP, WEB_ROOT, serveWebPage } from './web-page';

const read = (name: string) => readFileSync(join(WEB_ROOT, name), 'utf8');
/** The page's TypeScript modules (bundled into app.js for the browser). */
const scripts = readdirSync(WEB_CLIENT_DIR).filter((f) => f.endsWith('.ts'));
const readScript = (name: string) => readFileSync(join(WEB_CLIENT_DIR, name), 'utf8');

/**
 * A browser module, loaded from its TypeScript source. The path is computed so the Node
 * typecheck never follows it: the page's code is checked with the DOM lib by its own tsconfig.
 */
async function browserModule<T>(name: string): Promise<T> {
  return (await import(join(WEB_CLIENT_DIR, name))) as T;
}

type Messages = Record<'ko' | 'en', Record<string, string>>;

describe('web page files', () => {
  it('run without inline script, style or handlers, so the CSP can forbid them', () => {
    const html = read('index.html');
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i);
    assert.doesNotMatch(html, /\sstyle\s*=/i);
    assert.doesNotMatch(html, /<style/i);
    assert.match(WEB_PAGE_CSP, /^default-src 'self'/);
  });

  it('never turn text into markup or code', () => {
    for (const f of scripts) {
      const code = readScript(f);
      assert.doesNotMatch(code, /\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, f);
    }
  });

  it('say every string in Korean and English, and every key the page uses exists', async () => {
    const { MESSAGES } = await browserModule<{ MESSAGES: Messages }>('i18n.ts');
    assert.deepEqual(Object.keys(MESSAGES.en).sort(), Object.keys(MESSAGES.ko).sort());
    for (const lang of ['ko', 'en'] as const) {
      for (const [k, v] of Object.entries(MESSAGES[lang])) assert.ok(v.trim() !== '', `${lang}.${k} is empty`);
    }
    const used = new Set<string>();
    for (const m of read('index.html').matchAll(/data-i18n(?:-placeholder|-aria-label)?="([^"]+)"/g)) used.add(m[1]);
    for (const f of scripts) for (const m of readScript(f).matchAll(/\bt\('([A-Za-z_0-9]+)'/g)) used.add(m[1]);
    // Keys built at run time: one per job status and per coordinate system.
    for (const s of Object.values(JobStatus)) used.add(`status_${s}`);
    for (const crs of INPUT_CRS) used.add(`crs_${crs.slice('EPSG:'.length)}`);
    const missing = [...used].filter((k) => !(k in MESSAGES.ko));
    assert.deepEqual(missing, []);
  });

  it('offer the coordinate systems and encodings of the API contract', () => {
    const app = readScript('state.ts');
    const list = (name: string) => JSON.parse((new RegExp(`const ${name} = (\\[[^\\]]*\\]);`).exec(app)?.[1] ?? '[]').replace(/'/g, '"')) as string[];
    assert.deepEqual(list('CRS_CODES'), [...INPUT_CRS]);
    assert.deepEqual(list('ENCODINGS'), [...INPUT_ENCODINGS]);
  });
});

describe('rows per second and time left (format.ts)', () => {
  type RateMeterLike = { add(time: number, rows: number): void; rate(): number | null };
  let fmt: {
    RateMeter: new (windowMs?: number) => RateMeterLike;
    etaSeconds(total: number | null, processed: number, rate: number | null): number | null;
    formatDuration(seconds: number): string;
  };
  let i18n: { setLang(lang: string): string };

  before(async () => {
    fmt = await browserModule('format.ts');
    i18n = await browserModule('i18n.ts');
  });

  it('measures the rate over a window, starting when rows begin to move', () => {
    const m = new fmt.RateMeter(10_000);
    assert.equal(m.rate(), null);
    m.add(0, 0);
    m.add(5_000, 0); // still queued: the wait does not count against the rate
    assert.equal(m.rate(), null);
    m.add(6_000, 100);
    assert.equal(m.rate(), 100);
    m.add(8_000, 300);
    assert.equal(m.rate(), 300 / 3);
    m.add(30_000, 2_500); // older samples leave the window
    assert.equal(m.rate(), (2_500 - 300) / 22);
    m.add(31_000, 10); // a lower count is a restart
    assert.equal(m.rate(), null);
  });

  it('tells the time left only when the total and a rate are known', () => {
    assert.equal(fmt.etaSeconds(1_000, 400, 100), 6);
    assert.equal(fmt.etaSeconds(null, 400, 100), null);
    assert.equal(fmt.etaSeconds(1_000, 400, null), null);
    assert.equal(fmt.etaSeconds(1_000, 400, 0), null);
    assert.equal(fmt.etaSeconds(1_000, 1_200, 10), 0);
  });

  it('writes durations in the page language', () => {
    i18n.setLang('ko');
    assert.equal(fmt.formatDuration(42), '42초');
    assert.equal(fmt.formatDuration(185), '3분 05초');
    assert.equal(fmt.formatDuration(3720), '1시간 02분');
    i18n.setLang('en');
    assert.equal(fmt.formatDuration(185), '3m 05s');
    i18n.setLang('ko');
  });
});

@Controller()
class ProbeController {
  @Get('jobs')
  jobs(): string[] {
    return ['api'];
  }

  @Get('health')
  health(): { ok: boolean } {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('serveWebPage', () => {
  let app: NestExpressApplication;
  let base: string;

  before(async () => {
    app = await NestFactory.create<NestExpressApplication>(ProbeModule, { logger: false });
    serveWebPage(app);
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  after(() => app.close());

  it('answers / with the page and its CSP, and the bundled script with a JavaScript type', async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(page.headers.get('content-security-policy'), WEB_PAGE_CSP);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await page.text(), /<script type="module" src="app.js"><\/script>/);
    const bundle = await fetch(`${base}/${WEB_BUNDLE}`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
    assert.equal(bundle.headers.get('x-content-type-options'), 'nosniff');
    // One self-contained script: no module of its own left to fetch, nothing that writes markup.
    const code = await bundle.text();
    assert.match(code, /lang-toggle/);
    assert.doesNotMatch(code, /^\s*(import|export)\b/m);
    // The page's own modules (esbuild heads each with `// <path>`); Leaflet's, bundled from npm, sets constant markup of its own.
    const own = code.split(/^(?=\/\/ (?:node_modules|apps|libs)\/)/m).filter((part) => !part.startsWith('// node_modules/')).join('');
    assert.match(own, /renderResultMap/);
    assert.doesNotMatch(own, /\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(/);
    assert.match((await fetch(`${base}/style.css`)).headers.get('content-type') ?? '', /^text\/css/);
  });

  it('leaves every other path to the routes', async () => {
    assert.deepEqual(await (await fetch(`${base}/jobs`)).json(), ['api']);
    assert.deepEqual(await (await fetch(`${base}/health`)).json(), { ok: true });
    assert.equal((await fetch(`${base}/datasets`)).status, 404);
    assert.equal((await fetch(`${base}/`, { method: 'POST' })).status, 404);
  });
});
