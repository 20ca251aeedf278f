import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { ReportMergerEnvSchema } from './report-merger-env.schema';

/** The report-merger's validated configuration, loaded once at start-up. */
export type ReportMergerConfig = Readonly<ReportMergerEnvSchema>;

/**
 * Injection token of the `ReportMergerConfig` (a type alone cannot be a Nest token). Every app injects its
 * config the same way, with a Symbol: the config is a plain validated object, not an instance of a provider class.
 */
export const REPORT_MERGER_CONFIG = Symbol('REPORT_MERGER_CONFIG');

/** Kafka client id of the merger's consumer, producer and admin connections. */
export const REPORT_MERGER_CLIENT_ID = 'geobatch-report-merger';

/** Makes the already-validated config injectable everywhere; nothing else reads the environment. */
@Global()
@Module({})
export class ReportMergerConfigModule {
  static forRoot(config: ReportMergerConfig): DynamicModule {
    return {
      module: ReportMergerConfigModule,
      providers: [{ provide: REPORT_MERGER_CONFIG, useValue: config }],
      exports: [REPORT_MERGER_CONFIG],
    };
  }
}
