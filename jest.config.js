/** Two tiers, both run by `npm test`: fast unit tests and integration tests on real Kafka and Redis. */

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
  // Before every project: one clear line on a Node too old for herald (test/support/require-node.ts).
  globalSetup: '<rootDir>/test/support/require-node.ts',
  // Integration suites share one broker; two cores do not gain from more workers.
  maxWorkers: 2,
  // Integration tests wait on real brokers; unit tests finish long before this.
  testTimeout: 60_000,
};
