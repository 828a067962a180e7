/** Two tiers, both run by `npm test`: fast unit tests and integration tests on real Kafka and Redis. */

// One clear line and exit on a Node too old for herald, instead of every test failing on a missing API.
// The check lives in src/shared/node-version.ts; tsx's api loads that one file without hooking require globally.
const { require: requireTs } = require('tsx/cjs/api');
const problem = requireTs('./src/shared/node-version.ts', __filename).nodeVersionProblem();
if (problem) {
  console.error(problem);
  process.exit(1);
}

// Transpile only (tsconfig has isolatedModules): `npm test` type-checks the whole project once with `tsc --noEmit` before jest runs.
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], transform, testEnvironment: 'node' },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      slowTestThreshold: 20,
    },
  ],
  // Integration suites share one broker; two cores do not gain from more workers.
  maxWorkers: 2,
  // Integration tests wait on real brokers; unit tests finish long before this.
  testTimeout: 60_000,
};
