import { basename } from 'node:path';
import { ADMIN_LEVEL_LABELS, type AdminLevel } from '@geobatch/contracts';
import { BoundaryImportError } from '../feature-collection.scanner';
import { assertReadableFile, readGeoJsonFeatures } from '../geojson-features';
import type { ImportGeoJsonOptions, LevelFiles } from '../import-options';
import { detectFileKind } from '../shapefile-source';
import type { ImportPresetOptions } from './import-preset';

export const KOSTAT_DEFAULT_NAME = 'kostat';
export const KOSTAT_ATTRIBUTION = '통계청 통계지리정보서비스(SGIS)';

/** KOSTAT (통계청) census codes: 2 digits of 시도, 5 of 시군구, 7 of 읍면동. */
const LEVEL_BY_CODE_LENGTH: Readonly<Record<number, AdminLevel>> = { 2: 'sido', 5: 'sigungu', 7: 'eupmyeondong' };

/** The level a file's name says: `sido…`, `sgg…`/`sigungu…`, `emd…`/`eupmyeondong…` (as the census layers are named). */
export function kostatLevelFromName(path: string): AdminLevel | null {
  const name = basename(path).toLowerCase();
  if (/^(sido|ctprvn)(?![a-z])/.test(name)) return 'sido';
  if (/^(sgg|sigungu|sig)(?![a-z])/.test(name)) return 'sigungu';
  if (/^(emd|eupmyeondong)(?![a-z])/.test(name)) return 'eupmyeondong';
  return null;
}

/** The level the first feature's `code` says (2/5/7 digits), for a GeoJSON file; null otherwise. */
async function levelFromCode(path: string): Promise<{ level: AdminLevel | null; code?: string; baseYear?: string }> {
  if ((await detectFileKind(path)) !== 'geojson') return { level: null };
  for await (const f of readGeoJsonFeatures(path, path)) {
    const props = (f as { properties?: Record<string, unknown> | null }).properties ?? {};
    const code = typeof props.code === 'string' || typeof props.code === 'number' ? String(props.code).trim() : undefined;
    const baseYear = typeof props.base_year === 'string' || typeof props.base_year === 'number' ? String(props.base_year) : undefined;
    return { level: code && /^\d+$/.test(code) ? (LEVEL_BY_CODE_LENGTH[code.length] ?? null) : null, code, baseYear };
  }
  return { level: null };
}

/**
 * `--preset kostat`: the 통계청 SGIS census layers (one file per level, properties `code` and `name`),
 * each file's level told by its name or else by the length of its first code. The version is the year
 * in the file names, else the features' `base_year`.
 */
export async function kostatImportOptions(files: string[], o: ImportPresetOptions): Promise<ImportGeoJsonOptions> {
  const levels: LevelFiles = {};
  const years = new Set<string>();
  for (const file of files) {
    await assertReadableFile(file, '--preset kostat');
    const fromName = kostatLevelFromName(file);
    const peek = await levelFromCode(file);
    const level = fromName ?? peek.level;
    if (level === null) {
      throw new BoundaryImportError(
        `${file}: cannot tell its level; name it sido…, sgg… or emd…, or give GeoJSON whose "code" has 2, 5 or 7 digits` +
          (peek.code !== undefined ? ` (its first code is "${peek.code}")` : ''),
      );
    }
    if (levels[level] !== undefined) throw new BoundaryImportError(`${levels[level]} and ${file} are both ${level} (${ADMIN_LEVEL_LABELS[level]}) layers`);
    levels[level] = file;
    const year = /(?:^|[^\d])((?:19|20)\d{2})(?!\d)/.exec(basename(file))?.[1] ?? peek.baseYear;
    if (year !== undefined) years.add(year);
  }
  if (o.version === undefined && years.size > 1) {
    throw new BoundaryImportError(`the files are of different years (${[...years].sort().join(', ')}): give --version`);
  }
  return {
    name: o.name ?? KOSTAT_DEFAULT_NAME,
    version: o.version ?? [...years][0],
    effectiveDate: o.effectiveDate,
    attribution: o.attribution ?? KOSTAT_ATTRIBUTION,
    isDefault: o.isDefault,
    levels,
    codeField: 'code',
    nameField: 'name',
    srid: o.srid,
    encoding: o.encoding,
    onProgress: o.onProgress,
  };
}
