import { open as openFile, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import * as shapefile from 'shapefile';
import * as yauzl from 'yauzl';
import type { InputCrs } from '@geobatch/contracts';
import { BoundaryImportError } from './feature-collection.scanner';
import { crsFromPrj } from './prj';

/** What a boundary file is, from its first bytes (never from its name). */
export type BoundaryFileKind = 'geojson' | 'zip' | 'shp';

/** `PK\3\4` (a local file header) or `PK\5\6` (the end record of an empty archive). */
function isZipMagic(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 0x03 && b[3] === 0x04) || (b[2] === 0x05 && b[3] === 0x06));
}

/** The .shp main file header starts with the big-endian file code 9994. */
function isShpMagic(b: Buffer): boolean {
  return b.length >= 4 && b.readInt32BE(0) === 9994;
}

export async function detectFileKind(path: string): Promise<BoundaryFileKind> {
  const fh = await openFile(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    const b = head.subarray(0, bytesRead);
    if (isZipMagic(b)) return 'zip';
    if (isShpMagic(b)) return 'shp';
    return 'geojson';
  } finally {
    await fh.close();
  }
}

/** Encodings of .cpg files and `--encoding` that mean the Korean Windows code page (read as WHATWG `euc-kr`, which is CP949). */
const KOREAN_LABELS = new Set([
  'cp949', 'cp-949', 'ms949', 'ms-949', 'windows-949', 'x-windows-949', 'uhc', 'euc-kr', 'euckr', 'euc_kr', 'ks_c_5601-1987',
  'ks_c_5601', 'ksc5601', 'ksc_5601', 'korean', '949', 'ansi 949', 'ansi_949', 'ansi949',
]);
const UTF8_LABELS = new Set(['utf-8', 'utf8', '65001', 'unicode']);

/** What is shown for an encoding in messages. */
export function encodingLabel(whatwg: string): string {
  return whatwg === 'euc-kr' ? 'CP949 (EUC-KR)' : whatwg.toUpperCase();
}

/**
 * Turns an encoding name (from a .cpg file or `--encoding`) into the WHATWG label the dbf reader
 * decodes with; null when it is not a known text encoding. CP949 and its aliases (EUC-KR, MS949,
 * 949, UHC…) become `euc-kr`, which in the WHATWG Encoding Standard is the CP949 superset.
 */
export function normalizeEncoding(name: string): string | null {
  const key = name.replace(/^\uFEFF/, '').trim().toLowerCase();
  if (key === '') return null;
  if (KOREAN_LABELS.has(key)) return 'euc-kr';
  if (UTF8_LABELS.has(key)) return 'utf-8';
  try {
    return new TextDecoder(key).encoding;
  } catch {
    return null;
  }
}

/** Byte offset of the first record of a dbf (its header length field), or null for a file too short to be one. */
function dbfRecordsOffset(dbf: Buffer): number | null {
  if (dbf.length < 32) return null;
  const headerLength = dbf.readUInt16LE(8);
  return headerLength <= dbf.length ? headerLength : null;
}

/** With neither .cpg nor `--encoding`: UTF-8 when the records are valid UTF-8 (plain ASCII included), else CP949. */
export function guessDbfEncoding(dbf: Buffer): string {
  const offset = dbfRecordsOffset(dbf) ?? 0;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(dbf.subarray(offset));
    return 'utf-8';
  } catch {
    return 'euc-kr';
  }
}

/** The files of one shapefile: the .shp and its .dbf, with the .prj and .cpg texts when present. */
interface ShapefileParts {
  /** Names the shapefile in messages, e.g. `TL_SCCO_EMD.shp in emd.zip`. */
  where: string;
  readShp: () => Promise<Buffer>;
  readDbf: () => Promise<Buffer>;
  prj?: string;
  cpg?: string;
}

/** A shapefile ready to be read: its coordinate system and attribute encoding are settled. */
export interface OpenedShapefile {
  where: string;
  crs: InputCrs;
  /** Where the coordinate system came from, e.g. `.prj` or `--srid`. */
  crsFrom: string;
  /** WHATWG label the attributes are decoded with. */
  encoding: string;
  encodingFrom: string;
  /** Parsed features (GeoJSON objects in the shapefile's own coordinates), read lazily. */
  features: AsyncIterable<unknown>;
  /** The attribute records alone, read afresh on each call (no geometry is read). */
  attributes: () => AsyncIterable<Record<string, unknown>>;
}

const SIDECARS = ['.dbf', '.prj', '.cpg'] as const;

/** Entries that are not part of the data: macOS resource forks and hidden files. */
function isJunkEntry(name: string): boolean {
  return name.startsWith('__MACOSX/') || basename(name).startsWith('.') || name.endsWith('/');
}

async function readEntries(zipPath: string, select: (name: string) => boolean): Promise<{ names: string[]; files: Map<string, Buffer> }> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: true, decodeStrings: true });
  } catch (e) {
    throw new BoundaryImportError(`${zipPath} is not a readable zip archive (${(e as Error).message})`);
  }
  const names: string[] = [];
  const files = new Map<string, Buffer>();
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        if (!select(entry.fileName)) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  } catch (e) {
    zip.close();
    throw new BoundaryImportError(`${zipPath} is not a readable zip archive (${(e as Error).message})`);
  }
  return { names, files };
}

/** The entry with the same base name as the .shp and this extension, in any letter case. */
function sibling(names: string[], shpName: string, ext: string): string | undefined {
  const stem = shpName.slice(0, -4).toLowerCase();
  return names.find((n) => n.toLowerCase() === `${stem}${ext}`);
}

/** `entry`: the .shp to read when the archive holds several (e.g. every layer of a 도로명주소 download). */
async function zippedShapefile(zipPath: string, entry?: string, shownAs?: string): Promise<ShapefileParts> {
  const small = (n: string) => ['.prj', '.cpg'].includes(extname(n).toLowerCase()) && !isJunkEntry(n);
  const { names, files } = await readEntries(zipPath, small);
  const shps = entry !== undefined ? names.filter((n) => n === entry) : names.filter((n) => !isJunkEntry(n) && extname(n).toLowerCase() === '.shp');
  if (shps.length === 0 && entry !== undefined) throw new BoundaryImportError(`${zipPath} holds no ${entry}`);
  if (shps.length === 0) {
    const listed = names.filter((n) => !isJunkEntry(n)).slice(0, 10).join(', ') || 'nothing';
    throw new BoundaryImportError(`${zipPath} holds no .shp file (it holds ${listed})`);
  }
  if (shps.length > 1) {
    throw new BoundaryImportError(`${zipPath} holds ${shps.length} shapefiles (${shps.join(', ')}); zip one layer per file`);
  }
  const shp = shps[0];
  const where = shownAs ?? (entry !== undefined ? `${shp} in ${zipPath}` : `${basename(shp)} in ${zipPath}`);
  const dbf = sibling(names, shp, '.dbf');
  if (!dbf) throw new BoundaryImportError(`${where} has no .dbf beside it: the attributes (codes and names) are in the .dbf`);
  const prj = sibling(names, shp, '.prj');
  const cpg = sibling(names, shp, '.cpg');
  const one = async (name: string) => {
    const { files: got } = await readEntries(zipPath, (n) => n === name);
    const buf = got.get(name);
    if (!buf) throw new BoundaryImportError(`${where}: ${name} could not be read from the archive`);
    return buf;
  };
  return {
    where,
    readShp: () => one(shp),
    readDbf: () => one(dbf),
    prj: prj ? files.get(prj)?.toString('utf8') : undefined,
    cpg: cpg ? files.get(cpg)?.toString('latin1') : undefined,
  };
}

async function looseShapefile(shpPath: string): Promise<ShapefileParts> {
  const dir = dirname(shpPath);
  const base = basename(shpPath);
  const stem = extname(base).toLowerCase() === '.shp' ? base.slice(0, -4) : base;
  const found = new Map<string, string>();
  for (const n of await readdir(dir)) {
    for (const ext of SIDECARS) if (n.toLowerCase() === `${stem.toLowerCase()}${ext}`) found.set(ext, join(dir, n));
  }
  const dbf = found.get('.dbf');
  if (!dbf) throw new BoundaryImportError(`${shpPath} has no .dbf beside it: the attributes (codes and names) are in the .dbf`);
  const text = async (ext: string, enc: BufferEncoding) => (found.has(ext) ? (await readFile(found.get(ext)!)).toString(enc) : undefined);
  return {
    where: shpPath,
    readShp: () => readFile(shpPath),
    readDbf: () => readFile(dbf),
    prj: await text('.prj', 'utf8'),
    cpg: await text('.cpg', 'latin1'),
  };
}

async function* shapefileFeatures(parts: ShapefileParts, encoding: string, dbfBuffer?: Buffer): AsyncGenerator<unknown> {
  const [shp, dbf] = await Promise.all([parts.readShp(), dbfBuffer ? Promise.resolve(dbfBuffer) : parts.readDbf()]);
  let source: Awaited<ReturnType<typeof shapefile.open>>;
  try {
    source = await shapefile.open(shp, dbf, { encoding });
  } catch (e) {
    throw new BoundaryImportError(`${parts.where} is not a readable shapefile (${(e as Error).message})`);
  }
  let n = 0;
  for (;;) {
    let r: { done: boolean; value: unknown };
    try {
      r = await source.read();
    } catch (e) {
      throw new BoundaryImportError(`${parts.where}, record ${n + 1} cannot be read (${(e as Error).message}); is the file truncated?`);
    }
    if (r.done) return;
    n++;
    yield r.value;
  }
}

export interface ShapefileOptions {
  /** Overrides the .prj. */
  crs?: InputCrs;
  /** Overrides the .cpg (any name `normalizeEncoding` knows). */
  encoding?: string;
  /** Used when there is no .prj (and no `crs`); `crsFrom` then says `fallbackFrom`. */
  fallbackCrs?: InputCrs;
  /** Used when there is no .cpg (and no `encoding`), instead of detecting it. */
  fallbackEncoding?: string;
  /** Names the fallbacks in messages, e.g. `--preset juso`. */
  fallbackFrom?: string;
  /** With a zip: the .shp entry to read (the archive may hold several). */
  entry?: string;
  /** Names the shapefile in messages instead of its path (e.g. for an archive extracted from another). */
  where?: string;
}

/**
 * Opens a shapefile, zipped (exactly one .shp in the archive, in any folder) or as a .shp beside
 * its .dbf/.prj/.cpg, and settles how to read it: the coordinate system from `--srid` or the .prj
 * (see `crsFromPrj`), the attribute encoding from `--encoding`, the .cpg, or else UTF-8 when the
 * records decode as UTF-8 and CP949 otherwise. Throws BoundaryImportError before anything is read
 * into the database when the archive, the .prj or the encoding cannot be used.
 */
export async function openShapefile(path: string, kind: 'zip' | 'shp', options: ShapefileOptions = {}): Promise<OpenedShapefile> {
  const parts = kind === 'zip' ? await zippedShapefile(path, options.entry, options.where) : await looseShapefile(path);
  if (options.where !== undefined) parts.where = options.where;
  let crs: InputCrs;
  let crsFrom: string;
  if (options.crs) {
    crs = options.crs;
    crsFrom = '--srid';
  } else if (parts.prj !== undefined) {
    const found = crsFromPrj(parts.prj);
    if (!found) {
      const shown = parts.prj.trim().slice(0, 120);
      throw new BoundaryImportError(
        `${parts.where}: cannot tell the coordinate system from its .prj (${shown}${parts.prj.trim().length > 120 ? '…' : ''}); ` +
          `give it with --srid (EPSG:4326, 5179, 5186, 5181, 5174, 3857 or 32652)`,
      );
    }
    crs = found;
    crsFrom = '.prj';
  } else if (options.fallbackCrs) {
    crs = options.fallbackCrs;
    crsFrom = options.fallbackFrom ?? 'default';
  } else {
    throw new BoundaryImportError(`${parts.where} has no .prj: give its coordinate system with --srid (e.g. 5179 for 도로명주소 전자지도 files)`);
  }

  let encoding: string;
  let encodingFrom: string;
  let dbfBuffer: Buffer | undefined;
  if (options.encoding !== undefined) {
    const e = normalizeEncoding(options.encoding);
    if (!e) throw new BoundaryImportError(`unknown text encoding "${options.encoding}" (e.g. cp949, euc-kr, utf-8)`);
    encoding = e;
    encodingFrom = '--encoding';
  } else if (parts.cpg !== undefined && parts.cpg.trim() !== '') {
    const e = normalizeEncoding(parts.cpg);
    if (!e) throw new BoundaryImportError(`${parts.where}: its .cpg names an unknown encoding "${parts.cpg.trim()}"; give one with --encoding`);
    encoding = e;
    encodingFrom = '.cpg';
  } else if (options.fallbackEncoding !== undefined) {
    const e = normalizeEncoding(options.fallbackEncoding);
    if (!e) throw new BoundaryImportError(`unknown text encoding "${options.fallbackEncoding}"`);
    encoding = e;
    encodingFrom = options.fallbackFrom ?? 'default';
  } else {
    dbfBuffer = await parts.readDbf();
    encoding = guessDbfEncoding(dbfBuffer);
    encodingFrom = 'detected';
  }
  const attributes = () => dbfRecords(parts, encoding);
  return { where: parts.where, crs, crsFrom, encoding, encodingFrom, features: shapefileFeatures(parts, encoding, dbfBuffer), attributes };
}

/** The .dbf records alone (no geometry), for checks that need only codes and names. */
async function* dbfRecords(parts: ShapefileParts, encoding: string): AsyncGenerator<Record<string, unknown>> {
  let source: Awaited<ReturnType<typeof shapefile.openDbf>>;
  try {
    source = await shapefile.openDbf(await parts.readDbf(), { encoding });
  } catch (e) {
    throw new BoundaryImportError(`${parts.where}: its .dbf is not readable (${(e as Error).message})`);
  }
  let n = 0;
  for (;;) {
    let r: { done: boolean; value: unknown };
    try {
      r = await source.read();
    } catch (e) {
      throw new BoundaryImportError(`${parts.where}, record ${n + 1} of the .dbf cannot be read (${(e as Error).message}); is the file truncated?`);
    }
    if (r.done) return;
    n++;
    yield r.value as Record<string, unknown>;
  }
}
