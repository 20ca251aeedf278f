import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { detectDelimiter, type CsvDelimiter } from './detect-delimiter';
import { detectEncoding, type TextEncodingName } from './detect-encoding';

const SAMPLE_BYTES = 64 * 1024;
/** A single field larger than this is refused rather than buffered. */
const MAX_FIELD_CHARS = 32 * 1024 * 1024;

export interface CsvOptions {
  encoding?: TextEncodingName | 'auto';
  delimiter?: CsvDelimiter;
}

/** One data record. `n` counts every record after the header, blank ones included, from 1. */
export interface TableRow {
  n: number;
  cells: string[];
  blank: boolean;
}

export class CsvFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvFormatError';
  }
}

export interface CsvTable {
  encoding: TextEncodingName;
  bom: boolean;
  delimiter: CsvDelimiter;
  header: string[];
  /** Streams the data rows; each call reads the file again from the start. */
  rows(): AsyncGenerator<TableRow>;
}

function firstLineOf(sample: Buffer, encoding: TextEncodingName): string {
  const text = iconv.decode(sample, encoding === 'cp949' ? 'cp949' : 'utf-8');
  const end = text.search(/\r?\n/);
  return (end === -1 ? text : text.slice(0, end)).replace(/^\uFEFF/, '');
}

async function readSample(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SAMPLE_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function* records(path: string, encoding: TextEncodingName, delimiter: CsvDelimiter): AsyncGenerator<string[]> {
  const parser = parse({
    delimiter,
    bom: true,
    trim: true,
    relax_column_count: true,
    skip_empty_lines: false,
    max_record_size: MAX_FIELD_CHARS,
  });
  // pipeline() forwards a read or decode error into the parser, which ends the loop below with it.
  pipeline(createReadStream(path), iconv.decodeStream(encoding === 'cp949' ? 'cp949' : 'utf-8'), parser, () => undefined);
  try {
    for await (const record of parser as AsyncIterable<string[]>) yield record;
  } catch (e) {
    const err = e as Error & { code?: string; lines?: number };
    throw new CsvFormatError(`CSV를 읽을 수 없습니다 (line ${err.lines ?? '?'}): ${err.message}`);
  }
}

/**
 * Opens a CSV for streaming: detects encoding (strict UTF-8, else CP949) and delimiter from the
 * first 64 KiB, reads the header, and hands out a row iterator that never holds the whole file.
 */
export async function openCsv(path: string, options: CsvOptions = {}): Promise<CsvTable> {
  const sample = await readSample(path);
  const detected = detectEncoding(sample);
  const encoding = options.encoding && options.encoding !== 'auto' ? options.encoding : detected.encoding;
  const delimiter = options.delimiter ?? detectDelimiter(firstLineOf(sample, encoding));

  let header: string[] | undefined;
  for await (const record of records(path, encoding, delimiter)) {
    header = record;
    break;
  }
  if (!header || header.every((h) => h === '')) throw new CsvFormatError('CSV 파일이 비어 있거나 머리글 행이 없습니다 (empty file or no header row)');
  const headerRow = header;

  return {
    encoding,
    bom: detected.bom,
    delimiter,
    header: headerRow,
    async *rows() {
      let n = -1;
      for await (const cells of records(path, encoding, delimiter)) {
        n++;
        if (n === 0) continue;
        yield { n, cells, blank: cells.every((c) => c === '') };
      }
    },
  };
}
