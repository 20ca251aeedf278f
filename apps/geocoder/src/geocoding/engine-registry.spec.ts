import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LoggerService } from '@nestjs/common';
import type { BoundaryIndexLoadStats, LookupHit, LookupOptions, LookupPoint } from '@geobatch/geo-query';
import { EngineRegistry, type EngineDataset, type EngineRegistryOptions, type EngineSources } from './engine-registry';

const STATS: BoundaryIndexLoadStats = { pieces: 1200, rings: 1300, vertices: 50_000, areas: 300, bytes: 2_500_000, ms: 42 };

function dataset(id: string): EngineDataset {
  return { id, name: `ds-${id}`, version: '1', levels: ['sido'] };
}

/** Records what the registry asks its sources; the in-memory engines answer with their dataset's id. */
function harness(options: Partial<EngineRegistryOptions> = {}, known = ['a', 'b', 'c', 'd']) {
  let clock = 1_000_000;
  const calls = { findById: [] as string[], loadMemory: [] as string[], findDefault: 0, postgis: [] as { id: string; nearestM?: number }[] };
  const lines: Record<string, unknown>[] = [];
  let defaultId: string | null = null;
  let failNextLoad = false;
  let releaseLoad: (() => void) | undefined;
  let holdLoads = false;
  const sources: EngineSources = {
    findById: async (id) => {
      calls.findById.push(id);
      return known.includes(id) ? dataset(id) : null;
    },
    findDefault: async () => {
      calls.findDefault++;
      return defaultId ? dataset(defaultId) : null;
    },
    loadMemory: async (id) => {
      calls.loadMemory.push(id);
      if (holdLoads) await new Promise<void>((resolve) => (releaseLoad = resolve));
      if (failNextLoad) {
        failNextLoad = false;
        throw new Error('connection refused');
      }
      const hit: LookupHit = { sido: { code: id, name: 'memory' } };
      return { engine: { lookup: async (points: readonly LookupPoint[]) => new Map(points.map((p) => [p.n, hit])) }, stats: STATS };
    },
    postgis: {
      lookup: async (id: string, points: readonly LookupPoint[], o?: LookupOptions) => {
        calls.postgis.push({ id, nearestM: o?.nearestM });
        return new Map(points.map((p) => [p.n, { sido: { code: id, name: 'postgis' } }]));
      },
    },
  };
  const logger = {
    log: (m: unknown) => lines.push({ level: 'log', ...(m as object) }),
    warn: (m: unknown) => lines.push({ level: 'warn', ...(m as object) }),
    error: (m: unknown) => lines.push({ level: 'error', ...(m as object) }),
  } as LoggerService;
  const evicted: string[] = [];
  const registry = new EngineRegistry(
    { engine: 'memory', idleMs: 60_000, maxDatasets: 4, warmDefault: false, now: () => clock, ...options },
    sources,
    logger,
    { loaded: () => undefined, evicted: (d) => evicted.push(d.id) },
  );
  return {
    registry,
    calls,
    lines,
    evicted,
    advance: (ms: number) => (clock += ms),
    setDefault: (id: string | null) => (defaultId = id),
    failNextLoad: () => (failNextLoad = true),
    hold: () => (holdLoads = true),
    release: () => {
      holdLoads = false;
      releaseLoad?.();
    },
  };
}

const point = [{ n: 7, lon: 127, lat: 37 }];

describe('EngineRegistry (memory engine)', () => {
  it('loads a dataset once for concurrent first uses and then answers from memory', async () => {
    const h = harness();
    h.hold();
    const pending = [h.registry.acquire('a'), h.registry.acquire('a'), h.registry.acquire('a')];
    await new Promise((r) => setImmediate(r));
    h.release();
    const [x, y, z] = await Promise.all(pending);
    assert.ok(x && x === y && y === z, 'the same engine for all three');
    assert.deepEqual(h.calls.loadMemory, ['a'], 'one load');
    assert.deepEqual(x.dataset, dataset('a'));
    assert.deepEqual((await x.engine.lookup(point)).get(7), { sido: { code: 'a', name: 'memory' } });
    await h.registry.acquire('a');
    assert.deepEqual(h.calls.loadMemory, ['a'], 'later chunks do not reload');
    assert.deepEqual(h.calls.findById, ['a'], 'nor read the dataset row again');
    assert.deepEqual(h.calls.postgis, []);
    const line = h.lines.find((l) => l.msg === 'engine loaded');
    assert.deepEqual(line && [line.datasetId, line.dataset, line.pieces, line.areas, line.ms, line.mb], ['a', 'ds-a@1', 1200, 300, 42, 2.5]);
    assert.deepEqual(h.registry.loadedIds(), ['a']);
    assert.equal(h.registry.loadedBytes(), STATS.bytes);
  });

  it('forgets a failed load, so the next use tries again', async () => {
    const h = harness();
    h.failNextLoad();
    await assert.rejects(h.registry.acquire('a'), /connection refused/);
    assert.deepEqual(h.registry.loadedIds(), []);
    assert.ok(await h.registry.acquire('a'));
    assert.deepEqual(h.calls.loadMemory, ['a', 'a']);
    assert.ok(h.lines.some((l) => l.level === 'warn' && l.msg === 'engine load failed'));
  });

  it('answers null for an unknown dataset, without loading or caching anything', async () => {
    const h = harness();
    assert.equal(await h.registry.acquire('zz'), null);
    assert.equal(await h.registry.acquire('zz'), null);
    assert.deepEqual(h.calls.findById, ['zz', 'zz']);
    assert.deepEqual(h.calls.loadMemory, []);
  });

  it('drops datasets unused for GEOCODER_ENGINE_IDLE_MS and reloads them on next use', async () => {
    const h = harness({ idleMs: 60_000 });
    await h.registry.acquire('a');
    h.advance(40_000);
    await h.registry.acquire('b');
    h.advance(30_000); // a idle 70 s, b idle 30 s
    await h.registry.sweep();
    assert.deepEqual(h.registry.loadedIds(), ['b']);
    assert.deepEqual(h.evicted, ['a']);
    assert.ok(h.lines.some((l) => l.msg === 'engine unloaded' && l.datasetId === 'a' && l.why === 'idle'));
    await h.registry.acquire('a');
    assert.deepEqual(h.calls.loadMemory, ['a', 'b', 'a']);
  });

  it('keeps at most GEOCODER_ENGINE_MAX_DATASETS loaded, dropping the least recently used', async () => {
    const h = harness({ maxDatasets: 2 });
    await h.registry.acquire('a');
    h.advance(1);
    await h.registry.acquire('b');
    h.advance(1);
    await h.registry.acquire('a'); // b is now the least recently used
    h.advance(1);
    await h.registry.acquire('c');
    assert.deepEqual(h.registry.loadedIds().sort(), ['a', 'c']);
    assert.deepEqual(h.evicted, ['b']);
  });

  it('loads the default dataset at start-up, keeps it while it is the default, and follows a new default generation', async () => {
    const h = harness({ warmDefault: true, idleMs: 60_000 });
    h.setDefault('a');
    await h.registry.start();
    h.registry.stop();
    assert.deepEqual(h.calls.loadMemory, ['a'], 'loaded before any chunk');
    h.advance(600_000);
    await h.registry.sweep();
    assert.deepEqual(h.registry.loadedIds(), ['a'], 'the default stays although idle');

    h.setDefault('b'); // e.g. a re-import made a new generation the default
    await h.registry.sweep();
    await h.registry.acquire('b');
    assert.deepEqual(h.calls.loadMemory, ['a', 'b'], 'the new default is loaded at the sweep');
    assert.deepEqual(h.registry.loadedIds(), ['b'], 'the old one, idle, is dropped');
    assert.ok(h.lines.some((l) => l.msg === 'the default dataset changed' && l.from === 'a' && l.to === 'b'));
  });

  it('starts without a default dataset, or with the database away, and says so', async () => {
    const h = harness({ warmDefault: true });
    await h.registry.start();
    h.registry.stop();
    assert.deepEqual(h.calls.loadMemory, []);
    assert.ok(h.lines.some((l) => l.msg === 'no default dataset to load at start-up'));

    const down = harness({ warmDefault: true });
    down.setDefault('a');
    down.failNextLoad();
    await down.registry.start();
    down.registry.stop();
    assert.ok(down.lines.some((l) => l.level === 'warn' && /loads on first use/.test(String(l.msg))));
    assert.ok(await down.registry.acquire('a'));
  });
});

describe('EngineRegistry (postgis engine, GEOCODER_ENGINE=postgis)', () => {
  it('loads nothing and sends every lookup to PostGIS', async () => {
    const h = harness({ engine: 'postgis', warmDefault: true });
    h.setDefault('a');
    await h.registry.start();
    const found = await h.registry.acquire('a');
    assert.deepEqual(found?.dataset, dataset('a'));
    assert.deepEqual((await found!.engine.lookup(point, { nearestM: 200 })).get(7), { sido: { code: 'a', name: 'postgis' } });
    assert.deepEqual(h.calls.postgis, [{ id: 'a', nearestM: 200 }]);
    assert.deepEqual(h.calls.loadMemory, []);
    assert.equal(h.calls.findDefault, 0, 'no warm-up');
    assert.equal(await h.registry.acquire('zz'), null);
  });
});
