import { Module, type DynamicModule } from '@nestjs/common';
import { GeoQueryModule } from '@geobatch/geo-query';
import { JobStoreModule } from '@geobatch/job-store';
import { databaseSettings } from '@geobatch/util-database';
import { KafkaProducerModule } from '@geobatch/util-kafka';
import { AuthModule } from './auth/auth.module';
import { GATEWAY_CLIENT_ID, GATEWAY_CONFIG, GatewayConfigModule, type GatewayConfig } from './config/gateway-config.module';
import { DatasetsModule } from './datasets/datasets.module';
import { GeocodeModule } from './geocode/geocode.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { MapModule } from './map/map.module';
import { GatewayMetricsModule } from './metrics/metrics.module';

/** Root module; takes the config already validated by the caller (main or a test). */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        GatewayConfigModule.forRoot(config),
        // One pool for the job and geo tables (the two store modules share it).
        JobStoreModule.forRoot(databaseSettings(config)),
        GeoQueryModule.forRoot(databaseSettings(config)),
        KafkaProducerModule.forRootAsync({
          inject: [GATEWAY_CONFIG],
          useFactory: (c: GatewayConfig) => ({ clientId: GATEWAY_CLIENT_ID, brokers: c.KAFKA_BROKERS, compression: c.KAFKA_COMPRESSION }),
        }),
        // First: its global guards (API key, then rate limit) run before any other module's.
        AuthModule,
        GatewayMetricsModule,
        JobsModule,
        DatasetsModule,
        GeocodeModule,
        HealthModule,
        MapModule,
      ],
    };
  }
}
