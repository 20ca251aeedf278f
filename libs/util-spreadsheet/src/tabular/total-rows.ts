import { isEmptyCell, type CellValue, type TabularRow } from './cell-value';

/** Words a 합계 row is labelled with (compared trimmed, without inner spaces, case-insensitively). */
const TOTAL_WORDS = new Set(['합계', '소계', '총계', '계', 'total']);
/** A 합계 row is "near the end": at most this many other rows with a value follow it. */
const TAIL_ROWS = 2;
/** Rows held while deciding; past this the first candidate is let go as an ordinary row. */
const MAX_HELD = 1_000;

export function isTotalLabel(value: CellValue | undefined): boolean {
  return typeof value === 'string' && TOTAL_WORDS.has(value.replace(/\s+/g, '').toLowerCase());
}

/** A row that would be a 합계 row near the end: no x and no y, and a cell reading 합계/소계/총계/계/Total. */
export function isTotalCandidate(row: TabularRow, columns: { x: number; y: number }): boolean {
  return !row.blank && isEmptyCell(row.cells[columns.x]) && isEmptyCell(row.cells[columns.y]) && row.cells.some(isTotalLabel);
}

/**
 * Marks the 합계 rows of a sheet's data rows (`total`, and `blank` so they are never published):
 * rows without x and y that read 합계/소계/총계/계/Total, with at most TAIL_ROWS other rows with a
 * value after them. Applied where a planned upload's rows are read, so the gateway and the merger
 * agree on them. Holds rows only from a candidate on, and at most MAX_HELD.
 */
export async function* markTotalRows(rows: AsyncIterable<TabularRow>, columns: { x: number; y: number }): AsyncGenerator<TabularRow> {
  let held: TabularRow[] = [];
  let after = 0;
  const others = (list: readonly TabularRow[]) => list.filter((r, i) => i > 0 && !r.blank && !isTotalCandidate(r, columns)).length;
  for await (const row of rows) {
    if (held.length === 0 && !isTotalCandidate(row, columns)) {
      yield row;
      continue;
    }
    held.push(row);
    if (held.length > 1 && !row.blank && !isTotalCandidate(row, columns)) after++;
    while (held.length > 0 && (after > TAIL_ROWS || held.length > MAX_HELD)) {
      // The first candidate is not near the end: it and the rows up to the next candidate go out as they are.
      const next = held.findIndex((r, i) => i > 0 && isTotalCandidate(r, columns));
      const cut = next === -1 ? held.length : next;
      yield* held.slice(0, cut);
      held = held.slice(cut);
      after = others(held);
    }
  }
  for (const row of held) yield isTotalCandidate(row, columns) ? { ...row, blank: true, total: true } : row;
}
