import { DecisionInput, parseTaskId, recordDecisionOf, toCaseView } from '@onematter/engine';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problem, sendDomainError, sendProblem } from '../problem.js';
import { departmentScope } from '../auth/plugin.js';
import { actorOf, DEPARTMENT_ONLY } from '../auth/roles.js';
import type { Runtime } from '../runtime.js';
import { DecisionResultDoc, PROBLEMS, ProblemDoc } from './responses.js';

export const taskRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  app.post(
    '/tasks/:taskId/decisions',
    {
      schema: {
        tags: ['tasks'],
        summary: 'A department\'s decision: the HTTP twin of a message on onematter.decisions',
        description: 'A repeated decisionId is a no-op (200, `duplicate: true`). 409 when the task is not pending.',
        params: z.object({ taskId: z.string().min(3).max(300) }),
        body: DecisionInput,
      },
      config: { roles: DEPARTMENT_ONLY, responses: { 200: DecisionResultDoc, 409: ProblemDoc, ...PROBLEMS } },
    },
    async (req, reply) => {
      const ids = parseTaskId(req.params.taskId);
      if (!ids) return sendProblem(reply, problem(404, `task ${req.params.taskId} not found`, undefined, req.url));
      // A department's key or account decides only its own tasks: the decider refuses a mismatch.
      const department = departmentScope(req);
      const r = await runtime.handler.execute(
        ids.caseId,
        (now) => recordDecisionOf(req.body, { taskId: req.params.taskId, department }, now),
        actorOf(req.principal, 'department'),
      );
      if (!r.ok) return sendDomainError(reply, r.error);
      const view = toCaseView(r.value.state, runtime.timeLimits.timeLimitContext());
      return { duplicate: r.value.appended === 0, task: view.tasks.find((t) => t.id === req.params.taskId), case: view };
    },
  );
};
