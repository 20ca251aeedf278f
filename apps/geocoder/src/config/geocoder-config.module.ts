import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { GeocoderEnvSchema } from './geocoder-env.schema';

/** The geocoder's validated configuration, loaded once at start-up. */
export type GeocoderConfig = Readonly<GeocoderEnvSchema>;

/**
 * Injection token of the `GeocoderConfig`. Every app injects its config the same way, with a Symbol
 * (`@Inject(GEOCODER_CONFIG)`): the config is a plain validated object, not an instance of a provider class.
 */
export const GEOCODER_CONFIG = Symbol('GEOCODER_CONFIG');

/** Kafka client id of the geocoder's consumer, producer and admin connections. */
export const GEOCODER_CLIENT_ID = 'geobatch-geocoder';

/** Makes the config injectable everywhere; nothing else reads the environment. */
@Global()
@Module({})
export class GeocoderConfigModule {
  static forRoot(config: GeocoderConfig): DynamicModule {
    return {
      module: GeocoderConfigModule,
      providers: [{ provide: GEOCODER_CONFIG, useValue: config }],
      exports: [GEOCODER_CONFIG],
    };
  }
}
