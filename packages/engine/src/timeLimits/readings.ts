import { CalendarRangeError, type WorkingCalendar } from '../calendar/index.js';
import type { TimeLimitKind, TimeLimitScope } from '../case/events.js';
import type { MatterDefinition } from '../definition/definition.js';
import { pausesLimit, pausesTask, timeLimitKey, type TimeLimitFacts, type ModeTimeLimitFacts, type PauseFact } from './facts.js';

/**
 * Time-limit clocks (法定时限 and 承诺时限), computed from the events alone: pure,
 * with the calendar and `now` passed in.
 *
 * Counting, at the granularity of whole working days in Asia/Shanghai:
 * - A clock starts on the day of CaseStarted (the case) or of the task's first
 *   TaskDispatched; that day is not counted (期间开始的当日不计入). The limit of n
 *   working days ends at the end of the n-th working day after it; 0 days (即办)
 *   ends the same day.
 * - A pause from day A to day B (SupplementRequested → SupplementProvided, or a
 *   特别程序 started → ended) takes the working days in (A, B] out of the count: the
 *   day it starts was used, the day it ends restarts the period and is not counted,
 *   again because a period's first day is not counted. So a supplement asked for on
 *   Monday and brought on Thursday pauses Tue, Wed and Thu: 3 working days, and the
 *   due date moves by 3 working days. Overlapping pauses count once.
 * - An open pause runs to today: the due date shown assumes the clock resumes
 *   tomorrow, so it moves one working day for every working day the pause lasts.
 * - The case clock pauses for every supplement and every special procedure; a task
 *   clock for its own supplement and procedures and for case-wide procedures.
 * - A closed case or task stops its clock at the close.
 *
 * Where the calendar does not cover a date the computation needs (before its first
 * year), the result is null with a `clockNote`. A year without a notice is covered by
 * predicted days (the runtime fills them in); a reading that depends on one says
 * `provisional: true`.
 */

export type Light = 'green' | 'yellow' | 'red';
export type TimeLimitState = 'not-started' | 'running' | 'paused' | 'stopped';

export interface TimeLimitPolicy {
  /** 黄灯 this many working days before the committed limit; 0 disables warnings. Default 1. */
  warningDaysBefore: number;
}

export const DEFAULT_TIME_LIMIT_POLICY: TimeLimitPolicy = { warningDaysBefore: 1 };

/** The limits of one matter version, per case and per step (from the definition). */
export interface TimeLimitPlan {
  committedDays: number;
  /** null: no law sets one (无法定时限); there is no statutory clock. */
  statutoryDays: number | null;
  /** 补正 after acceptance pauses the statutory clock too (the matter's rules say so). */
  supplementPausesStatutory: boolean;
  steps: Readonly<Record<string, { department: string; service: string; committedDays: number; statutoryDays: number | null }>>;
}

const plans = new WeakMap<object, TimeLimitPlan>();

export function timeLimitPlanOf(def: Pick<MatterDefinition, 'committedDays' | 'statutoryDays' | 'steps'> & { supplementPausesStatutory?: boolean }): TimeLimitPlan {
  const cached = plans.get(def);
  if (cached) return cached;
  const plan: TimeLimitPlan = {
    committedDays: def.committedDays,
    statutoryDays: def.statutoryDays,
    supplementPausesStatutory: def.supplementPausesStatutory ?? false,
    steps: Object.fromEntries(
      def.steps.map((s) => [s.id, { department: s.department, service: s.service, committedDays: s.committedDays, statutoryDays: s.statutoryDays }]),
    ),
  };
  plans.set(def, plan);
  return plan;
}

export interface TimeLimitReading {
  clockState: TimeLimitState;
  startedAt: string | null;
  stoppedAt: string | null;
  committedDays: number;
  /** null: no law sets one (无法定时限), and statutoryDueAt is null too. */
  statutoryDays: number | null;
  /** Working days added by a lawful extension (TimeLimitExtended), to both limits; 0 without one. */
  extendedWorkingDays: number;
  /** 承诺时限: end of the due working day (Asia/Shanghai) as an ISO instant. */
  dueAt: string | null;
  /** 法定时限, likewise; null without a statutory limit. */
  statutoryDueAt: string | null;
  /** When the light turns yellow (end of the working day before the committed limit, by default). */
  warningAt: string | null;
  elapsedWorkingDays: number | null;
  pausedWorkingDays: number | null;
  light: Light | null;
  /**
   * A due date depends on a year without a published notice: its working days are predicted
   * (see the adapters' predictYear), so the date may move when the notice is imported.
   */
  provisional: boolean;
  /** Why a value is null (e.g. the calendar does not cover the year). */
  clockNote?: string;
}

export interface CaseTimeLimits {
  case: TimeLimitReading;
  /** By step id; every step of the matter, started or not. */
  tasks: Record<string, TimeLimitReading>;
}

/** The message shown where a year is missing from the calendar. */
export const calendarGapNote = (year: string): string =>
  `${year} 年工作日历未配置（calendar for ${year} not configured: pass --calendar-file）`;

/** Reads every clock of a case at `now`. */
export function readTimeLimits(
  plan: TimeLimitPlan,
  facts: TimeLimitFacts,
  calendar: WorkingCalendar,
  now: Date,
  policy: TimeLimitPolicy = DEFAULT_TIME_LIMIT_POLICY,
): CaseTimeLimits {
  const nowMs = now.getTime();
  const tasks: Record<string, TimeLimitReading> = {};
  for (const step of Object.keys(plan.steps)) tasks[step] = toReading(taskInput(plan, facts, step), calendar, nowMs, policy);
  return { case: toReading(caseInput(plan, facts), calendar, nowMs, policy), tasks };
}

/** 行政许可法 Art. 32: an application is accepted, or its 一次告知 issued, within 5 working days of submission. */
export const ACCEPTANCE_DAYS = 5;

const acceptanceInput = (facts: TimeLimitFacts): TimeLimitInput => {
  const stop = facts.noticedAt ?? facts.acceptedAt ?? facts.closedAt;
  return {
    startedAt: facts.startedAt,
    stoppedAt: stop,
    pauses: [],
    committedDays: ACCEPTANCE_DAYS,
    statutoryDays: ACCEPTANCE_DAYS,
    extendedDays: 0,
    supplementPausesStatutory: false,
  };
};

/**
 * The Art. 32 clock of an application submitted for later acceptance: from submission
 * to its 一次告知 or its acceptance (whichever comes first); undefined for one accepted
 * at the window on submission.
 */
export function readAcceptanceLimit(facts: TimeLimitFacts, calendar: WorkingCalendar, now: Date, policy = DEFAULT_TIME_LIMIT_POLICY): TimeLimitReading | undefined {
  return facts.deferredAcceptance ? toReading(acceptanceInput(facts), calendar, now.getTime(), policy) : undefined;
}

export function readCaseLimit(plan: TimeLimitPlan, facts: TimeLimitFacts, calendar: WorkingCalendar, now: Date, policy = DEFAULT_TIME_LIMIT_POLICY): TimeLimitReading {
  return toReading(caseInput(plan, facts), calendar, now.getTime(), policy);
}

/** A task's clock; undefined for a step the plan does not know. */
export function readTaskLimit(
  plan: TimeLimitPlan,
  facts: TimeLimitFacts,
  step: string,
  calendar: WorkingCalendar,
  now: Date,
  policy = DEFAULT_TIME_LIMIT_POLICY,
): TimeLimitReading | undefined {
  return plan.steps[step] ? toReading(taskInput(plan, facts, step), calendar, now.getTime(), policy) : undefined;
}

/**
 * A 容缺 promise or a 告知承诺 check: a committed limit of `days` working days from its
 * start, with a reminder (黄灯) and an escalation (红灯, 督办); no pauses. A promise also
 * stops when the case ends without completing (rejected, withdrawn).
 */
const modeLimitInput = (facts: TimeLimitFacts, m: ModeTimeLimitFacts): TimeLimitInput => ({
  startedAt: m.startedAt,
  stoppedAt: m.closedAt ?? (m.scope === 'promise' && facts.outcome !== undefined && facts.outcome !== 'completed' ? facts.closedAt : undefined),
  pauses: [],
  committedDays: m.days,
  statutoryDays: null,
  extendedDays: 0,
  supplementPausesStatutory: false,
});

/** The clock of a 容缺 promise or a 告知承诺 check (`id`: 'promise' or the check id), if the case has it. */
export function readModeLimit(facts: TimeLimitFacts, id: string, calendar: WorkingCalendar, now: Date, policy = DEFAULT_TIME_LIMIT_POLICY): TimeLimitReading | undefined {
  const m = facts.modeClocks?.[id];
  return m ? toReading(modeLimitInput(facts, m), calendar, now.getTime(), policy) : undefined;
}

interface TimeLimitInput {
  /** Undefined: not started (a task still waiting). */
  startedAt: string | undefined;
  stoppedAt: string | undefined;
  pauses: readonly PauseFact[];
  committedDays: number;
  statutoryDays: number | null;
  extendedDays: number;
  supplementPausesStatutory: boolean;
}

const caseInput = (plan: TimeLimitPlan, facts: TimeLimitFacts): TimeLimitInput => ({
  // The statutory and committed clocks run from 受理 (行政许可法 Arts. 32, 42), not from submission.
  startedAt: facts.acceptancePending ? undefined : (facts.acceptedAt ?? facts.startedAt),
  stoppedAt: facts.closedAt,
  pauses: facts.pauses,
  committedDays: plan.committedDays,
  statutoryDays: plan.statutoryDays,
  extendedDays: facts.extendedDays ?? 0,
  supplementPausesStatutory: plan.supplementPausesStatutory,
});

function taskInput(plan: TimeLimitPlan, facts: TimeLimitFacts, step: string): TimeLimitInput {
  const limits = plan.steps[step]!;
  const t = facts.tasks[step];
  return {
    startedAt: t?.startedAt,
    // A task's clock stops with its own close, or with the case's (a withdrawal cancels it).
    stoppedAt: t?.closedAt ?? facts.closedAt,
    pauses: facts.pauses.length === 0 ? facts.pauses : facts.pauses.filter((p) => pausesTask(p, step)),
    committedDays: limits.committedDays,
    statutoryDays: limits.statutoryDays,
    extendedDays: t?.extendedDays ?? 0,
    supplementPausesStatutory: plan.supplementPausesStatutory,
  };
}

/*
 * Day arithmetic. The scheduler reads every open case's clocks at start (100,000 and
 * more), so dates are handled as epoch-day numbers in Asia/Shanghai (UTC+8, no DST)
 * and the calendar's answers are memoised per calendar: cases started on the same
 * day share them.
 */
const DAY_MS = 86_400_000;
const SHANGHAI_MS = 8 * 3_600_000;
const MEMO_LIMIT = 200_000;

const dayOfMs = (ms: number): number => Math.floor((ms + SHANGHAI_MS) / DAY_MS);
const dayOf = (instant: string): number => dayOfMs(Date.parse(instant));
/** The last millisecond of a Shanghai day (23:59:59.999 +08:00). */
const dayEndMs = (day: number): number => (day + 1) * DAY_MS - SHANGHAI_MS - 1;

function memo<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    if (map.size >= MEMO_LIMIT) map.clear();
    map.set(key, v);
  }
  return v;
}

const isoDays = new Map<number, string>();
const isoOf = (day: number): string => memo(isoDays, day, () => new Date(day * DAY_MS).toISOString().slice(0, 10));
const dayEnds = new Map<number, string>();
/** End of a Shanghai day as an ISO instant; equals shanghaiDayEnd(isoOf(day)). */
const dayEndOf = (day: number): string => memo(dayEnds, day, () => new Date(dayEndMs(day)).toISOString());
const nextStarts = new Map<number, string>();
/** The first instant after a day (00:00 +08:00 the next day): when a light changes. */
const afterDay = (day: number): string => memo(nextStarts, day, () => new Date(dayEndMs(day) + 1).toISOString());

/** A calendar answer, or the CalendarRangeError it threw (kept to throw again). */
type Answer = number | CalendarRangeError;
const answers = new WeakMap<WorkingCalendar, Map<number, Answer>>();

/**
 * Keys are numbers (cheaper than strings): two epoch days, or a day and a count, packed.
 * A known answer is returned before anything is allocated (the callers make `f` only
 * when `known` has none): this runs several times per clock reading.
 */
function known(calendar: WorkingCalendar, key: number): number | undefined {
  const a = answers.get(calendar)?.get(key);
  if (a === undefined || typeof a === 'number') return a;
  throw a;
}

function ask(calendar: WorkingCalendar, key: number, f: () => number): number {
  let m = answers.get(calendar);
  if (!m) answers.set(calendar, (m = new Map()));
  const a = memo<number, Answer>(m, key, () => {
    try {
      return f();
    } catch (error) {
      if (error instanceof CalendarRangeError) return error;
      throw error;
    }
  });
  if (typeof a !== 'number') throw a;
  return a;
}

// Epoch days stay below 2^17 until the year 2328; counts are at most a few thousand.
function addDays(calendar: WorkingCalendar, day: number, n: number): number {
  const key = -(day * 65_536 + n) - 1;
  return known(calendar, key) ?? ask(calendar, key, () => dayOf(`${calendar.addWorkingDays(isoOf(day), n)}T00:00:00+08:00`));
}
function between(calendar: WorkingCalendar, a: number, b: number): number {
  if (b <= a) return 0;
  const key = a * 2 ** 20 + (b - a);
  return known(calendar, key) ?? ask(calendar, key, () => calendar.workingDaysBetween(isoOf(a), isoOf(b)));
}

/** Pauses as merged, sorted working-day intervals (a, b] of epoch days within (start, stop]. */
function pauseIntervals(pauses: readonly PauseFact[], start: number, stop: number, stopMs: number): [number, number][] {
  if (pauses.length === 0) return [];
  const raw: [number, number][] = [];
  for (const p of pauses) {
    if (Date.parse(p.from) > stopMs) continue;
    const a = Math.max(dayOf(p.from), start);
    const b = Math.min(p.to !== undefined && Date.parse(p.to) < stopMs ? dayOf(p.to) : stop, stop);
    if (b > a) raw.push([a, b]);
  }
  raw.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const [a, b] of raw) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) {
      if (b > last[1]) last[1] = b;
    } else merged.push([a, b]);
  }
  return merged;
}

/** The `limit`-th counted working day after `start`, skipping paused days. */
function dueDay(calendar: WorkingCalendar, start: number, limit: number, paused: readonly [number, number][]): number {
  let cursor = start;
  let remaining = limit;
  for (const [a, b] of paused) {
    const w = between(calendar, cursor, a);
    // A pause that starts on the due day itself (w === remaining) stops the clock before
    // the day is out: the limit moves by the paused days like every other (a 补正 asked
    // on the last day leaves the department that day again after the supplement).
    if (w > remaining) break;
    remaining -= w;
    cursor = b;
  }
  return remaining === 0 ? cursor : addDays(calendar, cursor, remaining);
}

/** A started clock in day numbers; null where the calendar does not cover a date (the years in `gaps`). */
interface TimeLimitCore {
  stopped: boolean;
  /** The committed clock is paused (the light and the committed timers wait). */
  paused: boolean;
  /** The statutory clock is paused (a 补正 pauses it only where the matter says so). */
  statutoryPaused: boolean;
  stopMs: number;
  committed: number | null;
  statutory: number | null;
  warning: number | null;
  pausedDays: number | null;
  elapsed: number | null;
  gaps: string[] | undefined;
}

/** No pauses: shared by every clock without any (most of them); never changed. */
const NO_INTERVALS: [number, number][] = [];
Object.freeze(NO_INTERVALS);

/** The pauses that stop `limit` (the list itself when all of them do, as when there are none). */
function stopping(pauses: readonly PauseFact[], limit: TimeLimitKind, supplementPausesStatutory: boolean): readonly PauseFact[] {
  if (pauses.length === 0) return pauses;
  let all = true;
  for (const p of pauses) if (!pausesLimit(p, limit, supplementPausesStatutory)) all = false;
  return all ? pauses : pauses.filter((p) => pausesLimit(p, limit, supplementPausesStatutory));
}

/** Records the year a calendar does not cover (a CalendarRangeError; anything else is thrown again). */
function gapsWith(gaps: string[] | undefined, error: unknown): string[] {
  if (!(error instanceof CalendarRangeError)) throw error;
  const year = error.date.slice(0, 4);
  if (!gaps?.includes(year)) (gaps ??= []).push(year);
  return gaps;
}

/** Whether one of the pauses is open at `stopMs` (never once stopped). */
function openAt(pauses: readonly PauseFact[], stopped: boolean, stopMs: number): boolean {
  if (stopped) return false;
  for (const p of pauses) if (p.to === undefined && Date.parse(p.from) <= stopMs) return true;
  return false;
}

/**
 * `forTimers`: only what timers need (due days; the warning only while running), not the day counts.
 * It runs for every clock of a case after each of its events (the scheduler's next timer, a task's
 * due date): closures and arrays are made only for the clocks that have pauses.
 */
function coreOf(calendar: WorkingCalendar, nowMs: number, policy: TimeLimitPolicy, c: TimeLimitInput & { startedAt: string }, forTimers = false): TimeLimitCore {
  const stopped = c.stoppedAt !== undefined;
  const stopMs = stopped ? Date.parse(c.stoppedAt!) : nowMs;
  const start = dayOf(c.startedAt);
  const stop = dayOfMs(stopMs);
  const stopsCommitted = stopping(c.pauses, 'committed', c.supplementPausesStatutory);
  const stopsStatutory = stopping(c.pauses, 'statutory', c.supplementPausesStatutory);
  const paused = stopsCommitted.length === 0 ? NO_INTERVALS : pauseIntervals(stopsCommitted, start, stop, stopMs);
  const statutoryPaused = stopsStatutory.length === stopsCommitted.length ? paused : pauseIntervals(stopsStatutory, start, stop, stopMs);
  let gaps: string[] | undefined;
  // addDays(start, 0): the start day itself must be covered, even for 即办 (0 days).
  // An extension moves both limits by the same working days (the promise follows the law).
  const committedDays = c.committedDays + c.extendedDays;
  let committed: number | null = null;
  try {
    addDays(calendar, start, 0);
    committed = dueDay(calendar, start, committedDays, paused);
  } catch (error) {
    gaps = gapsWith(gaps, error);
  }
  let statutory: number | null = null;
  if (c.statutoryDays !== null) {
    try {
      statutory = dueDay(calendar, start, c.statutoryDays + c.extendedDays, statutoryPaused);
    } catch (error) {
      gaps = gapsWith(gaps, error);
    }
  }
  let warning: number | null = null;
  if (policy.warningDaysBefore > 0 && !(forTimers && stopped)) {
    try {
      warning = dueDay(calendar, start, Math.max(0, committedDays - policy.warningDaysBefore), paused);
    } catch (error) {
      gaps = gapsWith(gaps, error);
    }
  }
  let pausedDays: number | null = null;
  let total: number | null = null;
  if (!forTimers) {
    try {
      let n = 0;
      for (const [a, b] of paused) n += between(calendar, a, b);
      pausedDays = n;
    } catch (error) {
      gaps = gapsWith(gaps, error);
    }
    try {
      total = between(calendar, start, stop);
    } catch (error) {
      gaps = gapsWith(gaps, error);
    }
  }
  return {
    stopped,
    paused: openAt(stopsCommitted, stopped, stopMs),
    statutoryPaused: openAt(stopsStatutory, stopped, stopMs),
    stopMs,
    committed,
    statutory,
    warning: warning === committed ? null : warning,
    pausedDays,
    elapsed: total === null || pausedDays === null ? null : total - pausedDays,
    gaps,
  };
}

const start0 = (instant: string): number => dayOf(instant);

/** Whether the days from the start to the furthest due date (or now) touch a predicted year. */
function provisionalOf(calendar: WorkingCalendar, start: number, k: TimeLimitCore): boolean {
  if (calendar.provisionalYears.length === 0) return false;
  const last = Math.max(k.committed ?? start, k.statutory ?? start, dayOfMs(k.stopMs));
  return calendar.dependsOnProvisional(isoOf(start), isoOf(last));
}

function lightOf(k: TimeLimitCore): Light | null {
  if (k.committed === null) return null;
  if (k.stopMs > dayEndMs(k.committed)) return 'red';
  if (!k.stopped && k.warning !== null && k.stopMs > dayEndMs(k.warning)) return 'yellow';
  return 'green';
}

function toReading(c: TimeLimitInput, calendar: WorkingCalendar, nowMs: number, policy: TimeLimitPolicy): TimeLimitReading {
  if (c.startedAt === undefined) {
    return {
      clockState: 'not-started',
      startedAt: null,
      stoppedAt: null,
      committedDays: c.committedDays,
      statutoryDays: c.statutoryDays,
      extendedWorkingDays: c.extendedDays,
      dueAt: null,
      statutoryDueAt: null,
      warningAt: null,
      elapsedWorkingDays: 0,
      pausedWorkingDays: 0,
      light: null,
      provisional: false,
    };
  }
  const k = coreOf(calendar, nowMs, policy, c as TimeLimitInput & { startedAt: string });
  const reading: TimeLimitReading = {
    clockState: k.stopped ? 'stopped' : k.paused ? 'paused' : 'running',
    startedAt: c.startedAt,
    stoppedAt: c.stoppedAt ?? null,
    committedDays: c.committedDays,
    statutoryDays: c.statutoryDays,
    extendedWorkingDays: c.extendedDays,
    dueAt: k.committed === null ? null : dayEndOf(k.committed),
    statutoryDueAt: k.statutory === null ? null : dayEndOf(k.statutory),
    warningAt: k.warning === null ? null : dayEndOf(k.warning),
    elapsedWorkingDays: k.elapsed,
    pausedWorkingDays: k.pausedDays,
    light: lightOf(k),
    provisional: provisionalOf(calendar, start0(c.startedAt), k),
  };
  if (k.gaps) reading.clockNote = k.gaps.sort().map(calendarGapNote).join('；');
  return reading;
}

/** A timer the scheduler arms: a warning or an exceedance not recorded yet. */
export interface TimeLimitTimer {
  kind: 'warning' | 'exceeded';
  scope: TimeLimitScope;
  step?: string;
  limit: TimeLimitKind;
  dueAt: string;
  /** The instant the light changes: 1 ms after the end of the day. */
  firesAt: string;
  key: string;
}

/**
 * Timers of a case still to record, whether due yet or not, in firing order
 * (exceedances before warnings at the same instant). Warnings go with the
 * committed limit; exceedances with both limits. A stopped clock arms only an
 * exceedance it passed before it stopped (recorded late after downtime) and no warning.
 */
export function pendingTimers(
  plan: TimeLimitPlan,
  facts: TimeLimitFacts,
  calendar: WorkingCalendar,
  now: Date,
  policy: TimeLimitPolicy = DEFAULT_TIME_LIMIT_POLICY,
): TimeLimitTimer[] {
  const timers: TimeLimitTimer[] = [];
  eachTimer(plan, facts, calendar, now.getTime(), policy, (kind, scope, step, limit, dueAt, firesDay, key) => {
    timers.push({ kind, scope, ...(step !== undefined ? { step } : {}), limit, dueAt, firesAt: afterDay(firesDay), key: key() });
  });
  return timers.sort((a, b) => (a.firesAt < b.firesAt ? -1 : a.firesAt > b.firesAt ? 1 : a.kind === 'exceeded' ? -1 : b.kind === 'exceeded' ? 1 : 0));
}

/**
 * When the earliest of `pendingTimers` falls due (epoch ms), or null when none is
 * pending: what the scheduler arms, without building the timers (it does this for
 * every case at start).
 */
export function nextTimerAt(
  plan: TimeLimitPlan,
  facts: TimeLimitFacts,
  calendar: WorkingCalendar,
  now: Date,
  policy: TimeLimitPolicy = DEFAULT_TIME_LIMIT_POLICY,
): number | null {
  let first = Infinity;
  eachTimer(plan, facts, calendar, now.getTime(), policy, (_k, _s, _t, _l, _d, firesDay) => {
    const at = dayEndMs(firesDay) + 1;
    if (at < first) first = at;
  });
  return first === Infinity ? null : first;
}

type TimerVisit = (
  kind: 'warning' | 'exceeded',
  scope: TimeLimitScope,
  step: string | undefined,
  limit: TimeLimitKind,
  dueAt: string,
  firesDay: number,
  key: () => string,
) => void;

/** Visits every timer not recorded yet; see pendingTimers. */
function eachTimer(plan: TimeLimitPlan, facts: TimeLimitFacts, calendar: WorkingCalendar, nowMs: number, policy: TimeLimitPolicy, visit: TimerVisit): void {
  const recorded = facts.recorded;
  const add = (scope: TimeLimitScope, step: string | undefined, c: TimeLimitInput) => {
    if (c.startedAt === undefined) return;
    // Art. 32's clock is the law's alone: one statutory exceedance, no committed record.
    const statutoryOnly = scope === 'acceptance';
    const k = coreOf(calendar, nowMs, policy, c as TimeLimitInput & { startedAt: string }, true);
    const stopMs = k.stopped ? k.stopMs : Infinity;
    const offer = (kind: 'warning' | 'exceeded', limit: TimeLimitKind, dueDayNumber: number, firesDay: number) => {
      const dueAt = dayEndOf(dueDayNumber);
      const key = () => timeLimitKey({ kind, scope, step, limit, dueAt });
      if (recorded.length > 0 && recorded.includes(key())) return;
      visit(kind, scope, step, limit, dueAt, firesDay, key);
    };
    // A paused limit arms nothing: it is never yellow or red while paused (its due date
    // moves with every paused day), and the event that ends the pause re-arms it.
    if (!statutoryOnly && !k.paused && k.committed !== null && stopMs > dayEndMs(k.committed)) offer('exceeded', 'committed', k.committed, k.committed);
    if (!k.statutoryPaused && k.statutory !== null && stopMs > dayEndMs(k.statutory)) offer('exceeded', 'statutory', k.statutory, k.statutory);
    if (!statutoryOnly && !k.stopped && !k.paused && k.warning !== null && k.committed !== null) {
      // Once red, the yellow is moot: no late warning after an exceedance.
      const red = recorded.length > 0 && recorded.includes(timeLimitKey({ kind: 'exceeded', scope, step, limit: 'committed', dueAt: dayEndOf(k.committed) }));
      if (!red) offer('warning', 'committed', k.committed, k.warning);
    }
  };
  if (facts.deferredAcceptance) add('acceptance', undefined, acceptanceInput(facts));
  for (const id in facts.modeClocks) {
    const m = facts.modeClocks[id]!;
    add(m.scope, id, modeLimitInput(facts, m));
  }
  add('case', undefined, caseInput(plan, facts));
  for (const step in facts.tasks) if (plan.steps[step] && facts.tasks[step]!.startedAt) add('task', step, taskInput(plan, facts, step));
}
