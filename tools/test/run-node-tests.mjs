// Runs one tier of tests with Node's own test runner, TypeScript loaded by @swc-node/register.
// Tiers are told apart by file suffix: *.spec.ts (unit), *.integration-spec.ts, *.e2e-spec.ts.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const SUFFIX = { unit: '.spec.ts', integration: '.integration-spec.ts', e2e: '.e2e-spec.ts' };
const tier = process.argv[2];
if (!SUFFIX[tier]) {
  console.error(`usage: run-node-tests.mjs ${Object.keys(SUFFIX).join('|')} [path-filter]`);
  process.exit(2);
}
const filter = process.argv[3];
const root = process.cwd();

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}

const files = ['apps', 'libs', 'tools']
  .flatMap((d) => [...walk(join(root, d))])
  .filter((f) => f.endsWith(SUFFIX[tier]))
  // `.spec.ts` is also the tail of `.integration-spec.ts`/`.e2e-spec.ts`: keep tiers apart.
  .filter((f) => tier !== 'unit' || !/\.(integration|e2e)-spec\.ts$/.test(f))
  .filter((f) => !filter || f.includes(filter))
  .map((f) => relative(root, f))
  .sort();

if (files.length === 0) {
  console.error(`no ${tier} tests found`);
  process.exit(1);
}
const args = [
  '--require', 'reflect-metadata',
  '--require', '@swc-node/register',
  '--test',
  '--test-reporter=spec',
  // Integration and e2e suites share one broker and database: run their files one at a time.
  `--test-concurrency=${tier === 'unit' ? 2 : 1}`,
  ...files,
];
const res = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, TZ: 'UTC' } });
process.exit(res.status ?? 1);
