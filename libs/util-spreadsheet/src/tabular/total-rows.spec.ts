import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CellValue, TabularRow } from './cell-value';
import { markTotalRows } from './total-rows';

let n = 0;
const row = (...cells: CellValue[]): TabularRow => ({ n: ++n, row: n + 1, cells, blank: cells.every((c) => c === '' || c === null) });

async function marked(rows: TabularRow[]): Promise<string[]> {
  const out: string[] = [];
  for await (const r of markTotalRows((async function* () { yield* rows; })(), { x: 1, y: 2 })) {
    out.push(`${String(r.cells[0] ?? '')}${r.total ? ':total' : r.blank ? ':blank' : ''}`);
  }
  return out;
}

describe('markTotalRows', () => {
  it('marks a 합계/소계/총계/계/Total row without coordinates near the end, in its place', async () => {
    for (const label of ['합계', ' 소계 ', '총계', '계', 'Total', 'TOTAL', '합 계']) {
      assert.deepEqual(await marked([row('a', '127.1', '37.5'), row('b', '127.2', '37.6'), row(label, '', '', 120)]), ['a', 'b', `${label}:total`]);
    }
    // Two totals, a blank row and a note after the first: all near the end.
    assert.deepEqual(
      await marked([row('a', '127.1', '37.5'), row('소계', '', '', 1), row(''), row('※ 단위: km/h'), row('총계', null, null, 2)]),
      ['a', '소계:total', ':blank', '※ 단위: km/h', '총계:total'],
    );
  });

  it('leaves a labelled row with coordinates, a row far from the end and an unlabelled empty-coordinate row alone', async () => {
    assert.deepEqual(await marked([row('합계', '127.1', '37.5'), row('a', '', '', 'memo')]), ['합계', 'a']);
    const middle = [row('a', '127.1', '37.5'), row('소계', '', ''), row('b', '127.1', '37.5'), row('c', '127.1', '37.5'), row('d', '127.1', '37.5'), row('합계', '', '')];
    assert.deepEqual(await marked(middle), ['a', '소계', 'b', 'c', 'd', '합계:total']);
    assert.deepEqual(await marked([row('a', '127.1', '37.5'), row('합계금액', '', '')]), ['a', '합계금액']);
  });
});
