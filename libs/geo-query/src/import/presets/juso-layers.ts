import { createWriteStream } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as yauzl from 'yauzl';
import type { AdminLevel } from '@geobatch/contracts';
import { OFFICIAL_CODE_DIGITS } from '../area-codes';
import { BoundaryImportError } from '../feature-collection.scanner';

/** The 구역의 도형 layers of a 도로명주소 전자지도 download that Geobatch imports. */
export type JusoLayerName = 'TL_SCCO_CTPRVN' | 'TL_SCCO_SIG' | 'TL_SCCO_EMD' | 'TL_SCCO_LI' | 'TL_SCCO_GEMD';

export interface JusoLayerSpec {
  layer: JusoLayerName;
  level: AdminLevel;
  /** `legal`: the 법정 set (법정동코드); `admin`: the 행정동 set (행정기관코드). */
  set: 'legal' | 'admin';
  codeField: string;
  nameField: string;
  /** Digits of the code as the file holds it; padded with zeros to the 10 of the official code. */
  codeDigits: number;
}

/**
 * Field names as the files have them. TL_SCCO_GEMD names its 10-digit 행정기관코드 `EMD_CD` and the
 * name `EMD_KOR_NM`, like the 법정 읍면동 layer (checked against public readers of the download).
 */
export const JUSO_LAYERS: readonly JusoLayerSpec[] = [
  { layer: 'TL_SCCO_CTPRVN', level: 'sido', set: 'legal', codeField: 'CTPRVN_CD', nameField: 'CTP_KOR_NM', codeDigits: 2 },
  { layer: 'TL_SCCO_SIG', level: 'sigungu', set: 'legal', codeField: 'SIG_CD', nameField: 'SIG_KOR_NM', codeDigits: 5 },
  { layer: 'TL_SCCO_EMD', level: 'eupmyeondong', set: 'legal', codeField: 'EMD_CD', nameField: 'EMD_KOR_NM', codeDigits: 8 },
  { layer: 'TL_SCCO_LI', level: 'ri', set: 'legal', codeField: 'LI_CD', nameField: 'LI_KOR_NM', codeDigits: 10 },
  { layer: 'TL_SCCO_GEMD', level: 'eupmyeondong', set: 'admin', codeField: 'EMD_CD', nameField: 'EMD_KOR_NM', codeDigits: 10 },
];

/** Archives inside archives (a national download of per-시도 zips) are opened this deep. */
const MAX_ZIP_DEPTH = 2;

/** Junk that is never data: macOS resource forks, hidden files, folders. */
function isJunk(name: string): boolean {
  return name.startsWith('__MACOSX/') || basename(name).startsWith('.') || name.endsWith('/');
}

/**
 * The layer a zip entry is the .shp of, by its file name in any letter case and at any folder depth:
 * `TL_SCCO_SIG.shp`, `서울/TL_SCCO_SIG.SHP`, or with a suffix of digits (a date or a 시도 code).
 */
export function jusoLayerOf(entryName: string): JusoLayerName | null {
  if (isJunk(entryName) || extname(entryName).toLowerCase() !== '.shp') return null;
  const stem = basename(entryName).slice(0, -4).toUpperCase();
  const m = /^(TL_SCCO_(?:CTPRVN|SIG|EMD|LI|GEMD))(?:_\d+)?$/.exec(stem);
  return m ? (m[1] as JusoLayerName) : null;
}

/** One entry of an archive: its name and the date in its header (local time, as zip dates are). */
export interface ZipEntryInfo {
  name: string;
  /** `YYYY-MM-DD`, or null when the header has no valid date. */
  date: string | null;
}

/** The date of an MS-DOS date field (bits: year since 1980, month, day), or null. */
export function dosDate(field: number): string | null {
  const year = 1980 + (field >> 9);
  const month = (field >> 5) & 0x0f;
  const day = field & 0x1f;
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A shapefile of one layer inside one archive. */
export interface JusoLayerFile {
  layer: JusoLayerName;
  /** The archive on disk (an inner archive is extracted first). */
  zipPath: string;
  /** The .shp entry inside it. */
  entry: string;
  /** Names it in messages: the .shp in the archive the user gave, e.g. `서울/TL_SCCO_SIG.shp in 11.zip`. */
  where: string;
  date: string | null;
}

/** What an archive given by the user holds. */
export interface JusoArchive {
  path: string;
  layers: JusoLayerFile[];
  /** Entries that are not one of the layers, for the message when there is no layer at all. */
  others: string[];
}

/**
 * The layers in one archive's entry list. `.dbf` siblings are checked by the shapefile reader; the
 * date of a layer is its newest .shp/.dbf entry.
 */
export function findJusoLayers(entries: ZipEntryInfo[], zipPath: string, shownAs = zipPath): Omit<JusoArchive, 'path'> {
  const layers: JusoLayerFile[] = [];
  const others: string[] = [];
  for (const e of entries) {
    const layer = jusoLayerOf(e.name);
    if (layer === null) {
      if (!isJunk(e.name) && extname(e.name).toLowerCase() === '.shp') others.push(e.name);
      continue;
    }
    const stem = e.name.slice(0, -4).toLowerCase();
    const dates = entries.filter((x) => x.name.toLowerCase() === `${stem}.dbf` || x === e).map((x) => x.date).filter((d): d is string => d !== null);
    layers.push({ layer, zipPath, entry: e.name, where: `${e.name} in ${shownAs}`, date: dates.sort().at(-1) ?? null });
  }
  return { layers, others };
}

async function openZip(path: string, shownAs: string): Promise<yauzl.ZipFile> {
  try {
    return await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, decodeStrings: true });
  } catch (e) {
    throw new BoundaryImportError(`${shownAs} is not a readable zip archive (${(e as Error).message})`);
  }
}

/** Lists an archive; inner `.zip` entries are extracted where `extract` says (null: left alone) for a later look. */
async function listZip(
  path: string,
  shownAs: string,
  extract: (entry: string) => string | null,
): Promise<{ entries: ZipEntryInfo[]; inner: { entry: string; path: string }[] }> {
  const zip = await openZip(path, shownAs);
  const entries: ZipEntryInfo[] = [];
  const inner: { entry: string; path: string }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.push({ name: entry.fileName, date: dosDate(entry.lastModFileDate) });
        const target = !isJunk(entry.fileName) && extname(entry.fileName).toLowerCase() === '.zip' ? extract(entry.fileName) : null;
        if (target === null) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          pipeline(stream, createWriteStream(target)).then(() => {
            inner.push({ entry: entry.fileName, path: target });
            zip.readEntry();
          }, reject);
        });
      });
      zip.readEntry();
    });
  } catch (e) {
    throw new BoundaryImportError(`${shownAs} is not a readable zip archive (${(e as Error).message})`);
  } finally {
    zip.close();
  }
  return { entries, inner };
}

/**
 * Finds the layers in each archive given (and in archives inside them, such as the per-시도 zips of a
 * national download). An archive with none of the layers is an error that lists what it holds.
 * Inner archives are extracted into `scratch`, which the caller removes.
 */
export async function scanJusoArchives(paths: string[], scratch: string): Promise<JusoArchive[]> {
  let n = 0;
  const out: JusoArchive[] = [];
  for (const path of paths) {
    const archive: JusoArchive = { path, layers: [], others: [] };
    const queue: { path: string; shownAs: string; depth: number }[] = [{ path, shownAs: path, depth: 0 }];
    const seen: string[] = [];
    while (queue.length > 0) {
      const z = queue.shift()!;
      const canNest = z.depth < MAX_ZIP_DEPTH;
      const { entries, inner } = await listZip(z.path, z.shownAs, () => (canNest ? join(scratch, `inner-${++n}.zip`) : null));
      const found = findJusoLayers(entries, z.path, z.shownAs);
      archive.layers.push(...found.layers);
      archive.others.push(...found.others);
      seen.push(...entries.filter((e) => !isJunk(e.name)).map((e) => e.name));
      for (const i of inner) queue.push({ path: i.path, shownAs: `${i.entry} in ${z.shownAs}`, depth: z.depth + 1 });
    }
    if (archive.layers.length === 0) {
      const listed = seen.slice(0, 12).join(', ') || 'nothing';
      throw new BoundaryImportError(
        `${path} holds none of the 도로명주소 전자지도 layers ${JUSO_LAYERS.map((l) => l.layer).join(', ')} ` +
          `(it holds ${listed}${seen.length > 12 ? `, … ${seen.length} entries` : ''})`,
      );
    }
    out.push(archive);
  }
  return out;
}

/**
 * A code as the official systems spell it, 10 digits: CTPRVN_CD `11` → `1100000000`, SIG_CD `11110`
 * → `1111000000`, EMD_CD `11110101` → `1111010100`; LI_CD and 행정기관코드 are 10 already. A code that
 * is already padded is kept. Anything else is an error naming the feature.
 */
export function officialCode(raw: unknown, spec: JusoLayerSpec, where: string): string {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (/^\d+$/.test(text)) {
    if (text.length === spec.codeDigits) return text.padEnd(OFFICIAL_CODE_DIGITS, '0');
    if (text.length === OFFICIAL_CODE_DIGITS && /^0*$/.test(text.slice(spec.codeDigits))) return text;
  }
  throw new BoundaryImportError(
    `${where}: ${spec.codeField} ${JSON.stringify(raw ?? null)} is not a ${spec.codeDigits}-digit code ` +
      `(${spec.layer} holds ${spec.codeDigits}-digit codes in ${spec.codeField})`,
  );
}
