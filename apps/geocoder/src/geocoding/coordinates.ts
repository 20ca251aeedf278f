/** The only coordinate system handled so far; others arrive with proj4 in a later change. */
export const SUPPORTED_CRS = 'EPSG:4326';

/** Where Korean coordinates can be, in EPSG:4326 (mainland, Jeju, Ulleung and Dokdo with margin). */
export const LON_RANGE = { min: 124, max: 132 } as const;
export const LAT_RANGE = { min: 33, max: 39.5 } as const;

/** A plain decimal: no exponent, no thousands separator, no hex, no Infinity/NaN. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

export type ParsedPoint = { ok: true; lon: number; lat: number } | { ok: false; note: string };

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

/**
 * Parses one row's raw x (longitude) and y (latitude). Rows that cannot be geocoded get a reason
 * in Korean and English, shown to the user in the `비고` column.
 */
export function parseWgs84(x: string | null | undefined, y: string | null | undefined): ParsedPoint {
  const lon = decimal(x);
  const lat = decimal(y);
  if (lon === undefined && lat === undefined) return { ok: false, note: '좌표 없음 (x, y 비어 있음) / missing x and y' };
  if (lon === undefined) return { ok: false, note: '좌표 없음 (x 비어 있음) / missing x' };
  if (lat === undefined) return { ok: false, note: '좌표 없음 (y 비어 있음) / missing y' };
  if (lon === null) return { ok: false, note: `좌표가 숫자가 아님 (x=${shown(x!.trim())}) / x is not a decimal number` };
  if (lat === null) return { ok: false, note: `좌표가 숫자가 아님 (y=${shown(y!.trim())}) / y is not a decimal number` };
  const lonOk = inRange(lon, LON_RANGE);
  const latOk = inRange(lat, LAT_RANGE);
  if (!lonOk && !latOk && inRange(lon, LAT_RANGE) && inRange(lat, LON_RANGE)) {
    return { ok: false, note: `경도와 위도가 바뀐 것 같음 (x=${lon}, y=${lat}) / x and y look swapped` };
  }
  if (!lonOk) return { ok: false, note: `경도가 범위를 벗어남 (x=${lon}, ${LON_RANGE.min}~${LON_RANGE.max}) / longitude x out of range` };
  if (!latOk) return { ok: false, note: `위도가 범위를 벗어남 (y=${lat}, ${LAT_RANGE.min}~${LAT_RANGE.max}) / latitude y out of range` };
  return { ok: true, lon, lat };
}

export function unsupportedCrsNote(crs: string): string {
  return `지원하지 않는 좌표계 (${crs}) / unsupported coordinate system, only ${SUPPORTED_CRS} for now`;
}
