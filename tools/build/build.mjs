// `npm run build`: compiles the production code into dist/ (or --out-dir DIR), leaving out every
// spec and test-support file (build-sources.mjs). Each step is one entry of STEPS, so another step
// (e.g. bundling the web page) is one more function.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BROWSER_CODE, BUILD_SOURCES, STATIC_ASSETS, TEST_CODE } from './build-sources.mjs';
import { writeWebBundle } from './bundle-web.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({ options: { 'out-dir': { type: 'string', default: 'dist' } } });
const outDir = resolve(ROOT, values['out-dir']);
if (ROOT === outDir || ROOT.startsWith(`${outDir}/`)) throw new Error(`refusing to build into ${outDir}: it holds the sources`);

/** TypeScript → CommonJS with swc; static assets are copied by their own step, not compiled. */
function compile() {
  const swc = join(ROOT, 'node_modules/.bin/swc');
  const ignore = [...TEST_CODE, ...[...STATIC_ASSETS, ...BROWSER_CODE].map((dir) => `${dir}/**`)].join(',');
  const res = spawnSync(swc, [...BUILD_SOURCES, '-d', outDir, '--config-file', '.swcrc', '--ignore', ignore], { cwd: ROOT, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`swc exited with ${res.status ?? res.signal}`);
}

function copyStaticAssets() {
  for (const dir of STATIC_ASSETS) cpSync(join(ROOT, dir), join(outDir, dir), { recursive: true });
}

const STEPS = [compile, copyStaticAssets, () => writeWebBundle(outDir)];

// A file deleted from the sources (or moved into a testing folder) must not survive in the output.
rmSync(outDir, { recursive: true, force: true });
for (const step of STEPS) await step();
