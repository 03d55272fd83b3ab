import { CalendarBook, CaseTimeLimitProjection, TimeLimitScheduler, type LogFollower } from '@onematter/adapters';
import {
  DEFAULT_TIME_LIMIT_POLICY,
  Supervision,
  type WorkingCalendar,
  timeLimitPlanOf,
  parseTaskId,
  readTaskLimit,
  toShanghaiDate,
  type TimeLimitContext,
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
  /** Warn (at boot, and in the workbench) when the known calendar ends within this many days (default 60). */
  calendarHorizonDays?: number;
}

/** Time limits wired for one runtime: calendar, clocks, the scheduler and supervision. */
export interface TimeLimits {
  /** The calendar now: known years from `$calendar`, later ones predicted (provisional). */
  readonly calendar: WorkingCalendar;
  /** The calendar as recorded in the store: imports, and the calendar known at a past moment. */
  book: CalendarBook;
  /** Reads `$calendar` again; when it changed, re-derives every open clock. True when it changed. */
  refreshCalendar(): Promise<boolean>;
  /** When the known (published) calendar ends, and how many days are left; `warning` within the horizon. */
  calendarStatus(): CalendarStatus;
  policy: TimeLimitPolicy;
  projection: CaseTimeLimitProjection;
  supervision: Supervision;
  scheduler?: TimeLimitScheduler;
  /** What `toCaseView` reads clocks against, at the clock port's now. */
  timeLimitContext(): TimeLimitContext;
  /** The committed due date on a department's task message. */
  dueAtOf(state: StartedCase, taskId: string): string | null;
  start(handler: CommandHandler): Promise<void>;
  stop(): Promise<void>;
}

export interface CalendarStatus {
  /** The last day of the last year with a published notice (or built-in data). */
  knownThrough: string;
  /** Days from today to knownThrough (negative once past it). */
  daysLeft: number;
  /** Within the horizon (default 60 days): admins and supervisors are told in the workbench. */
  warning: boolean;
  /** The next year without a notice. */
  nextYear: number;
  /** zh-CN, for the workbench. */
  message?: string;
}

const DAY_MS = 86_400_000;

export function createTimeLimits(
  o: { store: EventStore; catalogue: MatterCatalogue; clock: Clock; calendar?: WorkingCalendar; config?: TimeLimitsConfig; follower?: LogFollower },
  log: Logger,
): TimeLimits {
  const book = new CalendarBook(o.store, { ...(o.calendar ? { base: o.calendar } : {}), now: () => o.clock.now() });
  const policy: TimeLimitPolicy = { ...DEFAULT_TIME_LIMIT_POLICY, ...(o.config?.warningDaysBefore !== undefined ? { warningDaysBefore: o.config.warningDaysBefore } : {}) };
  const projection = new CaseTimeLimitProjection(o.store, o.catalogue, 1000, o.follower);
  // Supervision and the scheduler read the calendar through a getter: an import swaps it.
  const supervision = new Supervision({ projection, catalogue: o.catalogue, get calendar() { return book.calendar; }, clock: o.clock, policy });
  let scheduler: TimeLimitScheduler | undefined;
  let poll: NodeJS.Timeout | undefined;
  const horizon = o.config?.calendarHorizonDays ?? 60;
  const status = (): CalendarStatus => calendarStatusOf(book.calendar, o.clock.now(), horizon);
  const refreshCalendar = async (): Promise<boolean> => {
    const changed = await book.refresh();
    if (changed) {
      scheduler?.calendarChanged();
      log.info({ knownThrough: book.calendar.knownThrough(), provisionalYears: book.calendar.provisionalYears }, 'working-day calendar changed in the store: open clocks re-derived');
    }
    return changed;
  };

  return {
    get calendar() {
      return book.calendar;
    },
    book,
    refreshCalendar,
    calendarStatus: status,
    policy,
    projection,
    supervision,
    get scheduler() {
      return scheduler;
    },
    timeLimitContext: () => ({ calendar: book.calendar, now: o.clock.now(), policy }),
    dueAtOf: (state, taskId) => {
      const step = parseTaskId(taskId)?.step;
      if (!step) return null;
      // The task was just dispatched: its clock read at that moment.
      return readTaskLimit(timeLimitPlanOf(state.matter.definition), state.clock, step, book.calendar, new Date(state.updatedAt), policy)?.dueAt ?? null;
    },
    async start(handler) {
      await book.refresh();
      warnAboutCalendarEnd(status(), log);
      // Another process (or `onematter calendar import`) may record a year at any time.
      poll = setInterval(() => {
        refreshCalendar().catch((error: unknown) => log.error({ err: error }, 'calendar: could not read $calendar, will retry'));
      }, o.config?.pollIntervalMs ?? 1000);
      poll.unref();
      if (o.config?.scheduler === false) return;
      const calendarOf = () => book.calendar;
      scheduler = new TimeLimitScheduler({
        projection,
        handler,
        get calendar() {
          return calendarOf();
        },
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
      clearInterval(poll);
      await scheduler?.stop();
    },
  };
}

export function calendarStatusOf(calendar: WorkingCalendar, now: Date, horizonDays: number): CalendarStatus {
  const knownThrough = calendar.knownThrough() ?? `${calendar.years[0]! - 1}-12-31`;
  const today = toShanghaiDate(now);
  const daysLeft = Math.round((Date.parse(`${knownThrough}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS);
  const nextYear = Number(knownThrough.slice(0, 4)) + 1;
  const warning = daysLeft < horizonDays;
  return {
    knownThrough,
    daysLeft,
    warning,
    nextYear,
    ...(warning
      ? {
          message:
            daysLeft < 0
              ? `${nextYear} 年放假安排尚未导入：涉及 ${nextYear} 年的期限为暂定日期（按法定节假日推算），通知公布后请导入（onematter calendar import 或 工作日历 页面）。`
              : `工作日历仅已知至 ${knownThrough}（还剩 ${daysLeft} 天）：涉及 ${nextYear} 年的期限为暂定日期，国务院办公厅公布 ${nextYear} 年放假安排后请导入。`,
        }
      : {}),
  };
}

/** Limits falling after the known calendar are predicted: say so at boot (the workbench says it too). */
function warnAboutCalendarEnd(s: CalendarStatus, log: Logger): void {
  if (!s.warning) return;
  const end = s.knownThrough;
  log.warn(
    { calendarEnd: end, daysLeft: s.daysLeft },
    s.daysLeft < 0
      ? `the working-day calendar ended on ${end}: time limits after it are provisional (predicted from the law) until the State Council's notice for ${s.nextYear} is imported with \`onematter calendar import\``
      : `the working-day calendar ends on ${end}, in ${s.daysLeft} days: time limits falling in ${s.nextYear} are provisional until its notice is imported with \`onematter calendar import\``,
  );
}
