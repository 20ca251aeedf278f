// Finds one shapefile's files, in a zip (any folder) or beside a loose .shp.
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import * as yauzl from 'yauzl';
import { BoundaryImportError } from './feature-collection.scanner';

/** The files of one shapefile: the .shp and its .dbf, with the .prj and .cpg texts when present. */
export interface ShapefileParts {
  /** Names the shapefile in messages, e.g. `TL_SCCO_EMD.shp in emd.zip`. */
  where: string;
  readShp: () => Promise<Buffer>;
  readDbf: () => Promise<Buffer>;
  prj?: string;
  cpg?: string;
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
export async function zippedShapefile(zipPath: string, entry?: string, shownAs?: string): Promise<ShapefileParts> {
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

export async function looseShapefile(shpPath: string): Promise<ShapefileParts> {
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
