// What an in-memory boundary index is made of: its input pieces, its packed arrays and its answers.
import type { AdminLevel } from '@geobatch/contracts';

/** One area an index can answer with. */
export interface IndexHit {
  level: AdminLevel;
  code: string;
}

/** One polygon piece (a `boundary_part` row) as GeoJSON Polygon coordinates: rings of [lon, lat]. */
export interface BoundaryPieceInput {
  level: AdminLevel;
  code: string;
  /** Exterior ring first, then holes, as PostGIS stores them (closed: last vertex = first; an open ring is closed here). */
  rings: ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>;
}

/** Sizes of a built index. */
export interface BoundaryIndexStats {
  pieces: number;
  rings: number;
  vertices: number;
  areas: number;
  /** Bytes held in typed arrays (vertices, ring/piece tables and the R-trees). */
  bytes: number;
}

/** Compares strings by their UTF-8 bytes, as PostgreSQL's `COLLATE "C"` does (JS `<` compares UTF-16 units). */
export function compareCodesC(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The packed arrays of an index: pieces own ranges of rings, rings own ranges of vertices. */
export interface IndexData {
  coords: Float64Array;
  ringEnds: Uint32Array;
  pieceRingEnds: Uint32Array;
  pieceArea: Int32Array;
  areaLevels: AdminLevel[];
  areaCodes: string[];
  areaCodeRank: Int32Array;
}
