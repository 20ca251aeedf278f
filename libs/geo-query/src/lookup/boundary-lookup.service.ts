import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ADMIN_LEVELS, type AdminLevel } from '@geobatch/contracts';

/** One area of a hit: its code and name (the fields of AreaV1). */
export interface LookupArea {
  code: string;
  name: string;
}

/**
 * The areas holding a point, one per level the dataset has there; same field names as MatchV1.
 * An exact hit (a polygon holds the point) has no `nearest`; a hit found by the nearest-polygon rule
 * (see {@link BoundaryLookup.lookup}) has `nearest.distanceM`, the distance in metres to the finest
 * area of the hit, rounded to 0.1 m.
 */
export type LookupHit = Partial<Record<AdminLevel, LookupArea>> & { nearest?: { distanceM: number } };

export interface LookupOptions {
  /**
   * Tolerance in metres for points in no polygon (integer 0–5000): the nearest area within it answers.
   * 0 or absent: exact matches only.
   */
  nearestM?: number;
}

/** Largest accepted `nearestM`. */
export const MAX_LOOKUP_NEAREST_M = 5_000;

export interface LookupPoint {
  /** Caller's key for the point, e.g. the row number. */
  n: number;
  lon: number;
  lat: number;
}

export interface ChainRow {
  n: number;
  level: string;
  code: string;
  name: string;
  /** Distance in metres (unrounded), on the first row of a point's chain when it was matched by proximity. */
  d?: number | null;
}

/** Upper bound per call, so one statement's arrays stay reasonable (a chunk holds at most 20,000). */
export const MAX_LOOKUP_POINTS = 100_000;

const RANK = `array_position(ARRAY['sido','sigungu','eupmyeondong','ri']::text[], %)`;
const rank = (col: string) => RANK.replace('%', col);

/*
 * One statement for all points: every point is tested against the small subdivided pieces through
 * the GIST index; per point the finest level wins and, among areas of that level (a point exactly on
 * a shared edge or vertex), the smallest code; then the chain of parents is followed by parent_code.
 * With a tolerance ($5 metres), the points no piece holds get the nearest area in the same statement
 * (NEAREST_CTE); the rule is written at BoundaryLookup.lookup.
 */
const POINTS_CTE = `
  pts AS (
    SELECT t.n, t.lat, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) AS g
    FROM unnest($2::int[], $3::float8[], $4::float8[]) AS t(n, lon, lat)
  ),
  exact AS (
    SELECT DISTINCT ON (p.n) p.n, bp.level, bp.code
    FROM pts p
    JOIN boundary_part bp ON bp.dataset_id = $1::uuid AND ST_Intersects(bp.geom, p.g)
    ORDER BY p.n, ${rank('bp.level')} DESC, bp.code COLLATE "C"
  )`;

/*
 * Degrees that surely hold every point within $5 metres of p: a degree of latitude is at least
 * 110,574 m and a degree of longitude at least 111,319 m × cos(latitude) on the WGS84 spheroid;
 * 110,000 m and the cosine at the far edge of the latitude band keep the box a little larger. It
 * only lets the GIST index pick candidates: the distance itself decides.
 */
const DLAT = `($5::float8 / 110000.0)`;
const DLON = `($5::float8 / (110000.0 * cos(radians(least(abs(p.lat) + ${DLAT}, 89.0)))))`;

const NEAREST_CTE = `,
  near AS (
    SELECT p.n, c.level, c.code, c.d
    FROM pts p
    CROSS JOIN LATERAL (
      SELECT bp.level, bp.code, min(ST_Distance(bp.geom::geography, p.g::geography)) AS d
      FROM boundary_part bp
      WHERE bp.dataset_id = $1::uuid AND bp.geom && ST_Expand(p.g, ${DLON}, ${DLAT})
      GROUP BY bp.level, bp.code
      HAVING min(ST_Distance(bp.geom::geography, p.g::geography)) <= $5::float8
      ORDER BY ${rank('bp.level')} DESC, d, bp.code COLLATE "C"
      LIMIT 1
    ) c
    WHERE NOT EXISTS (SELECT 1 FROM exact e WHERE e.n = p.n)
  )`;

function lookupSql(nearest: boolean): string {
  const hit = nearest
    ? `SELECT n, level, code, NULL::float8 AS d FROM exact UNION ALL SELECT n, level, code, d FROM near`
    : `SELECT n, level, code, NULL::float8 AS d FROM exact`;
  return `
  WITH RECURSIVE ${POINTS_CTE}${nearest ? NEAREST_CTE : ''},
  hit AS (${hit}),
  chain AS (
    SELECT h.n, a.level, a.code, a.name, a.parent_code, 1 AS depth, h.d
    FROM hit h
    JOIN boundary_area a ON a.dataset_id = $1::uuid AND a.level = h.level AND a.code = h.code
    UNION ALL
    SELECT c.n, p.level, p.code, p.name, p.parent_code, c.depth + 1, NULL::float8
    FROM chain c
    CROSS JOIN LATERAL (
      SELECT pa.level, pa.code, pa.name, pa.parent_code
      FROM boundary_area pa
      WHERE pa.dataset_id = $1::uuid AND pa.code = c.parent_code AND ${rank('pa.level')} < ${rank('c.level')}
      ORDER BY ${rank('pa.level')} DESC
      LIMIT 1
    ) p
    WHERE c.depth < 4
  )
  SELECT n, level, code, name, d FROM chain`;
}

const LOOKUP_SQL = lookupSql(false);
const LOOKUP_NEAREST_SQL = lookupSql(true);

/** Metres rounded to 0.1 m, as hits and results carry them. */
export function roundDistance(metres: number): number {
  return Math.round(metres * 10) / 10;
}

/** Folds the rows of the lookup statement into one hit per point. */
export function assembleHits(rows: ChainRow[]): Map<number, LookupHit> {
  const hits = new Map<number, LookupHit>();
  for (const r of rows) {
    if (!(ADMIN_LEVELS as readonly string[]).includes(r.level)) continue;
    let hit = hits.get(r.n);
    if (!hit) hits.set(r.n, (hit = {}));
    hit[r.level as AdminLevel] = { code: r.code, name: r.name };
    if (r.d !== null && r.d !== undefined) hit.nearest = { distanceM: roundDistance(Number(r.d)) };
  }
  return hits;
}

/** Checks the points before they reach SQL: a NaN would silently match nothing. */
export function assertLookupPoints(points: readonly LookupPoint[]): void {
  if (points.length > MAX_LOOKUP_POINTS) throw new RangeError(`at most ${MAX_LOOKUP_POINTS} points per lookup, got ${points.length}`);
  const seen = new Set<number>();
  for (const p of points) {
    if (!Number.isSafeInteger(p.n) || p.n < -2147483648 || p.n > 2147483647) throw new RangeError(`point key n=${p.n} is not a 32-bit integer`);
    if (seen.has(p.n)) throw new RangeError(`point key n=${p.n} is used twice`);
    seen.add(p.n);
    if (!Number.isFinite(p.lon) || !Number.isFinite(p.lat)) throw new RangeError(`point n=${p.n} has a non-finite coordinate`);
  }
}

/** Checks a nearest-polygon tolerance: an integer number of metres, 0–5000. */
export function assertNearestM(nearestM: number | undefined): number {
  if (nearestM === undefined) return 0;
  if (!Number.isSafeInteger(nearestM) || nearestM < 0 || nearestM > MAX_LOOKUP_NEAREST_M) {
    throw new RangeError(`nearestM must be an integer from 0 to ${MAX_LOOKUP_NEAREST_M}, got ${nearestM}`);
  }
  return nearestM;
}

/** Point-in-polygon lookups against one dataset, set-based: one SQL statement per call. */
@Injectable()
export class BoundaryLookup {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Finds, for each WGS84 point, the finest area that holds it and that area's ancestors.
   *
   * Exact rule: a point matches every subdivided piece (`boundary_part`) it intersects (inside or on
   * the boundary); the finest level among them wins, then the smallest code (`COLLATE "C"`).
   *
   * Nearest rule (only with `nearestM` > 0, only for points no piece holds):
   * - distance from the point to an area = the smallest `ST_Distance(piece::geography, point::geography)`
   *   over the area's pieces: geodesic metres on the WGS84 spheroid, polygon edges taken as
   *   great-circle arcs (PostGIS geography), 0 when the point is inside on the sphere;
   * - pieces considered are those whose lon/lat bounding box meets the box around the point of
   *   half-height dLat = nearestM / 110000 and half-width nearestM / (110000 · cos(min(|lat| + dLat, 89)°)),
   *   which holds every point within nearestM metres of it (a degree is ≥ 110,574 m north–south and
   *   ≥ 111,319 m · cos(lat) east–west), so it decides nothing for boundaries with ordinary edges;
   * - candidates are the areas at distance ≤ nearestM; the finest level that has a candidate wins,
   *   then the smallest distance, then the smallest code (`COLLATE "C"`);
   * - the hit is that area with its parent chain, as for an exact hit, plus `nearest.distanceM`,
   *   its distance rounded to 0.1 m (`Math.round(d * 10) / 10`).
   *
   * Points matched by neither rule are absent from the map. All points go in ONE statement.
   */
  async lookup(datasetId: string, points: readonly LookupPoint[], options: LookupOptions = {}): Promise<Map<number, LookupHit>> {
    assertLookupPoints(points);
    const nearestM = assertNearestM(options.nearestM);
    if (points.length === 0) return new Map();
    const params: unknown[] = [datasetId, points.map((p) => p.n), points.map((p) => p.lon), points.map((p) => p.lat)];
    const rows: ChainRow[] = nearestM > 0
      ? await this.dataSource.query(LOOKUP_NEAREST_SQL, [...params, nearestM])
      : await this.dataSource.query(LOOKUP_SQL, params);
    return assembleHits(rows);
  }
}
