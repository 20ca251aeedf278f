// Where a row's point lies on the map, from the raw x/y of the upload: read exactly as the geocoder
// reads them (pointParser: plain decimals, the job's coordinate system, Korea's box), in WGS84.
import { RowStatus } from '@geobatch/contracts';
import { pointParser } from '@geobatch/geo-query';

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * `[lon, lat]` rounded to 6 decimals (about 10 cm), or null when the row has no place on the map:
 * a missing or unreadable value, an unsupported system, or a point outside Korea's box. A pair the
 * parser would swap back is placed so only when the geocoder did so (status SWAPPED).
 */
export function pointPosition(x: string | null, y: string | null, crs: string, status: RowStatus): [number, number] | null {
  const point = pointParser(crs)?.(x, y);
  if (!point?.ok || (point.swapped && status !== RowStatus.Swapped)) return null;
  return [round6(point.lon), round6(point.lat)];
}
