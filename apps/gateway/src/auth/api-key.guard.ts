import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ApiKeyRepository } from '@geobatch/job-store';
import { ADMIN_ROUTE, PUBLIC_ROUTE, type ApiPrincipal } from './auth.decorators';

/** `Authorization: Bearer <key>`; the scheme is case-insensitive (RFC 7235). */
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** A request once the guard has run: who is calling. */
export type AuthenticatedRequest = Request & { principal?: ApiPrincipal };

/** The key presented in the Authorization header, or null when there is none (or another scheme). */
export function presentedKey(req: Pick<Request, 'headers'>): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  return BEARER.exec(header)?.[1] ?? null;
}

/**
 * The global guard: every route needs `Authorization: Bearer <key>` with a key that exists and is
 * not revoked, unless it is `@Public()`; `@AdminOnly()` routes also need an admin key. Only the
 * SHA-256 of a key is ever looked up. Express middleware (the web page's files, Swagger UI) never
 * reaches a guard, so those stay open.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const key = presentedKey(req);
    if (!key) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="geobatch"');
      throw new UnauthorizedException('API 키가 필요합니다 (an API key is required: send "Authorization: Bearer <key>")');
    }
    const found = await this.keys.findByKey(key);
    if (!found) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="geobatch", error="invalid_token"');
      throw new UnauthorizedException('API 키가 올바르지 않거나 폐기되었습니다 (the API key is not valid or was revoked)');
    }
    req.principal = { keyId: found.id, name: found.name, admin: found.admin };
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE, targets) && !found.admin) {
      throw new ForbiddenException('관리자 API 키가 필요합니다 (this route needs an admin API key)');
    }
    return true;
  }
}
