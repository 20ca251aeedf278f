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
  readonly rows = new Counter(this.series('geobatch_rows_total', 'Rows handled, by pipeline stage', ['stage']));

  /** Time to handle one chunk, from message to durable output. */
  readonly chunkSeconds = new Histogram({
    ...this.series('geobatch_chunk_duration_seconds', 'Time to handle one chunk, by stage', ['stage']),
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

  /** From upload accepted to result written. */
  readonly jobSeconds = new Histogram({
    ...this.series('geobatch_job_duration_seconds', 'Job duration from acceptance to completion, by outcome', ['outcome']),
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
  });

  /** Messages not yet consumed by this service's group, per topic and partition. */
  readonly consumerLag = new Gauge(
    this.series('geobatch_kafka_consumer_lag', "Messages behind the end of the partition for this service's consumer group", ['group', 'topic', 'partition']),
  );

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'geobatch_' });
  }

  /** What every series of this registry is declared with: its name, help text and label names. */
  private series<const L extends string>(name: string, help: string, labelNames: readonly L[]) {
    return { name, help, labelNames, registers: [this.registry] };
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
