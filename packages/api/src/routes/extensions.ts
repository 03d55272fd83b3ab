import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Runtime } from '../runtime.js';
import { taskOrCaseRoutes } from './taskOrCase.js';

export const ExtensionBody = z.object({
  workingDays: z.number().int().min(1).max(365).meta({ description: 'working days added to the statutory (and committed) limit, at most the step\'s extensionDays' }),
  reason: z.string().trim().min(1).max(2000).meta({ description: 'the reason, told to the applicant (行政许可法 Art. 42)' }),
  approvedBy: z.string().trim().min(1).max(200).meta({ description: 'the agency head (本行政机关负责人) who approved it' }),
});

const DESCRIPTION =
  '延长 (行政许可法 Art. 42: 20 working days + 10 with the agency head\'s approval; 45 + 15 for 统一/联合/集中办理; other laws set their own, e.g. 市场主体登记管理条例 Art. 19: 3 + 3). Recorded as a TimeLimitExtended event, once per clock; the statutory and committed due dates move by `workingDays` and the light follows. More than the definition\'s `extensionDays`, a second extension, or a limit that allows none (extensionDays null, or no statutory limit) is a 400 naming the limit and its basis.';

/** 延长: a task's or the case's statutory limit, with the agency head's approval. */
export const extensionRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  taskOrCaseRoutes(app, runtime, {
    path: 'extensions',
    body: ExtensionBody,
    description: DESCRIPTION,
    taskSummary: '延长 a department task\'s statutory limit (once, within the law)',
    caseSummary: '延长 the case\'s statutory limit (once, within the law)',
    command: (b, taskId, now) => ({
      type: 'ExtendTimeLimit',
      data: { ...(taskId !== undefined ? { taskId } : {}), workingDays: b.workingDays, reason: b.reason, approvedBy: b.approvedBy },
      now,
    }),
  });
};
