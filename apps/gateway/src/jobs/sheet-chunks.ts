import { MAX_COORD_CHARS, rowDateText } from '@geobatch/contracts';
import { cellText, type CellValue, type SheetColumns, type TabularSheet } from '@geobatch/util-spreadsheet';

/** The points of one chunk as columns (RowsChunkEventV2 carries columns, not objects). */
export interface RowsChunk {
  /** 0-based within the sheet. */
  chunk: number;
  n: number[];
  x: (string | null)[];
  y: (string | null)[];
  /** Dated jobs only: each row's date as text; empty otherwise. */
  date: (string | null)[];
}

/** What reading a sheet counted: data rows, blank rows and chunks. */
export interface SheetCounts {
  rows: number;
  blankRows: number;
  chunks: number;
}

/** A coordinate cell as the text the geocoder parses (an XLSX number in its shortest exact form); null when there is no cell. */
export function coordinate(cells: readonly CellValue[], index: number): string | null {
  const value = cells[index];
  if (value === undefined || value === null) return null;
  const text = cellText(value);
  return text.length > MAX_COORD_CHARS ? text.slice(0, MAX_COORD_CHARS) : text;
}

function emptyChunk(chunk: number): RowsChunk {
  return { chunk, n: [], x: [], y: [], date: [] };
}

/**
 * Cuts a sheet's data rows into chunks of `size` points, numbered from 0, skipping blank rows.
 * `counts` is kept up to date as the rows are read (complete once the generator is done).
 */
export async function* readChunks(sheet: TabularSheet, columns: SheetColumns, size: number, dated: boolean, counts: SheetCounts): AsyncGenerator<RowsChunk> {
  const dateIndex = dated ? columns.date : undefined;
  let current = emptyChunk(0);
  for await (const row of sheet.rows()) {
    if (row.blank) {
      counts.blankRows++;
      continue;
    }
    current.n.push(row.n);
    current.x.push(coordinate(row.cells, columns.x));
    current.y.push(coordinate(row.cells, columns.y));
    if (dateIndex !== undefined) current.date.push(rowDateText(row.cells[dateIndex]));
    counts.rows++;
    if (current.n.length >= size) {
      counts.chunks++;
      yield current;
      current = emptyChunk(current.chunk + 1);
    }
  }
  if (current.n.length > 0) {
    counts.chunks++;
    yield current;
  }
}
