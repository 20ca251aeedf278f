import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { APPENDED_COLUMNS, APPENDED_COLUMNS_EN, RowStatus, type RowResultV1 } from '@geobatch/contracts';
import { suiteTempDir } from '@geobatch/util-testing';
import { ResultCsvWriter } from './result-csv-writer';

const OK: RowResultV1 = {
  n: 1,
  matches: [{ status: RowStatus.Ok, sido: { code: '11', name: '서울특별시' }, sigungu: { code: '11110', name: '종로구' } }],
};
const BAD: RowResultV1 = { n: 2, matches: [{ status: RowStatus.Invalid, note: '좌표 없음, "x" 비어 있음' }] };

describe('ResultCsvWriter', () => {
  const dir = suiteTempDir('geobatch-csv-writer-');

  it('writes UTF-8 with a BOM and CRLF: the input header plus the appended columns, every value exact and properly quoted', async () => {
    const file = join(dir, 'out.csv');
    const w = new ResultCsvWriter(file);
    w.addSheet('s', ['번호', '메모', '']);
    w.addRow(['007', '쉼표, "따옴표"\n줄바꿈', ' 앞뒤 공백 '], OK);
    w.addRow([60, new Date(Date.UTC(2024, 0, 31)), true], BAD);
    await w.drain();
    await w.commit();
    const bytes = await readFile(file);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    assert.ok(text.includes('\r\n'));
    const rows = parse(text, { relax_column_count: false }) as string[][];
    assert.deepEqual(rows[0], ['번호', '메모', '', ...APPENDED_COLUMNS]);
    assert.deepEqual(rows[1], ['007', '쉼표, "따옴표"\n줄바꿈', ' 앞뒤 공백 ', '서울특별시', '종로구', '', '', '서울특별시 종로구', '11', '11110', '', '', 'OK', '']);
    assert.deepEqual(rows[2].slice(0, 3), ['60', '2024-01-31', 'TRUE']);
    assert.deepEqual(rows[2].slice(-2), ['INVALID', '좌표 없음, "x" 비어 있음']);
    assert.equal(rows.length, 3);
  });

  it('uses English headers with lang=en and holds a single sheet', async () => {
    const w = new ResultCsvWriter(join(dir, 'en.csv'), { lang: 'en' });
    w.addSheet('a', ['x']);
    assert.throws(() => w.addSheet('b', ['x']), /one sheet/);
    await w.commit();
    const rows = parse((await readFile(join(dir, 'en.csv'), 'utf8')).slice(1)) as string[][];
    assert.deepEqual(rows[0], ['x', ...APPENDED_COLUMNS_EN]);
  });
  it('writes one group of columns per dataset when the job has several, titled with the dataset labels', async () => {
    const file = join(dir, 'two.csv');
    const w = new ResultCsvWriter(file, { datasets: ['a@1', 'b@2'] });
    w.addSheet('s', ['x']);
    w.addRow(['1'], { n: 1, matches: [OK.matches[0], BAD.matches[0]] });
    await w.commit();
    const rows = parse((await readFile(file, 'utf8')).slice(1)) as string[][];
    assert.deepEqual(rows[0], ['x', ...APPENDED_COLUMNS.map((t) => `${t} [a@1]`), ...APPENDED_COLUMNS.map((t) => `${t} [b@2]`)]);
    assert.deepEqual(rows[1], ['1', '서울특별시', '종로구', '', '', '서울특별시 종로구', '11', '11110', '', '', 'OK', '', '', '', '', '', '', '', '', '', '', 'INVALID', '좌표 없음, "x" 비어 있음']);
  });
});
