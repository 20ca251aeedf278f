import { rm } from 'node:fs/promises';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';

/** Paths of the files multer stored for this request (`file`, or `files` as a list or by field). */
function storedFiles(req: Request): string[] {
  const one = (req as { file?: { path?: string } }).file;
  const many = (req as { files?: { path?: string }[] | Record<string, { path?: string }[]> }).files;
  const list = [...(one ? [one] : []), ...(Array.isArray(many) ? many : Object.values(many ?? {}).flat())];
  return list.map((f) => f.path).filter((p): p is string => typeof p === 'string');
}

/**
 * Deletes a request's uploads when it fails before a service took them over (a field the
 * validation pipe refused, say): a refused upload never stays on disk. Registered globally, so it
 * wraps the routes' own file interceptors and sees what multer stored.
 */
@Injectable()
export class DiscardUploadsOnErrorInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    return next.handle().pipe(
      catchError((error: unknown) =>
        from(Promise.all(storedFiles(req).map((path) => rm(path, { force: true }).catch(() => undefined)))).pipe(mergeMap(() => throwError(() => error))),
      ),
    );
  }
}
