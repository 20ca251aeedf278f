import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';

/** Who is calling: the API key the request authenticated with (never the key itself). */
export interface ApiPrincipal {
  /** Id of the api_key row; jobs and datasets record it as their owner. */
  keyId: string;
  name: string;
  admin: boolean;
}

export const PUBLIC_ROUTE = 'geobatch:public-route';
export const ADMIN_ROUTE = 'geobatch:admin-route';

/** The route answers without an API key (health, docs, the web page, metrics). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** The route changes shared state (datasets): a user key gets 403. */
export const AdminOnly = (): MethodDecorator & ClassDecorator => SetMetadata(ADMIN_ROUTE, true);

/** The principal the auth guard attached to the request. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): ApiPrincipal => {
  const req = ctx.switchToHttp().getRequest<{ principal?: ApiPrincipal }>();
  if (!req.principal) throw new Error('CurrentPrincipal used on a route the API-key guard did not run for');
  return req.principal;
});
