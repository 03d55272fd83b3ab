import { noticeJson, parseNotice, parseNoticeJson, type NoticeYear } from '@onematter/engine';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, CASE_READERS, type Role } from '../auth/roles.js';
import { problem, sendProblem } from '../problem.js';
import type { Runtime } from '../runtime.js';

const ADMIN: readonly Role[] = ['admin'];

const YearParam = z.object({ year: z.coerce.number().int().min(1949).max(2999) });

const ImportBody = z.object({
  notice: z.string().max(200_000).optional().meta({ description: 'the notice as published (text from gov.cn or a newspaper)' }),
  year: z.number().int().optional(),
  holidays: z.array(z.string()).max(400).optional(),
  workdays: z.array(z.string()).max(400).optional(),
});

const ImportQuery = z.object({ dryRun: z.enum(['true', 'false']).optional().meta({ description: 'true: read and answer the days, record nothing' }) });

/**
 * The working-day calendar as recorded in `$calendar`: what is known, what is predicted, and
 * the admin's import of next year's notice (the same reader as `onematter calendar import`).
 */
export const calendarRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const sourceOf = (year: number) => {
    const last = [...runtime.timeLimits.book.recorded].reverse().find((r) => r.data.year === year);
    if (last) return { source: last.data.source, recordedAt: last.recordedAt, ...(last.data.title ? { title: last.data.title } : {}) };
    return runtime.timeLimits.calendar.isProvisionalYear(year) ? { source: 'predicted' as const } : { source: 'built-in' as const };
  };

  app.get(
    '/calendar',
    {
      schema: {
        tags: ['calendar'],
        summary: '工作日历: the years known from a notice, the years predicted (provisional), and whether the known calendar ends soon',
      },
      config: { roles: CASE_READERS },
    },
    async () => {
      const cal = runtime.timeLimits.calendar;
      return {
        ...runtime.timeLimits.calendarStatus(),
        provisionalYears: [...cal.provisionalYears],
        years: cal.years.map((year) => ({ year, provisional: cal.isProvisionalYear(year), ...sourceOf(year) })),
      };
    },
  );

  app.get(
    '/calendar/years/:year',
    {
      schema: { tags: ['calendar'], summary: 'One year\'s days off and make-up working days, and where they come from', params: YearParam },
      config: { roles: CASE_READERS },
    },
    async (req, reply) => {
      const cal = runtime.timeLimits.calendar;
      const { year } = req.params;
      if (!cal.years.includes(year)) return sendProblem(reply, problem(404, `the calendar holds nothing for ${year}`, undefined, req.url));
      return { ...noticeJson({ year, ...cal.yearData(year) }), provisional: cal.isProvisionalYear(year), ...sourceOf(year) };
    },
  );

  app.put(
    '/calendar/years/:year',
    {
      schema: {
        tags: ['calendar'],
        summary: '导入放假安排: record a year\'s days from the State Council\'s notice (text) or JSON { year, holidays, workdays }',
        description:
          'Body: `{ "notice": "<the notice as published>" }` or `{ "year": 2027, "holidays": ["2027-01-01", …], "workdays": ["2027-02-13", …] }`. ' +
          'Recorded in `$calendar`; every open clock on every server on the store is derived again within seconds, and due dates in that year stop being provisional. ' +
          '`?dryRun=true` answers the days read and records nothing. 400 names what could not be read.',
        params: YearParam,
        querystring: ImportQuery,
        body: ImportBody,
      },
      config: { roles: ADMIN },
    },
    async (req, reply) => {
      const { year } = req.params;
      const body = req.body;
      let y: NoticeYear;
      if (body.notice !== undefined) {
        const r = parseNotice(body.notice, body.year !== undefined ? { year: body.year } : { fallbackYear: year });
        if (!r.ok) return sendProblem(reply, problem(400, r.message, [{ path: 'notice', message: r.message }], req.url));
        y = r.value;
      } else {
        const r = parseNoticeJson({ year, ...body });
        if (!r.ok) return sendProblem(reply, problem(400, 'the calendar year is not valid', r.errors, req.url));
        y = r.value;
      }
      if (y.year !== year) {
        const message = `the notice is for ${y.year}, not ${year}: PUT it to /api/v1/calendar/years/${y.year}`;
        return sendProblem(reply, problem(400, message, [{ path: body.notice !== undefined ? 'notice' : 'year', message }], req.url));
      }
      if (req.query.dryRun === 'true') return { ...noticeJson(y), recorded: false };
      const r = await runtime.timeLimits.book.record(y, { source: 'notice', title: `国务院办公厅关于${year}年部分节假日安排的通知`, actor: actorOf(req.principal, 'admin') });
      await runtime.timeLimits.refreshCalendar();
      return { ...noticeJson(y), recorded: true, position: r.position };
    },
  );
};
