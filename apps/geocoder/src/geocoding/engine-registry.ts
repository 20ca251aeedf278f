import type { LoggerService } from '@nestjs/common';
import type { AdminLevel } from '@geobatch/contracts';
import type { BoundaryIndexLoadStats, LookupOptions, NearestFallback, PointLookupEngine } from '@geobatch/geo-query';
import type { GeocoderEngineKind } from '../config/geocoder-env.schema';

/** What a lookup needs to know about a dataset. A dataset id's polygons and levels never change. */
export interface EngineDataset {
  id: string;
  name: string;
  version: string;
  levels: AdminLevel[];
}

/** One dataset's engine: `engine.lookup(points, options)` answers exactly as `BoundaryLookup.lookup(dataset.id, …)`. */
export interface DatasetEngine {
  dataset: EngineDataset;
  engine: PointLookupEngine;
}

/** What the geocoder looks points up through: one engine per dataset id. */
export interface DatasetEngines {
  /** The engine of a dataset, or null when there is no dataset with that id. */
  acquire(datasetId: string): Promise<DatasetEngine | null>;
}

export const DATASET_ENGINES = Symbol('DATASET_ENGINES');

/** An in-memory index loaded for one dataset. */
export interface LoadedEngine {
  engine: PointLookupEngine;
  stats: BoundaryIndexLoadStats;
}

/** Where the registry gets datasets, in-memory indexes and the PostGIS reference from (fakes in unit tests). */
export interface EngineSources {
  findById(id: string): Promise<EngineDataset | null>;
  findDefault(): Promise<EngineDataset | null>;
  /** Loads the dataset's pieces into an in-memory index whose nearest-polygon fallback is the reference; null when the dataset is gone. */
  loadMemory(id: string): Promise<LoadedEngine | null>;
  /** The PostGIS reference lookup (`BoundaryLookup`). */
  postgis: NearestFallback;
}

export interface EngineRegistryOptions {
  engine: GeocoderEngineKind;
  idleMs: number;
  maxDatasets: number;
  /** Load the default dataset at start-up (memory engine only). */
  warmDefault: boolean;
  /** How often idle datasets are looked for (default: idleMs / 2, at most a minute). */
  sweepMs?: number;
  now?: () => number;
}

/** Observes the memory the engines hold (a metrics gauge in the app). */
export interface EngineObserver {
  loaded(dataset: EngineDataset, stats: BoundaryIndexLoadStats): void;
  evicted(dataset: EngineDataset): void;
}

interface Entry {
  id: string;
  /** Settles once the load is over; a failed load is forgotten, so the next chunk tries again. */
  promise: Promise<DatasetEngine | null>;
  loaded?: DatasetEngine;
  bytes?: number;
  lastUsed: number;
}

export function datasetLabel(d: Pick<EngineDataset, 'name' | 'version'>): string {
  return `${d.name}@${d.version}`;
}

/**
 * The lookup engine of each dataset, by id. With the memory engine, a dataset's index is loaded on its
 * first use (concurrent first uses share one load), every chunk is then answered from memory, and the
 * index is dropped after GEOCODER_ENGINE_IDLE_MS without use or when more than
 * GEOCODER_ENGINE_MAX_DATASETS are loaded (least recently used first). An id never has to be
 * invalidated: a re-import creates a new dataset id (a new generation) and the old id keeps its polygons.
 * The default dataset is loaded at start-up and, when a re-import makes a new generation the default,
 * the new one is loaded in its place at the next sweep.
 *
 * With the postgis engine, every lookup is one PostGIS statement (the reference) and nothing is cached.
 */
export class EngineRegistry implements DatasetEngines {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  /** The default dataset kept loaded (never evicted for being idle while it stays the default). */
  private defaultId: string | null = null;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly options: EngineRegistryOptions,
    private readonly sources: EngineSources,
    private readonly logger: LoggerService,
    private readonly observer?: EngineObserver,
  ) {
    this.now = options.now ?? Date.now;
  }

  get kind(): GeocoderEngineKind {
    return this.options.engine;
  }

  /** Ids of the datasets whose index is in memory, least recently used first. */
  loadedIds(): string[] {
    return [...this.entries.values()].filter((e) => e.loaded).sort((a, b) => a.lastUsed - b.lastUsed).map((e) => e.id);
  }

  /** Bytes of typed arrays held by the loaded indexes. */
  loadedBytes(): number {
    let bytes = 0;
    for (const e of this.entries.values()) bytes += e.bytes ?? 0;
    return bytes;
  }

  async acquire(datasetId: string): Promise<DatasetEngine | null> {
    if (this.options.engine === 'postgis') return this.postgisEngine(datasetId);
    let entry = this.entries.get(datasetId);
    if (!entry) {
      entry = { id: datasetId, promise: Promise.resolve(null), lastUsed: this.now() };
      // Registered before the load starts, so that a load failing at once forgets it.
      this.entries.set(datasetId, entry);
      entry.promise = this.load(entry);
    }
    entry.lastUsed = this.now();
    return entry.promise;
  }

  /** Starts the idle sweep and, when configured, loads the default dataset (in the background: a failure is only logged). */
  start(): Promise<void> {
    if (this.options.engine !== 'memory') return Promise.resolve();
    const every = this.options.sweepMs ?? Math.min(Math.max(Math.floor(this.options.idleMs / 2), 1_000), 60_000);
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
    return this.options.warmDefault ? this.warmDefault() : Promise.resolve();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Loads the current default dataset's index; resolves either way. */
  async warmDefault(): Promise<void> {
    try {
      const dataset = await this.sources.findDefault();
      if (!dataset) {
        this.logger.log({ msg: 'no default dataset to load at start-up' });
        return;
      }
      this.defaultId = dataset.id;
      await this.acquire(dataset.id);
    } catch (e) {
      this.logger.warn({ msg: 'could not load the default dataset at start-up; it loads on first use', error: (e as Error).message });
    }
  }

  /**
   * Drops the indexes unused for GEOCODER_ENGINE_IDLE_MS. The default dataset's stays, unless a newer
   * generation (or another dataset) has become the default: that one is loaded instead.
   */
  sweep(): Promise<void> {
    this.sweeping ??= this.runSweep().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async runSweep(): Promise<void> {
    const cutoff = this.now() - this.options.idleMs;
    if (this.defaultId !== null && this.options.warmDefault) {
      try {
        const current = (await this.sources.findDefault())?.id ?? null;
        if (current !== this.defaultId) {
          this.logger.log({ msg: 'the default dataset changed', from: this.defaultId, to: current });
          this.defaultId = current;
          if (current !== null) void this.acquire(current).catch(() => undefined);
        }
      } catch {
        // The database is away: keep what is loaded, try again at the next sweep.
      }
    }
    for (const entry of [...this.entries.values()]) {
      if (!entry.loaded || entry.id === this.defaultId || entry.lastUsed > cutoff) continue;
      this.evict(entry, 'idle');
    }
  }

  private evict(entry: Entry, why: 'idle' | 'capacity'): void {
    if (this.entries.get(entry.id) !== entry) return;
    this.entries.delete(entry.id);
    if (!entry.loaded) return;
    this.observer?.evicted(entry.loaded.dataset);
    this.logger.log({
      msg: 'engine unloaded',
      why,
      datasetId: entry.id,
      dataset: datasetLabel(entry.loaded.dataset),
      idleMs: this.now() - entry.lastUsed,
      mb: Math.round((entry.bytes ?? 0) / 1e5) / 10,
    });
  }

  /** Keeps at most maxDatasets indexes, dropping the least recently used (never `keep`, never one still loading). */
  private enforceCapacity(keep: Entry): void {
    const loaded = [...this.entries.values()].filter((e) => e.loaded).sort((a, b) => a.lastUsed - b.lastUsed);
    let excess = loaded.length - this.options.maxDatasets;
    for (const entry of loaded) {
      if (excess <= 0) break;
      if (entry === keep) continue;
      this.evict(entry, 'capacity');
      excess--;
    }
  }

  private async load(entry: Entry): Promise<DatasetEngine | null> {
    try {
      const dataset = await this.sources.findById(entry.id);
      const loaded = dataset ? await this.sources.loadMemory(entry.id) : null;
      if (!dataset || !loaded) {
        // Unknown (or deleted meanwhile): nothing to keep; asked again, it is looked up again.
        if (this.entries.get(entry.id) === entry) this.entries.delete(entry.id);
        return null;
      }
      const { stats } = loaded;
      entry.loaded = { dataset, engine: loaded.engine };
      entry.bytes = stats.bytes;
      this.observer?.loaded(dataset, stats);
      this.logger.log({
        msg: 'engine loaded',
        datasetId: dataset.id,
        dataset: datasetLabel(dataset),
        pieces: stats.pieces,
        areas: stats.areas,
        vertices: stats.vertices,
        mb: Math.round(stats.bytes / 1e5) / 10,
        ms: stats.ms,
      });
      if (this.entries.get(entry.id) === entry) this.enforceCapacity(entry);
      return entry.loaded;
    } catch (e) {
      if (this.entries.get(entry.id) === entry) this.entries.delete(entry.id);
      this.logger.warn({ msg: 'engine load failed', datasetId: entry.id, error: (e as Error).message });
      throw e;
    }
  }

  private async postgisEngine(datasetId: string): Promise<DatasetEngine | null> {
    const dataset = await this.sources.findById(datasetId);
    if (!dataset) return null;
    const reference = this.sources.postgis;
    return { dataset, engine: { lookup: (points, options?: LookupOptions) => reference.lookup(datasetId, points, options) } };
  }
}
