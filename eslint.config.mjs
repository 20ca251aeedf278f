import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Framework and infrastructure packages that the contracts lib must never pull in:
// contracts are shared by every service, the CLI and tests, so they stay plain classes.
const INFRASTRUCTURE = ['@nestjs/*', 'typeorm', 'pg', 'kafkajs', 'exceljs', 'express', 'multer', 'iconv-lite', 'csv-parse'];

export default [
  { ignores: ['**/node_modules/**', 'dist/**', 'tmp/**', '.nx/**', 'test-output/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [], bannedExternalImports: INFRASTRUCTURE },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contracts', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'] },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:util', 'type:contracts', 'type:testing'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:contracts', 'type:testing'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:contracts', 'type:testing'] },
          ],
        },
      ],
      // Nest factories and TypeORM raw queries hand back untyped rows by design.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Only config loaders may read the environment.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through the app config service (loadConfig), not process.env.' },
      ],
    },
  },
  {
    files: ['libs/util-config/src/load-config.ts', 'tools/**/*.ts', 'tools/**/*.mjs'],
    rules: { 'no-restricted-properties': 'off' },
  },
];
