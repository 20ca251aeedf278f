import { Module, type DynamicModule } from '@nestjs/common';
import { KafkaProducerModule } from '@geobatch/util-kafka';
import { MetricsModule } from '@geobatch/util-observability';
import { GEOCODER_CLIENT_ID, GeocoderConfig, GeocoderConfigModule } from './config/geocoder-config.module';
import type { GeocoderEnvSchema } from './config/geocoder-env.schema';
import { GeocodingModule } from './geocoding/geocoding.module';

/** Root module, built around an already-validated config. */
@Module({})
export class GeocoderModule {
  static forRoot(config: Readonly<GeocoderEnvSchema>): DynamicModule {
    return {
      module: GeocoderModule,
      imports: [
        GeocoderConfigModule.forRoot(config),
        MetricsModule.forRoot('geocoder'),
        // Producer for results and dead letters.
        KafkaProducerModule.forRootAsync({
          inject: [GeocoderConfig],
          useFactory: (c: GeocoderConfig) => ({ clientId: `${GEOCODER_CLIENT_ID}-producer`, brokers: c.KAFKA_BROKERS, compression: c.KAFKA_COMPRESSION }),
        }),
        GeocodingModule,
      ],
    };
  }
}
