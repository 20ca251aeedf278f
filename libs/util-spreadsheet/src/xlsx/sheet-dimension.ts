import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { DEFAULT_XLSX_LIMITS, ZipArchive, type XlsxLimits } from './zip-archive';

/** Excel's last row: a dimension past it is not a worksheet's. */
const MAX_SHEET_ROW = 1_048_576;
/** `<dimension>` comes second in a worksheet (after `<sheetPr>`): a few KB of the part are plenty. */
const HEAD_BYTES = 4096;
/** A row tag's attributes (`r`, spans, styles) fit in this; a longer carry-over is a cell's text. */
const TAG_CARRY = 512;

/** How far down a worksheet's cells go, and how that was found. */
export interface SheetExtent {
  /** Spreadsheet row number of the last row with a cell (0 for an empty sheet). */
  lastRow: number;
  /** `dimension`: the part's `<dimension ref>`; `rows`: its `<row>` elements, counted. */
  by: 'dimension' | 'rows';
}

/**
 * The last row of a `<dimension ref="A1:H100001"/>` in the head of a worksheet's XML (any namespace
 * prefix); null when there is none or it cannot be a worksheet's extent: a single cell (`A1`, which
 * some writers put for "unknown") or a row past Excel's limit.
 */
export function dimensionLastRow(head: string): number | null {
  const tag = /<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*["']([^"']*)["']/.exec(head);
  if (!tag) return null;
  const range = /^\$?[A-Za-z]{1,3}\$?(\d+):\$?[A-Za-z]{1,3}\$?(\d+)$/.exec(tag[1].trim());
  if (!range) return null;
  const last = Math.max(Number(range[1]), Number(range[2]));
  return last >= 2 && last <= MAX_SHEET_ROW ? last : null;
}

async function readHead(stream: Readable): Promise<string> {
  let head = '';
  try {
    for await (const chunk of stream) {
      head += (chunk as Buffer).toString('latin1');
      if (head.length >= HEAD_BYTES || /<(?:[\w.-]+:)?sheetData\b/.test(head)) break;
    }
  } finally {
    stream.destroy();
  }
  return head.slice(0, HEAD_BYTES);
}

/**
 * The last row of a worksheet's XML by its `<row>` elements: each one's `r`, or its position when a
 * writer leaves `r` out. Streams the part once without parsing cells (tags only, as Latin-1: every
 * byte of a multi-byte character is above ASCII, so no `<` is ever mistaken).
 */
export async function countedLastRow(stream: Readable): Promise<number> {
  const rowTag = /<(?:[\w.-]+:)?row(?=[\s>/])([^>]*)>?/g;
  let last = 0;
  let carry = '';
  try {
    for await (const chunk of stream) {
      const text = carry + (chunk as Buffer).toString('latin1');
      // A tag cut by the chunk's end is read whole with the next chunk.
      const cut = text.lastIndexOf('<');
      const whole = cut >= 0 && text.indexOf('>', cut) === -1 ? text.slice(0, cut) : text;
      carry = text.slice(whole.length).slice(0, TAG_CARRY);
      for (const m of whole.matchAll(rowTag)) {
        const r = /\br\s*=\s*["'](\d+)["']/.exec(m[1]);
        last = r ? Math.max(last, Number(r[1])) : last + 1;
      }
    }
  } finally {
    stream.destroy();
  }
  return last;
}

/** A worksheet part's extent: its dimension when it has a plausible one, else its rows counted. */
export async function sheetExtent(zip: ZipArchive, part: string): Promise<SheetExtent | null> {
  const entry = zip.find(part);
  if (!entry) return null;
  const fromDimension = dimensionLastRow(await readHead(await zip.open(entry)));
  if (fromDimension !== null) return { lastRow: fromDimension, by: 'dimension' };
  return { lastRow: await countedLastRow(await zip.open(entry)), by: 'rows' };
}

async function partXml(zip: ZipArchive, name: string): Promise<string | null> {
  const entry = zip.find(name);
  if (!entry) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of await zip.open(entry, zip.limits.maxPartBytes)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`(?:^|\\s)${name}\\s*=\\s*["']([^"']*)["']`).exec(tag)?.[1];
}

/**
 * The worksheet part of each tab by 0-based position (as `XlsxWorkbook` numbers sheets), from
 * workbook.xml and its relationships alone: nothing else is inflated, not even the shared strings.
 */
async function worksheetParts(zip: ZipArchive): Promise<Map<number, string>> {
  const [workbook, rels] = await Promise.all([partXml(zip, 'xl/workbook.xml'), partXml(zip, 'xl/_rels/workbook.xml.rels')]);
  const out = new Map<number, string>();
  if (!workbook || !rels) return out;
  const targets = new Map<string, string>();
  for (const [, tag] of rels.matchAll(/<(?:[\w.-]+:)?Relationship\b([^>]*)>/g)) {
    const id = attr(tag, 'Id');
    const target = attr(tag, 'Target');
    if (id && target && /\/relationships\/worksheet$/i.test(attr(tag, 'Type') ?? '') && attr(tag, 'TargetMode') !== 'External') targets.set(id, target);
  }
  [...workbook.matchAll(/<(?:[\w.-]+:)?sheet\b([^>]*)>/g)].forEach(([, tag], index) => {
    const target = targets.get(attr(tag, '[\\w.-]+:id') ?? '');
    if (target) out.set(index, target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join('xl', target)));
  });
  return out;
}

/**
 * The extent of some worksheets of an XLSX, by 0-based sheet index (as `TabularSheet.index`), read
 * without parsing any cell or the shared strings: what a progress bar needs before the sheets have
 * been read through. A sheet whose part is missing is left out.
 */
export async function xlsxSheetExtents(path: string, sheets: readonly number[], limits: Partial<XlsxLimits> = {}): Promise<Map<number, SheetExtent>> {
  const zip = await ZipArchive.open(path, { ...DEFAULT_XLSX_LIMITS, ...limits });
  const out = new Map<number, SheetExtent>();
  try {
    for (const [index, part] of await worksheetParts(zip)) {
      if (!sheets.includes(index)) continue;
      const extent = await sheetExtent(zip, part);
      if (extent) out.set(index, extent);
    }
  } finally {
    zip.close();
  }
  return out;
}
