import { parseTaskId, SPECIAL_PROCEDURE_KINDS, toCaseView, type CaseCommand } from '@onematter/engine';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, WINDOW } from '../auth/roles.js';
import { problem, sendDomainError, sendProblem } from '../problem.js';
import type { Runtime } from '../runtime.js';
import { CaseIdParams } from './schemas.js';

export const SpecialProcedureBody = z.object({
  kind: z.enum(SPECIAL_PROCEDURE_KINDS).meta({
    description: 'inspection 检验, testing 检测, quarantine 检疫, appraisal 鉴定, expert-review 专家评审, hearing 听证, public-notice 公示, bidding 招标, auction 拍卖',
  }),
  action: z.enum(['start', 'end']),
  note: z.string().max(2000).optional(),
});

const DESCRIPTION =
  '行政许可法 Art. 45: the time of a hearing, inspection, testing, quarantine, appraisal or expert review (and of a public notice) is not counted towards the time limit. `start` pauses the clock, `end` resumes it; the working days in between extend dueAt and statutoryDueAt. One procedure of each kind at a time; 409 when starting one already under way or ending one that is not. A procedure still open when its task is decided ends with the decision.';

/** 特别程序: start and end, for one department's task or for the whole case. */
export const specialProcedureRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const command = (b: z.infer<typeof SpecialProcedureBody>, taskId: string | undefined, now: string): CaseCommand => ({
    type: b.action === 'start' ? 'StartSpecialProcedure' : 'EndSpecialProcedure',
    data: { ...(taskId !== undefined ? { taskId } : {}), kind: b.kind, ...(b.note !== undefined ? { note: b.note } : {}) },
    now,
  });

  app.post(
    '/tasks/:taskId/special-procedures',
    {
      schema: {
        tags: ['tasks'],
        summary: '特别程序 for a task: start or end (the task\'s and the case\'s clocks pause)',
        description: DESCRIPTION,
        params: z.object({ taskId: z.string().min(3).max(300) }),
        body: SpecialProcedureBody,
      },
      config: { roles: ['clerk', 'department', 'admin'] },
    },
    async (req, reply) => {
      const ids = parseTaskId(req.params.taskId);
      if (!ids) return sendProblem(reply, problem(404, `task ${req.params.taskId} not found`, undefined, req.url));
      const r = await runtime.handler.execute(ids.caseId, (now) => command(req.body, req.params.taskId, now), actorOf(req.principal, 'department'));
      if (!r.ok) return sendDomainError(reply, r.error);
      const view = toCaseView(r.value.state, runtime.timeLimits.clockContext());
      return { task: view.tasks.find((t) => t.id === req.params.taskId), case: view };
    },
  );

  app.post(
    '/cases/:id/special-procedures',
    {
      schema: {
        tags: ['cases'],
        summary: '特别程序 for the whole case (e.g. a public notice): every clock pauses',
        description: DESCRIPTION,
        params: CaseIdParams,
        body: SpecialProcedureBody,
      },
      config: { roles: WINDOW },
    },
    async (req, reply) => {
      const r = await runtime.handler.execute(req.params.id, (now) => command(req.body, undefined, now), actorOf(req.principal, 'clerk'));
      if (!r.ok) return sendDomainError(reply, r.error);
      return toCaseView(r.value.state, runtime.timeLimits.clockContext());
    },
  );
};
