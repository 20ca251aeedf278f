// The one rule for what ships: the build (tools/build/build.mjs), the ESLint rule that keeps
// production code off test code (eslint.config.mjs) and the build-output spec all read it here.
// Test support lives in `testing/` folders, `*.testing.ts` files and libs/util-testing; none of it,
// no spec and no e2e suite is compiled into dist/.

/** Folders compiled into dist/: the apps, the libs, and the tools the images run (migrate, topics). */
export const BUILD_SOURCES = ['apps', 'libs', 'tools/db', 'tools/stack'];

/** Test code: specs of every tier, test support, the e2e suite (globs relative to the repository root). */
export const TEST_CODE = [
  '**/*.spec.ts',
  '**/*.integration-spec.ts',
  '**/*.e2e-spec.ts',
  '**/testing/**',
  '**/*.testing.ts',
  'apps/e2e/**',
  'libs/util-testing/**',
];

/** Static files copied as they are (not compiled), relative to the repository root. */
export const STATIC_ASSETS = ['apps/gateway/src/web/public'];

/** Browser code: bundled by esbuild into the served folder (bundle-web.mjs), never compiled for Node. */
export const BROWSER_CODE = ['apps/gateway/src/web/client'];
