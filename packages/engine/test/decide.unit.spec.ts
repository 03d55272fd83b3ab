import { describe, expect, it } from 'vitest';
import { CASE, decision, given, run, startCase, USCC } from './fixtures.js';
import { toCaseView } from '../src/view/caseView.js';
import type { StartedCase } from '../src/case/state.js';

const dispatched = (step: string, attempt = 1) => ({ type: 'TaskDispatched', data: { taskId: `${CASE}.${step}`, step, attempt } });

describe('starting a case', () => {
  it('dispatches only the steps that wait for nothing', () => {
    given([]).when(startCase()).then([{ type: 'CaseStarted', data: { caseId: CASE, matter: 'mini-setup', matterVersion: 1 } }, { type: 'CaseAccepted', data: {} }, dispatched('samr')]);
  });

  it('names every missing required material at once (一次告知)', () => {
    given([]).when(startCase({ materials: [] })).thenFails('Invalid', /application-form.*address-proof/);
  });

  it('rejects a form that breaks the matter\'s schema, naming the field', () => {
    given([]).when(startCase({ form: { enterpriseName: 'x' } })).thenFails('Invalid', /form\.enterpriseName/);
  });

  it('refuses an unknown matter', () => {
    given([]).when(startCase({ matter: 'no-such-matter' })).thenFails('Invalid', /matter/);
  });

  it('cannot start the same case twice', () => {
    given([startCase()]).when(startCase()).thenFails('Conflict');
  });
});

describe('department decisions', () => {
  it('fans out to every dependent step when registration is approved, passing its output', () => {
    given([startCase()])
      .when(decision('samr', 'approved'))
      .then([
        { type: 'DecisionRecorded', data: { step: 'samr', decision: 'approved', output: { uscc: USCC } } },
        { ...dispatched('tax'), data: { ...dispatched('tax').data, inputs: { samr: { uscc: USCC } } } },
        dispatched('bank'),
        dispatched('psb'),
      ]);
  });

  it('treats a redelivered decision (same decisionId) as a no-op', () => {
    given([startCase(), decision('samr', 'approved')]).when(decision('samr', 'approved')).then([]);
  });

  it('refuses a second, different decision on a task already decided', () => {
    given([startCase(), decision('samr', 'approved')])
      .when(decision('samr', 'approved', { decisionId: 'another', output: { uscc: USCC } }))
      .thenFails('Conflict', /not pending/);
  });

  it('refuses a decision on a task still waiting for another step', () => {
    given([startCase()]).when(decision('tax', 'approved')).thenFails('Conflict', /waiting/);
  });

  it('refuses an approval whose output breaks the step\'s output schema', () => {
    given([startCase()]).when(decision('samr', 'approved', { output: { uscc: 'short' } })).thenFails('Invalid', /output\.uscc/);
  });

  it('requires a reason for a rejection', () => {
    given([startCase()]).when(decision('samr', 'rejected', { reason: ' ' })).thenFails('Invalid', /reason/);
  });

  it('reports an unknown task as not found', () => {
    given([startCase()]).when(decision('nope', 'approved')).thenFails('NotFound');
  });

  it('completes the case when the last parallel step is approved, with every output', () => {
    const { state, events } = run([
      startCase(),
      decision('samr', 'approved'),
      decision('tax', 'approved', { output: { taxpayerId: USCC } }),
      decision('bank', 'approved', { output: { account: '1' } }),
      decision('psb', 'approved', { output: { seal: 'S1' } }),
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'CaseCompleted', data: { outputs: { samr: { uscc: USCC }, bank: { account: '1' } } } });
    const view = toCaseView(state as StartedCase);
    expect(view.status).toBe('completed');
    expect(view.tasks.map((t) => t.status)).toEqual(['approved', 'approved', 'approved', 'approved']);
  });

  it('ends the case as rejected when one department rejects, cancelling the open tasks', () => {
    const { state, events } = run([startCase(), decision('samr', 'approved'), decision('tax', 'approved'), decision('bank', 'rejected')]);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['TaskCancelled', 'CaseRejected']);
    const view = toCaseView(state as StartedCase);
    expect(view.status).toBe('rejected');
    expect(Object.fromEntries(view.tasks.map((t) => [t.step, t.status]))).toEqual({ samr: 'approved', tax: 'approved', bank: 'rejected', psb: 'cancelled' });
  });

  it('ignores decisions once the case is closed', () => {
    given([startCase(), decision('samr', 'rejected')]).when(decision('tax', 'approved')).thenFails('Conflict');
  });
});

describe('supplements (补正)', () => {
  it('pauses the task and the case until the applicant supplements, then sends the task again', () => {
    const history = [startCase(), decision('samr', 'supplement-required')];
    const { state } = run(history);
    expect(toCaseView(state as StartedCase).status).toBe('awaiting-supplement');
    expect(toCaseView(state as StartedCase).tasks[0]).toMatchObject({ status: 'supplement-required', missingMaterials: ['address-proof'] });
    given(history)
      .when({ type: 'ProvideSupplement', data: { materials: ['address-proof'] }, now: '2025-09-27T00:00:00Z' })
      .then([{ type: 'SupplementProvided', data: { materials: ['address-proof'] } }, dispatched('samr', 2)]);
  });

  it('accepts a new decision on the task after the supplement, completing normally', () => {
    const { state } = run([
      startCase(),
      decision('samr', 'supplement-required'),
      { type: 'ProvideSupplement', data: { materials: ['address-proof'] }, now: '2025-09-27T00:00:00Z' },
      decision('samr', 'approved'),
    ]);
    expect(toCaseView(state as StartedCase).tasks.filter((t) => t.status === 'pending').map((t) => t.step)).toEqual(['tax', 'bank', 'psb']);
  });

  it('refuses a supplement nobody asked for', () => {
    given([startCase()]).when({ type: 'ProvideSupplement', data: { materials: ['x'] }, now: '2025-09-27T00:00:00Z' }).thenFails('Conflict');
  });
});

describe('withdrawal', () => {
  it('withdraws an open case and cancels its open tasks', () => {
    given([startCase(), decision('samr', 'approved')])
      .when({ type: 'WithdrawCase', data: { reason: '申请人不再需要' }, now: T1 })
      .then([{ type: 'CaseWithdrawn' }, { type: 'TaskCancelled', data: { step: 'tax' } }, { type: 'TaskCancelled', data: { step: 'bank' } }, { type: 'TaskCancelled', data: { step: 'psb' } }]);
  });

  it('cannot withdraw a completed case', () => {
    given([startCase(), decision('samr', 'rejected')]).when({ type: 'WithdrawCase', data: { reason: 'x' }, now: T1 }).thenFails('Conflict');
  });
});

const T1 = '2025-09-29T00:00:00Z';
