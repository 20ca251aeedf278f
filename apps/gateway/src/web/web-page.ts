import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'express';

/**
 * The browser page's files: plain HTML, CSS and ES modules, served as they are (no bundler).
 * The production build copies this folder beside the compiled code (`npm run build`).
 */
export const WEB_ROOT = join(__dirname, 'public');

/**
 * The page runs no inline script or style and talks only to its own origin, so the policy can
 * be strict: a page that was somehow made to show hostile text still cannot run it.
 */
export const WEB_PAGE_CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function setWebHeaders(res: Response, path: string): void {
  if (path.endsWith('.html')) {
    res.setHeader('Content-Security-Policy', WEB_PAGE_CSP);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
  }
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // Small files, revalidated each time, so a new gateway version never meets a stale script.
  res.setHeader('Cache-Control', 'no-cache');
}

/**
 * Serves the web page at `/` (and its few files beside it). Only files that exist in WEB_ROOT
 * answer; every other path, `/docs`, `/jobs`, `/health` and so on, falls through to the routes.
 */
export function serveWebPage(app: NestExpressApplication): void {
  app.useStaticAssets(WEB_ROOT, {
    index: 'index.html',
    redirect: false,
    fallthrough: true,
    dotfiles: 'ignore',
    etag: true,
    setHeaders: setWebHeaders,
  });
}
