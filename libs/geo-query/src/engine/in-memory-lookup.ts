// The in-memory engine behind the reference lookup's call, with the nearest-polygon rule handed back to PostGIS.
import { assertLookupPoints, assertNearestM, type BoundaryLookup, type LookupHit, type LookupOptions, type LookupPoint } from '../lookup/boundary-lookup.service';
import { type AreaChains, hitMaker } from './area-chains';
import { type LoadBoundaryIndexOptions, type LoadedBoundaryIndex, loadBoundaryIndex } from './boundary-index-loader';
import type { BoundarySource } from './boundary-snapshot';
import type { InMemoryBoundaryIndex } from './in-memory-boundary-index';

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

/**
 * Degrees added on every side of the nearest-polygon search box before deciding in memory that a point
 * has no candidate (about 11 m; several times the float4 rounding of PostGIS's index boxes).
 */
export const NEAREST_BOX_MARGIN = 1e-4;
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
