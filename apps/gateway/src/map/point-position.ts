// Where a row's point lies on the map, from the raw x/y of the upload: the geocoder's own reading
// (plain decimals, the job's coordinate system, x/y swapped back for SWAPPED rows), in WGS84.
import { isInputCrs, RowStatus } from '@geobatch/contracts';
import { toWgs84 } from '@geobatch/geo-query';

/** Korea's extended box (as the geocoder checks it): points outside it are not drawn. */
const LON = { min: 124, max: 132 };
const LAT = { min: 33, max: 39.5 };
/** A plain decimal, as the geocoder accepts it: no exponent, separator, hex or Infinity. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

function decimal(raw: string | null): number | null {
  const t = raw?.trim() ?? '';
  return DECIMAL.test(t) ? Number(t) : null;
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * `[lon, lat]` rounded to 6 decimals (about 10 cm), or null when the row has no place on the map:
 * a missing or unreadable value, an unsupported system, or a point outside Korea's box.
 */
export function pointPosition(x: string | null, y: string | null, crs: string, status: RowStatus): [number, number] | null {
  const vx = decimal(x);
  const vy = decimal(y);
  if (vx === null || vy === null || !isInputCrs(crs)) return null;
  let [lon, lat] = toWgs84(crs)(vx, vy);
  if (status === RowStatus.Swapped && crs === 'EPSG:4326') [lon, lat] = [lat, lon];
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) return null;
  if (lon < LON.min || lon > LON.max || lat < LAT.min || lat > LAT.max) return null;
  return [round6(lon), round6(lat)];
}
