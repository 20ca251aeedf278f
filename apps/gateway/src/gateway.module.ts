import { Module, type DynamicModule } from '@nestjs/common';
import { KafkaProducerModule } from '@geobatch/util-kafka';
import { GATEWAY_CLIENT_ID, GATEWAY_CONFIG, GatewayConfigModule, type GatewayConfig } from './config/gateway-config.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { GatewayMetricsModule } from './metrics/metrics.module';

/** Root module; takes the config already validated by the caller (main or a test). */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        GatewayConfigModule.forRoot(config),
        KafkaProducerModule.forRootAsync({
          inject: [GATEWAY_CONFIG],
          useFactory: (c: GatewayConfig) => ({ clientId: GATEWAY_CLIENT_ID, brokers: c.KAFKA_BROKERS, compression: c.KAFKA_COMPRESSION }),
        }),
        GatewayMetricsModule,
        JobsModule,
        HealthModule,
      ],
    };
  }
}
