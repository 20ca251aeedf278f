import { open as openFile } from 'node:fs/promises';
import * as shapefile from 'shapefile';
import type { InputCrs } from '@geobatch/contracts';
import { BoundaryImportError } from './feature-collection.scanner';
import { crsFromPrj } from './prj';
import { type ShapefileParts, looseShapefile, zippedShapefile } from './shapefile-archive';
import { guessDbfEncoding, normalizeEncoding } from './shapefile-encoding';

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

async function* shapefileFeatures(parts: ShapefileParts, encoding: string, dbfBuffer?: Buffer): AsyncGenerator<unknown> {
  const [shp, dbf] = await Promise.all([parts.readShp(), dbfBuffer ? Promise.resolve(dbfBuffer) : parts.readDbf()]);
  let source: Awaited<ReturnType<typeof shapefile.open>>;
  try {
    source = await shapefile.open(shp, dbf, { encoding });
  } catch (e) {
    throw new BoundaryImportError(`${parts.where} is not a readable shapefile (${(e as Error).message})`);
  }
  yield* sourceRecords(source, (n) => `${parts.where}, record ${n} cannot be read`);
}

/** Every record of an open shapefile or .dbf source; a read that fails says which record (`unreadable(n)`, n from 1). */
async function* sourceRecords(source: { read(): Promise<{ done: boolean; value: unknown }> }, unreadable: (n: number) => string): AsyncGenerator<unknown> {
  for (let n = 1; ; n++) {
    let r: { done: boolean; value: unknown };
    try {
      r = await source.read();
    } catch (e) {
      throw new BoundaryImportError(`${unreadable(n)} (${(e as Error).message}); is the file truncated?`);
    }
    if (r.done) return;
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
  const { crs, crsFrom } = settleCrs(parts, options);
  const { encoding, encodingFrom, dbfBuffer } = await settleEncoding(parts, options);
  const attributes = () => dbfRecords(parts, encoding);
  return { where: parts.where, crs, crsFrom, encoding, encodingFrom, features: shapefileFeatures(parts, encoding, dbfBuffer), attributes };
}

/** The coordinate system: `--srid`, else the .prj, else the fallback; a .prj that names none is refused. */
function settleCrs(parts: ShapefileParts, options: ShapefileOptions): { crs: InputCrs; crsFrom: string } {
  if (options.crs) return { crs: options.crs, crsFrom: '--srid' };
  if (parts.prj !== undefined) {
    const found = crsFromPrj(parts.prj);
    if (!found) {
      const shown = parts.prj.trim().slice(0, 120);
      throw new BoundaryImportError(
        `${parts.where}: cannot tell the coordinate system from its .prj (${shown}${parts.prj.trim().length > 120 ? '…' : ''}); ` +
          `give it with --srid (EPSG:4326, 5179, 5186, 5181, 5174, 3857 or 32652)`,
      );
    }
    return { crs: found, crsFrom: '.prj' };
  }
  if (options.fallbackCrs) return { crs: options.fallbackCrs, crsFrom: options.fallbackFrom ?? 'default' };
  throw new BoundaryImportError(`${parts.where} has no .prj: give its coordinate system with --srid (e.g. 5179 for 도로명주소 전자지도 files)`);
}

interface SettledEncoding {
  encoding: string;
  encodingFrom: string;
  /** The .dbf, when reading it was needed to detect the encoding (so it is not read twice). */
  dbfBuffer?: Buffer;
}

/** The attribute encoding: `--encoding`, else the .cpg, else the fallback, else detected from the .dbf. */
async function settleEncoding(parts: ShapefileParts, options: ShapefileOptions): Promise<SettledEncoding> {
  if (options.encoding !== undefined) {
    const e = normalizeEncoding(options.encoding);
    if (!e) throw new BoundaryImportError(`unknown text encoding "${options.encoding}" (e.g. cp949, euc-kr, utf-8)`);
    return { encoding: e, encodingFrom: '--encoding' };
  }
  if (parts.cpg !== undefined && parts.cpg.trim() !== '') {
    const e = normalizeEncoding(parts.cpg);
    if (!e) throw new BoundaryImportError(`${parts.where}: its .cpg names an unknown encoding "${parts.cpg.trim()}"; give one with --encoding`);
    return { encoding: e, encodingFrom: '.cpg' };
  }
  if (options.fallbackEncoding !== undefined) {
    const e = normalizeEncoding(options.fallbackEncoding);
    if (!e) throw new BoundaryImportError(`unknown text encoding "${options.fallbackEncoding}"`);
    return { encoding: e, encodingFrom: options.fallbackFrom ?? 'default' };
  }
  const dbfBuffer = await parts.readDbf();
  return { encoding: guessDbfEncoding(dbfBuffer), encodingFrom: 'detected', dbfBuffer };
}

/** The .dbf records alone (no geometry), for checks that need only codes and names. */
async function* dbfRecords(parts: ShapefileParts, encoding: string): AsyncGenerator<Record<string, unknown>> {
  let source: Awaited<ReturnType<typeof shapefile.openDbf>>;
  try {
    source = await shapefile.openDbf(await parts.readDbf(), { encoding });
  } catch (e) {
    throw new BoundaryImportError(`${parts.where}: its .dbf is not readable (${(e as Error).message})`);
  }
  for await (const record of sourceRecords(source, (n) => `${parts.where}, record ${n} of the .dbf cannot be read`)) yield record as Record<string, unknown>;
}
