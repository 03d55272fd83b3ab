import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { describe, expect, it } from 'vitest';
import { eventually, testApp } from '../support/app.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * An application that embeds the engine (or its own tests) opens and closes runtimes in one
 * process: a closed runtime must leave nothing behind. Each one used to stay in memory with all
 * the cases it had cached (its metrics registry was held by prom-client's GC observer, which lives
 * as long as the process): about 13 KB per case, 27 MB per bench run of 2,000 cases.
 */
describe('a closed runtime', () => {
  it('is released, with the cases it held, once the app that served it is closed', async () => {
    // Told when each is collected (a FinalizationRegistry, unlike a WeakRef, keeps nothing alive).
    const collected = new Set<string>();
    const registry = new FinalizationRegistry<string>((name) => collected.add(name));
    /** A runtime that serves one case to completion, then closes; nothing of it is returned. */
    const serveOneCase = async (name: string) => {
      const t = await testApp({ simulateDepartments: true, simulation: { delayMs: [0, 0] } });
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example } });
      const started = r.statusCode === 201 ? (r.json() as { id: string }).id : undefined;
      const completed = started && (await eventually(async () => ((await t.runtime.handler.load(started)) as { status?: string }).status === 'completed' || undefined, 10_000, 'the case to complete'));
      registry.register(t.runtime.handler, `${name}'s command handler`);
      registry.register(t.runtime, name);
      await t.close();
      return { status: r.statusCode, completed: Boolean(completed) };
    };
    expect(await serveOneCase('runtime 1')).toEqual({ status: 201, completed: true });
    expect(await serveOneCase('runtime 2')).toEqual({ status: 201, completed: true });
    await eventually(
      async () => {
        gc();
        await new Promise((r) => setTimeout(r, 50));
        return collected.size === 4 || undefined;
      },
      10_000,
      'both closed runtimes to be collected',
    ).catch((e: Error) => {
      throw new Error(`${e.message}; collected: ${[...collected].join(', ') || 'nothing'}`);
    });
  });
});
