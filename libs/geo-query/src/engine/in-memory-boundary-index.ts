// The query side of the in-memory index: point-in-polygon lookups over the packed pieces.
import type { AdminLevel } from '@geobatch/contracts';
import { BoundaryIndexBuilder } from './boundary-index-builder';
import type { BoundaryIndexStats, BoundaryPieceInput, IndexData, IndexHit } from './boundary-index-data';
import { type GridExtent, type LevelTree, NODE_SIZE, buildLevelTrees, gridExtent, morton } from './level-trees';
import { pointInPiece } from './point-in-polygon';

const NO_AREA = -1;
/** lookupMany orders points in blocks of this many (a power of two), and not below SORT_MIN points. */
const SORT_BLOCK = 4096;
const SORT_MIN = 64;

/**
 * Point-in-polygon lookups over subdivided boundary pieces, in memory, answering exactly as the
 * PostGIS reference (`BoundaryLookup`) does: a piece matches a point that `ST_Intersects` it (inside
 * or on its boundary; inside a hole is outside, on a hole's ring is on the boundary); among matches
 * the finest level wins, then the smallest code in `COLLATE "C"` order.
 *
 * The point-in-ring test is the one PostGIS 3.3 runs for `ST_Intersects(polygon, point)`
 * (`point_in_ring` in postgis/lwgeom_functions_analytic.c: winding number, boundary when the
 * double-precision cross product is exactly 0 and the point lies within the segment's box), with the
 * same floating-point expressions, so edge and vertex points get the same answer bit for bit. Exact
 * predicates (robust-predicates, point-in-polygon-hao) answer differently for points within rounding
 * of an edge, which is why they are not used here.
 *
 * Pieces are found with one packed Hilbert R-tree (flatbush) per level over the pieces' bounding
 * boxes; a lookup allocates nothing per point.
 */
export class InMemoryBoundaryIndex {
  private readonly data: IndexData;
  private readonly coords: Float64Array;
  private readonly ringEnds: Uint32Array;
  private readonly pieceRingEnds: Uint32Array;
  private readonly pieceArea: Int32Array;
  private readonly areaLevels: AdminLevel[];
  private readonly areaCodes: string[];
  private readonly areaCodeRank: Int32Array;
  private readonly areaHits: IndexHit[];
  private readonly trees: LevelTree[];
  /** Traversal stack shared by all lookups (JS runs one at a time). */
  private readonly stack: Int32Array;
  /** Grid over all pieces for lookupMany's ordering, and its sort buffer. */
  private readonly extent: GridExtent;
  private readonly order = new Float64Array(SORT_BLOCK);
  // Best match of the level being searched.
  private bestArea = NO_AREA;
  private bestRank = 0;

  /** Use {@link BoundaryIndexBuilder} or {@link InMemoryBoundaryIndex.fromPieces}. */
  constructor(data: IndexData) {
    this.data = data;
    this.coords = data.coords;
    this.ringEnds = data.ringEnds;
    this.pieceRingEnds = data.pieceRingEnds;
    this.pieceArea = data.pieceArea;
    this.areaLevels = data.areaLevels;
    this.areaCodes = data.areaCodes;
    this.areaCodeRank = data.areaCodeRank;
    this.areaHits = this.areaLevels.map((level, i) => Object.freeze({ level, code: this.areaCodes[i] }));
    this.trees = buildLevelTrees(data);
    // Depth-first: each tree level adds at most NODE_SIZE (child, level) pairs while one is taken.
    const depth = Math.max(1, ...this.trees.map((t) => t.levelBounds.length));
    this.stack = new Int32Array(2 * NODE_SIZE * (depth + 1));
    this.extent = gridExtent(this.trees);
  }

  static fromPieces(pieces: Iterable<BoundaryPieceInput>): InMemoryBoundaryIndex {
    const b = new BoundaryIndexBuilder();
    for (const p of pieces) b.addPolygon(p.level, p.code, p.rings);
    return b.build();
  }

  /** PostGIS `point_in_polygon` for one piece: -1 outside, 0 on the boundary, 1 inside. */
  pointInPiece(piece: number, x: number, y: number): number {
    return pointInPiece(this.data, piece, x, y);
  }

  /**
   * Tests the point against every piece of one level whose box holds it, keeping the smallest code
   * that matches in bestArea. The walk is flatbush's own search (same packed layout: `_boxes`,
   * `_indices`, `_levelBounds`) specialised to a point, without its per-call arrays and callback.
   */
  private searchTree(t: LevelTree, x: number, y: number): void {
    const { boxes, indices, levelBounds, pieces } = t;
    const stack = this.stack;
    const leafEnd = levelBounds[0];
    let sp = 0;
    let node = boxes.length - 4;
    let level = levelBounds.length - 1;
    for (;;) {
      const end = Math.min(node + NODE_SIZE * 4, levelBounds[level]);
      if (node >= leafEnd) {
        for (let pos = node; pos < end; pos += 4) {
          if (x < boxes[pos] || y < boxes[pos + 1] || x > boxes[pos + 2] || y > boxes[pos + 3]) continue;
          stack[sp++] = indices[pos >> 2];
          stack[sp++] = level - 1;
        }
      } else {
        for (let pos = node; pos < end; pos += 4) {
          if (x < boxes[pos] || y < boxes[pos + 1] || x > boxes[pos + 2] || y > boxes[pos + 3]) continue;
          const piece = pieces[indices[pos >> 2]];
          const area = this.pieceArea[piece];
          const rank = this.areaCodeRank[area];
          // A piece of the matched area, or of a larger code, cannot improve the match.
          if (this.bestArea !== NO_AREA && rank >= this.bestRank) continue;
          if (pointInPiece(this.data, piece, x, y) !== -1) {
            this.bestArea = area;
            this.bestRank = rank;
          }
        }
      }
      if (sp === 0) return;
      level = stack[--sp];
      node = stack[--sp];
    }
  }

  /** The area id holding the point (finest level, then smallest code), or -1. */
  lookupAreaId(lon: number, lat: number): number {
    if (lon !== lon || lat !== lat) return NO_AREA; // NaN would pass every box test
    const trees = this.trees;
    for (let t = 0; t < trees.length; t++) {
      this.bestArea = NO_AREA;
      this.searchTree(trees[t], lon, lat);
      if (this.bestArea !== NO_AREA) return this.bestArea;
    }
    return NO_AREA;
  }

  /** The area holding the point (a shared, frozen object): finest level first, then the smallest code; null when none does. */
  lookup(lon: number, lat: number): IndexHit | null {
    const id = this.lookupAreaId(lon, lat);
    return id === NO_AREA ? null : this.areaHits[id];
  }

  /**
   * Looks up many points in one pass. Returns, per point, the area id (see {@link area}) or -1,
   * written into `out` when given (it must be at least as long as the inputs).
   *
   * Points are visited block by block in Z-order (Morton order of their cell on a 65536 × 65536 grid
   * over the index's extent), so that consecutive lookups touch the same tree nodes and pieces: on
   * scattered input this is several times faster than input order, which is memory-bound.
   */
  lookupMany(lons: Float64Array, lats: Float64Array, out?: Int32Array): Int32Array {
    const n = lons.length;
    if (n !== lats.length) throw new RangeError(`lons has ${n} values, lats ${lats.length}`);
    const res = out ?? new Int32Array(n);
    if (res.length < n) throw new RangeError(`out holds ${res.length} values, need ${n}`);
    if (n < SORT_MIN) {
      for (let i = 0; i < n; i++) res[i] = this.lookupAreaId(lons[i], lats[i]);
      return res;
    }
    const { minX, minY, sx, sy } = this.extent;
    const order = this.order;
    for (let start = 0; start < n; start += SORT_BLOCK) {
      const count = Math.min(SORT_BLOCK, n - start);
      for (let i = 0; i < count; i++) {
        // Outside or non-finite coordinates clamp to the grid's edge; the order only affects speed.
        const gx = Math.min(Math.max((lons[start + i] - minX) * sx, 0), 65535) | 0;
        const gy = Math.min(Math.max((lats[start + i] - minY) * sy, 0), 65535) | 0;
        order[i] = morton(gx, gy) * SORT_BLOCK + i; // < 2^32 · 2^12: exact in a double
      }
      const sorted = order.subarray(0, count).sort();
      for (let k = 0; k < count; k++) {
        const i = start + (sorted[k] % SORT_BLOCK);
        res[i] = this.lookupAreaId(lons[i], lats[i]);
      }
    }
    return res;
  }

  /** True when the bounding box of some piece (of any level) meets the box, edges included. */
  anyPieceInBox(minX: number, minY: number, maxX: number, maxY: number): boolean {
    for (const t of this.trees) {
      if (maxX < t.tree.minX || maxY < t.tree.minY || minX > t.tree.maxX || minY > t.tree.maxY) continue;
      if (t.tree.search(minX, minY, maxX, maxY).length > 0) return true;
    }
    return false;
  }

  /** The level and code of an area id returned by {@link lookupAreaId} / {@link lookupMany}. */
  area(id: number): IndexHit {
    const hit = this.areaHits[id];
    if (!hit) throw new RangeError(`no area ${id}`);
    return hit;
  }

  get areaCount(): number {
    return this.areaHits.length;
  }

  stats(): BoundaryIndexStats {
    let bytes = this.coords.byteLength + this.ringEnds.byteLength + this.pieceRingEnds.byteLength + this.pieceArea.byteLength + this.areaCodeRank.byteLength;
    for (const t of this.trees) bytes += t.tree.data.byteLength + t.pieces.byteLength;
    return {
      pieces: this.pieceArea.length,
      rings: this.ringEnds.length,
      vertices: this.coords.length / 2,
      areas: this.areaHits.length,
      bytes,
    };
  }
}
