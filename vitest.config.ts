import { configDefaults, defineConfig } from 'vitest/config';

const FORGE = ['tests/forge/**/*.test.ts', 'tests/forge/**/*.test.tsx'];

export default defineConfig({
  test: {
    // Two projects in one run. The Forge suites stub @forge/api and @forge/kvs per file (vi.mock),
    // so each file gets fresh modules. Every other suite builds its own companion, database and
    // servers and keeps no module state, so its files share a worker's loaded modules: importing
    // the companion afresh for each of ~40 files cost about a third of npm test's CPU time.
    projects: [
      { extends: true, test: { name: 'companion', include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'], exclude: [...configDefaults.exclude, ...FORGE], isolate: false } },
      { extends: true, test: { name: 'forge', include: FORGE } },
    ],
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
