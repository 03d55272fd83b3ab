import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkingCalendar } from '../src/calendar/index.js';
import type { CaseCommand } from '../src/case/commands.js';
import { decide } from '../src/case/decide.js';
import { evolve } from '../src/case/evolve.js';
import { initialCaseState, type CaseState, type StartedCase } from '../src/case/state.js';
import { timeLimitPlanOf, pendingTimers, readTimeLimits } from '../src/timeLimits/readings.js';
import { createCatalogue } from '../src/definition/catalogue.js';
import { defineMatter } from '../src/definition/definition.js';
import { toCaseView } from '../src/view/caseView.js';
import { applicant } from './fixtures.js';

/**
 * Case-level clocks on the official calendar (国办发明电〔2024〕12号 for 2025:
 * 国庆节、中秋节 10月1日至8日, 调休上班 9月28日（周日）和 10月11日（周六）;
 * 国办发明电〔2025〕7号 for 2026: 春节 2月15日至23日, 调休上班 2月14日（周六）和 2月28日（周六）).
 */
const permit = defineMatter({
  id: 'permit',
  version: 1,
  name: '经营许可',
  statutoryDays: 10,
  committedDays: 5,
  form: z.object({}),
  materials: [],
  steps: [
    { id: 'review', department: 'samr', service: '许可审查', statutoryDays: 10, committedDays: 5 },
    { id: 'seal', department: 'psb', service: '刻章', statutoryDays: 3, committedDays: 1 },
  ],
  example: {},
});
const catalogue = createCatalogue([permit]);
const calendar = WorkingCalendar.china();
const CASE = 'c1';

/** 10:00 in Shanghai on a date. */
const at = (date: string, hh = '10') => `${date}T${String(Number(hh) - 8).padStart(2, '0')}:00:00.000Z`;
const endOf = (date: string) => `${date}T15:59:59.999Z`;

const start = (date: string): CaseCommand => ({ type: 'StartCase', data: { caseId: CASE, matter: 'permit', applicant, form: {} }, now: at(date) });
const decideTask = (date: string, step: string, decision: 'approved' | 'supplement-required' = 'approved'): CaseCommand => ({
  type: 'RecordDecision',
  data: { taskId: `${CASE}.${step}`, decisionId: `${step}-${date}-${decision}`, decision, ...(decision === 'supplement-required' ? { missingMaterials: ['lease'] } : {}) },
  now: at(date),
});
const supplement = (date: string): CaseCommand => ({ type: 'ProvideSupplement', data: { materials: ['lease'] }, now: at(date) });
const procedure = (date: string, action: 'start' | 'end', step?: string): CaseCommand => ({
  type: action === 'start' ? 'StartSpecialProcedure' : 'EndSpecialProcedure',
  data: { ...(step ? { taskId: `${CASE}.${step}` } : {}), kind: 'expert-review' },
  now: at(date),
});

function caseAfter(commands: CaseCommand[]): StartedCase {
  let state: CaseState = initialCaseState();
  for (const c of commands) {
    const r = decide(catalogue, c, state);
    if (!r.ok) throw new Error(`${c.type}: ${r.error.message}`);
    for (const e of r.value) state = evolve(catalogue, state, e, { revision: state.revision + 1, hash: 'h' });
  }
  return state as StartedCase;
}
const timeLimitsOf = (s: StartedCase, now: string, cal = calendar) => readTimeLimits(timeLimitPlanOf(s.matter.definition), s.clock, cal, new Date(now));

describe('a case started on the Friday before the National Day week (2025)', () => {
  const friday = '2025-09-26';

  it('is due on 10 October: the holiday is skipped and the 调休 Sunday 28 September counts', () => {
    const c = timeLimitsOf(caseAfter([start(friday)]), at('2025-09-29'));
    expect(c.case).toMatchObject({ dueAt: endOf('2025-10-10'), statutoryDueAt: endOf('2025-10-16'), light: 'green', clockState: 'running' });
    // Sunday 28 September (调休上班) and Monday 29: two working days used by Monday.
    expect(c.case.elapsedWorkingDays).toBe(2);
    // The seal task (1 working day) is due on the 调休 Sunday itself.
    expect(c.tasks.seal!.dueAt).toBe(endOf('2025-09-28'));
  });

  it('with a 3-working-day supplement pause is due 3 working days later, counting the 调休 Saturday 11 October', () => {
    // Asked on Monday 29 September, brought on Friday 10 October: 30 Sep, 9 and 10 Oct do not count.
    const s = caseAfter([start(friday), decideTask('2025-09-29', 'review', 'supplement-required'), supplement('2025-10-10')]);
    const c = timeLimitsOf(s, at('2025-10-10', '11'));
    expect(c.case).toMatchObject({ dueAt: endOf('2025-10-14'), pausedWorkingDays: 3, elapsedWorkingDays: 2, light: 'green', clockState: 'running' });
    expect(c.case.dueAt).toBe(endOf(calendar.addWorkingDays('2025-10-10', 3)));
    expect(c.tasks.review).toMatchObject({ dueAt: endOf('2025-10-14'), pausedWorkingDays: 3 });
    // The seal task did not ask for anything: its clock never paused.
    expect(c.tasks.seal).toMatchObject({ dueAt: endOf('2025-09-28'), pausedWorkingDays: 0 });
  });

  it('does not count an expert review (特别程序, Art. 45) either', () => {
    const s = caseAfter([start(friday), procedure('2025-09-29', 'start', 'review'), procedure('2025-10-10', 'end', 'review')]);
    const c = timeLimitsOf(s, at('2025-10-10', '11'));
    expect(c.case).toMatchObject({ dueAt: endOf('2025-10-14'), pausedWorkingDays: 3 });
    expect(c.tasks.review).toMatchObject({ dueAt: endOf('2025-10-14'), pausedWorkingDays: 3 });
    expect(c.tasks.seal).toMatchObject({ dueAt: endOf('2025-09-28'), pausedWorkingDays: 0 });
  });

  it('counts overlapping pauses once', () => {
    const s = caseAfter([
      start(friday),
      procedure('2025-09-29', 'start', 'review'),
      decideTask('2025-09-30', 'review', 'supplement-required'),
      procedure('2025-10-09', 'end', 'review'),
      supplement('2025-10-10'),
    ]);
    expect(timeLimitsOf(s, at('2025-10-10', '11')).case).toMatchObject({ dueAt: endOf('2025-10-14'), pausedWorkingDays: 3 });
  });

  it('a case-wide public notice pauses the case and every task clock', () => {
    const s = caseAfter([start(friday), procedure('2025-09-26', 'start'), procedure('2025-09-29', 'end')]);
    const c = timeLimitsOf(s, at('2025-09-29', '11'));
    expect(c.case.pausedWorkingDays).toBe(2);
    expect(c.tasks.seal).toMatchObject({ pausedWorkingDays: 2, dueAt: endOf('2025-09-30') });
  });

  it('turns yellow the working day before the limit and red after it', () => {
    const s = caseAfter([start(friday)]);
    expect(timeLimitsOf(s, at('2025-10-09')).case.light).toBe('green');
    expect(timeLimitsOf(s, at('2025-10-09')).case.warningAt).toBe(endOf('2025-10-09'));
    expect(timeLimitsOf(s, at('2025-10-10')).case).toMatchObject({ light: 'yellow', elapsedWorkingDays: 5 });
    expect(timeLimitsOf(s, at('2025-10-11')).case).toMatchObject({ light: 'red', elapsedWorkingDays: 6 });
  });

  it('while the applicant is supplementing, the due date moves with every working day and the light stays green', () => {
    const s = caseAfter([start(friday), decideTask('2025-09-29', 'review', 'supplement-required')]);
    const c = timeLimitsOf(s, at('2025-10-09'));
    // Paused 30 Sep and 9 Oct so far; if the materials came today, 3 working days would remain.
    expect(c.case).toMatchObject({ clockState: 'paused', pausedWorkingDays: 2, elapsedWorkingDays: 2, dueAt: endOf('2025-10-13'), light: 'green' });
    expect(timeLimitsOf(s, at('2025-10-20')).case).toMatchObject({ clockState: 'paused', light: 'green' });
  });

  it('stops the clock at the close: completed in time stays green, late stays red', () => {
    const onTime = caseAfter([start(friday), decideTask('2025-09-28', 'seal'), decideTask('2025-10-09', 'review')]);
    expect(onTime.status).toBe('completed');
    const a = timeLimitsOf(onTime, at('2025-11-03'));
    expect(a.case).toMatchObject({ clockState: 'stopped', light: 'green', elapsedWorkingDays: 4 });
    const late = caseAfter([start(friday), decideTask('2025-09-28', 'seal'), decideTask('2025-10-13', 'review')]);
    expect(timeLimitsOf(late, at('2025-11-03')).case).toMatchObject({ clockState: 'stopped', light: 'red', elapsedWorkingDays: 7 });
  });
});

describe('a case started on the Friday before Spring Festival 2026', () => {
  it('is due on 27 February, counting the 调休 Saturday 14 February and skipping 15–23 February', () => {
    expect(timeLimitsOf(caseAfter([start('2026-02-13')]), at('2026-02-24')).case).toMatchObject({ dueAt: endOf('2026-02-27'), elapsedWorkingDays: 2 });
  });

  it('with a 3-working-day supplement pause is due on 3 March, counting the 调休 Saturday 28 February', () => {
    const s = caseAfter([start('2026-02-13'), decideTask('2026-02-24', 'review', 'supplement-required'), supplement('2026-02-27')]);
    expect(timeLimitsOf(s, at('2026-02-27', '11')).case).toMatchObject({ dueAt: endOf('2026-03-03'), pausedWorkingDays: 3 });
  });
});

describe('a deadline the calendar does not cover (2027 not configured)', () => {
  const s = caseAfter([start('2026-12-28')]);

  it('shows null with the reason instead of guessing', () => {
    const c = timeLimitsOf(s, at('2026-12-29'));
    expect(c.case).toMatchObject({ dueAt: null, statutoryDueAt: null, light: null, elapsedWorkingDays: 1 });
    expect(c.case.clockNote).toBe('2027 年工作日历未配置（calendar for 2027 not configured: pass --calendar-file）');
    // The seal task is due on 29 December 2026: still computed.
    expect(c.tasks.seal).toMatchObject({ dueAt: endOf('2026-12-29'), light: 'yellow' });
    expect(c.tasks.seal!.clockNote).toBeUndefined();
  });

  it('is computed once next year\'s notice is added as data', () => {
    const with2027 = calendar.extend({ years: [2027], holidays: { '2027-01-01': '元旦' } });
    // 29, 30, 31 Dec; 1 Jan is 元旦; 4, 5 Jan.
    expect(timeLimitsOf(s, at('2026-12-29'), with2027).case).toMatchObject({ dueAt: endOf('2027-01-05'), light: 'green' });
  });

  it('arms no timer it cannot compute, and still arms the ones it can', () => {
    const timers = pendingTimers(timeLimitPlanOf(s.matter.definition), s.clock, calendar, new Date(at('2026-12-29')));
    expect(timers.some((t) => t.scope === 'case')).toBe(false);
    expect(timers.filter((t) => t.step === 'seal').map((t) => `${t.kind}:${t.limit}`)).toEqual(['warning:committed', 'exceeded:committed', 'exceeded:statutory']);
  });
});

describe('the case view a clerk sees', () => {
  it('carries dueAt, statutoryDueAt, elapsed and paused working days and the light on the case and each task', () => {
    const s = caseAfter([start('2025-09-26'), procedure('2025-09-29', 'start', 'review')]);
    const view = toCaseView(s, { calendar, now: new Date(at('2025-09-30')) });
    expect(view).toMatchObject({ status: 'in-progress', dueAt: expect.any(String), statutoryDueAt: expect.any(String), light: 'green', clockState: 'paused', pausedWorkingDays: 1 });
    expect(view.tasks.find((t) => t.step === 'seal')).toMatchObject({ status: 'pending', dueAt: endOf('2025-09-28'), light: 'red', elapsedWorkingDays: 3 });
    expect(view.specialProcedures).toEqual([{ kind: 'expert-review', taskId: `${CASE}.review`, startedAt: at('2025-09-29') }]);
    // Without a clock context the view is as before.
    expect(toCaseView(s)).not.toHaveProperty('light');
  });
});
