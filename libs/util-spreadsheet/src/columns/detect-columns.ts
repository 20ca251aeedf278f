import type { InputCrs } from '@geobatch/contracts';
import type { CellValue } from '../tabular/cell-value';
import { suggestCrs, VALUE_SHARE } from './crs-ranges';
import { ColumnResolutionError, resolveColumn } from './resolve-column';

/** Longitude and latitude ranges that cover South Korea (with Jeju, Ulleung and Dokdo). */
export const KOREA_LON_RANGE = { min: 124, max: 132 } as const;
export const KOREA_LAT_RANGE = { min: 33, max: 39.5 } as const;

/** Header forms of a projected (TM) easting/northing, as public data names them: `TM_X`, `X좌표(TM)`, `좌표정보(X)`, `UTMK_X`. */
const TM_FORMS = (axis: 'x' | 'y'): string[] =>
  ['tm', 'utm', 'utmk', 'pos', '좌표', '좌표정보'].flatMap((p) => [`${p}${axis}`, `${axis}${p}`]).concat([`${axis}좌표tm`, `${axis}좌표값`]);

/** Header names that mean longitude / latitude (or easting / northing), compared after `normalizeHeaderName`. */
const X_NAMES = new Set(['x', 'lon', 'lng', 'long', 'longitude', '경도', 'x좌표', 'xcoord', 'xcoordinate', 'easting', ...TM_FORMS('x')]);
const Y_NAMES = new Set(['y', 'lat', 'latitude', '위도', 'y좌표', 'ycoord', 'ycoordinate', 'northing', ...TM_FORMS('y')]);

export type ColumnSource = 'given' | 'header' | 'values';

export interface ColumnChoice {
  /** 0-based. */
  index: number;
  /** Header text of the column (may be empty). */
  name: string;
  by: ColumnSource;
}

/** The coordinate system suggested by the sample's value ranges (see suggestCrs), or `unknown`. */
export type SuggestedCrs = InputCrs | 'unknown';

export interface CoordinateColumns {
  x: ColumnChoice;
  y: ColumnChoice;
  /** The system the sample's x/y values look like, from their ranges over Korea (a suggestion); `unknown` when none fits. */
  crs: SuggestedCrs;
  /** Every system the values fit as well as `crs` (several for the overlapping Central Belt systems). */
  crsCandidates: InputCrs[];
}

/** Each column found on its own: one that cannot be found leaves the other standing. */
export interface ColumnDetection {
  x: ColumnChoice | null;
  y: ColumnChoice | null;
  /** `unknown` unless both columns were found. */
  crs: SuggestedCrs;
  crsCandidates: InputCrs[];
  /** Why a column could not be found (x first), or null when both were. */
  problem: string | null;
}

/** Lower case, without spaces and punctuation: `Longitude (X)` → `longitudex`, `X 좌표` → `x좌표`. */
export function normalizeHeaderName(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.()[\]{}:/]/g, '');
}

/** A plain decimal number (what the geocoder accepts), or null. */
export function numericValue(value: CellValue | undefined): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const t = value.trim();
  return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(t) ? Number(t) : null;
}

function byHeader(header: readonly string[], names: Set<string>, exclude: number): number {
  return header.findIndex((h, i) => i !== exclude && names.has(normalizeHeaderName(h)));
}

/** The column whose sample values most often lie in the range (at least VALUE_SHARE of its non-empty values), or -1. */
function byValues(width: number, rows: readonly (readonly CellValue[])[], range: { min: number; max: number }, exclude: number): number {
  let best = -1;
  let bestShare = 0;
  for (let c = 0; c < width; c++) {
    if (c === exclude) continue;
    let filled = 0;
    let inRange = 0;
    let fractional = 0;
    for (const cells of rows) {
      const v = cells[c];
      if (v === null || v === undefined || v === '') continue;
      filled++;
      const n = numericValue(v);
      if (n !== null && n >= range.min && n <= range.max) {
        inRange++;
        if (!Number.isInteger(n)) fractional++;
      }
    }
    const share = filled === 0 ? 0 : inRange / filled;
    // Whole numbers only (an age, a speed, a count) are not coordinates, even in range.
    if (fractional > 0 && share >= VALUE_SHARE && share > bestShare) {
      best = c;
      bestShare = share;
    }
  }
  return best;
}

/** The rows' x/y pairs where both are numbers. */
function pointsOf(rows: readonly (readonly CellValue[])[], xi: number, yi: number): [number, number][] {
  const points: [number, number][] = [];
  for (const cells of rows) {
    const x = numericValue(cells[xi]);
    const y = numericValue(cells[yi]);
    if (x !== null && y !== null) points.push([x, y]);
  }
  return points;
}

export interface DetectOptions {
  /** Column references the user gave (header name, 1-based number or letter); detected when absent. */
  x?: string | null;
  y?: string | null;
}

const MISSING_X =
  'x: 경도 열을 찾지 못했습니다 (could not detect the longitude column: no header named x/lon/lng/longitude/경도/X좌표/TM_X and no column of values within 124–132; give x)';
const MISSING_Y =
  'y: 위도 열을 찾지 못했습니다 (could not detect the latitude column: no header named y/lat/latitude/위도/Y좌표/TM_Y and no column of values within 33–39.5; give y)';

/**
 * Works out the longitude (x) and latitude (y) columns of a sheet, each on its own: a column the
 * user named is resolved as given; otherwise a header such as x/lon/lng/longitude/경도/X좌표/TM_X
 * (y/lat/latitude/위도/Y좌표/TM_Y) decides, and failing that the sample values (the column with the
 * largest share, at least VALUE_SHARE, of its non-empty numbers within Korea's longitudes 124–132 or
 * latitudes 33–39.5). Bad values in one column never hide the other. With both, the coordinate
 * system is suggested from the pairs' value ranges (suggestCrs). A given column that does not
 * exist, or x = y, throws ColumnResolutionError.
 */
export function detectEachCoordinateColumn(
  header: readonly string[],
  sample: readonly (readonly CellValue[])[],
  options: DetectOptions = {},
): ColumnDetection {
  const width = Math.max(header.length, ...sample.map((r) => r.length));
  const given = (spec: string | null | undefined, label: string): ColumnChoice | null => {
    if (spec === undefined || spec === null || spec.trim() === '') return null;
    const index = resolveColumn(header, spec, label);
    return { index, name: header[index] ?? '', by: 'given' };
  };
  const named = (names: Set<string>, exclude: number): ColumnChoice | null => {
    const i = byHeader(header, names, exclude);
    return i === -1 ? null : { index: i, name: header[i], by: 'header' };
  };
  const valued = (range: { min: number; max: number }, exclude: number): ColumnChoice | null => {
    const i = byValues(width, sample, range, exclude);
    return i === -1 ? null : { index: i, name: header[i] ?? '', by: 'values' };
  };

  let x = given(options.x, 'x');
  let y = given(options.y, 'y');
  // Headers first for both, so a named column is never taken by the other axis's values.
  x ??= named(X_NAMES, y?.index ?? -1);
  y ??= named(Y_NAMES, x?.index ?? -1);
  x ??= valued(KOREA_LON_RANGE, y?.index ?? -1);
  y ??= valued(KOREA_LAT_RANGE, x?.index ?? -1);
  if (x && y && x.index === y.index) {
    throw new ColumnResolutionError(`x, y: 같은 열(${x.index + 1}번째)을 가리킵니다 (x and y refer to the same column)`);
  }
  const problem = [!x ? MISSING_X : '', !y ? MISSING_Y : ''].filter((m) => m !== '').join('; ') || null;
  const suggestion = x && y ? suggestCrs(pointsOf(sample, x.index, y.index)) : { crs: 'unknown' as const, candidates: [] };
  return { x, y, crs: suggestion.crs, crsCandidates: suggestion.candidates, problem };
}

/**
 * Both coordinate columns of a sheet (see detectEachCoordinateColumn), as a job needs them. Throws
 * ColumnResolutionError saying what to pass when either cannot be told; the error keeps what was
 * found (`found`), so a preview can still show the other column.
 */
export function detectCoordinateColumns(
  header: readonly string[],
  sample: readonly (readonly CellValue[])[],
  options: DetectOptions = {},
): CoordinateColumns {
  const found = detectEachCoordinateColumn(header, sample, options);
  const { x, y, crs, crsCandidates } = found;
  if (!x || !y) throw new ColumnResolutionError(found.problem ?? '', found);
  return { x, y, crs, crsCandidates };
}

/** Spreadsheet column letters of a 0-based index: 0 → A, 26 → AA. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}
