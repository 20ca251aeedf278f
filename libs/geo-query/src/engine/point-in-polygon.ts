// The point-in-polygon test PostGIS 3.3 runs for `ST_Intersects(polygon, point)`, over an index's
// packed arrays (see InMemoryBoundaryIndex for why it is this test and not an exact predicate).
import type { IndexData } from './boundary-index-data';

type Rings = Pick<IndexData, 'coords' | 'ringEnds'>;
type Pieces = Pick<IndexData, 'coords' | 'ringEnds' | 'pieceRingEnds'>;

/**
 * PostGIS `point_in_ring`: -1 outside, 0 on the ring, 1 inside. Segments whose y-range does not
 * include y are skipped first; for them PostGIS's own test can neither find the point on the
 * segment nor change the winding number, so the answer is unchanged.
 */
export function pointInRing({ coords: c, ringEnds }: Rings, ring: number, x: number, y: number): number {
  let k = 2 * (ring === 0 ? 0 : ringEnds[ring - 1]);
  const end = 2 * ringEnds[ring] - 2;
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
export function pointInPiece(data: Pieces, piece: number, x: number, y: number): number {
  const r0 = piece === 0 ? 0 : data.pieceRingEnds[piece - 1];
  const r1 = data.pieceRingEnds[piece];
  const outer = pointInRing(data, r0, x, y);
  if (outer === -1) return -1;
  for (let r = r0 + 1; r < r1; r++) {
    const hole = pointInRing(data, r, x, y);
    if (hole === 1) return -1; // inside a hole
    if (hole === 0) return 0; // on a hole's ring
  }
  return outer;
}
