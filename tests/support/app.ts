import { build, createRuntime, type BuildOptions, type Runtime, type RuntimeConfig } from '@onematter/api';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestApp {
  app: FastifyInstance;
  runtime: Runtime;
  close(): Promise<void>;
}

/**
 * The real app on a fresh store, driven through `inject` (no port). Auth is off unless
 * the test passes `{ auth: { enabled: true, … } }` as options (tests/e2e/auth*.spec.ts do).
 */
export async function testApp(config: Partial<RuntimeConfig> = {}, options: BuildOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'onematter-test-'));
  const runtime = await createRuntime(
    { store: 'memory', dataDir, bus: 'memory', simulateDepartments: false, ...config },
    pino({ level: 'silent' }),
  );
  const app = await build(runtime, { auth: { enabled: false }, ...options });
  return {
    app,
    runtime,
    close: async () => {
      await app.close();
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
