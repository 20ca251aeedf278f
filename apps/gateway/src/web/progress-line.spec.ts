import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WEB_CLIENT_DIR } from './web-page';

type Line = { percent: number | null; text: string; done: number; total: number | null };
type View = { status: string; rows: { total: number | null; processed: number; ok?: number; problems?: number; blank?: number }; progress?: { totalEstimated?: boolean } };

/** A browser module from its TypeScript source (a computed path: the Node typecheck leaves page code to its own tsconfig). */
async function browserModule<T>(name: string): Promise<T> {
  return (await import(join(WEB_CLIENT_DIR, name))) as T;
}

describe('the page\'s bar and its text (format.ts rowsLine)', () => {
  let fmt: { rowsLine(view: View): Line };
  let i18n: { setLang(lang: string): string };

  before(async () => {
    fmt = await browserModule('format.ts');
    i18n = await browserModule('i18n.ts');
    i18n.setLang('ko');
  });

  it('shows a completed job with a blank row as 100 %, the blank row counted as done', () => {
    const line = fmt.rowsLine({ status: 'completed', rows: { total: 9, processed: 8, ok: 8, problems: 0, blank: 1 } });
    assert.deepEqual([line.percent, line.done, line.text], [100, 9, '9 / 9행 (100%)']);
  });

  it('is determinate as soon as an estimated total is known, and says it is an estimate', () => {
    const line = fmt.rowsLine({ status: 'running', rows: { total: 100_000, processed: 20_000, blank: 0 }, progress: { totalEstimated: true } });
    assert.equal(line.percent, 20);
    assert.match(line.text, /20,000 \/ 약 100,000행 \(20%/);
    const exact = fmt.rowsLine({ status: 'running', rows: { total: 100_000, processed: 20_000, blank: 0 }, progress: { totalEstimated: false } });
    assert.equal(exact.text, '20,000 / 100,000행 (20%)');
  });

  it('stays indeterminate without a total, and below 100 % until the job has completed', () => {
    assert.equal(fmt.rowsLine({ status: 'running', rows: { total: null, processed: 5 } }).percent, null);
    assert.equal(fmt.rowsLine({ status: 'running', rows: { total: 10, processed: 10, blank: 0 } }).percent, 99);
  });
});

describe('the page bundle and the shared rate window', () => {
  it('bundles the rate window from libs/contracts without the DTOs\' class-validator', async () => {
    const bundler = join(__dirname, '../../../../tools/build/bundle-web.mjs');
    const { bundleWebPage } = (await import(bundler)) as { bundleWebPage(): Promise<string> };
    const code = await bundleWebPage();
    // Plain checks, not regexes on the bundle: a failure must not print half a megabyte of it.
    assert.ok(code.includes('fromFirstProgress'), 'the shared RateWindow is in the bundle');
    for (const dto of ['class-validator', 'IsOptional', 'JobRowsDto']) assert.ok(!code.includes(dto), `${dto} is not in the bundle`);
  });
});
