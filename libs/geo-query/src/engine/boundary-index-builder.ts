// The write side of the in-memory index: pieces in, packed arrays out (the query side is InMemoryBoundaryIndex).
import { ADMIN_LEVELS, type AdminLevel } from '@geobatch/contracts';
import { compareCodesC, type BoundaryPieceInput } from './boundary-index-data';
import { InMemoryBoundaryIndex } from './in-memory-boundary-index';

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
