import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ADMIN_LEVELS, type AdminLevel } from '@geobatch/contracts';

/** One area of a hit: its code and name (the fields of AreaV1). */
export interface LookupArea {
  code: string;
  name: string;
}

/** The areas holding a point, one per level the dataset has there; same field names as MatchV1. */
export type LookupHit = Partial<Record<AdminLevel, LookupArea>>;

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
}

/** Upper bound per call, so one statement's arrays stay reasonable (a chunk holds at most 20,000). */
export const MAX_LOOKUP_POINTS = 100_000;

const RANK = `array_position(ARRAY['sido','sigungu','eupmyeondong','ri']::text[], %)`;
const rank = (col: string) => RANK.replace('%', col);

/*
 * One statement for all points: every point is tested against the small subdivided pieces through
 * the GIST index; per point the finest level wins and, among areas of that level (a point exactly on
 * a shared edge or vertex), the smallest code; then the chain of parents is followed by parent_code.
 */
const LOOKUP_SQL = `
  WITH RECURSIVE pts AS (
    SELECT t.n, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) AS g
    FROM unnest($2::int[], $3::float8[], $4::float8[]) AS t(n, lon, lat)
  ),
  hit AS (
    SELECT DISTINCT ON (p.n) p.n, bp.level, bp.code
    FROM pts p
    JOIN boundary_part bp ON bp.dataset_id = $1::uuid AND ST_Intersects(bp.geom, p.g)
    ORDER BY p.n, ${rank('bp.level')} DESC, bp.code COLLATE "C"
  ),
  chain AS (
    SELECT h.n, a.level, a.code, a.name, a.parent_code, 1 AS depth
    FROM hit h
    JOIN boundary_area a ON a.dataset_id = $1::uuid AND a.level = h.level AND a.code = h.code
    UNION ALL
    SELECT c.n, p.level, p.code, p.name, p.parent_code, c.depth + 1
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
  SELECT n, level, code, name FROM chain`;

/** Folds the rows of the lookup statement into one hit per point. */
export function assembleHits(rows: ChainRow[]): Map<number, LookupHit> {
  const hits = new Map<number, LookupHit>();
  for (const r of rows) {
    if (!(ADMIN_LEVELS as readonly string[]).includes(r.level)) continue;
    let hit = hits.get(r.n);
    if (!hit) hits.set(r.n, (hit = {}));
    hit[r.level as AdminLevel] = { code: r.code, name: r.name };
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

/** Point-in-polygon lookups against one dataset, set-based: one SQL statement per call. */
@Injectable()
export class BoundaryLookup {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Finds, for each WGS84 point, the finest area that holds it and that area's ancestors.
   * Points in no area are absent from the map.
   */
  async lookup(datasetId: string, points: readonly LookupPoint[]): Promise<Map<number, LookupHit>> {
    assertLookupPoints(points);
    if (points.length === 0) return new Map();
    const rows: ChainRow[] = await this.dataSource.query(LOOKUP_SQL, [
      datasetId,
      points.map((p) => p.n),
      points.map((p) => p.lon),
      points.map((p) => p.lat),
    ]);
    return assembleHits(rows);
  }
}
