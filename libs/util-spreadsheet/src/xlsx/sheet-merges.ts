import type { Readable } from 'node:stream';
import { ZipArchive, type XlsxLimits } from './zip-archive';

const MERGE_CELL = /<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+\d+(?::[A-Z]+\d+)?)"/g;

/** The `ref`s of a worksheet part's `<mergeCell>` elements (all after `<sheetData>`, which is skipped unparsed). */
async function mergeCellRefs(stream: Readable): Promise<string[]> {
  const refs: string[] = [];
  let text = '';
  let after = false;
  for await (const chunk of stream as AsyncIterable<string>) {
    text += chunk;
    if (!after) {
      const close = text.search(/<\/(?:\w+:)?sheetData>|<(?:\w+:)?sheetData\s*\/>/);
      // Keep only what a tag cut by the chunk's end needs.
      if (close === -1) {
        text = text.slice(-64);
        continue;
      }
      after = true;
      text = text.slice(close);
    }
    const cut = text.lastIndexOf('<');
    const whole = cut === -1 || text.indexOf('>', cut) !== -1 ? text : text.slice(0, cut);
    for (const m of whole.matchAll(MERGE_CELL)) refs.push(m[1]);
    text = text.slice(whole.length);
  }
  return refs;
}

function lastRowOf(ref: string): number {
  const m = /(\d+)$/.exec(ref);
  return m ? Number(m[1]) : 0;
}

function rangesAbove(refs: readonly string[], row: number): string[] {
  return refs.filter((r) => r.includes(':') && lastRowOf(r) < row);
}

/**
 * The merged ranges of a worksheet part that end above `row` (a title block's). exceljs' streaming
 * reader skips `<mergeCells>`, which follows `<sheetData>`, so the part is scanned here, once, on demand.
 */
export async function mergedRangesAbove(path: string, limits: Readonly<XlsxLimits>, part: string, row: number): Promise<string[]> {
  const zip = await ZipArchive.open(path, limits);
  try {
    const entry = zip.find(part);
    if (!entry) return [];
    const stream = await zip.open(entry);
    stream.setEncoding('utf8');
    return rangesAbove(await mergeCellRefs(stream), row);
  } finally {
    zip.close();
  }
}
