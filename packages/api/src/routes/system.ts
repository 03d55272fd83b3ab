import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { OPERATIONS } from '../auth/roles.js';
import type { Runtime } from '../runtime.js';

export const systemRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  app.get('/health', { schema: { tags: ['system'], summary: 'Liveness and the configured store and bus' }, config: { roles: 'public' } }, async () => ({
    status: 'ok',
    store: runtime.config.store,
    bus: runtime.config.bus,
    simulatedDepartments: runtime.config.simulateDepartments,
    time: runtime.clock.now().toISOString(),
    // Events a read model set aside (it goes on without them): `onematter projections status` lists them.
    readModels: Object.fromEntries(runtime.caseList.runners.map((r) => [r.name, { position: r.position, failedEvents: r.failedCount }])),
  }));
  app.get('/openapi.json', { schema: { hide: true }, config: { roles: 'public' } }, async () => app.swagger());
  app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics' }, config: { roles: OPERATIONS } }, async (_req, reply) =>
    reply.type(runtime.metrics.registry.contentType).send(await runtime.metrics.registry.metrics()),
  );
};
