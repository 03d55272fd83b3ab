import { SPECIAL_PROCEDURE_KINDS } from '@onematter/engine';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Runtime } from '../runtime.js';
import { taskOrCaseRoutes } from './taskOrCase.js';

export const SpecialProcedureBody = z.object({
  kind: z.enum(SPECIAL_PROCEDURE_KINDS).meta({
    description:
      '行政许可法 Art. 45 (their time is not counted): hearing 听证, bidding 招标, auction 拍卖, inspection 检验, testing 检测, quarantine 检疫, appraisal 鉴定, expert-review 专家评审. Recorded but counted (not Art. 45): public-notice 公示, site-verification 现场核查',
  }),
  action: z.enum(['start', 'end']),
  note: z.string().max(2000).optional(),
});

const DESCRIPTION =
  '行政许可法 Art. 45: the time of a hearing, bidding, auction, inspection, testing, quarantine, appraisal or expert review is not counted towards the time limit: `start` pauses the clock, `end` resumes it; the working days in between extend dueAt and statutoryDueAt. A public notice (公示) and an on-site verification (现场核查) are recorded on the timeline but their days count: nothing pauses. One procedure of each kind at a time; 409 when starting one already under way or ending one that is not. A procedure still open when its task is decided ends with the decision.';

/** 特别程序: start and end, for one department's task or for the whole case. */
export const specialProcedureRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  taskOrCaseRoutes(app, runtime, {
    path: 'special-procedures',
    body: SpecialProcedureBody,
    description: DESCRIPTION,
    taskSummary: '特别程序 for a task: start or end (an Art. 45 procedure pauses the task\'s and the case\'s clocks)',
    caseSummary: '特别程序 for the whole case: an Art. 45 procedure pauses every clock; a public notice counts',
    command: (b, taskId, now) => ({
      type: b.action === 'start' ? 'StartSpecialProcedure' : 'EndSpecialProcedure',
      data: { ...(taskId !== undefined ? { taskId } : {}), kind: b.kind, ...(b.note !== undefined ? { note: b.note } : {}) },
      now,
    }),
  });
};
