import { decodeCursor } from '@onematter/engine';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SUPERVISION } from '../auth/roles.js';
import { problem, sendProblem } from '../problem.js';
import type { Runtime } from '../runtime.js';

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'an ISO date YYYY-MM-DD (Asia/Shanghai)');

const SupervisedCasesQuery = z.object({
  light: z.enum(['green', 'yellow', 'red']).optional().meta({ description: 'The worst light of the case clock and its open task clocks (with `department`: of that department\'s open tasks).' }),
  matter: z.string().max(100).optional(),
  department: z.string().max(50).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

const StatsQuery = z
  .object({
    from: IsoDate.optional().meta({ description: 'First day (inclusive) on which a case or task concluded.' }),
    to: IsoDate.optional().meta({ description: 'Last day (inclusive).' }),
    matter: z.string().max(100).optional(),
    department: z.string().max(50).optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

/**
 * 电子监察 / 督办: time-limit supervision, computed from the events (the clock
 * projection) at the clock port's now. Read-only; supervisors, auditors, admins.
 */
export const supervisionRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const { supervision } = runtime.timeLimits;

  // Read at each request: an import changes the calendar under a running server.
  const calendarInfo = () => {
    const calendar = runtime.timeLimits.calendar;
    const status = runtime.timeLimits.calendarStatus();
    return {
      coveredYears: calendar.years.filter((y) => !calendar.isProvisionalYear(y)),
      coveredThrough: status.knownThrough,
      provisionalYears: [...calendar.provisionalYears],
      ...(status.message ? { note: status.message } : {}),
    };
  };

  app.get(
    '/supervision/overview',
    {
      schema: {
        tags: ['supervision'],
        summary: '督办总览: open cases and tasks by light, by matter and by department',
        description:
          'Lights: green, yellow (黄灯: from one working day before the committed limit, by default), red (红灯: past it); `unknown` where the calendar does not cover the due date or the case is not accepted yet (`unknown.reasons`: the open cases of the fourth group by reason, so green + yellow + red + unknown = open). Also the calendar coverage and the timer scheduler\'s state. ' +
          'The service centre\'s loops, over everything recorded so far: `reviews` (好差评 by rating, 差评 count and share), `rectifications` (整改: open ones by the light of their own limit, counted apart from `cases`; `overdue` = red; closed on time or late; `rectifiedRate` = closed ÷ opened, the goal is 1; `overdueItems`, the first 100 red ones by due date) and `complaints` (有诉即办: received, on-time rate on the committed limit, 回访 satisfaction rate, per responsible department).',
      },
      config: { roles: SUPERVISION },
    },
    async () => ({
      ...(await supervision.overview()),
      unknown: await supervision.unknownLights(),
      calendar: calendarInfo(),
      scheduler: runtime.timeLimits.scheduler?.status() ?? null,
    }),
  );

  app.get(
    '/supervision/cases',
    {
      schema: {
        tags: ['supervision'],
        summary: '督办清单: open cases by light, newest first, paginated like /cases',
        querystring: SupervisedCasesQuery,
      },
      config: { roles: SUPERVISION },
    },
    async (req, reply) => {
      const q = req.query;
      if (q.cursor) {
        try {
          decodeCursor(q.cursor);
        } catch {
          return sendProblem(reply, problem(400, 'invalid cursor', [{ path: 'query.cursor', message: 'not a cursor from a previous page' }], req.url));
        }
      }
      return supervision.cases({
        limit: q.limit,
        ...(q.light ? { light: q.light } : {}),
        ...(q.matter ? { matter: q.matter } : {}),
        ...(q.department ? { department: q.department } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
    },
  );

  app.get(
    '/supervision/stats',
    {
      schema: {
        tags: ['supervision'],
        summary: '按时办结率, average limits and 压缩比率, per matter and per department',
        description:
          'Over cases (completed or rejected; withdrawn ones do not count) and department tasks (approved or rejected) that concluded between `from` and `to` (Asia/Shanghai dates, inclusive). onTimeRate = concluded within the committed limit ÷ concluded; compressionRatio = 1 − Σ working days used (pauses excluded) ÷ Σ statutory working days; committedCompressionRatio = 1 − Σ committed ÷ Σ statutory. ' +
          'Also `reviews` submitted in the range, `rectifications` opened in it (and where each stands now), and `complaints` (received = started in the range, concluded = concluded in it, followUps = 回访 answered in it); `matter` and `department` filter them too (for reviews, the departments that handled the reviewed case; for complaints, the responsible department). ' +
          '`modes`: the service modes of the cases submitted in the range — 即办件 share, visits per case, 容缺 promises open/overdue/kept, 告知承诺 checks due/failed, 帮办代办 and 免申即办 counts, 零跑动 and 全程网办 cases, results by channel — overall, byMatter and byDepartment, each defined with its formula in docs/supervision.md.',
        querystring: StatsQuery,
      },
      config: { roles: SUPERVISION },
    },
    async (req) => {
      const q = req.query;
      return supervision.stats({
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        ...(q.matter ? { matter: q.matter } : {}),
        ...(q.department ? { department: q.department } : {}),
      });
    },
  );
};
