import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { OPERATIONS } from '../auth/roles.js';
import { consumerProblems } from '../health.js';
import type { Runtime } from '../runtime.js';

/** How long the readiness check waits for the store before it calls it unreachable. */
const STORE_CHECK_MS = 3_000;

export const systemRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  /** The consumers as operators see them (the message keys, case ids, stay out of this public route). */
  const consumers = () =>
    runtime.consumers().map((c) => ({
      name: c.name,
      state: c.state,
      since: c.since,
      ...(c.reason ? { reason: c.reason } : {}),
      restarts: c.restarts,
      topics: c.topics,
      group: c.group,
      stuck: c.stuck.map(({ key: _key, ...m }) => m),
    }));

  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness: the configured store and bus, and whether every bus consumer runs',
        description:
          '200 `status: "ok"` while every consumer runs; 503 `status: "degraded"` with `problems` when one does not ' +
          '(crashed and restarting, stalled without a broker, or a message stuck in retries). Readiness, with the store checked: /health/ready.',
      },
      config: { roles: 'public' },
    },
    async (_req, reply) => {
      const problems = consumerProblems(runtime.consumers());
      return reply.code(problems.length === 0 ? 200 : 503).send({
        status: problems.length === 0 ? 'ok' : 'degraded',
        store: runtime.config.store,
        bus: runtime.config.bus,
        simulatedDepartments: runtime.config.simulateDepartments,
        time: runtime.clock.now().toISOString(),
        // Events a read model set aside (it goes on without them): `onematter projections status` lists them.
        readModels: Object.fromEntries(runtime.caseList.runners.map((r) => [r.name, { position: r.position, failedEvents: r.failedCount }])),
        consumers: consumers(),
        ...(problems.length > 0 ? { problems } : {}),
      });
    },
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['system'],
        summary: 'Readiness for an orchestrator: started, store reachable, every bus consumer running',
        description: '200 `status: "ready"`, or 503 `status: "not-ready"` with the failed checks in `problems`.',
      },
      config: { roles: 'public' },
    },
    async (_req, reply) => {
      const problems: string[] = [];
      if (!runtime.started) problems.push('the engine is not started (starting or shutting down)');
      const store = await storeReachable(runtime);
      if (store !== true) problems.push(`store ${runtime.config.store} unreachable: ${store}`);
      const consumerTrouble = consumerProblems(runtime.consumers());
      problems.push(...consumerTrouble);
      return reply.code(problems.length === 0 ? 200 : 503).send({
        status: problems.length === 0 ? 'ready' : 'not-ready',
        checks: {
          started: runtime.started,
          store: store === true,
          consumers: consumerTrouble.length === 0,
        },
        ...(problems.length > 0 ? { problems } : {}),
      });
    },
  );

  app.get('/openapi.json', { schema: { hide: true }, config: { roles: 'public' } }, async () => app.swagger());
  app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics' }, config: { roles: OPERATIONS } }, async (_req, reply) =>
    reply.type(runtime.metrics.registry.contentType).send(await runtime.metrics.registry.metrics()),
  );
};

/** True, or why the store did not answer a read of its head position in time. */
async function storeReachable(runtime: Runtime): Promise<true | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      runtime.store.headPosition(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${STORE_CHECK_MS} ms`)), STORE_CHECK_MS))),
    ]);
    return true;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}
