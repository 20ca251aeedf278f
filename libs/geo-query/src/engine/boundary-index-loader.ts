import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { Geometry, Polygon } from 'wkx';
import { isUUID } from 'class-validator';
import { ADMIN_LEVELS, type AdminLevel } from '@geobatch/contracts';
import { assertLookupPoints, assertNearestM, type BoundaryLookup, type LookupHit, type LookupOptions, type LookupPoint } from '../lookup/boundary-lookup.service';
import { BoundaryIndexBuilder, InMemoryBoundaryIndex, type BoundaryIndexStats } from './in-memory-boundary-index';

/** Where the boundary tables live: a TypeORM DataSource or a node-postgres pool. */
export type BoundarySource = DataSource | Pool;

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

/** Same shape as `BoundaryLookup.lookup` with the dataset bound: what the geocoder calls, whichever engine runs. */
export interface PointLookupEngine {
  lookup(points: readonly LookupPoint[], options?: LookupOptions): Promise<Map<number, LookupHit>>;
}

/** What answers the nearest-polygon rule for points no polygon holds: the PostGIS reference. */
export type NearestFallback = Pick<BoundaryLookup, 'lookup'>;

export interface InMemoryLookupOptions {
  /**
   * Answers `nearestM` lookups for the points the index finds in no polygon (see InMemoryLookup.lookup).
   * Without it, a lookup with `nearestM` > 0 is refused.
   */
  nearest?: NearestFallback;
}

export class UnknownDatasetError extends Error {
  constructor(readonly datasetId: string) {
    super(`no boundary dataset with id "${datasetId}"`);
    this.name = 'UnknownDatasetError';
  }
}

/**
 * Degrees added on every side of the nearest-polygon search box before deciding in memory that a point
 * has no candidate (about 11 m; several times the float4 rounding of PostGIS's index boxes).
 */
export const NEAREST_BOX_MARGIN = 1e-4;
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

function toHit(chain: readonly ChainEntry[]): LookupHit | undefined {
  if (chain.length === 0) return undefined;
  const hit: LookupHit = {};
  for (let i = chain.length - 1; i >= 0; i--) hit[chain[i].level] = { code: chain[i].code, name: chain[i].name };
  return hit;
}

/** One connection, in one read-only snapshot, whichever kind of source it came from. */
interface Session {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  end(): Promise<void>;
}

function isDataSource(source: BoundarySource): source is DataSource {
  return typeof (source as DataSource).createQueryRunner === 'function';
}

async function openSnapshot(source: BoundarySource): Promise<Session> {
  // REPEATABLE READ: areas and pieces come from one snapshot even if the dataset is re-imported meanwhile.
  const begin = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
  if (isDataSource(source)) {
    const qr = source.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction('REPEATABLE READ');
      await qr.query('SET TRANSACTION READ ONLY');
    } catch (e) {
      await qr.release();
      throw e;
    }
    return {
      query: (sql, params) => qr.query(sql, params),
      end: async () => {
        try {
          if (qr.isTransactionActive) await qr.rollbackTransaction();
        } finally {
          await qr.release();
        }
      },
    };
  }
  const client = await source.connect();
  try {
    await client.query(begin);
  } catch (e) {
    client.release();
    throw e;
  }
  return {
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    end: async () => {
      let broken: Error | undefined;
      try {
        await client.query('ROLLBACK');
      } catch (e) {
        broken = e as Error;
      }
      client.release(broken);
    },
  };
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

/**
 * The in-memory engine behind the same call as the reference `BoundaryLookup.lookup`, with the
 * dataset bound at load: `lookup(points, options)` gives, per point key, the finest area holding the
 * point and its ancestors, identical to what PostGIS answers; points in no area are absent from the map.
 * (Identical when the index holds every level of the dataset, as `load` does by default.)
 *
 * The exact rule runs in memory. The nearest-polygon rule (`nearestM` > 0) applies, in the reference,
 * only to the points no piece holds; those few points are handed to the `nearest` fallback (the
 * reference itself, one set-based statement), which finds no exact match for them either and applies
 * the rule, so the answers stay identical to the reference's. A miss whose search box (the box the
 * reference's `&&` test uses, see `BoundaryLookup.lookup`, widened by {@link NEAREST_BOX_MARGIN}) meets
 * no piece's bounding box has no candidate in the reference either, and is not sent: points far out at
 * sea or outside the dataset's coverage cost no query.
 */
export class InMemoryLookup implements PointLookupEngine {
  /** Builds a fresh hit per area id; null for pieces without an area row (the reference drops those). */
  private readonly hitMakers: ((() => LookupHit) | null)[];
  private readonly nearest?: NearestFallback;
  // Scratch buffers for the exact pass, grown on demand.
  private lons = new Float64Array(0);
  private lats = new Float64Array(0);
  private ids = new Int32Array(0);

  constructor(
    readonly datasetId: string,
    readonly index: InMemoryBoundaryIndex,
    readonly areas: AreaChains,
    options: InMemoryLookupOptions = {},
  ) {
    this.nearest = options.nearest;
    this.hitMakers = [];
    for (let id = 0; id < index.areaCount; id++) {
      const { level, code } = index.area(id);
      const chain = areas.chain(level, code);
      this.hitMakers.push(chain.length > 0 ? hitMaker(chain) : null);
    }
  }

  static fromLoaded(loaded: LoadedBoundaryIndex, options?: InMemoryLookupOptions): InMemoryLookup {
    return new InMemoryLookup(loaded.datasetId, loaded.index, loaded.areas, options);
  }

  static async load(
    source: BoundarySource,
    datasetId: string,
    options: LoadBoundaryIndexOptions & InMemoryLookupOptions = {},
  ): Promise<InMemoryLookup> {
    return InMemoryLookup.fromLoaded(await loadBoundaryIndex(source, datasetId, options), options);
  }

  /** Same contract as `BoundaryLookup.lookup(datasetId, points, options)`, same validation and errors. */
  async lookup(points: readonly LookupPoint[], options: LookupOptions = {}): Promise<Map<number, LookupHit>> {
    assertLookupPoints(points);
    const nearestM = assertNearestM(options.nearestM);
    if (nearestM > 0 && !this.nearest) {
      throw new RangeError('this in-memory lookup has no nearest-polygon fallback: nearestM must be 0');
    }
    const hits = this.exactHits(points);
    if (nearestM > 0 && this.nearest && hits.size < points.length) {
      const misses = points.filter((p) => !hits.has(p.n) && this.mayBeNear(p, nearestM));
      if (misses.length > 0) {
        for (const [n, hit] of await this.nearest.lookup(this.datasetId, misses, { nearestM })) hits.set(n, hit);
      }
    }
    return hits;
  }

  /**
   * Whether the reference can find a nearest area for the point: some piece's bounding box meets the
   * box it searches, of half-height nearestM / 110000 and half-width nearestM / (110000 · cos(min(|lat| +
   * dLat, 89)°)) degrees, here widened by NEAREST_BOX_MARGIN on every side (PostGIS compares float4
   * boxes rounded outwards, at most ~1.5e-5° off), so that "no" here is "no" there.
   */
  private mayBeNear(p: LookupPoint, nearestM: number): boolean {
    const dLat = nearestM / 110000;
    const dLon = nearestM / (110000 * Math.cos((Math.min(Math.abs(p.lat) + dLat, 89) * Math.PI) / 180));
    const mx = dLon + NEAREST_BOX_MARGIN;
    const my = dLat + NEAREST_BOX_MARGIN;
    return this.index.anyPieceInBox(p.lon - mx, p.lat - my, p.lon + mx, p.lat + my);
  }

  /** The exact rule only (no `nearestM`), synchronously. */
  lookupSync(points: readonly LookupPoint[]): Map<number, LookupHit> {
    assertLookupPoints(points);
    return this.exactHits(points);
  }

  private exactHits(points: readonly LookupPoint[]): Map<number, LookupHit> {
    const n = points.length;
    if (this.ids.length < n) {
      this.lons = new Float64Array(n);
      this.lats = new Float64Array(n);
      this.ids = new Int32Array(n);
    }
    const lons = this.lons.subarray(0, n);
    const lats = this.lats.subarray(0, n);
    for (let i = 0; i < n; i++) {
      lons[i] = points[i].lon;
      lats[i] = points[i].lat;
    }
    const ids = this.index.lookupMany(lons, lats, this.ids);
    const hits = new Map<number, LookupHit>();
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      if (id < 0) continue;
      const make = this.hitMakers[id];
      if (make) hits.set(points[i].n, make());
    }
    return hits;
  }
}

/**
 * A function returning a fresh hit for one chain. The usual level combinations are object literals
 * (one allocation each, a stable shape); anything else is assembled level by level.
 */
function hitMaker(chain: readonly ChainEntry[]): () => LookupHit {
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
