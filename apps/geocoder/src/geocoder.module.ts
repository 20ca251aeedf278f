import { Module, type DynamicModule } from '@nestjs/common';
import { GeoQueryModule } from '@geobatch/geo-query';
import { databaseSettings } from '@geobatch/util-database';
import { KafkaProducerModule } from '@geobatch/util-kafka';
import { MetricsModule } from '@geobatch/util-observability';
import { GEOCODER_CLIENT_ID, GEOCODER_CONFIG, GeocoderConfigModule, type GeocoderConfig } from './config/geocoder-config.module';
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
        GeoQueryModule.forRoot(databaseSettings(config)),
        MetricsModule.forRoot('geocoder'),
        // Producer for results and dead letters.
        KafkaProducerModule.forRootAsync({
          inject: [GEOCODER_CONFIG],
          useFactory: (c: GeocoderConfig) => ({ clientId: `${GEOCODER_CLIENT_ID}-producer`, brokers: c.KAFKA_BROKERS, compression: c.KAFKA_COMPRESSION }),
        }),
        GeocodingModule,
      ],
    };
  }
}
