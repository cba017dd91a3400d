// @ts-check
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import { createProjectGraphAsync } from '@nx/devkit';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// @nx/enforce-module-boundaries reads Nx's cached project graph and quietly skips itself when there is none
// (fresh clone, CI, Docker) or checks stale tags when it is old. Compute it first, unless Nx is running this
// lint as one of its tasks, in which case it has just done so.
if (!process.env.NX_TASK_TARGET_PROJECT) await createProjectGraphAsync({ exitOnError: true });

const SERVICES = readdirSync(new URL('./services', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const TEST_FILES = ['**/*.spec.ts', '**/*.integration-spec.ts', '**/*.e2e-spec.ts'];

/**
 * What each kind of project may import (project.json tags). `[]` means nothing of ours. `type:testing` is only
 * added for test files, so production code can never reach the test helpers.
 */
function depConstraints(/** @type {boolean} */ testFile) {
  const testing = testFile ? ['type:testing'] : [];
  const libs = ['type:contracts', 'type:config', 'type:observability', 'type:persistence', 'type:messaging'];
  return [
    // Layers.
    { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [...testing], allowedExternalImports: ['zod', 'uuid'] },
    { sourceTag: 'type:persistence', onlyDependOnLibsWithTags: [...testing] },
    { sourceTag: 'type:config', onlyDependOnLibsWithTags: ['type:contracts', ...testing] },
    { sourceTag: 'type:observability', onlyDependOnLibsWithTags: ['type:contracts', ...testing] },
    { sourceTag: 'type:messaging', onlyDependOnLibsWithTags: ['type:contracts', 'type:observability', ...testing] },
    { sourceTag: 'type:kit', onlyDependOnLibsWithTags: [...libs, ...testing] },
    { sourceTag: 'type:testing', onlyDependOnLibsWithTags: [...libs, 'type:kit'] },
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: [...libs, 'type:kit', ...testing] },
    { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: [...libs, 'type:kit', 'type:testing'] },
    // Scopes: shared code stays shared, a service sees only shared code and its own, the console only contracts
    // (and, in its tests, the test helpers).
    { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
    ...SERVICES.map((name) => ({
      sourceTag: `scope:${name}`,
      onlyDependOnLibsWithTags: ['scope:shared', `scope:${name}`],
    })),
    { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['type:contracts', ...testing] },
    { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared'] },
  ];
}

const boundaries = (/** @type {boolean} */ testFile) => ({
  '@nx/enforce-module-boundaries': [
    'error',
    { enforceBuildableLibDependency: false, allow: [], depConstraints: depConstraints(testFile) },
  ],
});

export default defineConfig(
  {
    ignores: [
      '**/dist/',
      '**/node_modules/',
      '**/tmp/',
      '**/.data/',
      '**/.nx/',
      '**/coverage/',
      'web/.angular/',
      'test-results/',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    name: 'portcullis/typescript',
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    plugins: { '@nx': nx },
    languageOptions: {
      parserOptions: {
        // Each file is checked with the nearest tsconfig.json: the project's own, web/tsconfig.json (which
        // references tsconfig.app.json and tsconfig.spec.json) or the root one for scripts/ and bench/.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // `const { omitted, ...rest } = value` is how an object loses keys.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      ...boundaries(false),
    },
  },
  {
    name: 'portcullis/test-files',
    files: TEST_FILES,
    rules: boundaries(true),
  },
  {
    name: 'portcullis/commonjs',
    files: ['**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { 'no-unused-vars': ['error', { ignoreRestSiblings: true }] },
  },
  {
    name: 'portcullis/jest-setup',
    files: ['jest.setup-*.cjs'],
    languageOptions: { globals: { ...globals.jest } },
  },
  {
    name: 'portcullis/esm',
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },
  prettier,
);
