import type { CellValue } from '../tabular/cell-value';
import { ColumnResolutionError, resolveColumn } from './resolve-column';

/** Longitude and latitude ranges that cover South Korea (with Jeju, Ulleung and Dokdo). */
export const KOREA_LON_RANGE = { min: 124, max: 132 } as const;
export const KOREA_LAT_RANGE = { min: 33, max: 39.5 } as const;

/** Header names that mean longitude / latitude, compared after `normalizeHeaderName`. */
const X_NAMES = new Set(['x', 'lon', 'lng', 'long', 'longitude', '경도', 'x좌표', 'xcoord', 'xcoordinate']);
const Y_NAMES = new Set(['y', 'lat', 'latitude', '위도', 'y좌표', 'ycoord', 'ycoordinate']);

/** Share of a column's non-empty sample values that must lie in range for it to be taken. */
const VALUE_SHARE = 0.8;

export type ColumnSource = 'given' | 'header' | 'values';

export interface ColumnChoice {
  /** 0-based. */
  index: number;
  /** Header text of the column (may be empty). */
  name: string;
  by: ColumnSource;
}

export interface CoordinateColumns {
  x: ColumnChoice;
  y: ColumnChoice;
  /** `EPSG:4326` when the sample values look like degrees, else `unknown`. */
  crs: 'EPSG:4326' | 'unknown';
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

function looksLikeDegrees(rows: readonly (readonly CellValue[])[], xi: number, yi: number): boolean {
  let numeric = 0;
  let degrees = 0;
  for (const cells of rows) {
    const x = numericValue(cells[xi]);
    const y = numericValue(cells[yi]);
    if (x === null || y === null) continue;
    numeric++;
    if (Math.abs(x) <= 180 && Math.abs(y) <= 90) degrees++;
  }
  return numeric > 0 && degrees / numeric >= VALUE_SHARE;
}

export interface DetectOptions {
  /** Column references the user gave (header name, 1-based number or letter); detected when absent. */
  x?: string | null;
  y?: string | null;
}

/**
 * Works out the longitude (x) and latitude (y) columns of a sheet: a column the user named is
 * resolved as given; otherwise a header such as x/lon/lng/longitude/경도/X좌표 (y/lat/latitude/
 * 위도/Y좌표) decides, and failing that the sample values (a column whose numbers lie within
 * Korea's longitudes 124–132 or latitudes 33–39.5). Throws ColumnResolutionError saying what
 * to pass when it cannot tell.
 */
export function detectCoordinateColumns(
  header: readonly string[],
  sample: readonly (readonly CellValue[])[],
  options: DetectOptions = {},
): CoordinateColumns {
  const width = Math.max(header.length, ...sample.map((r) => r.length));
  const given = (spec: string | null | undefined, label: string): ColumnChoice | null => {
    if (spec === undefined || spec === null || spec.trim() === '') return null;
    const index = resolveColumn(header, spec, label);
    return { index, name: header[index] ?? '', by: 'given' };
  };
  const detect = (names: Set<string>, range: { min: number; max: number }, exclude: number): ColumnChoice | null => {
    const h = byHeader(header, names, exclude);
    if (h !== -1) return { index: h, name: header[h], by: 'header' };
    const v = byValues(width, sample, range, exclude);
    return v === -1 ? null : { index: v, name: header[v] ?? '', by: 'values' };
  };

  let x = given(options.x, 'x');
  let y = given(options.y, 'y');
  if (!x) x = detect(X_NAMES, KOREA_LON_RANGE, y?.index ?? -1);
  if (!y) y = detect(Y_NAMES, KOREA_LAT_RANGE, x?.index ?? -1);
  const missing = [
    !x ? 'x: 경도 열을 찾지 못했습니다 (could not detect the longitude column: no header named x/lon/lng/longitude/경도/X좌표 and no column of values within 124–132; give x)' : '',
    !y ? 'y: 위도 열을 찾지 못했습니다 (could not detect the latitude column: no header named y/lat/latitude/위도/Y좌표 and no column of values within 33–39.5; give y)' : '',
  ].filter((m) => m !== '');
  if (!x || !y) throw new ColumnResolutionError(missing.join('; '));
  if (x.index === y.index) {
    throw new ColumnResolutionError(`x, y: 같은 열(${x.index + 1}번째)을 가리킵니다 (x and y refer to the same column)`);
  }
  return { x, y, crs: looksLikeDegrees(sample, x.index, y.index) ? 'EPSG:4326' : 'unknown' };
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
