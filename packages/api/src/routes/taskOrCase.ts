import { parseTaskId, toCaseView, type CaseCommand } from '@onematter/engine';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, WINDOW } from '../auth/roles.js';
import { problem, sendDomainError, sendProblem } from '../problem.js';
import type { Runtime } from '../runtime.js';
import { CaseIdParams } from './schemas.js';

/**
 * A clock command that concerns one department's task or the whole case (特别程序, 延长):
 * `POST /tasks/:taskId/<path>` answers `{ task, case }`, `POST /cases/:id/<path>` the case.
 */
export function taskOrCaseRoutes<B extends z.ZodType>(
  app: FastifyInstance,
  runtime: Runtime,
  o: { path: string; body: B; description: string; taskSummary: string; caseSummary: string; command: (body: z.infer<B>, taskId: string | undefined, now: string) => CaseCommand },
): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.post(
    `/tasks/:taskId/${o.path}`,
    {
      schema: { tags: ['tasks'], summary: o.taskSummary, description: o.description, params: z.object({ taskId: z.string().min(3).max(300) }), body: o.body },
      config: { roles: ['clerk', 'department', 'admin'] },
    },
    async (req, reply) => {
      const ids = parseTaskId(req.params.taskId);
      if (!ids) return sendProblem(reply, problem(404, `task ${req.params.taskId} not found`, undefined, req.url));
      const r = await runtime.handler.execute(ids.caseId, (now) => o.command(req.body as z.infer<B>, req.params.taskId, now), actorOf(req.principal, 'department'));
      if (!r.ok) return sendDomainError(reply, r.error);
      const view = toCaseView(r.value.state, runtime.timeLimits.timeLimitContext());
      return { task: view.tasks.find((t) => t.id === req.params.taskId), case: view };
    },
  );
  typed.post(
    `/cases/:id/${o.path}`,
    {
      schema: { tags: ['cases'], summary: o.caseSummary, description: o.description, params: CaseIdParams, body: o.body },
      config: { roles: WINDOW },
    },
    async (req, reply) => {
      const r = await runtime.handler.execute(req.params.id, (now) => o.command(req.body as z.infer<B>, undefined, now), actorOf(req.principal, 'clerk'));
      if (!r.ok) return sendDomainError(reply, r.error);
      return toCaseView(r.value.state, runtime.timeLimits.timeLimitContext());
    },
  );
}
