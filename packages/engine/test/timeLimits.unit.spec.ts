import { describe, expect, it } from 'vitest';
import type { CaseCommand } from '../src/case/commands.js';
import { CASE, decision, given, startCase } from './fixtures.js';

/** mini-setup from T0 (Friday 26 September 2025): samr's committed day is the 调休 Sunday 28 September. */
const SAMR_DUE = '2025-09-28T15:59:59.999Z';
const SAMR_FIRES = '2025-09-28T16:00:00.000Z';
const MONDAY = '2025-09-29T02:00:00.000Z';

const timeLimit = (kind: 'warning' | 'exceeded', now = MONDAY, over: Partial<Extract<CaseCommand, { type: 'RecordTimeLimit' }>['data']> = {}): CaseCommand => ({
  type: 'RecordTimeLimit',
  data: {
    kind,
    scope: 'task',
    taskId: `${CASE}.samr`,
    limit: 'committed',
    dueAt: SAMR_DUE,
    firesAt: kind === 'exceeded' ? SAMR_FIRES : '2025-09-26T16:00:00.000Z',
    ...over,
  },
  now,
});
const at = (now: string, c: CaseCommand): CaseCommand => ({ ...c, now });
const procedure = (action: 'start' | 'end', kind: 'inspection' | 'hearing' = 'inspection', taskId: string | undefined = `${CASE}.samr`): CaseCommand => ({
  type: action === 'start' ? 'StartSpecialProcedure' : 'EndSpecialProcedure',
  data: { ...(taskId ? { taskId } : {}), kind },
  now: MONDAY,
});

describe('a department task past its committed limit (红灯)', () => {
  it('is recorded as exceeded and escalated to the supervisor', () => {
    given([startCase()])
      .when(timeLimit('exceeded'))
      .then([
        { type: 'TimeLimitExceeded', data: { scope: 'task', taskId: `${CASE}.samr`, department: 'samr', limit: 'committed', dueAt: SAMR_DUE, at: MONDAY } },
        { type: 'CaseEscalated', data: { to: 'supervisor', scope: 'task', department: 'samr', limit: 'committed', dueAt: SAMR_DUE, reason: expect.stringContaining('承诺时限') } },
      ]);
  });

  it('is recorded once: a second scheduler or a restart finds it already there', () => {
    given([startCase(), timeLimit('exceeded')]).when(timeLimit('exceeded', '2025-09-29T03:00:00.000Z')).then([]);
  });

  it('is not recorded before the limit has passed', () => {
    given([startCase()]).when(timeLimit('exceeded', '2025-09-28T15:00:00.000Z')).then([]);
  });

  it('is not recorded for a task decided within its limit', () => {
    given([startCase(), decision('samr', 'approved')]).when(timeLimit('exceeded')).then([]);
  });

  it('is still recorded late (after downtime) for a task decided after its limit', () => {
    given([startCase(), at(MONDAY, decision('samr', 'approved'))])
      .when(timeLimit('exceeded', '2025-09-29T05:00:00.000Z'))
      .then([{ type: 'TimeLimitExceeded' }, { type: 'CaseEscalated' }]);
  });

  it('names an unknown task as not found', () => {
    given([startCase()]).when(timeLimit('exceeded', MONDAY, { taskId: `${CASE}.nope` })).thenFails('NotFound');
  });
});

describe('a warning (黄灯)', () => {
  it('is recorded once the warning point has passed', () => {
    given([startCase()])
      .when(timeLimit('warning'))
      .then([{ type: 'TimeLimitWarning', data: { scope: 'task', limit: 'committed', dueAt: SAMR_DUE, warningAt: '2025-09-26T16:00:00.000Z' } }]);
  });

  it('is not recorded after the limit was already recorded as exceeded', () => {
    given([startCase(), timeLimit('exceeded')]).when(timeLimit('warning')).then([]);
  });

  it('is not recorded for a closed task', () => {
    given([startCase(), decision('samr', 'approved')]).when(timeLimit('warning')).then([]);
  });

  it('for the whole case is recorded without a task', () => {
    given([startCase()])
      .when(timeLimit('warning', MONDAY, { scope: 'case', taskId: undefined, dueAt: '2025-09-30T15:59:59.999Z', firesAt: '2025-09-29T16:00:00.000Z' }))
      .then([]);
    given([startCase()])
      .when(timeLimit('warning', '2025-09-30T01:00:00.000Z', { scope: 'case', dueAt: '2025-09-30T15:59:59.999Z', firesAt: '2025-09-29T16:00:00.000Z' }))
      .then([{ type: 'TimeLimitWarning', data: { scope: 'case', limit: 'committed' } }]);
  });
});

describe('special procedures (特别程序)', () => {
  it('start on a task a department is working on', () => {
    given([startCase()])
      .when(procedure('start'))
      .then([{ type: 'SpecialProcedureStarted', data: { taskId: `${CASE}.samr`, step: 'samr', department: 'samr', kind: 'inspection', at: MONDAY } }]);
  });

  it('start for the whole case without a task', () => {
    given([startCase()]).when(procedure('start', 'hearing', undefined)).then([{ type: 'SpecialProcedureStarted', data: { kind: 'hearing' } }]);
  });

  it('cannot start twice at once', () => {
    given([startCase(), procedure('start')]).when(procedure('start')).thenFails('Conflict', /already under way/);
  });

  it('cannot start on a task still waiting for another department', () => {
    given([startCase()]).when(procedure('start', 'inspection', `${CASE}.tax`)).thenFails('Conflict', /waiting/);
  });

  it('end only when one is under way', () => {
    given([startCase(), procedure('start')]).when(procedure('end')).then([{ type: 'SpecialProcedureEnded', data: { step: 'samr', kind: 'inspection' } }]);
    given([startCase()]).when(procedure('end')).thenFails('Conflict', /no inspection/);
  });

  it('end with the task: a decision closes a procedure left open', () => {
    given([startCase(), procedure('start'), decision('samr', 'approved')]).when(procedure('end')).thenFails('Conflict');
  });

  it('cannot start on a closed case', () => {
    given([startCase(), { type: 'WithdrawCase', data: { reason: '不办了' }, now: MONDAY }]).when(procedure('start', 'hearing', undefined)).thenFails('Conflict');
  });
});
