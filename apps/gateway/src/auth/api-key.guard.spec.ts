import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ForbiddenException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiKeyInfo, ApiKeyRepository } from '@geobatch/job-store';
import { ApiKeyGuard, presentedKey } from './api-key.guard';
import { AdminOnly, Public, type ApiPrincipal } from './auth.decorators';
import { rateLimitTracker } from './rate-limit.guard';

const USER_KEY = `gbk_${'u'.repeat(43)}`;
const ADMIN_KEY = `gbk_${'a'.repeat(43)}`;
const KEYS: Record<string, ApiKeyInfo> = {
  [USER_KEY]: { id: '11111111-1111-4111-8111-111111111111', name: 'user', admin: false, createdAt: new Date(), revokedAt: null },
  [ADMIN_KEY]: { id: '22222222-2222-4222-8222-222222222222', name: 'ops', admin: true, createdAt: new Date(), revokedAt: null },
};

/** Routes with the metadata real controllers carry: none, @Public() or @AdminOnly() on the method or the class. */
class Routes {
  open(): void {}
  @Public()
  health(): void {}
  @AdminOnly()
  importDataset(): void {}
}
@AdminOnly()
class AdminRoutes {
  any(): void {}
}

interface FakeRequest {
  headers: Record<string, string>;
  principal?: ApiPrincipal;
  ip?: string;
}

function context(cls: new () => object, method: string, headers: Record<string, string> = {}) {
  const req: FakeRequest = { headers, ip: '10.0.0.7' };
  const resHeaders: Record<string, string> = {};
  const res = { setHeader: (k: string, v: string) => void (resHeaders[k.toLowerCase()] = v) };
  const ctx = {
    getType: () => 'http',
    getHandler: () => (cls.prototype as Record<string, unknown>)[method],
    getClass: () => cls,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ExecutionContext;
  return { ctx, req, resHeaders };
}

function guard(lookups: string[] = []): ApiKeyGuard {
  const keys = {
    findByKey: async (key: string) => {
      lookups.push(key);
      return KEYS[key] ?? null;
    },
  } as unknown as ApiKeyRepository;
  return new ApiKeyGuard(new Reflector(), keys);
}

describe('ApiKeyGuard', () => {
  it('401 with WWW-Authenticate: Bearer when no key is sent, without looking anything up', async () => {
    const lookups: string[] = [];
    const cases: Record<string, string>[] = [{}, { authorization: 'Basic dXNlcjpwdw==' }, { authorization: 'Bearer' }];
    for (const headers of cases) {
      const { ctx, req, resHeaders } = context(Routes, 'open', headers);
      await assert.rejects(guard(lookups).canActivate(ctx), (e: unknown) => e instanceof UnauthorizedException && /API key is required/.test(e.message));
      assert.match(resHeaders['www-authenticate'], /^Bearer /);
      assert.equal(req.principal, undefined);
    }
    assert.deepEqual(lookups, []);
  });

  it('401 with error="invalid_token" for an unknown or revoked key', async () => {
    const { ctx, resHeaders } = context(Routes, 'open', { authorization: `Bearer gbk_${'x'.repeat(43)}` });
    await assert.rejects(guard().canActivate(ctx), (e: unknown) => e instanceof UnauthorizedException && /not valid or was revoked/.test(e.message));
    assert.match(resHeaders['www-authenticate'], /^Bearer .*error="invalid_token"/);
  });

  it('lets a valid key through and attaches its principal (scheme case-insensitive)', async () => {
    const { ctx, req } = context(Routes, 'open', { authorization: `bearer ${USER_KEY}` });
    assert.equal(await guard().canActivate(ctx), true);
    assert.deepEqual(req.principal, { keyId: KEYS[USER_KEY].id, name: 'user', admin: false });
  });

  it('lets @Public() routes through without a key', async () => {
    const lookups: string[] = [];
    const { ctx, req } = context(Routes, 'health');
    assert.equal(await guard(lookups).canActivate(ctx), true);
    assert.equal(req.principal, undefined);
    assert.deepEqual(lookups, []);
  });

  it('403 for a user key on an @AdminOnly() route (method or class); an admin key passes', async () => {
    for (const [cls, method] of [[Routes, 'importDataset'], [AdminRoutes, 'any']] as const) {
      const user = context(cls, method, { authorization: `Bearer ${USER_KEY}` });
      await assert.rejects(guard().canActivate(user.ctx), (e: unknown) => e instanceof ForbiddenException && /admin API key/.test(e.message));
      const admin = context(cls, method, { authorization: `Bearer ${ADMIN_KEY}` });
      assert.equal(await guard().canActivate(admin.ctx), true);
      assert.equal(admin.req.principal?.admin, true);
    }
    // Without a key an admin route is 401, not 403: the key is what is missing.
    await assert.rejects(guard().canActivate(context(Routes, 'importDataset').ctx), UnauthorizedException);
  });

  it('reads only the Bearer scheme', () => {
    assert.equal(presentedKey({ headers: { authorization: `Bearer  ${USER_KEY} ` } }), USER_KEY);
    assert.equal(presentedKey({ headers: { authorization: `Token ${USER_KEY}` } }), null);
    assert.equal(presentedKey({ headers: {} }), null);
  });
});

describe('rateLimitTracker', () => {
  it('counts a request against its key once authenticated, else against its address', () => {
    assert.equal(rateLimitTracker({ principal: { keyId: 'k1', name: 'n', admin: false }, ip: '10.0.0.7' }), 'key:k1');
    assert.equal(rateLimitTracker({ ip: '10.0.0.7' }), 'ip:10.0.0.7');
  });
});
