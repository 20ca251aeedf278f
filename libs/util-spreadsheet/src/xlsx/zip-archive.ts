import { Transform, type Readable, type TransformCallback } from 'node:stream';
import yauzl from 'yauzl';
import { SpreadsheetLimitError, XlsxFormatError } from '../tabular/errors';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * Safety limits for reading an XLSX (a ZIP of XML parts). Checked on the central directory
 * before anything is inflated, and again while streaming: yauzl refuses an entry that inflates
 * to more than it declared, and no XML token (text or tag) may run longer than `maxTokenBytes`.
 */
export interface XlsxLimits {
  /** Entries in the archive (a workbook has a few dozen; a bomb may have millions). */
  maxEntries: number;
  /** Declared uncompressed size of all entries together. */
  maxTotalUncompressedBytes: number;
  /** Declared uncompressed size of one entry (a worksheet's XML). */
  maxEntryUncompressedBytes: number;
  /** Uncompressed ÷ compressed size of one entry, checked for entries above `ratioCheckMinBytes`. */
  maxCompressionRatio: number;
  ratioCheckMinBytes: number;
  /** The shared-string table is held in memory while a sheet is read. */
  maxSharedStringsBytes: number;
  /** Other parts parsed whole: workbook.xml, relationships, styles. */
  maxPartBytes: number;
  /** Longest run of XML without a `<`: bounds any single cell text or tag the parser must buffer. */
  maxTokenBytes: number;
}

export const DEFAULT_XLSX_LIMITS: Readonly<XlsxLimits> = {
  maxEntries: 10_000,
  maxTotalUncompressedBytes: 5 * GiB,
  maxEntryUncompressedBytes: 4 * GiB,
  maxCompressionRatio: 200,
  ratioCheckMinBytes: MiB,
  maxSharedStringsBytes: 128 * MiB,
  maxPartBytes: 64 * MiB,
  maxTokenBytes: 8 * MiB,
};

function mb(bytes: number): string {
  return `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0)} MiB`;
}

/** Fails a stream of XML whose text or tag between two `<` grows beyond the limit (a bomb inside one cell). */
class MarkupGuard extends Transform {
  private run = 0;

  constructor(
    private readonly maxTokenBytes: number,
    private readonly part: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const first = chunk.indexOf(0x3c);
    if (first === -1) {
      this.run += chunk.length;
    } else {
      // Runs inside one chunk are shorter than the chunk (far below any sensible limit).
      this.run += first;
      if (this.run <= this.maxTokenBytes) this.run = chunk.length - chunk.lastIndexOf(0x3c) - 1;
    }
    if (this.run > this.maxTokenBytes) {
      done(
        new SpreadsheetLimitError(
          `통합 문서의 셀 하나가 너무 큽니다 (${this.part}: more than ${mb(this.maxTokenBytes)} of text in one cell or tag)`,
        ),
      );
      return;
    }
    done(null, chunk);
  }
}

/**
 * A ZIP archive read through its central directory (random access, one entry at a time),
 * checked against the limits as it is opened. Close it when done.
 */
export class ZipArchive {
  private readonly byLowerName = new Map<string, yauzl.Entry>();

  private constructor(
    private readonly zip: yauzl.ZipFile,
    readonly entries: ReadonlyMap<string, yauzl.Entry>,
    readonly limits: Readonly<XlsxLimits>,
  ) {
    for (const [name, entry] of entries) this.byLowerName.set(name.toLowerCase(), entry);
  }

  static async open(path: string, limits: Readonly<XlsxLimits> = DEFAULT_XLSX_LIMITS): Promise<ZipArchive> {
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(path, {
        lazyEntries: true,
        autoClose: false,
        // An entry that inflates to more (or less) than its declared size is an error while streaming.
        validateEntrySizes: true,
        decodeStrings: true,
        strictFileNames: false,
      } as yauzl.Options);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw e;
      throw new XlsxFormatError(`XLSX(ZIP) 파일이 손상되었습니다 (a damaged ZIP/XLSX file: ${(e as Error).message})`);
    }
    try {
      if (zip.entryCount > limits.maxEntries) {
        throw new SpreadsheetLimitError(
          `ZIP 항목이 너무 많습니다 (${zip.entryCount} entries, at most ${limits.maxEntries}: not a plausible workbook)`,
        );
      }
      const entries = new Map<string, yauzl.Entry>();
      let total = 0;
      for await (const entry of zip.eachEntry()) {
        const name = entry.fileName;
        if (entry.isEncrypted()) {
          throw new XlsxFormatError(`암호화된 ZIP 항목이 있습니다 (encrypted entry "${name}": remove the password and upload again)`);
        }
        if (entry.uncompressedSize > limits.maxEntryUncompressedBytes) {
          throw new SpreadsheetLimitError(
            `압축을 풀면 너무 큰 항목이 있습니다 (${name}: ${mb(entry.uncompressedSize)} uncompressed, at most ${mb(limits.maxEntryUncompressedBytes)})`,
          );
        }
        total += entry.uncompressedSize;
        if (total > limits.maxTotalUncompressedBytes) {
          throw new SpreadsheetLimitError(
            `압축을 풀면 너무 큽니다 (more than ${mb(limits.maxTotalUncompressedBytes)} uncompressed in total)`,
          );
        }
        const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
        if (entry.uncompressedSize > limits.ratioCheckMinBytes && ratio > limits.maxCompressionRatio) {
          throw new SpreadsheetLimitError(
            `압축률이 비정상적으로 높습니다: ZIP 폭탄으로 보입니다 (${name} inflates ${Math.round(ratio)}×, at most ${limits.maxCompressionRatio}×: looks like a zip bomb)`,
          );
        }
        entries.set(name, entry);
      }
      return new ZipArchive(zip, entries, limits);
    } catch (e) {
      zip.close();
      if (e instanceof XlsxFormatError || e instanceof SpreadsheetLimitError) throw e;
      throw new XlsxFormatError(`XLSX(ZIP) 파일이 손상되었습니다 (a damaged ZIP/XLSX file: ${(e as Error).message})`);
    }
  }

  /** An entry by exact name, else case-insensitively (some writers capitalise part names). */
  find(name: string): yauzl.Entry | undefined {
    return this.entries.get(name) ?? this.byLowerName.get(name.toLowerCase());
  }

  /**
   * The inflated content of an entry, at most `maxBytes` (declared) and guarded while it flows.
   * Errors (a lying size, an overlong token, a damaged stream) surface on the returned stream.
   */
  async open(entry: yauzl.Entry, maxBytes = this.limits.maxEntryUncompressedBytes): Promise<Readable> {
    if (entry.uncompressedSize > maxBytes) {
      throw new SpreadsheetLimitError(
        `통합 문서의 ${entry.fileName} 부분이 너무 큽니다 (${mb(entry.uncompressedSize)}, at most ${mb(maxBytes)})`,
      );
    }
    let raw: Readable;
    try {
      raw = await this.zip.openReadStreamPromise(entry);
    } catch (e) {
      throw new XlsxFormatError(`XLSX(ZIP) 파일이 손상되었습니다 (${entry.fileName}: ${(e as Error).message})`);
    }
    const guard = new MarkupGuard(this.limits.maxTokenBytes, entry.fileName);
    raw.on('error', (e: Error) => {
      guard.destroy(
        e instanceof SpreadsheetLimitError
          ? e
          : /too many bytes|not enough bytes/.test(e.message)
            ? new SpreadsheetLimitError(`ZIP 항목 크기가 선언과 다릅니다: ZIP 폭탄으로 보입니다 (${entry.fileName}: ${e.message})`)
            : new XlsxFormatError(`XLSX(ZIP) 파일이 손상되었습니다 (${entry.fileName}: ${e.message})`),
      );
    });
    guard.on('close', () => raw.destroy());
    raw.pipe(guard);
    return guard;
  }

  close(): void {
    this.zip.close();
  }
}
