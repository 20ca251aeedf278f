import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { GatewayEnvSchema } from './gateway-env.schema';

/** The gateway's validated configuration, loaded once at start-up. */
export type GatewayConfig = Readonly<GatewayEnvSchema>;

/**
 * Injection token of the `GatewayConfig` (a type alone cannot be a Nest token). Every app injects its config
 * the same way, with a Symbol: the config is a plain validated object, not an instance of a provider class.
 */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** Kafka client id of the gateway's producer and admin connections. */
export const GATEWAY_CLIENT_ID = 'geobatch-gateway';

/** Makes the already-validated config injectable everywhere; nothing else reads the environment. */
@Global()
@Module({})
export class GatewayConfigModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayConfigModule,
      providers: [{ provide: GATEWAY_CONFIG, useValue: config }],
      exports: [GATEWAY_CONFIG],
    };
  }
}
