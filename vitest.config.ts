import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const FORGE = ['tests/forge/**/*.test.ts', 'tests/forge/**/*.test.tsx'];
/**
 * Forge suites that mock nothing, render nothing and keep no module state (pure functions and
 * manifest.yml through @forge/manifest): they share a worker's modules like the companion suites,
 * so the three that validate the manifest build @forge/manifest's processor (its schemas) once per
 * worker instead of once per file.
 */
const FORGE_SHARED = ['manifest', 'manifest-platform', 'field-formatter', 'value-shapes', 'companion-client'].map((f) => `tests/forge/${f}.test.ts`);

/**
 * Files that start before all others, longest first. Vitest runs one project's files after the
 * other's ("companion" before "forge"), so on its own it would start the Forge build, by far the
 * longest file, only once every companion file had been handed out: the whole run then waited for
 * it at the end. Started first, its build (a child process) runs beside the other files.
 */
const START_FIRST = ['tests/forge/forge-build.test.ts'];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // The default order otherwise: longest first by the last run's durations (larger files first
    // without them), each project's files together so that non-isolated workers are reused.
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => START_FIRST.findIndex((f) => spec.moduleId.endsWith(`/${f}`));
    const first = sorted.filter((s) => rank(s) >= 0).sort((a, b) => rank(a) - rank(b));
    return [...first, ...sorted.filter((s) => rank(s) < 0)];
  }
}

export default defineConfig({
  test: {
    // Three projects in one run. The Forge suites stub @forge/api and @forge/kvs per file (vi.mock),
    // so each file gets fresh modules (but FORGE_SHARED). Every other suite builds its own companion, database and
    // servers and keeps no module state, so its files share a worker's loaded modules: importing
    // the companion afresh for each of ~40 files cost about a third of npm test's CPU time.
    projects: [
      { extends: true, test: { name: 'companion', include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'], exclude: [...configDefaults.exclude, ...FORGE], isolate: false } },
      { extends: true, test: { name: 'forge', include: FORGE, exclude: [...configDefaults.exclude, ...FORGE_SHARED] } },
      { extends: true, test: { name: 'forge-shared', include: FORGE_SHARED, isolate: false } },
    ],
    globalSetup: ['tests/helpers/global-setup.ts'],
    setupFiles: ['tests/helpers/setup-env.ts'],
    pool: 'forks',
    // Two cores: more workers only make the database-backed suites fight each other.
    maxWorkers: 2,
    sequence: { sequencer: LongestFirstSequencer },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // CI also writes a JSON report, from which .ci/run prints one plain "N passed, N failed" line
    // (`npm test` and `npm run test:proof` each write their own, and the line sums both).
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: process.env.OC_VITEST_REPORT ?? '.vitest-results.json' },
  },
});
