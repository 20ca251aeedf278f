import { INPUT_CRS, isInputCrs, type InputCrs } from '@geobatch/contracts';
import { toWgs84 } from './coordinate-systems';

/** Where Korean coordinates can be, in EPSG:4326 (mainland, Jeju, Ulleung and Dokdo with margin). */
export const LON_RANGE = { min: 124, max: 132 } as const;
export const LAT_RANGE = { min: 33, max: 39.5 } as const;

/** A plain decimal: no exponent, no thousands separator, no hex, no Infinity/NaN. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * A row's point in WGS84, or why it cannot be looked up. `swapped`: the raw x held the latitude and
 * y the longitude; lon/lat are already swapped back.
 */
export type ParsedPoint = { ok: true; lon: number; lat: number; swapped?: true } | { ok: false; note: string };

function shown(raw: string): string {
  const t = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
  return `"${t}"`;
}

function decimal(raw: string | null | undefined): number | null | undefined {
  if (raw === null || raw === undefined) return undefined;
  const t = raw.trim();
  if (t === '') return undefined;
  return DECIMAL.test(t) ? Number(t) : null;
}

const inRange = (v: number, r: { min: number; max: number }) => v >= r.min && v <= r.max;

/** Both values present and plain decimals, or the note saying what is wrong. */
function parseNumbers(x: string | null | undefined, y: string | null | undefined): { ok: true; x: number; y: number } | { ok: false; note: string } {
  const vx = decimal(x);
  const vy = decimal(y);
  if (vx === undefined && vy === undefined) return { ok: false, note: '좌표 없음 (x, y 비어 있음) / missing x and y' };
  if (vx === undefined) return { ok: false, note: '좌표 없음 (x 비어 있음) / missing x' };
  if (vy === undefined) return { ok: false, note: '좌표 없음 (y 비어 있음) / missing y' };
  if (vx === null) return { ok: false, note: `좌표가 숫자가 아님 (x=${shown(x!.trim())}) / x is not a decimal number` };
  if (vy === null) return { ok: false, note: `좌표가 숫자가 아님 (y=${shown(y!.trim())}) / y is not a decimal number` };
  return { ok: true, x: vx, y: vy };
}

/** The note of a row whose x and y were exchanged and are looked up swapped back. */
export function swappedNote(x: number, y: number): string {
  return `경도와 위도가 바뀌어 있어 바꿔서 찾음 (x=${x}, y=${y}) / x and y were swapped; looked up as x=${y}, y=${x}`;
}

/**
 * Parses one row's raw x (longitude) and y (latitude) in EPSG:4326. Rows that cannot be geocoded
 * get a reason in Korean and English, shown to the user in the `비고` column. A row whose x lies in
 * Korea's latitude range and y in its longitude range (so that, as given, it is not in Korea) is
 * taken as swapped: it is returned swapped back, with `swapped: true`.
 */
export function parseWgs84(x: string | null | undefined, y: string | null | undefined): ParsedPoint {
  const v = parseNumbers(x, y);
  if (!v.ok) return v;
  const lon = v.x;
  const lat = v.y;
  const lonOk = inRange(lon, LON_RANGE);
  const latOk = inRange(lat, LAT_RANGE);
  // The two ranges do not overlap, so a swapped pair is never also a valid pair.
  if (!lonOk && !latOk && inRange(lon, LAT_RANGE) && inRange(lat, LON_RANGE)) return { ok: true, lon: lat, lat: lon, swapped: true };
  if (!lonOk) return { ok: false, note: `경도가 범위를 벗어남 (x=${lon}, ${LON_RANGE.min}~${LON_RANGE.max}) / longitude x out of range` };
  if (!latOk) return { ok: false, note: `위도가 범위를 벗어남 (y=${lat}, ${LAT_RANGE.min}~${LAT_RANGE.max}) / latitude y out of range` };
  return { ok: true, lon, lat };
}

/** Up to 7 decimals (about 1 cm): enough to see where a converted point landed. */
function deg(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 1e7) / 1e7) : String(v);
}

/**
 * Parses one row's raw x (easting) and y (northing) in a projected system and converts them to
 * WGS84 with proj4. Points that land outside Korea's extended box (124–132°E, 33–39.5°N) are
 * INVALID, with the converted position in the note.
 */
export function parseProjected(x: string | null | undefined, y: string | null | undefined, crs: Exclude<InputCrs, 'EPSG:4326'>): ParsedPoint {
  const v = parseNumbers(x, y);
  if (!v.ok) return v;
  const [lon, lat] = toWgs84(crs)(v.x, v.y);
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || !inRange(lon, LON_RANGE) || !inRange(lat, LAT_RANGE)) {
    return {
      ok: false,
      note:
        `좌표가 한국 범위를 벗어남 (${crs} x=${v.x}, y=${v.y} → 경도 ${deg(lon)}, 위도 ${deg(lat)}; ` +
        `${LON_RANGE.min}~${LON_RANGE.max}, ${LAT_RANGE.min}~${LAT_RANGE.max}) / outside Korea after conversion from ${crs}`,
    };
  }
  return { ok: true, lon, lat };
}

/** A row parser for the chunk's coordinate system, or null when the system is not supported. */
export function pointParser(crs: string): ((x: string | null | undefined, y: string | null | undefined) => ParsedPoint) | null {
  if (!isInputCrs(crs)) return null;
  if (crs === 'EPSG:4326') return parseWgs84;
  return (x, y) => parseProjected(x, y, crs);
}

export function unsupportedCrsNote(crs: string): string {
  return `지원하지 않는 좌표계 (${crs.slice(0, 40)}) / unsupported coordinate system; supported: ${INPUT_CRS.join(', ')}`;
}
