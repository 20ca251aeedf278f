import { basename } from 'node:path';
import { BoundaryImportError } from '../feature-collection.scanner';
import { parseEffectiveDate, type ImportGeoJsonOptions } from '../import-options';
import type { ImportPresetOptions } from './import-preset';

export const ADMDONGKOR_DEFAULT_NAME = 'admdongkor';
export const ADMDONGKOR_ATTRIBUTION = 'vuski/admdongkor (CC BY 4.0), 통계청 SGIS';

/** `HangJeongDong_ver20230701.geojson` → `2023-07-01`; null for another name. */
export function admdongkorReleaseDate(path: string): string | null {
  const m = /^HangJeongDong_ver(\d{4})(\d{2})(\d{2})(?!\d)/i.exec(basename(path));
  if (!m) return null;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  try {
    return parseEffectiveDate(date);
  } catch {
    throw new BoundaryImportError(`${basename(path)}: "ver${m[1]}${m[2]}${m[3]}" is not a date`);
  }
}

/**
 * `--preset admdongkor`: one vuski/admdongkor release, a GeoJSON of 행정동 whose features carry the
 * 10-digit 행정기관코드 (`adm_cd2`), the full name (`adm_nm`, "서울특별시 종로구 사직동") and the 시도
 * and 시군구 names (`sidonm`, `sggnm`). The release date in the file name is the version and the
 * effective date; the 시도 and 시군구 become areas named from the properties.
 */
export function admdongkorImportOptions(files: string[], o: ImportPresetOptions): ImportGeoJsonOptions {
  if (files.length !== 1) {
    throw new BoundaryImportError(`--preset admdongkor takes one HangJeongDong_verYYYYMMDD.geojson file, got ${files.length}`);
  }
  const [file] = files;
  const date = admdongkorReleaseDate(file);
  if (date === null && o.version === undefined) {
    throw new BoundaryImportError(
      `${basename(file)} is not named like a vuski/admdongkor release (HangJeongDong_verYYYYMMDD.geojson): give --version (and --effective-date)`,
    );
  }
  return {
    name: o.name ?? ADMDONGKOR_DEFAULT_NAME,
    version: o.version ?? date!,
    effectiveDate: o.effectiveDate === undefined ? date : o.effectiveDate,
    attribution: o.attribution ?? ADMDONGKOR_ATTRIBUTION,
    isDefault: o.isDefault,
    levels: { eupmyeondong: file },
    codeField: 'adm_cd2',
    nameField: 'adm_nm',
    nameLastWord: true,
    parentNameFields: { sido: 'sidonm', sigungu: 'sggnm' },
    srid: o.srid,
    encoding: o.encoding,
    onProgress: o.onProgress,
  };
}
