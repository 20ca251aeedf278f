import { ADMIN_LEVELS, type AdminLevel } from '@geobatch/contracts';
import { BoundaryImportError } from './feature-collection.scanner';

/** Boundary file (GeoJSON FeatureCollection, WGS84) per level; any subset, at least one. */
export type LevelFiles = Partial<Record<AdminLevel, string>>;

export interface ImportGeoJsonOptions {
  /** Dataset name, e.g. `kostat`. */
  name: string;
  /** Defaults to `1`. Importing an existing name+version replaces it (same id). */
  version?: string;
  /** `YYYY-MM-DD`. */
  effectiveDate?: string | null;
  /** Credit line required by the data's licence. */
  attribution?: string;
  /** Make this the one default dataset. */
  isDefault?: boolean;
  levels: LevelFiles;
  /** Feature property holding the area code; `code` by default. */
  codeField?: string;
  /** Feature property holding the area name; `name` by default. */
  nameField?: string;
  onProgress?: (event: ImportProgress) => void;
}

/** Reported after each step of an import, for command-line feedback. */
export interface ImportProgress {
  step: 'layer' | 'dissolve' | 'parents' | 'parts' | 'commit';
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
