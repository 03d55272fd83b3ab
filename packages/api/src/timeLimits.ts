import { CaseClockProjection, Supervision, TimeLimitScheduler } from '@onematter/adapters';
import {
  DEFAULT_TIME_LIMIT_POLICY,
  WorkingCalendar,
  clockPlanOf,
  parseTaskId,
  readTaskClock,
  toShanghaiDate,
  type ClockContext,
  type Clock,
  type CommandHandler,
  type EventStore,
  type MatterCatalogue,
  type StartedCase,
  type TimeLimitPolicy,
} from '@onematter/engine';
import type { Logger } from 'pino';

export interface TimeLimitsConfig {
  /** 黄灯 this many working days before the committed limit (default 1; 0: no warnings). */
  warningDaysBefore?: number;
  /** Run the durable timer scheduler (default true). */
  scheduler?: boolean;
  /** How often the scheduler looks for new events and due timers, in real ms (default 1000). */
  pollIntervalMs?: number;
  /** Warn at boot when the calendar ends within this many days (default 60). */
  calendarHorizonDays?: number;
}

/** Time limits wired for one runtime: calendar, clocks, the scheduler and supervision. */
export interface TimeLimits {
  calendar: WorkingCalendar;
  policy: TimeLimitPolicy;
  projection: CaseClockProjection;
  supervision: Supervision;
  scheduler?: TimeLimitScheduler;
  /** What `toCaseView` reads clocks against, at the clock port's now. */
  clockContext(): ClockContext;
  /** The committed due date on a department's task message. */
  dueAtOf(state: StartedCase, taskId: string): string | null;
  start(handler: CommandHandler): Promise<void>;
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

export function createTimeLimits(
  o: { store: EventStore; catalogue: MatterCatalogue; clock: Clock; calendar?: WorkingCalendar; config?: TimeLimitsConfig },
  log: Logger,
): TimeLimits {
  const calendar = o.calendar ?? WorkingCalendar.china();
  const policy: TimeLimitPolicy = { ...DEFAULT_TIME_LIMIT_POLICY, ...(o.config?.warningDaysBefore !== undefined ? { warningDaysBefore: o.config.warningDaysBefore } : {}) };
  const projection = new CaseClockProjection(o.store, o.catalogue);
  const supervision = new Supervision({ projection, catalogue: o.catalogue, calendar, clock: o.clock, policy });
  let scheduler: TimeLimitScheduler | undefined;

  warnAboutCalendarEnd(calendar, o.clock.now(), o.config?.calendarHorizonDays ?? 60, log);

  return {
    calendar,
    policy,
    projection,
    supervision,
    get scheduler() {
      return scheduler;
    },
    clockContext: () => ({ calendar, now: o.clock.now(), policy }),
    dueAtOf: (state, taskId) => {
      const step = parseTaskId(taskId)?.step;
      if (!step) return null;
      // The task was just dispatched: its clock read at that moment.
      return readTaskClock(clockPlanOf(state.matter.definition), state.clock, step, calendar, new Date(state.updatedAt), policy)?.dueAt ?? null;
    },
    async start(handler) {
      if (o.config?.scheduler === false) return;
      scheduler = new TimeLimitScheduler({
        projection,
        handler,
        calendar,
        clock: o.clock,
        policy,
        pollIntervalMs: o.config?.pollIntervalMs ?? 1000,
        log,
      });
      await scheduler.start();
      const r = scheduler.status().rebuild;
      if (r) log.info({ cases: r.cases, armed: r.armed, ms: Math.round(r.ms) }, 'time-limit timers rebuilt from the events');
    },
    async stop() {
      await scheduler?.stop();
    },
  };
}

/** Limits falling after the calendar's last covered day cannot be computed: say so at boot, in time. */
function warnAboutCalendarEnd(calendar: WorkingCalendar, now: Date, horizonDays: number, log: Logger): void {
  const last = calendar.years[calendar.years.length - 1]!;
  const end = `${last}-12-31`;
  const today = toShanghaiDate(now);
  const daysLeft = Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS);
  if (daysLeft >= horizonDays) return;
  const next = last + 1;
  log.warn(
    { calendarEnd: end, daysLeft, coveredYears: calendar.years },
    daysLeft < 0
      ? `the working-day calendar ended on ${end}: time limits after it show null (${next} 年工作日历未配置). Add the State Council's notice for ${next} with --calendar-file (ONEMATTER_CALENDAR_FILE)`
      : `the working-day calendar ends on ${end}, in ${daysLeft} days: time limits falling in ${next} show null until its notice is added with --calendar-file (ONEMATTER_CALENDAR_FILE)`,
  );
}
