import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type RowStage = 'read' | 'geocoded' | 'written';

/**
 * The Prometheus metrics every service exposes on `/metrics`. One registry per process; each
 * service fills the series of its own stage, so a dashboard can line the stages up.
 */
export class Metrics {
  readonly registry = new Registry();

  /** Rows read from uploads (gateway), geocoded (geocoder) and written to results (merger). */
  readonly rows = new Counter({
    name: 'geobatch_rows_total',
    help: 'Rows handled, by pipeline stage',
    labelNames: ['stage'] as const,
    registers: [this.registry],
  });

  /** Time to handle one chunk, from message to durable output. */
  readonly chunkSeconds = new Histogram({
    name: 'geobatch_chunk_duration_seconds',
    help: 'Time to handle one chunk, by stage',
    labelNames: ['stage'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** From upload accepted to result written. */
  readonly jobSeconds = new Histogram({
    name: 'geobatch_job_duration_seconds',
    help: 'Job duration from acceptance to completion, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });

  /** Messages not yet consumed by this service's group, per topic and partition. */
  readonly consumerLag = new Gauge({
    name: 'geobatch_kafka_consumer_lag',
    help: 'Messages behind the end of the partition for this service\'s consumer group',
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [this.registry],
  });

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'geobatch_' });
  }
}

/** Provides one `Metrics` for the whole app. */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(service: string): DynamicModule {
    return { module: MetricsModule, providers: [{ provide: Metrics, useValue: new Metrics(service) }], exports: [Metrics] };
  }
}
