// The web page's one bundling step: esbuild turns its TypeScript (apps/gateway/src/web/client/,
// entry app.ts) into the single ES module the page loads, app.js beside index.html.
//   node tools/build/bundle-web.mjs [--out-dir dist]   writes <out-dir>/apps/gateway/src/web/public/app.js
// A gateway running from its sources (npm run stack, start:gateway, the tests) calls bundleWebPage()
// at start-up and serves the result from memory (web-page.ts), so nobody runs a build step first.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '../..');
const CLIENT_DIR = join(ROOT, 'apps/gateway/src/web/client');
/** Where the bundle goes, relative to the output folder: the served folder, as index.html expects. */
export const WEB_BUNDLE_PATH = 'apps/gateway/src/web/public/app.js';

/** Leaflet's stylesheet, served beside app.js (the result map's library, bundled from npm, no CDN). */
export const WEB_STYLES_PATH = 'apps/gateway/src/web/public/leaflet.css';

/** Leaflet's CSS with its few images inlined as data: URLs (the CSP allows data: images), so it is one file. */
export async function bundleWebStyles() {
  const result = await build({
    entryPoints: [createRequire(import.meta.url).resolve('leaflet/dist/leaflet.css')],
    bundle: true,
    loader: { '.png': 'dataurl' },
    charset: 'utf8',
    legalComments: 'none',
    outfile: 'leaflet.css',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** The bundle's text. Not minified: the page is small and a readable script is easier to debug. */
export async function bundleWebPage() {
  const result = await build({
    entryPoints: [join(CLIENT_DIR, 'app.ts')],
    tsconfig: join(CLIENT_DIR, 'tsconfig.json'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    charset: 'utf8',
    legalComments: 'none',
    outfile: 'app.js',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** Writes the bundle under `outDir` (a build's root, e.g. dist) and answers the file's path. */
export async function writeWebBundle(outDir) {
  const file = join(outDir, WEB_BUNDLE_PATH);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, await bundleWebPage());
  writeFileSync(join(outDir, WEB_STYLES_PATH), await bundleWebStyles());
  return file;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string', default: 'dist' } } });
  writeWebBundle(resolve(ROOT, values['out-dir'])).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
