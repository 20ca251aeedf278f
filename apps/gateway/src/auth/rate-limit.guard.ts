import { Injectable, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerException, ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Response } from 'express';
import type { GatewayConfig } from '../config/gateway-config.module';
import type { AuthenticatedRequest } from './api-key.guard';

export const UPLOAD_ROUTE = 'geobatch:upload-route';

/** The route takes an upload: it also counts against UPLOAD_RATE_LIMIT_PER_MINUTE. */
export const UploadRoute = (): MethodDecorator & ClassDecorator => SetMetadata(UPLOAD_ROUTE, true);

const MINUTE_MS = 60_000;

/** Whom a request counts against: its API key once the key guard has run, else its address. */
export function rateLimitTracker(req: Pick<AuthenticatedRequest, 'principal' | 'ip'>): string {
  return req.principal ? `key:${req.principal.keyId}` : `ip:${req.ip ?? 'unknown'}`;
}

/**
 * Two limits per key: every request (`default`) and uploads (`upload`, only on @UploadRoute routes).
 * Counted per key across all routes (not per route as the throttler does by default), in this
 * process's memory: with several gateway instances each allows the full rate.
 */
export function rateLimitOptions(config: Pick<GatewayConfig, 'RATE_LIMIT_PER_MINUTE' | 'UPLOAD_RATE_LIMIT_PER_MINUTE'>): ThrottlerModuleOptions {
  const reflector = new Reflector();
  return {
    throttlers: [
      { name: 'default', ttl: MINUTE_MS, limit: config.RATE_LIMIT_PER_MINUTE },
      {
        name: 'upload',
        ttl: MINUTE_MS,
        limit: config.UPLOAD_RATE_LIMIT_PER_MINUTE,
        skipIf: (ctx: ExecutionContext) => !reflector.getAllAndOverride<boolean>(UPLOAD_ROUTE, [ctx.getHandler(), ctx.getClass()]),
      },
    ],
    getTracker: (req) => rateLimitTracker(req as AuthenticatedRequest),
    generateKey: (_ctx, tracker, name) => `${name}|${tracker}`,
  };
}

/** The throttler with a standard `Retry-After` header and a message that says which limit was hit. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    const what = detail.key.startsWith('upload|') ? 'uploads' : 'requests';
    const who = detail.tracker.startsWith('key:') ? 'API key' : 'client address';
    throw new ThrottlerException(
      `요청이 너무 많습니다. ${retryAfter}초 후에 다시 시도하세요 (too many requests: at most ${detail.limit} ${what} per minute per ${who}; retry after ${retryAfter} s)`,
    );
  }
}
