import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    setupFiles: ['tests/helpers/setup-env.ts'],
    pool: 'forks',
    // Two cores: more workers only make the database-backed suites fight each other.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // CI also writes a JSON report, from which .ci/run prints one plain "N passed, N failed" line
    // (`npm test` and `npm run test:proof` each write their own, and the line sums both).
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: process.env.OC_VITEST_REPORT ?? '.vitest-results.json' },
  },
});
