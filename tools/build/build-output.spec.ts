// Runs the real build (tools/build/build.mjs, what `npm run build` and the images run) into a
// temporary folder and checks what would ship: no test code, and nothing the production
// `npm prune --omit=dev` would leave unresolvable.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

/** Every `require("x")` and `import("x")` with a literal specifier, as swc writes them. */
export function importedSpecifiers(code: string): string[] {
  return [...code.matchAll(/\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
}

/** The package a bare specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(packageOf(specifier));
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}

/** A relative specifier names a file of the build, the way Node's CommonJS resolution finds it. */
function resolvesInBuild(fromFile: string, specifier: string): boolean {
  const base = resolve(dirname(fromFile), specifier);
  return ['', '.js', '.json', '/index.js'].some((ext) => statSync(base + ext, { throwIfNoEntry: false })?.isFile() === true);
}

describe('npm run build', () => {
  let out = '';
  let files: string[] = [];

  before(() => {
    out = mkdtempSync(join(tmpdir(), 'geobatch-build-'));
    execFileSync(process.execPath, [join(ROOT, 'tools/build/build.mjs'), '--out-dir', out], { cwd: ROOT, stdio: 'pipe' });
    files = [...walk(out)].map((f) => relative(out, f));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('builds the three services, the CLI and the tools the images run', () => {
    for (const main of ['apps/gateway/src/main.js', 'apps/geocoder/src/main.js', 'apps/report-merger/src/main.js', 'apps/cli/src/main.js', 'tools/db/migrate.js', 'tools/stack/ensure-topics.js']) {
      assert.ok(files.includes(main), main);
    }
    assert.ok(files.includes('apps/gateway/src/web/public/index.html'), 'the web page is copied');
  });

  it('ships no spec, no testing folder, no *.testing file, no e2e suite and no util-testing', () => {
    const testCode = files.filter(
      (f) => /(^|\/)testing\//.test(f) || /\.testing\.js(\.map)?$/.test(f) || /[.-]spec\.js(\.map)?$/.test(f) || f.startsWith('apps/e2e/') || f.startsWith('libs/util-testing/'),
    );
    assert.deepEqual(testCode, []);
  });

  it('imports only Node built-ins, files of the build and packages in package.json "dependencies"', () => {
    const problems: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const full = join(out, file);
      for (const spec of importedSpecifiers(readFileSync(full, 'utf8'))) {
        if (spec.startsWith('.')) {
          if (!resolvesInBuild(full, spec)) problems.push(`${file}: ${spec} is not in the build`);
        } else if (!isBuiltin(spec) && !(packageOf(spec) in PACKAGE.dependencies)) {
          const where = packageOf(spec) in PACKAGE.devDependencies ? 'a devDependency' : 'not in package.json';
          problems.push(`${file}: ${spec} is ${where}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});

describe('build-output checks', () => {
  it('find require() and import() specifiers and name their package', () => {
    const code = 'const a = require("@nestjs/swagger/plugin"); Promise.resolve().then(() => _w(require("typescript"))); import("./x.js");';
    assert.deepEqual(importedSpecifiers(code), ['@nestjs/swagger/plugin', 'typescript', './x.js']);
    assert.deepEqual(importedSpecifiers(code).map(packageOf), ['@nestjs/swagger', 'typescript', '.']);
    assert.ok(isBuiltin('node:fs') && isBuiltin('fs/promises') && !isBuiltin('typeorm'));
  });
});
