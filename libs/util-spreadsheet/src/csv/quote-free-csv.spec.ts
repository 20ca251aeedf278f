import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { mulberry32 } from '@geobatch/util-testing';
import { openCsv } from './csv-table';
import { CSV_DELIMITERS } from './detect-delimiter';
import { quoteFreeLineEnd } from './quote-free-csv';

const MiB = 1024 * 1024;

describe('quote-free CSV fast path', () => {
  let dir: string;
  let seq = 0;
  const file = async (content: string | Buffer): Promise<string> => {
    const path = join(dir, `q${++seq}.csv`);
    await writeFile(path, content);
    return path;
  };
  const rowsOf = async (path: string, parser: 'auto' | 'csv-parse') => {
    const t = await openCsv(path, { parser });
    const rows: unknown[] = [{ header: t.header, headerRow: t.headerRow }];
    for await (const r of t.rows()) rows.push(r);
    return rows;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'geobatch-quote-free-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('quoteFreeLineEnd', () => {
    it('splits LF, CRLF and mixed CRLF/LF files on LF, and CR-only files on CR', async () => {
      assert.equal(await quoteFreeLineEnd(await file('a,b\n1,2\n'), 'utf-8', MiB), '\n');
      assert.equal(await quoteFreeLineEnd(await file('a,b\r\n1,2\r\n'), 'utf-8', MiB), '\n');
      assert.equal(await quoteFreeLineEnd(await file('a,b\r\n1,2\n3,4'), 'utf-8', MiB), '\n');
      assert.equal(await quoteFreeLineEnd(await file('a,b\r1,2\r'), 'utf-8', MiB), '\r');
      assert.equal(await quoteFreeLineEnd(await file('a,b\n1,2\r'), 'utf-8', MiB), '\n', 'a final lone CR ends the last line either way');
      assert.equal(await quoteFreeLineEnd(await file('a,b'), 'utf-8', MiB), '\n');
    });

    it('leaves to csv-parse a file with a quote anywhere, lone CRs mixed with LFs, an over-long line, or UTF-16', async () => {
      const ascii = 'a,b\n' + '1,2\n'.repeat(600_000); // 2.4 MB: the quote comes after the first reads
      assert.equal(await quoteFreeLineEnd(await file(ascii + '3,5" 모니터\n'), 'utf-8', MiB), null);
      assert.equal(await quoteFreeLineEnd(await file('a,b\r1,2\n'), 'utf-8', MiB), null);
      assert.equal(await quoteFreeLineEnd(await file('a,b\n1,2\r3,4'), 'utf-8', MiB), null);
      const long = await file(`a,b\n${'x'.repeat(1.5 * MiB)}\n1,2\n`);
      assert.equal(await quoteFreeLineEnd(long, 'utf-8', 1.25 * MiB), null);
      assert.equal(await quoteFreeLineEnd(long, 'utf-8', 2 * MiB), '\n');
      await assert.rejects(quoteFreeLineEnd(long, 'utf-8', 1000), RangeError, 'a limit below the read size could not be kept');
      assert.equal(await quoteFreeLineEnd(await file(Buffer.from('a,b\n1,2\n', 'utf16le')), 'utf-16le', MiB), null);
      assert.equal(await quoteFreeLineEnd(await file(iconv.encode('회사,경도\n울산,127.1\n', 'cp949')), 'cp949', MiB), '\n');
    });

    it('sees a CR and its LF split by the 1 MiB reads as CRLF, and a CR the next read does not follow with LF as lone', async () => {
      const head = 'a\n' + 'x'.repeat(MiB - 3); // the CR is the last byte of the first read
      assert.equal(await quoteFreeLineEnd(await file(head + '\r\n1\n'), 'utf-8', 2 * MiB), '\n');
      assert.equal(await quoteFreeLineEnd(await file(head + '\r1\n'), 'utf-8', 2 * MiB), null);
    });
  });

  it('reads every quote-free file record for record as csv-parse does (seeded random files)', async () => {
    const rand = mulberry32(20261204);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    // Whitespace both readers trim (String.prototype.trim's), some they keep (U+0085, U+200B), Korean, other delimiters.
    const pieces = ['a', '가', '127.1', '37.5', '', ' ', '  ', '\t', '\u00a0', '\u3000', '\ufeff', '\f', '\v', '\u2028', '\u0085', '\u200b', '서울 중구', "5'", ',', ';', '|', '=1+1', '😀'];
    const endings = [['\n'], ['\r\n'], ['\r'], ['\n', '\r\n']] as const;
    for (let f = 0; f < 300; f++) {
      const delimiter = pick(CSV_DELIMITERS);
      const ends = pick(endings);
      const lines: string[] = [];
      for (let l = Math.floor(rand() * 12); l >= 0; l--) {
        const cells = Array.from({ length: Math.floor(rand() * 5) }, () => Array.from({ length: Math.floor(rand() * 3) }, () => pick(pieces)).join(''));
        lines.push(cells.join(delimiter));
      }
      let text = (rand() < 0.2 ? '\ufeff' : '') + 'h1' + delimiter + 'h2';
      for (const line of lines) text += pick(ends) + line;
      if (rand() < 0.5) text += pick(ends);
      const path = await file(text);
      assert.notEqual(await quoteFreeLineEnd(path, 'utf-8', MiB), null, `the fast path takes ${JSON.stringify(text)}`);
      assert.deepEqual(await rowsOf(path, 'auto'), await rowsOf(path, 'csv-parse'), JSON.stringify({ delimiter, text }));
    }
  });

  it('reads CP949 files and BOM-prefixed UTF-8 files alike on both paths, over many 64 KiB reads', async () => {
    const body = Array.from({ length: 30_000 }, (_, i) => `울산${i}, ${127 + i / 1e5} ,37.5,  메모 ${'가'.repeat(i % 5)}`).join('\r\n');
    for (const path of [await file(iconv.encode(`회사,경도,위도,메모\r\n${body}\r\n`, 'cp949')), await file(`\ufeff회사,경도,위도,메모\n${body}`)]) {
      const fast = await rowsOf(path, 'auto');
      assert.equal(fast.length, 30_001);
      assert.deepEqual(fast, await rowsOf(path, 'csv-parse'));
    }
  });
});
