import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

const INCLUDE = ['packages/*/src/**/*.spec.ts', 'packages/*/test/**/*.spec.ts', 'tests/**/*.spec.ts'];

/**
 * Files that run one at a time, after the others, with nothing beside them:
 * - tests/kafka: one file stops and restarts the broker (the files also take turns on a
 *   lock file, tests/kafka/support.ts, so two of them would only wait for each other);
 * - the SIGKILL and crash/restart tests and the ones driving the built CLI and its
 *   `serve`/`demo` processes, whose timings (start-up, kill windows) are not to be
 *   shared with another file's load.
 * Everything else — in-process servers, the browser, unit and contract tests, which
 * mostly wait (simulated departments, polls, the browser) — runs two files at a time.
 */
const SEQUENTIAL = [
  'tests/kafka/**/*.spec.ts',
  'tests/chaos/sigkill.e2e.spec.ts',
  'tests/e2e/postgres.crash.spec.ts',
  'tests/e2e/restart.e2e.spec.ts',
  'tests/e2e/timerRestart.e2e.spec.ts',
  'tests/e2e/cli.e2e.spec.ts',
  'tests/e2e/keys.cli.e2e.spec.ts',
  'tests/e2e/calendarCli.e2e.spec.ts',
  'tests/e2e/mattersCli.e2e.spec.ts',
  'tests/e2e/demo.e2e.spec.ts',
  'tests/e2e/serve.start.e2e.spec.ts',
  'tests/e2e/serve.limits.e2e.spec.ts',
];

// Workspace packages resolve to their TypeScript sources in tests (the "source"
// condition in each package's "exports"), so a test sees the code as edited, not a
// stale build. Tests that spawn the CLI run the built dist, as users do.
export default defineConfig({
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      // Two files at a time (the suite's machine has 2 cores; these files mostly wait).
      {
        extends: true,
        test: { name: 'parallel', include: INCLUDE, exclude: [...configDefaults.exclude, ...SEQUENTIAL], maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      // One file at a time, after every parallel one has finished (groupOrder: groups run in turn).
      { extends: true, test: { name: 'sequential', include: SEQUENTIAL, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
