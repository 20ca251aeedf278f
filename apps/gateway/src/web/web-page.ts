import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';

/**
 * The browser page's static files: HTML, CSS and the icon. Its script is TypeScript
 * (`client/`), bundled by esbuild into `app.js` here: `npm run build` writes that file into
 * dist (tools/build/bundle-web.mjs); a gateway running from its sources bundles at start-up.
 */
export const WEB_ROOT = join(__dirname, 'public');
/** The page's TypeScript modules; `app.ts` is the entry the bundle starts from. */
export const WEB_CLIENT_DIR = join(__dirname, 'client');
/** The one script index.html loads. */
export const WEB_BUNDLE = 'app.js';
/** Leaflet's stylesheet (the result map), bundled beside the script from the npm package. */
export const WEB_STYLES = 'leaflet.css';

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

/**
 * Running from the TypeScript sources (`npm run stack`, `start:gateway`, the tests) rather than
 * from dist: nothing has written app.js, so the gateway bundles the page itself.
 */
const FROM_SOURCES = __filename.endsWith('.ts');
/** The bundling step; outside the build (dist never holds it), and esbuild is a devDependency. */
const BUNDLER = join(__dirname, '../../../../tools/build/bundle-web.mjs');

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

type Bundle = { code: string } | { error: string };

/** The bundler's entries: the script, and Leaflet's stylesheet for the result map. */
type Bundler = { bundleWebPage(): Promise<string>; bundleWebStyles(): Promise<string> };

async function bundleFromSources(logger: Logger, make: (b: Bundler) => Promise<string> = (b) => b.bundleWebPage()): Promise<Bundle> {
  try {
    return { code: await make((await import(BUNDLER)) as Bundler) };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    // The API still works without the page: say why it is missing rather than stop the gateway.
    logger.error(`the web page could not be bundled from apps/gateway/src/web/client: ${error}`);
    return { error };
  }
}

/** `GET /app.js` (and `/leaflet.css`) from an in-memory bundle, made once when the gateway starts. */
function serveBundleFromSources(app: NestExpressApplication, file = WEB_BUNDLE, type = 'text/javascript', bundle = bundleFromSources(new Logger('WebPage'))): void {
  app.use(`/${file}`, (req: Request, res: Response, next: () => void) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path !== '/') return next();
    void bundle.then((b) => {
      setWebHeaders(res, file);
      if ('error' in b) res.status(500).type('text/plain').send(`web page bundle failed: ${b.error}`);
      else res.type(type).send(b.code);
    });
  });
}

/**
 * Serves the web page at `/` (and its few files beside it). Only files that exist in WEB_ROOT
 * (and the bundle) answer; every other path, `/docs`, `/jobs`, `/health` and so on, falls
 * through to the routes.
 */
export function serveWebPage(app: NestExpressApplication): void {
  if (FROM_SOURCES) {
    serveBundleFromSources(app);
    serveBundleFromSources(app, WEB_STYLES, 'text/css', bundleFromSources(new Logger('WebPage'), (b) => b.bundleWebStyles()));
  }
  app.useStaticAssets(WEB_ROOT, {
    index: 'index.html',
    redirect: false,
    fallthrough: true,
    dotfiles: 'ignore',
    etag: true,
    setHeaders: setWebHeaders,
  });
}
