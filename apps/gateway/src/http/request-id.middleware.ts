import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type LoggerService, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's id is kept only when it is short and plain, so it cannot forge log fields or headers. */
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export type RequestWithId = Request & { requestId?: string };

export function requestIdOf(req: Request): string | undefined {
  return (req as RequestWithId).requestId;
}

/**
 * Gives every request an id (the caller's `x-request-id`, else a random UUID), echoes it in the
 * response and writes one structured access line with it when the response is finished.
 */
@Injectable()
export class RequestIdMiddleware implements NestMiddleware {
  constructor(private readonly logger: LoggerService = new Logger('Http')) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const given = req.headers[REQUEST_ID_HEADER];
    const requestId = typeof given === 'string' && ACCEPTED_ID.test(given) ? given : randomUUID();
    (req as RequestWithId).requestId = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const path = req.originalUrl.split('?')[0];
      const line = {
        msg: 'request',
        requestId,
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
      };
      // Health probes arrive every few seconds; only a failing one is worth a line at the default level.
      if (path === '/health' && res.statusCode === 200) this.logger.debug?.(line);
      else this.logger.log(line);
    });
    next();
  }
}
