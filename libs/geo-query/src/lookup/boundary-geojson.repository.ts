import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AdminLevel } from '@geobatch/contracts';

/** How much one level's outlines are thinned for drawing (degrees; GeoJSON decimals). */
export interface OutlineDetail {
  /** ST_SimplifyPreserveTopology tolerance. */
  tolerance: number;
  /** Islands and holes smaller than this (square degrees) are left out; an area's largest part always stays. */
  minArea: number;
  /** Decimals of the GeoJSON coordinates. */
  digits: number;
}

/** One area's simplified outline as PostGIS wrote it (`geometry` is GeoJSON text) and its bounding box. */
export interface OutlineRow {
  code: string;
  name: string;
  geometry: string;
  bbox: [number, number, number, number];
}

interface RawOutline {
  code: string;
  name: string;
  geometry: string;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

/**
 * The outlines of one level of a dataset, for a map (not for lookups). Each polygon part is split
 * off (ST_Dump), tiny islands and the slivers a union of simplified 읍면동 leaves as holes are
 * dropped, and what remains is simplified with its topology kept, then snapped to the precision
 * written (ST_ReducePrecision keeps it valid); about 100 KB for Korea's 시도.
 */
const OUTLINES_SQL = `
  WITH parts AS (
    SELECT a.code, a.name, d.geom AS g, ST_Area(d.geom) AS area,
           row_number() OVER (PARTITION BY a.code ORDER BY ST_Area(d.geom) DESC) AS rank
      FROM boundary_area a, ST_Dump(a.geom) d
     WHERE a.dataset_id = $1 AND a.level = $2
  ), kept AS (
    SELECT code, name,
           ST_MakePolygon(ST_ExteriorRing(g), ARRAY(
             SELECT ST_ExteriorRing(r.geom) FROM ST_DumpRings(g) r WHERE r.path[1] > 0 AND ST_Area(r.geom) >= $4)) AS g
      FROM parts
     WHERE rank = 1 OR area >= $4
  ), outlines AS (
    -- Snapped to the grid of the decimals written, so the rounded outline is still a valid polygon.
    SELECT code, name, ST_ReducePrecision(ST_SimplifyPreserveTopology(ST_Collect(g), $3), power(10, -$5::int)) AS g
      FROM kept GROUP BY code, name
  )
  SELECT code, name, ST_AsGeoJSON(g, $5) AS geometry,
         ST_XMin(g) AS xmin, ST_YMin(g) AS ymin, ST_XMax(g) AS xmax, ST_YMax(g) AS ymax
    FROM outlines
   ORDER BY code`;

/** Reads simplified outlines of boundary areas; the only code of the map that queries boundary tables. */
@Injectable()
export class BoundaryGeoJsonRepository {
  constructor(private readonly db: DataSource) {}

  /** Every area of `level` in the dataset, by code; empty for a level the dataset lacks. */
  async outlines(datasetId: string, level: AdminLevel, detail: OutlineDetail): Promise<OutlineRow[]> {
    const rows: RawOutline[] = await this.db.query(OUTLINES_SQL, [datasetId, level, detail.tolerance, detail.minArea, detail.digits]);
    return rows.map((r) => ({ code: r.code, name: r.name, geometry: r.geometry, bbox: [Number(r.xmin), Number(r.ymin), Number(r.xmax), Number(r.ymax)] }));
  }
}
