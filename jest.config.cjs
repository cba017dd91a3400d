'use strict';
// Three tiers (STYLE.md): unit `*.spec.ts` beside the code, integration `*.integration-spec.ts` against
// real Postgres/Redis/NATS, end-to-end `*.e2e-spec.ts` against the platform started as a user starts it.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = { '^@portcullis/(.*)$': '<rootDir>/libs/$1/src/index.ts' };
const roots = [
  '<rootDir>/libs',
  '<rootDir>/services',
  '<rootDir>/scripts',
  '<rootDir>/web',
  '<rootDir>/bench',
  '<rootDir>/e2e',
];
const common = {
  rootDir: __dirname,
  roots,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|cj)s$': swc },
  moduleFileExtensions: ['ts', 'js', 'cjs', 'json'],
  moduleNameMapper,
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['**/*.integration-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/jest.setup-integration.cjs'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['**/*.e2e-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/jest.setup-e2e.cjs'],
    },
  ],
};
