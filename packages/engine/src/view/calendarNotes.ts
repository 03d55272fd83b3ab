import type { WorkingCalendar } from '../calendar/calendar.js';
import { toShanghaiDate } from '../calendar/calendar.js';
import type { CalendarRecord } from '../calendar/events.js';
import type { StartedCase } from '../case/state.js';
import { timeLimitPlanOf, readTimeLimits, type TimeLimitReading, type TimeLimitPolicy } from '../timeLimits/readings.js';

/**
 * Why a due date moved without anything happening on the case: a year's days were recorded
 * in `$calendar` (the State Council's notice imported, a region's closure) while the case
 * ran. For each such record, the case's due dates just before and just after it; where one
 * changed, a line for the timeline: 「因2027年放假安排公布，法定时限调整为2027-06-30（原为2027-06-29）」.
 * Pure: the calendar known at a moment is passed in (`calendarAt`).
 */
export interface CalendarAdjustment {
  at: string;
  year: number;
  source: CalendarRecord['data']['source'];
  changes: { scope: 'case' | 'task'; step?: string; limit: 'statutory' | 'committed'; from: string | null; to: string | null }[];
  /** zh-CN, for the timeline. */
  text: string;
}

export function calendarAdjustments(
  s: StartedCase,
  records: readonly CalendarRecord[],
  calendarAt: (asOf: Date) => WorkingCalendar,
  policy?: TimeLimitPolicy,
): CalendarAdjustment[] {
  const out: CalendarAdjustment[] = [];
  const plan = timeLimitPlanOf(s.matter.definition);
  const closedAt = s.clock.closedAt;
  for (const r of records) {
    if (r.data.source === 'built-in') continue;
    if (r.recordedAt <= s.createdAt || (closedAt !== undefined && r.recordedAt >= closedAt)) continue;
    const at = new Date(r.recordedAt);
    const before = readTimeLimits(plan, s.clock, calendarAt(new Date(at.getTime() - 1)), at, policy);
    const after = readTimeLimits(plan, s.clock, calendarAt(at), at, policy);
    const changes: CalendarAdjustment['changes'] = [];
    const compare = (scope: 'case' | 'task', step: string | undefined, a: TimeLimitReading, b: TimeLimitReading) => {
      if (a.clockState === 'not-started' || a.clockState === 'stopped') return;
      for (const [limit, key] of [['statutory', 'statutoryDueAt'], ['committed', 'dueAt']] as const) {
        if (a[key] !== b[key]) changes.push({ scope, ...(step !== undefined ? { step } : {}), limit, from: a[key], to: b[key] });
      }
    };
    compare('case', undefined, before.case, after.case);
    for (const step of Object.keys(after.tasks)) compare('task', step, before.tasks[step]!, after.tasks[step]!);
    if (changes.length === 0) continue;
    const what = r.data.source === 'region' ? `${r.data.year}年本地区工作日调整` : `${r.data.year}年放假安排公布`;
    const day = (iso: string | null) => (iso === null ? '未定' : toShanghaiDate(iso));
    const parts = changes.map((c) => {
      const who = c.scope === 'case' ? '' : `${s.tasks[c.step!]?.service ?? c.step}的`;
      return `${who}${c.limit === 'statutory' ? '法定时限' : '承诺时限'}调整为${day(c.to)}（原为${day(c.from)}）`;
    });
    out.push({ at: r.recordedAt, year: r.data.year, source: r.data.source, changes, text: `因${what}，${parts.join('；')}` });
  }
  return out;
}
