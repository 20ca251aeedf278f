import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { Gauge, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { BoundaryLookup, DatasetRepository, InMemoryLookup, loadBoundaryIndex, UnknownDatasetError } from '@geobatch/geo-query';
import { Metrics } from '@geobatch/util-observability';
import { GEOCODER_CONFIG, type GeocoderConfig } from '../config/geocoder-config.module';
import { DATASET_ENGINES, datasetLabel, EngineRegistry, type EngineObserver, type EngineSources } from './engine-registry';

/** Engine memory and load times on `/metrics`. */
function metricsObserver(metrics: Metrics): EngineObserver {
  const bytes = new Gauge({
    name: 'geobatch_engine_bytes',
    help: 'Bytes held by the in-memory boundary index of each loaded dataset',
    labelNames: ['dataset'] as const,
    registers: [metrics.registry],
  });
  const loadSeconds = new Histogram({
    name: 'geobatch_engine_load_seconds',
    help: 'Time to load one dataset into the in-memory boundary index',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [metrics.registry],
  });
  return {
    loaded: (d, stats) => {
      bytes.set({ dataset: `${datasetLabel(d)} ${d.id}` }, stats.bytes);
      loadSeconds.observe(stats.ms / 1000);
    },
    evicted: (d) => bytes.remove({ dataset: `${datasetLabel(d)} ${d.id}` }),
  };
}

export const engineRegistryProvider: Provider = {
  provide: DATASET_ENGINES,
  inject: [GEOCODER_CONFIG, DataSource, BoundaryLookup, DatasetRepository, Metrics],
  useFactory: (config: GeocoderConfig, ds: DataSource, reference: BoundaryLookup, datasets: DatasetRepository, metrics: Metrics) => {
    const sources: EngineSources = {
      findById: (id) => datasets.findById(id),
      findDefault: () => datasets.findDefault(),
      loadMemory: async (id) => {
        try {
          const loaded = await loadBoundaryIndex(ds, id);
          // Points in no polygon go to PostGIS for the nearest-polygon rule (a few per chunk).
          return { engine: InMemoryLookup.fromLoaded(loaded, { nearest: reference }), stats: loaded.stats };
        } catch (e) {
          if (e instanceof UnknownDatasetError) return null;
          throw e;
        }
      },
      postgis: reference,
    };
    return new EngineRegistry(
      {
        engine: config.GEOCODER_ENGINE,
        idleMs: config.GEOCODER_ENGINE_IDLE_MS,
        maxDatasets: config.GEOCODER_ENGINE_MAX_DATASETS,
        warmDefault: config.GEOCODER_ENGINE_WARM === 'default',
      },
      sources,
      new Logger(EngineRegistry.name),
      metricsObserver(metrics),
    );
  },
};

/** Starts the registry with the app (the default dataset loads in the background while Kafka connects) and stops its sweep on shutdown. */
@Injectable()
export class EngineRegistryLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(DATASET_ENGINES) private readonly registry: EngineRegistry) {}

  onApplicationBootstrap(): void {
    void this.registry.start();
  }

  onApplicationShutdown(): void {
    this.registry.stop();
  }
}
