import { Global, Module, type DynamicModule } from '@nestjs/common';
import { GeocoderEnvSchema } from './geocoder-env.schema';

/**
 * The geocoder's validated configuration, loaded once at start-up by `loadConfig`. The class is
 * the injection token: `constructor(private readonly config: GeocoderConfig)`.
 */
export abstract class GeocoderConfig extends GeocoderEnvSchema {}

/** Kafka client id of the geocoder's consumer, producer and admin connections. */
export const GEOCODER_CLIENT_ID = 'geobatch-geocoder';

/** Makes the config injectable everywhere; nothing else reads the environment. */
@Global()
@Module({})
export class GeocoderConfigModule {
  static forRoot(config: Readonly<GeocoderEnvSchema>): DynamicModule {
    return {
      module: GeocoderConfigModule,
      providers: [{ provide: GeocoderConfig, useValue: config }],
      exports: [GeocoderConfig],
    };
  }
}
