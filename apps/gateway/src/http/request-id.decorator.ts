import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { requestIdOf } from './request-id.middleware';

/** The id RequestIdMiddleware gave the current request, for log lines. */
export const RequestId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string | undefined =>
  requestIdOf(ctx.switchToHttp().getRequest<Request>()),
);
