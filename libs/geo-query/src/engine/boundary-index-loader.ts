// Loads one dataset's pieces and areas from PostGIS into an in-memory index (InMemoryLookup answers with it).
import { Geometry, Polygon } from 'wkx';
import { isUUID } from 'class-validator';
import { ADMIN_LEVELS, type AdminLevel } from '@geobatch/contracts';
import { AreaChains } from './area-chains';
import { BoundaryIndexBuilder } from './boundary-index-builder';
import type { BoundaryIndexStats } from './boundary-index-data';
import { type BoundarySource, openSnapshot } from './boundary-snapshot';
import type { InMemoryBoundaryIndex } from './in-memory-boundary-index';

export interface LoadBoundaryIndexOptions {
  /** Rows per FETCH from the server-side cursor (default 5,000 pieces, a few MB). */
  fetchSize?: number;
  /** Load only the pieces of these levels (default: every level); area chains always cover every level. */
  levels?: readonly AdminLevel[];
  /** Called after each fetched batch with the pieces read so far. */
  onProgress?: (piecesRead: number) => void;
}

export interface BoundaryIndexLoadStats extends BoundaryIndexStats {
  /** Wall time of the whole load: queries, WKB decoding and index build. */
  ms: number;
}

export interface LoadedBoundaryIndex {
  datasetId: string;
  index: InMemoryBoundaryIndex;
  areas: AreaChains;
  stats: BoundaryIndexLoadStats;
}

export class UnknownDatasetError extends Error {
  constructor(readonly datasetId: string) {
    super(`no boundary dataset with id "${datasetId}"`);
    this.name = 'UnknownDatasetError';
  }
}

interface PieceRow {
  level: AdminLevel;
  code: string;
  wkb: Buffer;
}

/** Appends one WKB Polygon (as `ST_AsBinary` writes it) to the builder. */
function addWkbPiece(builder: BoundaryIndexBuilder, row: PieceRow): void {
  const geom = Geometry.parse(row.wkb);
  if (!(geom instanceof Polygon)) throw new TypeError(`boundary_part ${row.level} ${row.code} is not a Polygon`);
  const rings = geom.exteriorRing.length === 0 ? [] : [geom.exteriorRing, ...geom.interiorRings];
  let vertices = 0;
  for (const r of rings) vertices += r.length;
  const xy = new Float64Array(vertices * 2);
  const counts = new Array<number>(rings.length);
  let k = 0;
  rings.forEach((ring, i) => {
    counts[i] = ring.length;
    for (const p of ring) {
      xy[k++] = p.x;
      xy[k++] = p.y;
    }
  });
  builder.addFlatPolygon(row.level, row.code, xy, counts);
}

/**
 * Reads one dataset's subdivided pieces (`boundary_part`, streamed through a server-side cursor as
 * WKB, so coordinates arrive as the exact stored doubles) and its areas, and builds the in-memory index.
 */
export async function loadBoundaryIndex(
  source: BoundarySource,
  datasetId: string,
  options: LoadBoundaryIndexOptions = {},
): Promise<LoadedBoundaryIndex> {
  const t0 = performance.now();
  if (!isUUID(datasetId)) throw new UnknownDatasetError(datasetId);
  const fetchSize = options.fetchSize ?? 5_000;
  if (!Number.isSafeInteger(fetchSize) || fetchSize < 1) throw new RangeError(`fetchSize must be a positive integer, got ${fetchSize}`);
  const levels = options.levels ?? ADMIN_LEVELS;
  for (const l of levels) if (!(ADMIN_LEVELS as readonly string[]).includes(l)) throw new RangeError(`unknown level "${l}"`);
  const session = await openSnapshot(source);
  try {
    const found = await session.query<{ vertices: number | null }>(
      `SELECT (SELECT sum(ST_NPoints(geom))::float8 FROM boundary_part WHERE dataset_id = $1 AND level = ANY($2::text[])) AS vertices
       FROM dataset WHERE id = $1`,
      [datasetId, levels],
    );
    if (found.length === 0) throw new UnknownDatasetError(datasetId);
    const areaRows = await session.query<{ level: AdminLevel; code: string; name: string; parent_code: string | null }>(
      'SELECT level, code, name, parent_code FROM boundary_area WHERE dataset_id = $1',
      [datasetId],
    );
    const areas = new AreaChains(areaRows.map((r) => ({ level: r.level, code: r.code, name: r.name, parentCode: r.parent_code })));

    const builder = new BoundaryIndexBuilder().reserveVertices(found[0].vertices ?? 0);
    await session.query(
      `DECLARE boundary_pieces NO SCROLL CURSOR FOR
       SELECT level, code, ST_AsBinary(geom, 'NDR') AS wkb FROM boundary_part WHERE dataset_id = $1 AND level = ANY($2::text[])`,
      [datasetId, levels],
    );
    let read = 0;
    for (;;) {
      const rows = await session.query<PieceRow>(`FETCH ${fetchSize} FROM boundary_pieces`);
      if (rows.length === 0) break;
      for (const row of rows) addWkbPiece(builder, row);
      read += rows.length;
      options.onProgress?.(read);
    }
    const index = builder.build();
    return { datasetId, index, areas, stats: { ...index.stats(), ms: Math.round(performance.now() - t0) } };
  } finally {
    await session.end();
  }
}
