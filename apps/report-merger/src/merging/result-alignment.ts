import type { RowResultV1 } from '@geobatch/contracts';
import type { TabularRow } from '@geobatch/util-spreadsheet';

/**
 * The stored results do not line up with the upload (a row without a result, a result without a
 * row, a missing chunk, different counts). Retrying cannot fix it: the job is failed with this message.
 */
export class MergeDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergeDataError';
  }
}

/** One input data row with its geocoded result; a 합계 row (never published) has none. */
export type AlignedRow = { row: TabularRow; result: RowResultV1 } | { row: TabularRow & { total: true }; result: null };

/**
 * Flattens a sheet's stored chunks (in chunk order) into its row results, checking that the
 * chunks are exactly 0…expectedChunks-1: a gap would shift every later row.
 */
export async function* resultsOfChunks(
  chunks: AsyncIterable<{ chunk: number; rows: RowResultV1[] }>,
  expectedChunks: number,
  label: string,
): AsyncGenerator<RowResultV1> {
  let next = 0;
  for await (const { chunk, rows } of chunks) {
    if (chunk !== next) {
      throw new MergeDataError(
        chunk > next ? `${label}: chunk ${next} is missing (next stored chunk is ${chunk})` : `${label}: chunk ${chunk} is stored twice`,
      );
    }
    next++;
    yield* rows;
  }
  if (next !== expectedChunks) {
    throw new MergeDataError(`${label}: ${next} chunks are stored but the job was sealed with ${expectedChunks}`);
  }
}

/**
 * Zips the input's data rows with the results, in input order. Blank rows were never
 * published, so they are skipped here; 합계 rows neither, and come through in their place without a result. Any row number that does not match, and any row or
 * result left over on either side, is a MergeDataError: a misaligned workbook is never written.
 */
export async function* alignRows(
  input: AsyncIterable<TabularRow>,
  results: AsyncIterable<RowResultV1>,
  label: string,
): AsyncGenerator<AlignedRow> {
  const it = results[Symbol.asyncIterator]();
  let aligned = 0;
  try {
    for await (const row of input) {
      if (row.blank) {
        if (row.total) yield { row: { ...row, total: true }, result: null };
        continue;
      }
      const next = await it.next();
      if (next.done) {
        throw new MergeDataError(`${label}: input row ${row.n} has no result (only ${aligned} results are stored)`);
      }
      if (next.value.n !== row.n) {
        throw new MergeDataError(`${label}: the result for row ${next.value.n} is where input row ${row.n} belongs`);
      }
      aligned++;
      yield { row, result: next.value };
    }
    const extra = await it.next();
    if (!extra.done) {
      throw new MergeDataError(`${label}: a result for row ${extra.value.n} has no input row (the input has ${aligned} data rows)`);
    }
  } finally {
    await it.return?.();
  }
}
