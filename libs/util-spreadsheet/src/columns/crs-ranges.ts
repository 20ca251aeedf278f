import type { InputCrs } from '@geobatch/contracts';

export interface AxisRange {
  min: number;
  max: number;
}

/** Where a coordinate system puts Korea: the x and y ranges its points take there. */
export interface CrsRange {
  crs: InputCrs;
  x: AxisRange;
  y: AxisRange;
}

/**
 * Korea's extent (124–132°E, 33–39°N) projected with proj4 into each supported system (the PROJ
 * strings of geo-query's coordinate-systems.ts, a 0.05° grid over the extent), rounded outwards
 * to the kilometre. The spec recomputes them. Degrees keep the wider 33–39.5 the column detection
 * has always used. Listed in the order a tie is broken: the Central Belt systems overlap almost
 * entirely (5181 and 5174 are ~300 m apart, 5186 is 5181 moved 100 km north), and where the
 * values fit several, 5186 is suggested, the national standard for GRS80 Central Belt data since
 * 2010, then 5181 (Kakao's WTM), then 5174 (the old Bessel cadastre).
 */
export const CRS_RANGES: readonly CrsRange[] = [
  { crs: 'EPSG:4326', x: { min: 124, max: 132 }, y: { min: 33, max: 39.5 } },
  { crs: 'EPSG:5179', x: { min: 672_000, max: 1_421_000 }, y: { min: 1_445_000, max: 2_121_000 } },
  { crs: 'EPSG:3857', x: { min: 13_803_000, max: 14_695_000 }, y: { min: 3_895_000, max: 4_722_000 } },
  { crs: 'EPSG:32652', x: { min: 32_000, max: 781_000 }, y: { min: 3_651_000, max: 4_329_000 } },
  { crs: 'EPSG:5186', x: { min: -81_000, max: 668_000 }, y: { min: 45_000, max: 723_000 } },
  { crs: 'EPSG:5181', x: { min: -81_000, max: 668_000 }, y: { min: -55_000, max: 623_000 } },
  { crs: 'EPSG:5174', x: { min: -81_000, max: 668_000 }, y: { min: -56_000, max: 623_000 } },
];

/**
 * Share of the sample's points that must lie in a system's ranges for it to be suggested, and of
 * a column's non-empty values for the column to be taken: most, not all, so a fifth of the rows
 * may be bad (no GPS fix written as 0, `N/A`, a typo) without losing the column, while a column
 * that is not a coordinate (a speed, an id) hardly ever has four in five values in so narrow a range.
 */
export const VALUE_SHARE = 0.8;

export interface CrsSuggestion {
  /** The system suggested (the first of `candidates`), or `unknown` when no system's ranges hold the points. */
  crs: InputCrs | 'unknown';
  /** Every system whose ranges hold enough of the points, the suggested one first: more than one when the values cannot tell them apart. */
  candidates: InputCrs[];
}

const within = (v: number, r: AxisRange): boolean => v >= r.min && v <= r.max;

/**
 * A pair within a kilometre of 0 on both axes is degrees or zeros (no GPS fix), never metres: it
 * would sit at 5181/5174's false origin, open sea west of Jeju (124.85°E, 33.47°N), which the
 * rectangle of those systems' ranges otherwise holds.
 */
const NEAR_ORIGIN_M = 1_000;

function fitsRange([x, y]: readonly [number, number], range: CrsRange): boolean {
  if (range.crs !== 'EPSG:4326' && Math.abs(x) < NEAR_ORIGIN_M && Math.abs(y) < NEAR_ORIGIN_M) return false;
  return within(x, range.x) && within(y, range.y);
}

/**
 * The coordinate system the sample's x/y pairs look like, from their value ranges alone: of the
 * systems holding at least VALUE_SHARE of the points, the one holding the most (ties in CRS_RANGES
 * order). Every system that qualifies is a candidate, so a few points where only one Central Belt
 * system has Korea do not make it certain: a suggestion, not a proof.
 */
export function suggestCrs(points: readonly (readonly [number, number])[]): CrsSuggestion {
  if (points.length === 0) return { crs: 'unknown', candidates: [] };
  const qualifying = CRS_RANGES.map((range) => ({ crs: range.crs, fits: points.filter((p) => fitsRange(p, range)).length }))
    .filter((c) => c.fits / points.length >= VALUE_SHARE)
    // A stable sort: equal counts keep the table's order of preference.
    .sort((a, b) => b.fits - a.fits);
  if (qualifying.length === 0) return { crs: 'unknown', candidates: [] };
  return { crs: qualifying[0].crs, candidates: qualifying.map((c) => c.crs) };
}
