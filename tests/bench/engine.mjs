// The engine run shared by the bench pieces (run.mjs, growth.bench.mjs): cases started
// through the command handler, tasks relayed from the outbox over the in-process bus to
// instant simulated departments, their decisions handled as commands, until every case
// has published CaseCompleted. Runs on the built packages (dist).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createRuntime } from '@onematter/api';
import { enterpriseSetupV1 } from '@onematter/workflows';

export const silentLog = pino({ level: 'silent' });

// The bench measures a production server: its log follower does not deep-freeze events
// (logFollower.ts; the tests run with them frozen). Child processes inherit it.
process.env.NODE_ENV ??= 'production';

export const startBody = () => ({
  matter: 'enterprise-setup',
  applicant: enterpriseSetupV1.exampleApplicant,
  form: enterpriseSetupV1.example,
});

/** Runs `n` tasks with at most `limit` in flight. */
export async function pool(n, limit, task) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await task(next++);
  });
  await Promise.all(workers);
}

/**
 * Subscribes to the runtime's events; `done` resolves once `n` cases whose ids start with
 * `prefix` (any, without one) have published CaseCompleted. Start the cases after it returns.
 * (An object, not the promise itself: an async function returning a promise would wait for it.)
 */
export async function completions(runtime, n, prefix) {
  let completed = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  await runtime.bus.subscribe(runtime.topics.events, async (m) => {
    if (m.value.type === 'CaseCompleted' && (prefix === undefined || m.key.startsWith(`${prefix}-`)) && ++completed === n) resolveDone();
  }, { group: 'bench' });
  return { done };
}

/**
 * Every follower of a runtime has reached the store's head: the case list (and the work
 * queues), the time limits, the event feed. What a server start must do before it is current.
 */
export async function caughtUp(runtime) {
  const head = await runtime.store.headPosition();
  const t0 = performance.now();
  for (;;) {
    await Promise.all([runtime.caseList.catchUp(), runtime.timeLimits.projection.catchUp()]);
    const behind = [runtime.eventFeed.position, runtime.timeLimits.projection.position].some((p) => p < head);
    if (!behind) return;
    if (performance.now() - t0 > 600_000) throw new Error('the followers did not reach the head within 10 minutes');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The engine end to end on `config`; `dataDir` (kept) or a fresh one (removed after).
 * Case ids start with `prefix`, so a run on a seeded store adds new cases.
 */
export async function engineRun(config, n, { concurrency = 400, dataDir, prefix = 'bench' } = {}) {
  const own = !dataDir;
  dataDir ??= mkdtempSync(join(tmpdir(), 'onematter-bench-'));
  const runtime = await createRuntime({ dataDir, simulateDepartments: true, simulation: { delayMs: [0, 0] }, ...config }, silentLog);
  const head0 = await runtime.store.headPosition();
  const { done } = await completions(runtime, n, prefix);
  // After subscribing: the in-process event feed waits for a listener.
  await caughtUp(runtime);
  global.gc?.();
  const mem0 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(n, concurrency, async (i) => {
    const id = `${prefix}-${i}`;
    const r = await runtime.handler.execute(id, (now) => ({ type: 'StartCase', data: { caseId: id, ...startBody() }, now }));
    if (!r.ok) throw new Error(r.error.message);
  });
  await done;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const events = (await runtime.store.headPosition()) - head0;
  const rss = process.memoryUsage().rss;
  await runtime.close();
  if (own) rmSync(dataDir, { recursive: true, force: true });
  return {
    seconds,
    casesPerSec: n / seconds,
    eventsPerSec: events / seconds,
    events,
    cpuMsPerCase: ((cpu.user + cpu.system) / 1000) / n,
    rssMb: rss / 2 ** 20,
    rssGrowthMb: (rss - mem0) / 2 ** 20,
  };
}
