import { RATINGS, isBadRating, type Rating } from '../aftercare/events.js';
import { toShanghaiDate, type WorkingCalendar } from '../calendar/calendar.js';
import { taskIdOf } from '../case/state.js';
import type { MatterCatalogue } from '../definition/catalogue.js';
import type { Clock } from '../ports.js';
import { DEFAULT_TIME_LIMIT_POLICY, readTimeLimits, type CaseTimeLimits, type Light, type TimeLimitPolicy, type TimeLimitReading } from '../timeLimits/readings.js';
import { decodeCursor, encodeCursor } from '../util/cursor.js';
import { rectificationLimit } from '../view/caseView.js';
import { modeNumbers, type ModeNumbers } from './modeStats.js';
import { COMPLAINT_LOOP, type TrackedCase, type TrackedCases } from './trackedCase.js';

export interface LightCounts {
  green: number;
  yellow: number;
  red: number;
  /** The calendar does not cover a date the clock needs (see clockNote on the case). */
  unknown: number;
}

export interface SupervisionOverview {
  asOf: string;
  /** Open cases (in progress or awaiting a supplement) by the light of the case clock. */
  cases: { open: number; byLight: LightCounts };
  /** Open department tasks (dispatched, not decided) by the light of the task clock. */
  tasks: { open: number; byLight: LightCounts };
  byMatter: { matter: string; name: string; open: number; byLight: LightCounts }[];
  byDepartment: { department: string; open: number; byLight: LightCounts }[];
  /** 好差评: every review recorded so far. */
  reviews: ReviewNumbers;
  /** 整改: every rectification so far; the open ones by the light of their own limit (not in `cases`). */
  rectifications: RectificationNumbers & { overdueItems: OverdueRectification[] };
  /** 有诉即办: every complaint case so far, and per responsible department. */
  complaints: ComplaintNumbers;
  /** Service modes over every case so far (即办, 跑动, 容缺, 告知承诺, 帮办代办, 免申即办, 出件方式). */
  modes: ModeNumbers;
}

/** 好差评 counts over the five levels of 国办发〔2019〕51号. */
export interface ReviewNumbers {
  total: number;
  byRating: Record<Rating, number>;
  /** 差评: 不满意 or 非常不满意. */
  bad: number;
  /** 差评率: bad ÷ total; null when there is none. */
  badShare: number | null;
}

/** 整改 of the 差评, each against its own limit (the rule of `rectificationLimit`, as on the case view). */
export interface RectificationNumbers {
  opened: number;
  /** Not closed yet. */
  open: number;
  /** The open ones by light: yellow from one working day before the limit, red past it; unknown when the calendar does not cover it. */
  byLight: LightCounts;
  /** Open and past the limit (红灯): `byLight.red`. */
  overdue: number;
  closed: number;
  closedOnTime: number;
  closedLate: number;
  /** 整改率: closed ÷ opened (the goal is 1); null when none was opened. */
  rectifiedRate: number | null;
}

/** A red rectification, for 督办: the oldest limit first. */
export interface OverdueRectification {
  caseId: string;
  matter: string;
  rectificationId: string;
  reviewId: string;
  reason: string;
  openedAt: string;
  dueAt: string;
}

/** 有诉即办 numbers: received, 按时办结 on the case's committed limit, and 回访满意率. */
export interface ComplaintRow {
  /** Complaint cases received (started). */
  received: number;
  /** Of those received, still open. */
  open: number;
  /** Completed or rejected (withdrawn ones do not count). */
  concluded: number;
  onTime: number;
  late: number;
  /** onTime ÷ concluded whose due date is known; null when none. */
  onTimeRate: number | null;
  /** 回访 answers recorded (the follow-up step's `satisfaction`). */
  followUps: number;
  /** Answers 非常满意, 满意 or 基本满意. */
  satisfied: number;
  /** 满意率: satisfied ÷ followUps; null when none. */
  satisfactionRate: number | null;
  bySatisfaction: Record<Rating, number>;
}

export interface ComplaintNumbers extends ComplaintRow {
  /** Per responsible department (承办部门, from the complaint form). */
  byDepartment: ({ department: string } & ComplaintRow)[];
}

type TimeLimitSummary = Pick<TimeLimitReading, 'clockState' | 'dueAt' | 'statutoryDueAt' | 'elapsedWorkingDays' | 'pausedWorkingDays' | 'light' | 'provisional' | 'clockNote'>;

export interface SupervisedCase extends TimeLimitSummary {
  id: string;
  matter: string;
  matterVersion: number;
  status: 'in-progress' | 'awaiting-supplement';
  startedAt: string;
  /** The worst light of the case clock and its open task clocks: what the list filters on. */
  worstLight: Light | null;
  escalations: number;
  tasks: (TimeLimitSummary & { taskId: string; step: string; department: string })[];
}

export interface SupervisedCaseQuery {
  light?: Light;
  matter?: string;
  department?: string;
  limit: number;
  cursor?: string;
}

export interface StatsRow {
  /** 办结: completed, or rejected (不予许可 is a decision too); withdrawn cases are not counted. */
  concluded: number;
  /** Concluded within the committed limit (按时办结). */
  onTime: number;
  late: number;
  /** 按时办结率: onTime ÷ concluded (those whose due date is known); null when none. */
  onTimeRate: number | null;
  statutoryOnTime: number;
  statutoryOnTimeRate: number | null;
  avgCommittedDays: number | null;
  avgStatutoryDays: number | null;
  /** Working days actually used, pauses excluded. */
  avgUsedWorkingDays: number | null;
  /** 压缩比率: 1 − Σ working days used ÷ Σ statutory working days. */
  compressionRatio: number | null;
  /** The promise: 1 − Σ committed ÷ Σ statutory working days. */
  committedCompressionRatio: number | null;
  /** Concluded, but the calendar does not cover their due date: left out of the rates. */
  unknown: number;
}

export interface SupervisionStats {
  asOf: string;
  from: string | null;
  to: string | null;
  overall: StatsRow;
  byMatter: ({ matter: string; name: string } & StatsRow)[];
  byDepartment: ({ department: string } & StatsRow)[];
  /** Reviews submitted in the range (of cases of `matter`, handled by `department`). */
  reviews: ReviewNumbers;
  /** Rectifications opened in the range, and where each stands now. */
  rectifications: RectificationNumbers;
  /**
   * Complaint cases: received = started in the range, concluded = concluded in it,
   * followUps = 回访 answered in it; `department` is the responsible department.
   */
  complaints: ComplaintNumbers;
  /** Service modes of the cases submitted in the range (docs/supervision.md). */
  modes: ModeNumbers;
}

export interface SupervisionStatsQuery {
  /** ISO dates (Asia/Shanghai), inclusive, on the day a case or task concluded. */
  from?: string;
  to?: string;
  matter?: string;
  department?: string;
}

export interface SupervisionOptions {
  /** The tracked cases (the adapters' CaseTimeLimitProjection follows the log for them). */
  projection: TrackedCases;
  catalogue: MatterCatalogue;
  calendar: WorkingCalendar;
  clock: Clock;
  policy?: TimeLimitPolicy;
}

const RANK: Record<Light, number> = { green: 0, yellow: 1, red: 2 };
const worst = (lights: (Light | null)[]): Light | null =>
  lights.reduce<Light | null>((w, l) => (l === null ? w : w === null || RANK[l] > RANK[w] ? l : w), null);
const emptyCounts = (): LightCounts => ({ green: 0, yellow: 0, red: 0, unknown: 0 });
const count = (c: LightCounts, light: Light | null) => c[light ?? 'unknown']++;
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const summary = (r: TimeLimitReading): TimeLimitSummary => ({
  clockState: r.clockState,
  dueAt: r.dueAt,
  statutoryDueAt: r.statutoryDueAt,
  elapsedWorkingDays: r.elapsedWorkingDays,
  pausedWorkingDays: r.pausedWorkingDays,
  light: r.light,
  provisional: r.provisional,
  ...(r.clockNote ? { clockNote: r.clockNote } : {}),
});
const isOpen = (r: TimeLimitReading) => r.clockState === 'running' || r.clockState === 'paused';

/**
 * 电子监察: the supervisor's questions, answered from the clock projection (so from
 * the events) at the clock port's `now`: which cases are yellow or red, how many by
 * matter and department, and how well limits were kept over a period.
 */
/** Open cases whose light is unknown, by reason (`GET /supervision/overview` → `unknown`). */
export interface UnknownLights {
  cases: number;
  reasons: { reason: string; cases: number; caseIds: string[] }[];
}

export class Supervision {
  private readonly policy: TimeLimitPolicy;

  constructor(private readonly o: SupervisionOptions) {
    this.policy = o.policy ?? DEFAULT_TIME_LIMIT_POLICY;
  }

  private timeLimitsOf(c: TrackedCase, now: Date): CaseTimeLimits {
    return readTimeLimits(c.plan, c.facts, this.o.calendar, now, this.policy);
  }

  private matterName(id: string): string {
    return this.o.catalogue.get(id)?.definition.name ?? id;
  }

  async overview(): Promise<SupervisionOverview> {
    await this.o.projection.catchUp();
    const now = this.o.clock.now();
    const cases = { open: 0, byLight: emptyCounts() };
    const tasks = { open: 0, byLight: emptyCounts() };
    const byMatter = new Map<string, { matter: string; name: string; open: number; byLight: LightCounts }>();
    const byDepartment = new Map<string, { department: string; open: number; byLight: LightCounts }>();
    const loops = new LoopNumbers();
    const always = () => true;
    for (const c of this.o.projection.cases.values()) {
      this.countLoops(c, now, loops, always);
      if (c.facts.closedAt !== undefined) continue;
      const clocks = this.timeLimitsOf(c, now);
      cases.open++;
      count(cases.byLight, clocks.case.light);
      const m = byMatter.get(c.facts.matter) ?? { matter: c.facts.matter, name: this.matterName(c.facts.matter), open: 0, byLight: emptyCounts() };
      m.open++;
      count(m.byLight, clocks.case.light);
      byMatter.set(c.facts.matter, m);
      for (const [step, r] of Object.entries(clocks.tasks)) {
        if (!isOpen(r)) continue;
        const department = c.plan.steps[step]!.department;
        tasks.open++;
        count(tasks.byLight, r.light);
        const d = byDepartment.get(department) ?? { department, open: 0, byLight: emptyCounts() };
        d.open++;
        count(d.byLight, r.light);
        byDepartment.set(department, d);
      }
    }
    const byName = <T extends { open: number }>(a: T, b: T, ka: string, kb: string) => b.open - a.open || (ka < kb ? -1 : 1);
    return {
      asOf: now.toISOString(),
      cases,
      tasks,
      byMatter: [...byMatter.values()].sort((a, b) => byName(a, b, a.matter, b.matter)),
      byDepartment: [...byDepartment.values()].sort((a, b) => byName(a, b, a.department, b.department)),
      reviews: loops.reviewNumbers(),
      rectifications: { ...loops.rectificationNumbers(), overdueItems: loops.overdueItems() },
      complaints: loops.complaintNumbers(),
      modes: modeNumbers(this.o.projection.cases.values(), {}, this.o.calendar, this.o.clock),
    };
  }

  /**
   * The open cases whose light is unknown (the fourth group: 绿 + 黄 + 红 + 未知 = 在办),
   * by reason: not accepted yet (no limit runs before 受理), the calendar does not cover
   * a date the clock needs, or no limit applies; a few case ids of each.
   */
  async unknownLights(): Promise<UnknownLights> {
    await this.o.projection.catchUp();
    const now = this.o.clock.now();
    const reasons = new Map<string, { reason: string; cases: number; caseIds: string[] }>();
    let total = 0;
    for (const c of this.o.projection.cases.values()) {
      if (c.facts.closedAt !== undefined) continue;
      const reading = this.timeLimitsOf(c, now).case;
      if (reading.light !== null) continue;
      total++;
      const reason =
        reading.clockState === 'not-started'
          ? '尚未受理：受理后开始计算时限'
          : reading.clockNote
            ? `工作日历未覆盖到期日（${reading.clockNote}）`
            : '无可计算的时限';
      const r = reasons.get(reason) ?? { reason, cases: 0, caseIds: [] };
      r.cases++;
      if (r.caseIds.length < 20) r.caseIds.push(c.caseId);
      reasons.set(reason, r);
    }
    return { cases: total, reasons: [...reasons.values()].sort((a, b) => b.cases - a.cases) };
  }

  /** Adds a case's 好差评, 整改 and 有诉即办 numbers, each on its own date: `inRange`. */
  private countLoops(c: TrackedCase, now: Date, loops: LoopNumbers, inRange: (at: string) => boolean, department?: string): void {
    const a = c.aftercare;
    if (a && (!department || this.handledBy(c, department))) {
      for (const r of a.reviews) if (inRange(r.at)) loops.review(r.rating);
      for (const r of a.rectifications) {
        if (inRange(r.openedAt)) loops.rectification(c, r, rectificationLimit(r, { calendar: this.o.calendar, now }));
      }
    }
    const k = c.complaint;
    if (!k) return;
    const responsible = k.responsibleDepartment ?? 'unknown';
    if (department && responsible !== department) return;
    const rows = [loops.complaints, loops.complaintsOf(responsible)];
    if (inRange(c.facts.startedAt)) for (const row of rows) row.receive(c.facts.closedAt === undefined);
    if ((c.facts.outcome === 'completed' || c.facts.outcome === 'rejected') && inRange(c.facts.closedAt!)) {
      const r = this.timeLimitsOf(c, now).case;
      const onTime = r.dueAt === null ? null : Date.parse(r.stoppedAt!) <= Date.parse(r.dueAt);
      for (const row of rows) row.conclude(onTime);
    }
    const answeredAt = c.facts.tasks[COMPLAINT_LOOP.followUpStep]?.closedAt;
    if (k.satisfaction !== undefined && answeredAt && inRange(answeredAt)) for (const row of rows) row.answer(k.satisfaction);
  }

  /** The departments of a case: those whose task was dispatched (as in `stats`). */
  private handledBy(c: TrackedCase, department: string): boolean {
    return Object.keys(c.facts.tasks).some((step) => c.plan.steps[step]?.department === department && c.facts.tasks[step]!.startedAt);
  }

  /** Open cases, newest first, filtered by their worst light (or a department's task light). */
  async cases(q: SupervisedCaseQuery): Promise<{ asOf: string; items: SupervisedCase[]; nextCursor: string | null }> {
    await this.o.projection.catchUp();
    const now = this.o.clock.now();
    const before = q.cursor ? decodeCursor(q.cursor) : Number.POSITIVE_INFINITY;
    const all = [...this.o.projection.cases.values()]
      .filter((c) => c.facts.closedAt === undefined && c.position < before && (!q.matter || c.facts.matter === q.matter))
      .sort((a, b) => b.position - a.position);
    const items: SupervisedCase[] = [];
    let last: TrackedCase | undefined;
    let more = false;
    for (const c of all) {
      const clocks = this.timeLimitsOf(c, now);
      const openTasks = Object.entries(clocks.tasks).filter(([, r]) => isOpen(r));
      const departmentTasks = q.department ? openTasks.filter(([step]) => c.plan.steps[step]!.department === q.department) : undefined;
      if (departmentTasks && departmentTasks.length === 0) continue;
      const light = departmentTasks ? worst(departmentTasks.map(([, r]) => r.light)) : worst([clocks.case.light, ...openTasks.map(([, r]) => r.light)]);
      if (q.light && light !== q.light) continue;
      if (items.length === q.limit) {
        more = true;
        break;
      }
      items.push({
        id: c.caseId,
        matter: c.facts.matter,
        matterVersion: c.facts.matterVersion,
        status: c.facts.pauses.some((p) => p.cause === 'supplement' && p.to === undefined) ? 'awaiting-supplement' : 'in-progress',
        startedAt: c.facts.startedAt,
        ...summary(clocks.case),
        worstLight: light,
        escalations: c.facts.recorded.filter((k) => k.startsWith('exceeded:')).length,
        tasks: openTasks.map(([step, r]) => ({ taskId: taskIdOf(c.caseId, step), step, department: c.plan.steps[step]!.department, ...summary(r) })),
      });
      last = c;
    }
    return { asOf: now.toISOString(), items, nextCursor: more && last ? encodeCursor(last.position) : null };
  }

  /** 按时办结率, average limits and 压缩比率 over the cases and tasks concluded in [from, to]. */
  async stats(q: SupervisionStatsQuery): Promise<SupervisionStats> {
    await this.o.projection.catchUp();
    const now = this.o.clock.now();
    const inRange = (closedAt: string) => {
      const day = toShanghaiDate(closedAt);
      return (!q.from || day >= q.from) && (!q.to || day <= q.to);
    };
    const overall = new Accumulator();
    const byMatter = new Map<string, Accumulator>();
    const byDepartment = new Map<string, Accumulator>();
    const loops = new LoopNumbers();
    for (const c of this.o.projection.cases.values()) {
      if (q.matter && c.facts.matter !== q.matter) continue;
      this.countLoops(c, now, loops, inRange, q.department);
      const touchesDepartment = !q.department || Object.keys(c.facts.tasks).some((step) => c.plan.steps[step]?.department === q.department && c.facts.tasks[step]!.startedAt);
      if (!touchesDepartment) continue;
      const concluded = (c.facts.outcome === 'completed' || c.facts.outcome === 'rejected') && inRange(c.facts.closedAt!);
      let clocks: CaseTimeLimits | undefined;
      if (concluded) {
        clocks = this.timeLimitsOf(c, now);
        overall.add(clocks.case);
        const m = byMatter.get(c.facts.matter) ?? new Accumulator();
        m.add(clocks.case);
        byMatter.set(c.facts.matter, m);
      }
      for (const [step, t] of Object.entries(c.facts.tasks)) {
        if (!t.closedAt || !t.startedAt || (t.outcome !== 'approved' && t.outcome !== 'rejected') || !inRange(t.closedAt)) continue;
        const department = c.plan.steps[step]?.department;
        if (!department || (q.department && department !== q.department)) continue;
        clocks ??= this.timeLimitsOf(c, now);
        const d = byDepartment.get(department) ?? new Accumulator();
        d.add(clocks.tasks[step]!);
        byDepartment.set(department, d);
      }
    }
    return {
      asOf: now.toISOString(),
      from: q.from ?? null,
      to: q.to ?? null,
      overall: overall.row(),
      byMatter: [...byMatter].sort(([a], [b]) => (a < b ? -1 : 1)).map(([matter, acc]) => ({ matter, name: this.matterName(matter), ...acc.row() })),
      byDepartment: [...byDepartment].sort(([a], [b]) => (a < b ? -1 : 1)).map(([department, acc]) => ({ department, ...acc.row() })),
      reviews: loops.reviewNumbers(),
      rectifications: loops.rectificationNumbers(),
      complaints: loops.complaintNumbers(),
      modes: modeNumbers(this.o.projection.cases.values(), q, this.o.calendar, this.o.clock),
    };
  }
}

const rate = (a: number, b: number) => (b === 0 ? null : round(a / b, 4));
const emptyRatings = (): Record<Rating, number> => Object.fromEntries(RATINGS.map((r) => [r, 0])) as Record<Rating, number>;
const isRating = (x: string): x is Rating => (RATINGS as readonly string[]).includes(x);
/** At most this many red rectifications are listed in the overview. */
const OVERDUE_ITEMS = 100;

/** The 好差评, 整改 and 有诉即办 counts of one overview or stats answer. */
class LoopNumbers {
  private readonly reviews = { total: 0, bad: 0, byRating: emptyRatings() };
  private readonly rect = { opened: 0, open: 0, byLight: emptyCounts(), closed: 0, closedOnTime: 0, closedLate: 0 };
  private readonly overdue: OverdueRectification[] = [];
  readonly complaints = new ComplaintAccumulator();
  private readonly byDepartment = new Map<string, ComplaintAccumulator>();

  review(rating: Rating): void {
    this.reviews.total++;
    this.reviews.byRating[rating]++;
    if (isBadRating(rating)) this.reviews.bad++;
  }

  rectification(c: TrackedCase, r: NonNullable<TrackedCase['aftercare']>['rectifications'][number], clock: { dueAt: string | null; light: Light }): void {
    this.rect.opened++;
    if (r.closedAt) {
      this.rect.closed++;
      if (clock.light === 'red') this.rect.closedLate++;
      else if (clock.dueAt !== null) this.rect.closedOnTime++;
      return;
    }
    this.rect.open++;
    count(this.rect.byLight, clock.dueAt === null ? null : clock.light);
    if (clock.light === 'red' && clock.dueAt !== null) {
      this.overdue.push({ caseId: c.caseId, matter: c.facts.matter, rectificationId: r.rectificationId, reviewId: r.reviewId, reason: r.reason, openedAt: r.openedAt, dueAt: clock.dueAt });
    }
  }

  complaintsOf(department: string): ComplaintAccumulator {
    let acc = this.byDepartment.get(department);
    if (!acc) this.byDepartment.set(department, (acc = new ComplaintAccumulator()));
    return acc;
  }

  reviewNumbers(): ReviewNumbers {
    return { total: this.reviews.total, byRating: { ...this.reviews.byRating }, bad: this.reviews.bad, badShare: rate(this.reviews.bad, this.reviews.total) };
  }

  rectificationNumbers(): RectificationNumbers {
    const r = this.rect;
    return { opened: r.opened, open: r.open, byLight: { ...r.byLight }, overdue: r.byLight.red, closed: r.closed, closedOnTime: r.closedOnTime, closedLate: r.closedLate, rectifiedRate: rate(r.closed, r.opened) };
  }

  overdueItems(): OverdueRectification[] {
    return [...this.overdue].sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.caseId < b.caseId ? -1 : 1)).slice(0, OVERDUE_ITEMS);
  }

  complaintNumbers(): ComplaintNumbers {
    return {
      ...this.complaints.row(),
      byDepartment: [...this.byDepartment].sort(([a], [b]) => (a < b ? -1 : 1)).map(([department, acc]) => ({ department, ...acc.row() })),
    };
  }
}

class ComplaintAccumulator {
  private received = 0;
  private open = 0;
  private concluded = 0;
  private known = 0;
  private onTime = 0;
  private followUps = 0;
  private satisfied = 0;
  private readonly bySatisfaction = emptyRatings();

  receive(open: boolean): void {
    this.received++;
    if (open) this.open++;
  }

  /** `onTime` null: the calendar does not cover the due date. */
  conclude(onTime: boolean | null): void {
    this.concluded++;
    if (onTime === null) return;
    this.known++;
    if (onTime) this.onTime++;
  }

  answer(satisfaction: string): void {
    if (!isRating(satisfaction)) return;
    this.followUps++;
    this.bySatisfaction[satisfaction]++;
    if (!isBadRating(satisfaction)) this.satisfied++;
  }

  row(): ComplaintRow {
    return {
      received: this.received,
      open: this.open,
      concluded: this.concluded,
      onTime: this.onTime,
      late: this.known - this.onTime,
      onTimeRate: rate(this.onTime, this.known),
      followUps: this.followUps,
      satisfied: this.satisfied,
      satisfactionRate: rate(this.satisfied, this.followUps),
      bySatisfaction: { ...this.bySatisfaction },
    };
  }
}

class Accumulator {
  private concluded = 0;
  private known = 0;
  private onTime = 0;
  private statutoryKnown = 0;
  private statutoryOnTime = 0;
  private committedSum = 0;
  private statutorySum = 0;
  private used = 0;
  private usedKnown = 0;
  private statutoryOfUsed = 0;
  /** Clocks with a statutory limit (无法定时限 ones take no part in a compression ratio), and their promises. */
  private withStatutory = 0;
  private committedOfStatutory = 0;
  private usedOfStatutory = 0;

  add(r: TimeLimitReading): void {
    this.concluded++;
    this.committedSum += r.committedDays;
    if (r.statutoryDays !== null) {
      this.withStatutory++;
      this.statutorySum += r.statutoryDays;
      this.committedOfStatutory += r.committedDays;
    }
    const stop = Date.parse(r.stoppedAt!);
    if (r.dueAt !== null) {
      this.known++;
      if (stop <= Date.parse(r.dueAt)) this.onTime++;
    }
    if (r.statutoryDueAt !== null) {
      this.statutoryKnown++;
      if (stop <= Date.parse(r.statutoryDueAt)) this.statutoryOnTime++;
    }
    if (r.elapsedWorkingDays !== null) {
      this.usedKnown++;
      this.used += r.elapsedWorkingDays;
      if (r.statutoryDays !== null) {
        this.usedOfStatutory += r.elapsedWorkingDays;
        this.statutoryOfUsed += r.statutoryDays;
      }
    }
  }

  row(): StatsRow {
    const rate = (a: number, b: number) => (b === 0 ? null : round(a / b, 4));
    return {
      concluded: this.concluded,
      onTime: this.onTime,
      late: this.known - this.onTime,
      onTimeRate: rate(this.onTime, this.known),
      statutoryOnTime: this.statutoryOnTime,
      statutoryOnTimeRate: rate(this.statutoryOnTime, this.statutoryKnown),
      avgCommittedDays: this.concluded === 0 ? null : round(this.committedSum / this.concluded, 2),
      avgStatutoryDays: this.withStatutory === 0 ? null : round(this.statutorySum / this.withStatutory, 2),
      avgUsedWorkingDays: this.usedKnown === 0 ? null : round(this.used / this.usedKnown, 2),
      compressionRatio: this.statutoryOfUsed === 0 ? null : round(1 - this.usedOfStatutory / this.statutoryOfUsed, 4),
      committedCompressionRatio: this.statutorySum === 0 ? null : round(1 - this.committedOfStatutory / this.statutorySum, 4),
      unknown: this.concluded - this.known,
    };
  }
}
