import Flatbush from 'flatbush';
import { ADMIN_LEVELS, type AdminLevel } from '@geobatch/contracts';

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

/** Finest level first: the order in which levels are searched. */
const LEVELS_FINEST_FIRST: readonly AdminLevel[] = [...ADMIN_LEVELS].reverse();
const NO_AREA = -1;

/** Compares strings by their UTF-8 bytes, as PostgreSQL's `COLLATE "C"` does (JS `<` compares UTF-16 units). */
export function compareCodesC(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Collects pieces, then builds an {@link InMemoryBoundaryIndex}. Vertices go straight into one
 * growing Float64Array, so a loader decoding WKB never materialises nested coordinate arrays.
 */
export class BoundaryIndexBuilder {
  private coords = new Float64Array(1 << 16);
  private nCoords = 0; // doubles used in coords
  private ringEnds: number[] = []; // vertex index one past each ring's last vertex
  private pieceRingEnds: number[] = []; // ring index one past each piece's last ring
  private pieceArea: number[] = [];
  private readonly areaIds = new Map<string, number>();
  private readonly areaLevels: AdminLevel[] = [];
  private readonly areaCodes: string[] = [];

  private areaId(level: AdminLevel, code: string): number {
    if (!(ADMIN_LEVELS as readonly string[]).includes(level)) throw new RangeError(`unknown level "${level}"`);
    const key = `${level}\u0000${code}`;
    let id = this.areaIds.get(key);
    if (id === undefined) {
      id = this.areaLevels.length;
      this.areaIds.set(key, id);
      this.areaLevels.push(level);
      this.areaCodes.push(code);
    }
    return id;
  }

  private reserve(doubles: number): void {
    if (this.nCoords + doubles <= this.coords.length) return;
    let size = this.coords.length * 2;
    while (size < this.nCoords + doubles) size *= 2;
    const grown = new Float64Array(size);
    grown.set(this.coords.subarray(0, this.nCoords));
    this.coords = grown;
  }

  /**
   * Adds a polygon piece given as GeoJSON Polygon coordinates (a ring left open is closed). Empty
   * polygons are skipped: PostGIS never matches them.
   */
  addPolygon(level: AdminLevel, code: string, rings: BoundaryPieceInput['rings']): this {
    if (rings.length === 0 || rings[0].length === 0) return this;
    rings.forEach((ring, r) => {
      if (ring.length === 0) throw new RangeError(`${level} ${code}: ring ${r} is empty`);
    });
    const area = this.areaId(level, code);
    for (const ring of rings) {
      const first = ring[0];
      const last = ring[ring.length - 1];
      const open = first[0] !== last[0] || first[1] !== last[1];
      this.reserve((ring.length + 1) * 2);
      const c = this.coords;
      let k = this.nCoords;
      for (const v of ring) {
        c[k++] = v[0];
        c[k++] = v[1];
      }
      if (open) {
        c[k++] = first[0];
        c[k++] = first[1];
      }
      this.nCoords = k;
      this.ringEnds.push(k / 2);
    }
    this.pieceRingEnds.push(this.ringEnds.length);
    this.pieceArea.push(area);
    return this;
  }

  /**
   * Adds a polygon piece from flat coordinates: `xy` holds x0,y0,x1,y1,… of all rings back to back and
   * `ringVertexCounts` the number of vertices of each ring (exterior first), each ring closed as in WKB.
   */
  addFlatPolygon(level: AdminLevel, code: string, xy: ArrayLike<number>, ringVertexCounts: ArrayLike<number>): this {
    let total = 0;
    for (let r = 0; r < ringVertexCounts.length; r++) {
      const n = ringVertexCounts[r];
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`${level} ${code}: ring ${r} has ${n} vertices`);
      const a = 2 * total;
      const z = a + 2 * (n - 1);
      total += n;
      if (2 * total > xy.length) break; // reported below
      if (xy[a] !== xy[z] || xy[a + 1] !== xy[z + 1]) throw new RangeError(`${level} ${code}: ring ${r} is not closed`);
    }
    if (total * 2 !== xy.length) throw new RangeError(`${level} ${code}: ring sizes add up to ${total} vertices, xy holds ${xy.length / 2}`);
    if (ringVertexCounts.length === 0) return this;
    const area = this.areaId(level, code);
    this.reserve(xy.length);
    if (xy instanceof Float64Array) this.coords.set(xy, this.nCoords);
    else for (let i = 0; i < xy.length; i++) this.coords[this.nCoords + i] = xy[i];
    let end = this.nCoords / 2;
    for (let r = 0; r < ringVertexCounts.length; r++) this.ringEnds.push((end += ringVertexCounts[r]));
    this.nCoords += xy.length;
    this.pieceRingEnds.push(this.ringEnds.length);
    this.pieceArea.push(area);
    return this;
  }

  /** Reserves room for this many more vertices (optional; avoids regrowth when the total is known). */
  reserveVertices(vertices: number): this {
    this.reserve(vertices * 2);
    return this;
  }

  build(): InMemoryBoundaryIndex {
    // Code order as in SQL `ORDER BY code COLLATE "C"`, precomputed as one integer per area.
    const byCode = this.areaCodes.map((_, i) => i).sort((a, b) => compareCodesC(this.areaCodes[a], this.areaCodes[b]));
    const codeRank = new Int32Array(this.areaCodes.length);
    let rank = 0;
    byCode.forEach((id, i) => {
      if (i > 0 && this.areaCodes[byCode[i - 1]] !== this.areaCodes[id]) rank++;
      codeRank[id] = rank;
    });
    return new InMemoryBoundaryIndex({
      coords: this.coords.slice(0, this.nCoords),
      ringEnds: Uint32Array.from(this.ringEnds),
      pieceRingEnds: Uint32Array.from(this.pieceRingEnds),
      pieceArea: Int32Array.from(this.pieceArea),
      areaLevels: [...this.areaLevels],
      areaCodes: [...this.areaCodes],
      areaCodeRank: codeRank,
    });
  }
}

interface IndexData {
  coords: Float64Array;
  ringEnds: Uint32Array;
  pieceRingEnds: Uint32Array;
  pieceArea: Int32Array;
  areaLevels: AdminLevel[];
  areaCodes: string[];
  areaCodeRank: Int32Array;
}

interface LevelTree {
  level: AdminLevel;
  tree: Flatbush;
  /** The tree's packed arrays (see {@link InMemoryBoundaryIndex.searchTree}). */
  boxes: Float64Array;
  indices: Uint16Array | Uint32Array;
  levelBounds: Int32Array;
  /** Piece id of each item of the tree. */
  pieces: Uint32Array;
}

/** Items per R-tree node: small nodes suit point queries (fewer boxes compared per level). */
const NODE_SIZE = 8;
/** lookupMany orders points in blocks of this many (a power of two), and not below SORT_MIN points. */
const SORT_BLOCK = 4096;
const SORT_MIN = 64;

/** Interleaves the bits of two 16-bit cell numbers (Z-order), as an unsigned 32-bit number. */
function morton(x: number, y: number): number {
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  y = (y | (y << 8)) & 0x00ff00ff;
  y = (y | (y << 4)) & 0x0f0f0f0f;
  y = (y | (y << 2)) & 0x33333333;
  y = (y | (y << 1)) & 0x55555555;
  return (x | (y << 1)) >>> 0;
}

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
  private readonly extent: { minX: number; minY: number; sx: number; sy: number };
  private readonly order = new Float64Array(SORT_BLOCK);
  // Best match of the level being searched.
  private bestArea = NO_AREA;
  private bestRank = 0;

  /** Use {@link BoundaryIndexBuilder} or {@link InMemoryBoundaryIndex.fromPieces}. */
  constructor(data: IndexData) {
    this.coords = data.coords;
    this.ringEnds = data.ringEnds;
    this.pieceRingEnds = data.pieceRingEnds;
    this.pieceArea = data.pieceArea;
    this.areaLevels = data.areaLevels;
    this.areaCodes = data.areaCodes;
    this.areaCodeRank = data.areaCodeRank;
    this.areaHits = this.areaLevels.map((level, i) => Object.freeze({ level, code: this.areaCodes[i] }));
    this.trees = this.buildTrees();
    // Depth-first: each tree level adds at most NODE_SIZE (child, level) pairs while one is taken.
    const depth = Math.max(1, ...this.trees.map((t) => t.levelBounds.length));
    this.stack = new Int32Array(2 * NODE_SIZE * (depth + 1));
    const minX = Math.min(...this.trees.map((t) => t.tree.minX));
    const minY = Math.min(...this.trees.map((t) => t.tree.minY));
    const maxX = Math.max(...this.trees.map((t) => t.tree.maxX));
    const maxY = Math.max(...this.trees.map((t) => t.tree.maxY));
    this.extent = this.trees.length === 0 ? { minX: 0, minY: 0, sx: 0, sy: 0 } : { minX, minY, sx: 65535 / (maxX - minX || 1), sy: 65535 / (maxY - minY || 1) };
  }

  static fromPieces(pieces: Iterable<BoundaryPieceInput>): InMemoryBoundaryIndex {
    const b = new BoundaryIndexBuilder();
    for (const p of pieces) b.addPolygon(p.level, p.code, p.rings);
    return b.build();
  }

  private buildTrees(): LevelTree[] {
    const pieceCount = this.pieceArea.length;
    const trees: LevelTree[] = [];
    for (const level of LEVELS_FINEST_FIRST) {
      const ids: number[] = [];
      for (let p = 0; p < pieceCount; p++) if (this.areaLevels[this.pieceArea[p]] === level) ids.push(p);
      if (ids.length === 0) continue;
      const tree = new Flatbush(ids.length, NODE_SIZE, Float64Array);
      for (const p of ids) {
        // The exterior ring bounds the piece: nothing outside it can be inside or on the polygon.
        const r0 = p === 0 ? 0 : this.pieceRingEnds[p - 1];
        const v0 = r0 === 0 ? 0 : this.ringEnds[r0 - 1];
        const v1 = this.ringEnds[r0];
        let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
        for (let v = v0; v < v1; v++) {
          const x = this.coords[2 * v], y = this.coords[2 * v + 1];
          if (x < minX) minX = x;
          if (x > maxX) maxX = x;
          if (y < minY) minY = y;
          if (y > maxY) maxY = y;
        }
        tree.add(minX, minY, maxX, maxY);
      }
      tree.finish();
      trees.push({
        level,
        tree,
        boxes: tree._boxes as Float64Array,
        indices: tree._indices,
        levelBounds: Int32Array.from(tree._levelBounds),
        pieces: Uint32Array.from(ids),
      });
    }
    return trees;
  }

  /**
   * PostGIS `point_in_ring`: -1 outside, 0 on the ring, 1 inside. Segments whose y-range does not
   * include y are skipped first; for them PostGIS's own test can neither find the point on the
   * segment nor change the winding number, so the answer is unchanged.
   */
  private pointInRing(ring: number, x: number, y: number): number {
    const c = this.coords;
    let k = 2 * (ring === 0 ? 0 : this.ringEnds[ring - 1]);
    const end = 2 * this.ringEnds[ring] - 2;
    let wn = 0;
    let x2 = c[k];
    let y2 = c[k + 1];
    for (; k < end; k += 2) {
      const x1 = x2;
      const y1 = y2;
      x2 = c[k + 2];
      y2 = c[k + 3];
      // y strictly below or strictly above both ends (the sign of a product of doubles is exact;
      // an underflow to 0 only sends the segment through the full test below).
      if ((y1 - y) * (y2 - y) > 0) continue;
      if (x1 === x2 && y1 === y2) continue; // zero-length segments are ignored
      const side = (x2 - x1) * (y - y1) - (x - x1) * (y2 - y1);
      // isOnSegment: a zero cross product and the point within the segment's box
      if (side === 0 && (x1 > x2 ? !(x1 < x || x2 > x) : !(x2 < x || x1 > x)) && (y1 > y2 ? !(y1 < y || y2 > y) : !(y2 < y || y1 > y))) {
        return 0;
      }
      if (y1 <= y && y < y2 && side > 0) wn++;
      else if (y2 <= y && y < y1 && side < 0) wn--;
    }
    return wn === 0 ? -1 : 1;
  }

  /** PostGIS `point_in_polygon` for one piece: -1 outside, 0 on the boundary, 1 inside. */
  pointInPiece(piece: number, x: number, y: number): number {
    const r0 = piece === 0 ? 0 : this.pieceRingEnds[piece - 1];
    const r1 = this.pieceRingEnds[piece];
    const outer = this.pointInRing(r0, x, y);
    if (outer === -1) return -1;
    for (let r = r0 + 1; r < r1; r++) {
      const hole = this.pointInRing(r, x, y);
      if (hole === 1) return -1; // inside a hole
      if (hole === 0) return 0; // on a hole's ring
    }
    return outer;
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
          if (this.pointInPiece(piece, x, y) !== -1) {
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
