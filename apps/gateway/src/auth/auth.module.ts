import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import { ApiKeyGuard } from './api-key.guard';
import { RateLimitGuard, rateLimitOptions } from './rate-limit.guard';

/**
 * API keys and rate limits for every controller. The guards run in the order they are listed: the
 * key guard first, so the rate limit counts per key (and a request without a valid key is refused
 * before it costs anything).
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) => rateLimitOptions(config),
    }),
  ],
  providers: [
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class AuthModule {}
