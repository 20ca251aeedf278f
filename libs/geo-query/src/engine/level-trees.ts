// The spatial side of an in-memory index: one packed Hilbert R-tree (flatbush) per level over the
// pieces' bounding boxes, and the Z-order used to visit many points in a cache-friendly order.
import Flatbush from 'flatbush';
import { ADMIN_LEVELS, type AdminLevel } from '@geobatch/contracts';
import type { IndexData } from './boundary-index-data';

export interface LevelTree {
  level: AdminLevel;
  tree: Flatbush;
  /** The tree's packed arrays (see InMemoryBoundaryIndex's searchTree). */
  boxes: Float64Array;
  indices: Uint16Array | Uint32Array;
  levelBounds: Int32Array;
  /** Piece id of each item of the tree. */
  pieces: Uint32Array;
}

/** Items per R-tree node: small nodes suit point queries (fewer boxes compared per level). */
export const NODE_SIZE = 8;
/** Finest level first: the order in which levels are searched. */
const LEVELS_FINEST_FIRST: readonly AdminLevel[] = [...ADMIN_LEVELS].reverse();

/** Adds the box of piece `p`'s exterior ring: nothing outside it can be inside or on the polygon. */
function addPieceBox(tree: Flatbush, data: IndexData, p: number): void {
  const r0 = p === 0 ? 0 : data.pieceRingEnds[p - 1];
  const v0 = r0 === 0 ? 0 : data.ringEnds[r0 - 1];
  const v1 = data.ringEnds[r0];
  const c = data.coords;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let v = v0; v < v1; v++) {
    const x = c[2 * v], y = c[2 * v + 1];
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  tree.add(minX, minY, maxX, maxY);
}

/** One tree per level that has pieces, finest level first. */
export function buildLevelTrees(data: IndexData): LevelTree[] {
  const pieceCount = data.pieceArea.length;
  const trees: LevelTree[] = [];
  for (const level of LEVELS_FINEST_FIRST) {
    const ids: number[] = [];
    for (let p = 0; p < pieceCount; p++) if (data.areaLevels[data.pieceArea[p]] === level) ids.push(p);
    if (ids.length === 0) continue;
    const tree = new Flatbush(ids.length, NODE_SIZE, Float64Array);
    for (const p of ids) addPieceBox(tree, data, p);
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

/** A 65536 × 65536 grid over all trees, for ordering points by cell. */
export interface GridExtent {
  minX: number;
  minY: number;
  sx: number;
  sy: number;
}

export function gridExtent(trees: readonly LevelTree[]): GridExtent {
  if (trees.length === 0) return { minX: 0, minY: 0, sx: 0, sy: 0 };
  const minX = Math.min(...trees.map((t) => t.tree.minX));
  const minY = Math.min(...trees.map((t) => t.tree.minY));
  const maxX = Math.max(...trees.map((t) => t.tree.maxX));
  const maxY = Math.max(...trees.map((t) => t.tree.maxY));
  return { minX, minY, sx: 65535 / (maxX - minX || 1), sy: 65535 / (maxY - minY || 1) };
}

/** Interleaves the bits of two 16-bit cell numbers (Z-order), as an unsigned 32-bit number. */
export function morton(x: number, y: number): number {
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
