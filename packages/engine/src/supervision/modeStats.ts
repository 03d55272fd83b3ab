import { toShanghaiDate, type WorkingCalendar } from '../calendar/calendar.js';
import { DELIVERY_CHANNELS, type DeliveryChannel } from '../modes/events.js';
import type { Clock } from '../ports.js';
import { PROMISE_LIMIT } from '../timeLimits/facts.js';
import { readModeLimit } from '../timeLimits/readings.js';
import type { TrackedCase } from './trackedCase.js';

/**
 * The service centres' own figures (issue 15), from the events only: each case counts
 * in the period of the day it was submitted (Asia/Shanghai). Formulas: docs/supervision.md.
 */
export interface ModeRow {
  /** Cases submitted in the period. */
  cases: number;
  /** 即办件: decided at the window on the spot, never dispatched to a department. */
  onTheSpot: number;
  /** 即办件占比 = onTheSpot ÷ cases (null without cases). */
  onTheSpotShare: number | null;
  /** 跑动: ApplicantVisited events of those cases. */
  visits: number;
  /** 平均跑动次数 = visits ÷ cases (null without cases). */
  avgVisitsPerCase: number | null;
  /** 容缺受理 promises: open (owed, not yet due), overdue (owed past the limit, revoked or not), kept, and of the overdue the revoked. */
  deferred: { granted: number; open: number; overdue: number; kept: number; revoked: number };
  /** 告知承诺 follow-up checks: due (not yet recorded; overdue among them), passed, failed (each revoked its approval). */
  checks: { scheduled: number; due: number; overdue: number; passed: number; failed: number };
  /** 帮办代办: applied by a 代办员 on the applicant's authority. */
  proxy: number;
  /** 免申即办: started by a data event, without an application. */
  noApplication: number;
  /** 零跑动: cases the applicant never came in for: no ApplicantVisited (a window hand-out records one). */
  zeroVisit: number;
  /** 全程网办: applied online and 零跑动 (results by post or as e-licences). */
  fullyOnline: number;
  /** Results handed out, by channel; `postDelivered`: posted results whose delivery was confirmed. */
  resultsByChannel: Record<DeliveryChannel, number> & { postDelivered: number };
}

export interface ModeNumbers extends ModeRow {
  byMatter: ({ matter: string } & ModeRow)[];
  byDepartment: ({ department: string } & ModeRow)[];
}

export interface ModeStatsQuery {
  from?: string;
  to?: string;
  matter?: string;
  department?: string;
}

class ModeAccumulator {
  cases = 0;
  onTheSpot = 0;
  visits = 0;
  deferred = { granted: 0, open: 0, overdue: 0, kept: 0, revoked: 0 };
  checks = { scheduled: 0, due: 0, overdue: 0, passed: 0, failed: 0 };
  proxy = 0;
  noApplication = 0;
  zeroVisit = 0;
  fullyOnline = 0;
  results = { window: 0, post: 0, 'e-licence': 0, postDelivered: 0 } as ModeRow['resultsByChannel'];

  add(c: TrackedCase, calendar: WorkingCalendar, now: Date): void {
    const m = c.modes;
    this.cases++;
    if (isOnTheSpot(c)) this.onTheSpot++;
    this.visits += m.visits.length;
    if (m.agent) this.proxy++;
    if (m.trigger) this.noApplication++;
    if (isZeroVisit(c)) {
      this.zeroVisit++;
      if (m.channel === 'online') this.fullyOnline++;
    }
    if (m.deferred) {
      const d = m.deferred;
      this.deferred.granted++;
      if (d.revokedAt) this.deferred.revoked++;
      if (d.outstanding.length === 0) this.deferred.kept++;
      else if (d.revokedAt || pastDue(c, PROMISE_LIMIT, calendar, now)) this.deferred.overdue++;
      else this.deferred.open++;
    }
    for (const k of m.checks) {
      this.checks.scheduled++;
      if (k.outcome === 'passed') this.checks.passed++;
      else if (k.outcome === 'failed') this.checks.failed++;
      else {
        this.checks.due++;
        if (pastDue(c, k.checkId, calendar, now)) this.checks.overdue++;
      }
    }
    for (const d of m.deliveries) {
      this.results[d.channel]++;
      if (d.channel === 'post' && d.confirmedAt) this.results.postDelivered++;
    }
  }

  row(): ModeRow {
    const share = (n: number) => (this.cases === 0 ? null : Math.round((n / this.cases) * 10_000) / 10_000);
    return {
      cases: this.cases,
      onTheSpot: this.onTheSpot,
      onTheSpotShare: share(this.onTheSpot),
      visits: this.visits,
      avgVisitsPerCase: share(this.visits),
      deferred: { ...this.deferred },
      checks: { ...this.checks },
      proxy: this.proxy,
      noApplication: this.noApplication,
      zeroVisit: this.zeroVisit,
      fullyOnline: this.fullyOnline,
      resultsByChannel: { ...this.results },
    };
  }
}

/** 即办件: on-the-spot decisions and no task ever dispatched. */
export const isOnTheSpot = (c: TrackedCase): boolean =>
  c.modes.onTheSpot !== undefined && Object.values(c.facts.tasks).every((t) => t.startedAt === undefined);

/** 零跑动: no visit recorded (collecting results at the window records one, with the hand-out). */
const isZeroVisit = (c: TrackedCase): boolean => c.modes.visits.length === 0;

const pastDue = (c: TrackedCase, id: string, calendar: WorkingCalendar, now: Date): boolean => {
  const r = readModeLimit(c.facts, id, calendar, now);
  return r?.light === 'red';
};

/** The departments a case involved: dispatched to, or decided at the window for. */
const departmentsOf = (c: TrackedCase): Set<string> =>
  new Set(Object.keys(c.facts.tasks).flatMap((step) => (c.plan.steps[step] ? [c.plan.steps[step]!.department] : [])));

/** The mode numbers over the cases submitted in [from, to], overall, per matter and per department. */
export function modeNumbers(cases: Iterable<TrackedCase>, q: ModeStatsQuery, calendar: WorkingCalendar, clock: Clock): ModeNumbers {
  const now = clock.now();
  const overall = new ModeAccumulator();
  const byMatter = new Map<string, ModeAccumulator>();
  const byDepartment = new Map<string, ModeAccumulator>();
  for (const c of cases) {
    if (q.matter && c.facts.matter !== q.matter) continue;
    const day = toShanghaiDate(c.facts.startedAt);
    if ((q.from && day < q.from) || (q.to && day > q.to)) continue;
    const departments = departmentsOf(c);
    if (q.department && !departments.has(q.department)) continue;
    overall.add(c, calendar, now);
    const m = byMatter.get(c.facts.matter) ?? new ModeAccumulator();
    m.add(c, calendar, now);
    byMatter.set(c.facts.matter, m);
    for (const d of departments) {
      if (q.department && d !== q.department) continue;
      const a = byDepartment.get(d) ?? new ModeAccumulator();
      a.add(c, calendar, now);
      byDepartment.set(d, a);
    }
  }
  return {
    ...overall.row(),
    byMatter: [...byMatter.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([matter, a]) => ({ matter, ...a.row() })),
    byDepartment: [...byDepartment.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([department, a]) => ({ department, ...a.row() })),
  };
}

export { DELIVERY_CHANNELS };

/** A 告知承诺 follow-up check, as the department's 核查待办 lists it. */
export interface ComplianceCheckItem {
  caseId: string;
  matter: string;
  checkId: string;
  step: string;
  department: string;
  service: string;
  approvedAt: string;
  limitDays: number;
  dueAt: string | null;
  light: 'green' | 'yellow' | 'red' | null;
  state: 'due' | 'passed' | 'failed';
}

/** The 告知承诺 checks of every case, oldest due first: `state` due (default) lists those still to do. */
export function complianceChecks(
  cases: Iterable<TrackedCase>,
  q: { department?: string; state?: 'due' | 'passed' | 'failed' },
  calendar: WorkingCalendar,
  clock: Clock,
): ComplianceCheckItem[] {
  const now = clock.now();
  const items: ComplianceCheckItem[] = [];
  for (const c of cases) {
    for (const k of c.modes.checks) {
      const state = k.outcome ?? 'due';
      if ((q.state ?? 'due') !== state || (q.department && k.department !== q.department)) continue;
      const r = readModeLimit(c.facts, k.checkId, calendar, now);
      items.push({
        caseId: c.caseId,
        matter: c.facts.matter,
        checkId: k.checkId,
        step: k.step,
        department: k.department,
        service: k.service,
        approvedAt: k.scheduledAt,
        limitDays: k.limitDays,
        dueAt: r?.dueAt ?? null,
        light: r?.light ?? null,
        state,
      });
    }
  }
  return items.sort((a, b) => (a.dueAt ?? '').localeCompare(b.dueAt ?? ''));
}
