import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import type { TabularRow } from '../tabular/cell-value';
import { CsvFormatError } from '../tabular/errors';
import { HEADER_FIND_ROWS, readHeaderRow, type HeaderRowRequest, type LeadRow } from '../tabular/find-header-row';
import { readHead } from '../tabular/sniff-file-kind';
import { detectDelimiter, type CsvDelimiter } from './detect-delimiter';
import { detectEncoding, encodingFor, type EncodingChoice, type TextEncodingName } from './detect-encoding';
import { quoteFreeLineEnd, quoteFreeRecords, type LineEnd } from './quote-free-csv';

/**
 * Bytes that decide the encoding: large enough that a file whose first lines are plain ASCII
 * (numbers, codes) still shows its Korean text. A UTF-8 error further on is reported, never
 * silently replaced.
 */
const ENCODING_SAMPLE_BYTES = 1024 * 1024;
/** A single record larger than this is refused rather than buffered. */
const MAX_RECORD_CHARS = 32 * 1024 * 1024;

export interface CsvOptions {
  encoding?: EncodingChoice;
  delimiter?: CsvDelimiter;
  /**
   * `auto` (the default) splits a file without quote characters on its lines (quote-free-csv.ts)
   * and parses any other with csv-parse; `csv-parse` always parses (to compare the two).
   */
  parser?: 'auto' | 'csv-parse';
  /** Where the header is (see find-header-row.ts); found when not given. */
  header?: HeaderRowRequest;
}

/** A CSV data row: every cell is the exact text of the field, trimmed. */
export interface CsvRow extends TabularRow {
  cells: string[];
}

export interface CsvTable {
  encoding: TextEncodingName;
  bom: boolean;
  delimiter: CsvDelimiter;
  header: string[];
  /** Record number of the header (1 unless a title block or blank lines come first; 0 with `headerProblem`). */
  headerRow: number;
  /** The records with a value above the header (title, notes), with their record numbers. */
  above: LeadRow[];
  /** Why the `headerRow` asked for cannot be the header. */
  headerProblem?: string;
  /** Streams the data rows; each call reads the file again from the start. */
  rows(): AsyncGenerator<CsvRow>;
}

/**
 * Strict streaming UTF-8 validation: an invalid byte sequence anywhere is an error naming the
 * way out (`encoding=cp949`), never a silent U+FFFD. The bytes pass on unchanged, cut only
 * between characters: csv-parse decodes each field itself, the quote-free path each piece whole.
 */
class StrictUtf8Validator extends Transform {
  /** The start of a character cut off by the end of the previous chunk. */
  private carry: Buffer = Buffer.alloc(0);
  private offset = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = completeLength(data);
    if (!isUtf8(data.subarray(0, cut))) return done(this.invalid());
    this.offset += cut;
    this.carry = data.subarray(cut);
    done(null, cut === 0 ? undefined : data.subarray(0, cut));
  }

  override _flush(done: TransformCallback): void {
    done(this.carry.length > 0 ? this.invalid() : null);
  }

  private invalid(): CsvFormatError {
    return new CsvFormatError(
      `UTF-8로 읽을 수 없는 바이트가 있습니다 (${this.offset.toLocaleString('en-US')}바이트 이후). 인코딩을 cp949로 지정해 보세요 ` +
        `(invalid UTF-8 after byte ${this.offset}: upload again with encoding=cp949)`,
    );
  }
}

/** Length of `data` without a multi-byte character its end cuts off (at most 3 bytes are left over). */
function completeLength(data: Buffer): number {
  const len = data.length;
  for (let back = 1; back <= Math.min(3, len); back++) {
    const byte = data[len - back];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead
    if (byte < 0xc0) return len; // ASCII
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return needed > back ? len - back : len;
  }
  return len;
}

function decoderFor(encoding: TextEncodingName): Transform {
  return encoding === 'utf-8' ? new StrictUtf8Validator() : (iconv.decodeStream(encoding) as unknown as Transform);
}

/** The file's text, decoded (and for UTF-8 validated) as it streams; a read or decode error ends the loop with it. */
async function* decodedText(path: string, encoding: TextEncodingName): AsyncGenerator<string> {
  const decoder = decoderFor(encoding);
  // 64 KiB reads: with larger strings (and the fields sliced from them) the same file took twice the CPU, most of it in GC.
  pipeline(createReadStream(path), decoder, () => undefined);
  // The UTF-8 validator passes whole characters only, so each chunk decodes on its own.
  for await (const chunk of decoder as AsyncIterable<Buffer | string>) yield typeof chunk === 'string' ? chunk : chunk.toString('utf8');
}

/**
 * The file's records in batches: split on `lineEnd` when the file has no quotes (see
 * quote-free-csv.ts), else parsed by csv-parse. Batches spare a promise per record on the fast path.
 */
async function* records(path: string, encoding: TextEncodingName, delimiter: CsvDelimiter, lineEnd: LineEnd | null = null): AsyncGenerator<string[][]> {
  if (lineEnd !== null) {
    yield* quoteFreeRecords(decodedText(path, encoding), delimiter, lineEnd);
    return;
  }
  const parser = parse({
    delimiter,
    bom: true,
    trim: true,
    relax_column_count: true,
    // A stray quote inside an unquoted field (`5" 모니터`) is kept as text, as Excel does.
    relax_quotes: true,
    skip_empty_lines: false,
    // CRLF, LF and old-Mac CR all end a record, even mixed in one file (pasted-together exports).
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: MAX_RECORD_CHARS,
  });
  let failure: Error | undefined;
  // pipeline() forwards a read or decode error into the parser, which ends the loop below with it.
  pipeline(createReadStream(path), decoderFor(encoding), parser, (err) => {
    if (err) failure = err;
  });
  try {
    for await (const record of parser as AsyncIterable<string[]>) yield [record];
  } catch (e) {
    const err = (failure instanceof CsvFormatError ? failure : e) as Error & { lines?: number };
    if (err instanceof CsvFormatError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
    throw new CsvFormatError(`CSV를 읽을 수 없습니다 (line ${err.lines ?? '?'}): ${err.message}`);
  }
  if (failure instanceof CsvFormatError) throw failure;
}

const isBlank = (cells: readonly string[]) => cells.every((c) => c === '');

/**
 * The line the delimiter is told from: the first line with a candidate delimiter (a title line
 * above the header has none), else the first line.
 */
function delimiterLineOf(sample: Buffer, encoding: TextEncodingName): string {
  const text = encoding === 'utf-8' ? sample.toString('utf8') : iconv.decode(sample, encoding);
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  // The last piece may be cut off by the sample's end; use it only when it is all there is.
  const whole = lines.slice(0, Math.max(1, lines.length - 1)).filter((l) => l.trim() !== '').slice(0, HEADER_FIND_ROWS);
  return whole.find((l) => /[,;\t|]/.test(l)) ?? whole[0] ?? lines[0] ?? '';
}

/** The records with their 1-based record numbers, for the header search (which stops early). */
async function* numberedRecords(path: string, encoding: TextEncodingName, delimiter: CsvDelimiter): AsyncGenerator<LeadRow> {
  let row = 0;
  for await (const batch of records(path, encoding, delimiter)) {
    for (const cells of batch) yield { row: ++row, cells };
  }
}

/**
 * Opens a CSV for streaming: detects the encoding (BOM, else strict UTF-8, else CP949) and the
 * delimiter from the first MiB unless given, finds the header (find-header-row.ts), and
 * hands out a row iterator that never holds the whole file.
 */
export async function openCsv(path: string, options: CsvOptions = {}): Promise<CsvTable> {
  const sample = await readHead(path, ENCODING_SAMPLE_BYTES);
  const detected = detectEncoding(sample);
  const wanted = encodingFor(options.encoding);
  const encoding = wanted === 'auto' ? detected.encoding : wanted;
  const delimiter = options.delimiter ?? detectDelimiter(delimiterLineOf(sample, encoding));

  const found = await readHeaderRow(numberedRecords(path, encoding, delimiter), options.header);
  if (found.headerRow === 0 && !found.problem) throw new CsvFormatError('CSV 파일이 비어 있거나 머리글 행이 없습니다 (empty file or no header row)');
  const headerAt = found.headerRow;
  // Scanned once, on the first read of the rows (the header above is a few lines either way).
  let lineEnd: Promise<LineEnd | null> | undefined;

  return {
    encoding,
    bom: detected.bom,
    delimiter,
    header: found.header,
    headerRow: headerAt,
    above: found.above,
    ...(found.problem ? { headerProblem: found.problem } : {}),
    async *rows() {
      if (headerAt === 0) return;
      lineEnd ??= options.parser === 'csv-parse' ? Promise.resolve(null) : quoteFreeLineEnd(path, encoding, MAX_RECORD_CHARS);
      let line = 0;
      for await (const batch of records(path, encoding, delimiter, await lineEnd)) {
        for (const cells of batch) {
          line++;
          if (line <= headerAt) continue;
          yield { n: line - headerAt, row: line, cells, blank: isBlank(cells) };
        }
      }
    },
  };
}
