import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RowStatus, type RowResultV1 } from '@geobatch/contracts';
import type { TabularRow } from '@geobatch/util-spreadsheet';
import { alignRows, MergeDataError, resultsOfChunks } from './result-alignment';

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

const data = (n: number, ...cells: string[]): TabularRow => ({ n, row: n + 1, cells, blank: false });
const blank = (n: number): TabularRow => ({ n, row: n + 1, cells: [''], blank: true });
const result = (n: number): RowResultV1 => ({ n, matches: [{ status: RowStatus.Ok, sido: { code: String(10 + n), name: `시도${n}` } }] });

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('alignRows', () => {
  it('pairs every data row with its result in input order, skipping blank rows', async () => {
    const input = [data(1, 'a'), blank(2), data(3, 'c'), blank(4), blank(5), data(6, 'f')];
    const aligned = await collect(alignRows(from(input), from([result(1), result(3), result(6)]), 'sheet 0'));
    assert.deepEqual(
      aligned.map(({ row, result: r }) => [row.n, row.cells[0], r?.n, r?.matches[0].sido?.name]),
      [[1, 'a', 1, '시도1'], [3, 'c', 3, '시도3'], [6, 'f', 6, '시도6']],
    );
  });

  it('hands a 합계 row on in its place, without a result (it was never published)', async () => {
    const total = { n: 4, row: 5, cells: ['합계', '', ''], blank: true, total: true };
    const input = [data(1, 'a'), data(3, 'c'), total, data(6, 'f')];
    const aligned = await collect(alignRows(from(input), from([result(1), result(3), result(6)]), 'sheet 0'));
    assert.deepEqual(aligned.map(({ row, result: r }) => [row.n, r?.n ?? null]), [[1, 1], [3, 3], [4, null], [6, 6]]);
  });

  it('refuses a result whose row number is not the next data row', async () => {
    await assert.rejects(
      collect(alignRows(from([data(1), data(2), data(3)]), from([result(1), result(3), result(2)]), 'sheet 0')),
      (e: unknown) => e instanceof MergeDataError && /result for row 3 is where input row 2 belongs/.test(e.message),
    );
  });

  it('refuses a result given to a blank row (numbering that counts differently)', async () => {
    await assert.rejects(
      collect(alignRows(from([data(1), blank(2), data(3)]), from([result(1), result(2), result(3)]), 'sheet 0')),
      (e: unknown) => e instanceof MergeDataError && /row 2 is where input row 3/.test(e.message),
    );
  });

  it('refuses fewer results than data rows', async () => {
    await assert.rejects(
      collect(alignRows(from([data(1), data(2)]), from([result(1)]), 'sheet 0')),
      (e: unknown) => e instanceof MergeDataError && /input row 2 has no result/.test(e.message),
    );
  });

  it('refuses more results than data rows', async () => {
    await assert.rejects(
      collect(alignRows(from([data(1), blank(2)]), from([result(1), result(3)]), 'sheet 0')),
      (e: unknown) => e instanceof MergeDataError && /result for row 3 has no input row/.test(e.message),
    );
  });

  it('stops reading the results when the input fails', async () => {
    let closed = false;
    async function* results() {
      try {
        yield result(1);
        yield result(2);
      } finally {
        closed = true;
      }
    }
    async function* input() {
      yield data(1);
      throw new Error('disk gone');
    }
    await assert.rejects(collect(alignRows(input(), results(), 's')), /disk gone/);
    assert.equal(closed, true);
  });
});

describe('resultsOfChunks', () => {
  const chunk = (n: number, ...rows: number[]) => ({ chunk: n, rows: rows.map(result) });

  it('flattens the chunks in order', async () => {
    const rows = await collect(resultsOfChunks(from([chunk(0, 1, 2), chunk(1, 4), chunk(2, 5, 6)]), 3, 's'));
    assert.deepEqual(rows.map((r) => r.n), [1, 2, 4, 5, 6]);
  });

  it('refuses a gap in the chunk numbers', async () => {
    await assert.rejects(
      collect(resultsOfChunks(from([chunk(0, 1), chunk(2, 3)]), 3, 's')),
      (e: unknown) => e instanceof MergeDataError && /chunk 1 is missing/.test(e.message),
    );
  });

  it('refuses a chunk count that differs from the seal', async () => {
    await assert.rejects(
      collect(resultsOfChunks(from([chunk(0, 1), chunk(1, 2)]), 3, 's')),
      (e: unknown) => e instanceof MergeDataError && /2 chunks are stored but the job was sealed with 3/.test(e.message),
    );
  });
});
