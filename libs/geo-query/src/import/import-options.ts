import { ADMIN_LEVEL_LABELS, ADMIN_LEVELS, INPUT_CRS, type AdminLevel, type InputCrs } from '@geobatch/contracts';
import { PARENT_CODE_LENGTH } from './area-codes';
import { BoundaryImportError } from './feature-collection.scanner';

/**
 * Boundary file per level; any subset, at least one. Each is a GeoJSON FeatureCollection, a zipped
 * ESRI shapefile (one .shp with its .dbf, .prj, .cpg) or a .shp beside those, told apart by content.
 */
export type LevelFiles = Partial<Record<AdminLevel, string>>;

/** A property name for every level, or one per level (levels left out use the default). */
export type FieldOption = string | Partial<Record<AdminLevel, string>>;

export interface ImportGeoJsonOptions {
  /** Dataset name, e.g. `kostat`. */
  name: string;
  /**
   * Defaults to `1`. Importing an existing name+version creates a new generation (a new id) that
   * supersedes it; jobs pinned to the old id keep its polygons.
   */
  version?: string;
  /** `YYYY-MM-DD`. */
  effectiveDate?: string | null;
  /** Credit line required by the data's licence. */
  attribution?: string;
  /** Make this the one default dataset. */
  isDefault?: boolean;
  levels: LevelFiles;
  /** Feature property holding the area code, for every level or per level; `code` by default. */
  codeField?: FieldOption;
  /** Feature property holding the area name, for every level or per level; `name` by default. */
  nameField?: FieldOption;
  /**
   * Keep only the last space-separated word of each name, for name fields that hold the full
   * address (the 2021 행정동 file's `adm_nm` "서울특별시 종로구 사직동" → "사직동").
   */
  nameLastWord?: boolean;
  /**
   * Levels that have no layer of their own but whose names the features carry, e.g.
   * `{ sido: 'sidonm', sigungu: 'sggnm' }` for a 행정동-only file. Each becomes an area without a
   * polygon (never matched by a point itself) that completes the parent chain: its code is the first
   * 2 (시도), 5 (시군구) or 8 (읍면동) characters of the feature's code, its name the property's value.
   */
  parentNameFields?: Partial<Record<AdminLevel, string>>;
  /**
   * EPSG code of the files' coordinates (4326, 5179, 5186, 5181, 5174, 3857 or 32652); overrides a
   * shapefile's .prj. Without it GeoJSON is WGS84 and a shapefile needs a .prj.
   */
  srid?: number;
  /** Text encoding of shapefile attributes (e.g. `cp949`, `utf-8`); overrides the .cpg. */
  encoding?: string;
  onProgress?: (event: ImportProgress) => void;
}


/** Reported after each step of an import, for command-line feedback. */
export interface ImportProgress {
  /** `parent-names`: areas without polygon made for a level from the features' parent names. */
  step: 'layer' | 'dissolve' | 'parent-names' | 'parents' | 'parts' | 'commit';
  /** Set by imports that make several datasets (presets): the one this step belongs to. */
  dataset?: string;
  level?: AdminLevel;
  count?: number;
  ms: number;
}

/** Dataset row fields, checked. */
export interface DatasetMeta {
  name: string;
  version: string;
  effectiveDate: string | null;
  attribution: string;
  isDefault: boolean;
  /** Generalised outlines (the built-in datasets); false for an import of full-detail files. */
  simplified?: boolean;
  /** What users should know about the data, shown with the dataset and in 요약. */
  notes?: string;
}

export const DEFAULT_VERSION = '1';
const MAX_LABEL = 100;

function text(value: unknown, what: string, max: number, required: boolean): string {
  if (value === undefined || value === null) {
    if (required) throw new BoundaryImportError(`${what} is required`);
    return '';
  }
  if (typeof value !== 'string') throw new BoundaryImportError(`${what} must be text`);
  const t = value.trim();
  if (required && t === '') throw new BoundaryImportError(`${what} must not be empty`);
  if (t.length > max) throw new BoundaryImportError(`${what} must be at most ${max} characters`);
  return t;
}

/** `YYYY-MM-DD` that is a real calendar date, or null. */
export function parseEffectiveDate(value: string | null | undefined): string | null {
  if (value === undefined || value === null || value.trim() === '') return null;
  const v = value.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const d = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null;
  if (!m || !d || d.getUTCFullYear() !== +m[1] || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) {
    throw new BoundaryImportError(`effective date "${v}" is not a date in YYYY-MM-DD form`);
  }
  return v;
}

export function validateDatasetMeta(o: {
  name: unknown;
  version?: unknown;
  effectiveDate?: string | null;
  attribution?: unknown;
  isDefault?: unknown;
}): DatasetMeta {
  const name = text(o.name, 'dataset name', MAX_LABEL, true);
  if (!/^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u.test(name)) {
    throw new BoundaryImportError(`dataset name "${name}" may only hold letters, digits, ".", "_" and "-"`);
  }
  const version = o.version === undefined || o.version === null ? DEFAULT_VERSION : text(o.version, 'dataset version', MAX_LABEL, true);
  return {
    name,
    version,
    effectiveDate: parseEffectiveDate(o.effectiveDate),
    attribution: text(o.attribution, 'attribution', 2000, false),
    isDefault: o.isDefault === true,
  };
}

/** Levels given, most general first; rejects unknown level names and an empty set. */
export function validateLevelFiles(levels: unknown): [AdminLevel, string][] {
  if (levels === null || typeof levels !== 'object' || Array.isArray(levels)) {
    throw new BoundaryImportError('levels must map level names to GeoJSON files');
  }
  const entries = Object.entries(levels as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null);
  for (const [level, file] of entries) {
    if (!(ADMIN_LEVELS as readonly string[]).includes(level)) {
      throw new BoundaryImportError(`unknown level "${level}" (levels are ${ADMIN_LEVELS.join(', ')})`);
    }
    if (typeof file !== 'string' || file.trim() === '') throw new BoundaryImportError(`the file for level "${level}" must be a path`);
  }
  if (entries.length === 0) {
    throw new BoundaryImportError(`give a GeoJSON file for at least one level (${ADMIN_LEVELS.join(', ')})`);
  }
  return ADMIN_LEVELS.filter((l) => entries.some(([k]) => k === l)).map((l) => [l, (levels as LevelFiles)[l]!]);
}

export function validateFieldName(value: string | undefined, what: string, fallback: string): string {
  if (value === undefined) return fallback;
  return text(value, what, MAX_LABEL, true);
}

/** The property name of each level from a FieldOption (one name for all levels, or per level). */
export function validateLevelFields(value: FieldOption | undefined, what: string, fallback: string): Record<AdminLevel, string> {
  const out = Object.fromEntries(ADMIN_LEVELS.map((l) => [l, fallback])) as Record<AdminLevel, string>;
  if (value === undefined || typeof value === 'string') {
    const field = validateFieldName(value, what, fallback);
    for (const l of ADMIN_LEVELS) out[l] = field;
    return out;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BoundaryImportError(`${what} must be a property name or a map of level to property name`);
  for (const [level, field] of Object.entries(value)) {
    if (field === undefined) continue;
    if (!(ADMIN_LEVELS as readonly string[]).includes(level)) {
      throw new BoundaryImportError(`${what}: unknown level "${level}" (levels are ${ADMIN_LEVELS.join(', ')})`);
    }
    out[level as AdminLevel] = validateFieldName(field, `${what} of ${level}`, fallback);
  }
  return out;
}

/** A supported EPSG code as its CRS name, or a clear error. */
export function validateSrid(srid: number | undefined): InputCrs | undefined {
  if (srid === undefined) return undefined;
  const crs = `EPSG:${srid}`;
  if (!Number.isSafeInteger(srid) || !(INPUT_CRS as readonly string[]).includes(crs)) {
    throw new BoundaryImportError(`SRID ${srid} is not supported; use one of ${INPUT_CRS.map((c) => c.slice(5)).join(', ')}`);
  }
  return crs as InputCrs;
}

/** A parent level named from the features' properties (see `ImportGeoJsonOptions.parentNameFields`). */
export interface ParentField {
  level: AdminLevel;
  nameField: string;
  codeLength: number;
}

/**
 * Checks parent name fields against the levels given as files: a parent level must have no layer
 * of its own and at least one finer layer to read its names from.
 */
export function validateParentFields(value: Partial<Record<AdminLevel, string>> | undefined, layerLevels: AdminLevel[]): ParentField[] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BoundaryImportError('parent name fields must map levels to property names');
  const out: ParentField[] = [];
  for (const level of ADMIN_LEVELS) {
    const field = value[level];
    if (field === undefined) continue;
    const label = `${level} (${ADMIN_LEVEL_LABELS[level]})`;
    if (layerLevels.includes(level)) {
      throw new BoundaryImportError(`${label} has a layer of its own; parent names are only for levels without one`);
    }
    if (!layerLevels.some((l) => ADMIN_LEVELS.indexOf(l) > ADMIN_LEVELS.indexOf(level))) {
      throw new BoundaryImportError(`${label} parent names need a finer layer to read them from`);
    }
    out.push({ level, nameField: validateFieldName(field, `parent name field of ${level}`, ''), codeLength: PARENT_CODE_LENGTH[level] });
  }
  for (const key of Object.keys(value)) {
    if (!(ADMIN_LEVELS as readonly string[]).includes(key)) throw new BoundaryImportError(`parent name fields: unknown level "${key}"`);
  }
  return out;
}
