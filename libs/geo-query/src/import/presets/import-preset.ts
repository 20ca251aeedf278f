import { BoundaryImportError } from '../feature-collection.scanner';
import type { ImportProgress } from '../import-options';

/** Known layouts of official downloads, imported with no other option. */
export const IMPORT_PRESETS = ['juso', 'admdongkor', 'kostat'] as const;
export type ImportPreset = (typeof IMPORT_PRESETS)[number];

/** Options of `BoundaryImporter.importPreset`: the downloaded files and, optionally, what the preset would choose. */
export interface ImportPresetOptions {
  /** `juso` (도로명주소 전자지도 구역의 도형 zips), `admdongkor` (HangJeongDong_verYYYYMMDD.geojson) or `kostat` (census layers). */
  preset: string;
  /** The downloaded files, as they came. */
  files: string[];
  /** Dataset name; each preset has a default (`juso` makes `NAME` and `NAME-hjd`). */
  name?: string;
  /** Defaults to what the files say (their dates or names). */
  version?: string;
  effectiveDate?: string | null;
  attribution?: string;
  /** Make the (first) dataset the default one. */
  isDefault?: boolean;
  /** Override the .prj / .cpg, as for `importGeoJson`. */
  srid?: number;
  encoding?: string;
  onProgress?: (event: ImportProgress) => void;
}

export function validatePreset(value: unknown): ImportPreset {
  if (typeof value === 'string' && (IMPORT_PRESETS as readonly string[]).includes(value.trim().toLowerCase())) {
    return value.trim().toLowerCase() as ImportPreset;
  }
  throw new BoundaryImportError(`unknown preset ${JSON.stringify(value)} (presets are ${IMPORT_PRESETS.join(', ')})`);
}

export function validatePresetFiles(files: unknown, preset: ImportPreset): string[] {
  if (!Array.isArray(files) || files.length === 0 || files.some((f) => typeof f !== 'string' || f.trim() === '')) {
    throw new BoundaryImportError(`--preset ${preset} needs the downloaded files (at least one path)`);
  }
  const dup = files.find((f, i) => files.indexOf(f) !== i);
  if (dup !== undefined) throw new BoundaryImportError(`${dup} is given twice`);
  return files as string[];
}
