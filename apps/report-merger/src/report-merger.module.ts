import { Module, type DynamicModule } from '@nestjs/common';
import { JobStoreModule } from '@geobatch/job-store';
import { databaseSettings } from '@geobatch/util-database';
import { KafkaProducerModule } from '@geobatch/util-kafka';
import { MetricsModule } from '@geobatch/util-observability';
import {
  REPORT_MERGER_CLIENT_ID,
  REPORT_MERGER_CONFIG,
  ReportMergerConfigModule,
  type ReportMergerConfig,
} from './config/report-merger-config.module';
import { MergingModule } from './merging/merging.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** Root module, built around an already-validated config. */
@Module({})
export class ReportMergerModule {
  static forRoot(config: ReportMergerConfig): DynamicModule {
    return {
      module: ReportMergerModule,
      imports: [
        ReportMergerConfigModule.forRoot(config),
        JobStoreModule.forRoot(databaseSettings(config)),
        MetricsModule.forRoot('report-merger'),
        // Producer for the dead-letter topic.
        KafkaProducerModule.forRootAsync({
          inject: [REPORT_MERGER_CONFIG],
          useFactory: (c: ReportMergerConfig) => ({ clientId: `${REPORT_MERGER_CLIENT_ID}-producer`, brokers: c.KAFKA_BROKERS, compression: c.KAFKA_COMPRESSION }),
        }),
        MergingModule,
        WebhooksModule,
      ],
    };
  }
}
