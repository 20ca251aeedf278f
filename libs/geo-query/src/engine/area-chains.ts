// The ancestors of every area (the reference lookup's recursive SQL, in memory) and the hits built from them.
import { ADMIN_LEVELS, type AdminLevel } from '@geobatch/contracts';
import type { LookupHit } from '../lookup/boundary-lookup.service';

/** One `boundary_area` row without its geometry. */
export interface BoundaryAreaInfo {
  level: AdminLevel;
  code: string;
  name: string;
  parentCode: string | null;
}

/** One area of a chain, finest first. */
export interface ChainEntry {
  level: AdminLevel;
  code: string;
  name: string;
}

const LEVEL_RANK: Record<AdminLevel, number> = Object.fromEntries(ADMIN_LEVELS.map((l, i) => [l, i])) as Record<AdminLevel, number>;
/** The reference walks at most 4 areas (`WHERE c.depth < 4`). */
const MAX_CHAIN = 4;

/**
 * The chain of ancestors of every area, resolved as the reference lookup's recursive SQL does:
 * the parent of an area is the area whose code is its `parent_code` at the finest level coarser
 * than its own, and a chain holds at most four areas.
 */
export class AreaChains {
  private readonly byKey = new Map<string, BoundaryAreaInfo>();
  private readonly byCode = new Map<string, BoundaryAreaInfo[]>();
  private readonly chains = new Map<string, readonly ChainEntry[]>();

  constructor(areas: Iterable<BoundaryAreaInfo>) {
    for (const a of areas) {
      this.byKey.set(key(a.level, a.code), a);
      const same = this.byCode.get(a.code);
      if (same) same.push(a);
      else this.byCode.set(a.code, [a]);
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  get(level: AdminLevel, code: string): BoundaryAreaInfo | undefined {
    return this.byKey.get(key(level, code));
  }

  /** The area and its ancestors, finest first; empty when the area is unknown. */
  chain(level: AdminLevel, code: string): readonly ChainEntry[] {
    const k = key(level, code);
    let chain = this.chains.get(k);
    if (chain) return chain;
    const entries: ChainEntry[] = [];
    let cur = this.byKey.get(k);
    while (cur && entries.length < MAX_CHAIN) {
      entries.push(Object.freeze({ level: cur.level, code: cur.code, name: cur.name }));
      cur = cur.parentCode === null ? undefined : this.parentOf(cur);
    }
    chain = Object.freeze(entries);
    this.chains.set(k, chain);
    return chain;
  }

  /** A fresh hit (new objects, safe to modify) for an area, or undefined when the area is unknown. */
  hit(level: AdminLevel, code: string): LookupHit | undefined {
    return toHit(this.chain(level, code));
  }

  private parentOf(child: BoundaryAreaInfo): BoundaryAreaInfo | undefined {
    let best: BoundaryAreaInfo | undefined;
    for (const a of this.byCode.get(child.parentCode as string) ?? []) {
      if (LEVEL_RANK[a.level] < LEVEL_RANK[child.level] && (!best || LEVEL_RANK[a.level] > LEVEL_RANK[best.level])) best = a;
    }
    return best;
  }
}

function key(level: string, code: string): string {
  return `${level}\u0000${code}`;
}

export function toHit(chain: readonly ChainEntry[]): LookupHit | undefined {
  if (chain.length === 0) return undefined;
  const hit: LookupHit = {};
  for (let i = chain.length - 1; i >= 0; i--) hit[chain[i].level] = { code: chain[i].code, name: chain[i].name };
  return hit;
}

/**
 * A function returning a fresh hit for one chain. The usual level combinations are object literals
 * (one allocation each, a stable shape); anything else is assembled level by level.
 */
export function hitMaker(chain: readonly ChainEntry[]): () => LookupHit {
  const at: Partial<Record<AdminLevel, ChainEntry>> = {};
  for (const e of chain) at[e.level] = e;
  const { sido: a, sigungu: b, eupmyeondong: c, ri: d } = at;
  const mask = (a ? 1 : 0) | (b ? 2 : 0) | (c ? 4 : 0) | (d ? 8 : 0);
  if (a && b && c && d && mask === 15) {
    return () => ({ sido: { code: a.code, name: a.name }, sigungu: { code: b.code, name: b.name }, eupmyeondong: { code: c.code, name: c.name }, ri: { code: d.code, name: d.name } });
  }
  if (a && b && c && mask === 7) {
    return () => ({ sido: { code: a.code, name: a.name }, sigungu: { code: b.code, name: b.name }, eupmyeondong: { code: c.code, name: c.name } });
  }
  if (a && b && mask === 3) return () => ({ sido: { code: a.code, name: a.name }, sigungu: { code: b.code, name: b.name } });
  if (a && mask === 1) return () => ({ sido: { code: a.code, name: a.name } });
  return () => toHit(chain) as LookupHit;
}
