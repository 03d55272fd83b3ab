import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCatalogue } from '../src/definition/catalogue.js';
import { defineMatter } from '../src/definition/definition.js';
import { decide } from '../src/case/decide.js';
import { evolve } from '../src/case/evolve.js';
import { initialCaseState, type CaseState, type StartedCase } from '../src/case/state.js';
import type { CaseCommand } from '../src/case/commands.js';
import type { CaseEvent } from '../src/case/events.js';
import { restoreCase, snapshotOf } from '../src/case/snapshot.js';
import { timeLimitPlanOf, pendingTimers } from '../src/timeLimits/readings.js';
import { WorkingCalendar } from '../src/calendar/index.js';
import { applicationFromTrigger } from '../src/modes/trigger.js';
import { applicant } from './fixtures.js';

/** A registration the window may decide on the spot, three follow-ons, a 容缺 material, a step approved on commitment, a trigger. */
const modes = defineMatter({
  id: 'modes',
  version: 1,
  name: '办理模式',
  statutoryDays: null,
  committedDays: 5,
  form: z.object({ name: z.string(), age: z.number().optional() }),
  materials: [
    { code: 'form', name: '申请书', required: true },
    { code: 'lease', name: '租赁合同', required: true, deferrable: true, promiseDays: 3 },
  ],
  trigger: { topic: 'registry', when: { field: 'age', gte: 60 }, eventId: 'id', applicant: { name: 'who.name', idNumber: 'who.id', phone: 'who.phone' }, form: { name: 'who.name', age: 'age' } },
  steps: [
    { id: 'reg', department: 'samr', service: '登记', statutoryDays: null, committedDays: 0, onTheSpot: true, output: z.object({ no: z.string().min(3) }) },
    { id: 'tax', department: 'tax', service: '税务', dependsOn: ['reg'], statutoryDays: null, committedDays: 1 },
    { id: 'fire', department: 'fire', service: '消防', dependsOn: ['reg'], statutoryDays: null, committedDays: 1, commitment: { checkDays: 10, basis: '《消防法》第十五条' } },
  ],
  example: { name: '甲' },
});
const catalogue = createCatalogue([modes]);
const MON = '2026-03-02T02:00:00.000Z';
const at = (now: string) => ({ now });
const start = (over: Partial<Extract<CaseCommand, { type: 'StartCase' }>['data']> = {}): CaseCommand => ({
  type: 'StartCase',
  data: { caseId: 'c1', matter: 'modes', applicant, form: { name: '甲' }, ...over },
  ...at(MON),
});

function run(commands: CaseCommand[]): { state: CaseState; events: CaseEvent[] } {
  let state: CaseState = initialCaseState();
  const events: CaseEvent[] = [];
  for (const c of commands) {
    const r = decide(catalogue, c, state);
    if (!r.ok) throw new Error(`${c.type}: ${r.error.message} ${JSON.stringify(r.error.errors ?? [])}`);
    for (const e of r.value) {
      state = evolve(catalogue, state, e, { revision: state.revision + 1, hash: `h${state.revision + 1}` });
      events.push(e);
    }
  }
  return { state, events };
}
const started = (s: CaseState) => s as StartedCase;

describe('definitions', () => {
  it('require a promise limit on a 容缺 material, and a required one', () => {
    const base = { id: 'x', version: 1, name: 'x', statutoryDays: null, committedDays: 1, form: z.object({}), steps: [{ id: 'a', department: 'samr' as const, service: 'a', statutoryDays: null, committedDays: 1 }], example: {} };
    expect(() => defineMatter({ ...base, materials: [{ code: 'm', name: 'm', deferrable: true }] })).toThrow(/promiseDays/);
    expect(() => defineMatter({ ...base, materials: [{ code: 'm', name: 'm', required: false, deferrable: true, promiseDays: 2 }] })).toThrow(/only a required material/);
  });
});

describe('即办', () => {
  it('decides the eligible step at the window and dispatches the rest with its output as input', () => {
    const { events, state } = run([start({ onTheSpot: { officer: '李四', outputs: { reg: { no: 'R001' } } } })]);
    expect(events.map((e) => e.type)).toEqual(['CaseStarted', 'CaseAccepted', 'HandledOnTheSpot', 'DecisionRecorded', 'TaskDispatched', 'TaskDispatched']);
    expect(events[3]).toMatchObject({ data: { step: 'reg', onTheSpot: true, output: { no: 'R001' } } });
    expect(events[4]).toMatchObject({ data: { step: 'tax', inputs: { reg: { no: 'R001' } } } });
    expect(started(state).modes.onTheSpot).toMatchObject({ steps: ['reg'], officer: '李四' });
  });
});

describe('容缺受理 and its promise', () => {
  const deferred = start({ materials: ['form'], deferred: { materials: ['lease'], signedBy: '张三', statement: '三日内补交' } });
  const calendar = WorkingCalendar.china();

  it('accepts without the 容缺 material and arms a reminder and an exceedance on the promise', () => {
    const { state, events } = run([deferred]);
    expect(events.map((e) => e.type).slice(0, 3)).toEqual(['CaseStarted', 'DeferredAcceptanceGranted', 'CaseAccepted']);
    const s = started(state);
    const timers = pendingTimers(timeLimitPlanOf(s.matter.definition), s.clock, calendar, new Date(MON)).filter((t) => t.scope === 'promise');
    // 3 working days from Monday 2 March 2026: the end of Thursday 5 March; the reminder the day before.
    expect(timers.map((t) => [t.kind, t.dueAt, t.firesAt])).toEqual([
      ['warning', '2026-03-05T15:59:59.999Z', '2026-03-04T16:00:00.000Z'],
      ['exceeded', '2026-03-05T15:59:59.999Z', '2026-03-05T16:00:00.000Z'],
    ]);
  });

  it('stops the promise when the material arrives', () => {
    const { state } = run([deferred, { type: 'ProvideDeferredMaterials', data: { materials: ['lease'] }, ...at('2026-03-03T02:00:00.000Z') }]);
    const s = started(state);
    expect(pendingTimers(timeLimitPlanOf(s.matter.definition), s.clock, calendar, new Date('2026-03-03T02:00:00.000Z')).filter((t) => t.scope === 'promise')).toEqual([]);
    expect(s.modes.deferred).toMatchObject({ outstanding: [], keptAt: '2026-03-03T02:00:00.000Z' });
  });

  it('revokes the acceptance once the promise passed, and only once', () => {
    const expired: CaseCommand = {
      type: 'RecordTimeLimit',
      data: { kind: 'exceeded', scope: 'promise', taskId: 'c1.promise', limit: 'committed', dueAt: '2026-03-05T15:59:59.999Z', firesAt: '2026-03-05T16:00:00.000Z' },
      ...at('2026-03-06T02:00:00.000Z'),
    };
    const { state, events } = run([deferred, expired]);
    // Every open task ends with it: the registration in progress and the two waiting for it.
    expect(events.slice(-6).map((e) => e.type)).toEqual(['TimeLimitExceeded', 'CaseEscalated', 'DeferredAcceptanceRevoked', 'TaskCancelled', 'TaskCancelled', 'TaskCancelled']);
    expect(started(state)).toMatchObject({ status: 'withdrawn', modes: { deferred: { revokedAt: '2026-03-06T02:00:00.000Z' } } });
    const again = decide(catalogue, expired, state);
    expect(again.ok && again.value).toEqual([]);
  });

  it('refuses to defer a material that is not 容缺', () => {
    const r = decide(catalogue, start({ materials: ['lease'], deferred: { materials: ['form'], signedBy: '张三', statement: 's' } }), initialCaseState());
    expect(r.ok).toBe(false);
  });
});

describe('告知承诺制', () => {
  it('schedules the check on an approval on commitment; a failed check revokes it', () => {
    const { state, events } = run([
      start(),
      { type: 'RecordDecision', data: { taskId: 'c1.reg', decisionId: 'r', decision: 'approved', output: { no: 'R001' } }, ...at(MON) },
      { type: 'RecordDecision', data: { taskId: 'c1.fire', decisionId: 'f', decision: 'approved', onCommitment: true }, ...at(MON) },
      { type: 'RecordComplianceCheck', data: { checkId: 'fire-check', outcome: 'failed', findings: '不符', checkedBy: '赵六' }, ...at('2026-03-10T02:00:00.000Z') },
    ]);
    expect(events.find((e) => e.type === 'ComplianceCheckScheduled')).toMatchObject({ data: { checkId: 'fire-check', limitDays: 10, basis: '《消防法》第十五条' } });
    expect(events.at(-1)).toMatchObject({ type: 'ApprovalRevoked', data: { step: 'fire' } });
    expect(started(state).modes.checks[0]).toMatchObject({ outcome: 'failed', revokedAt: '2026-03-10T02:00:00.000Z' });
  });
});

describe('replay and snapshots', () => {
  it('a snapshot taken before the modes existed restores with empty mode facts', () => {
    const { state } = run([start()]);
    const doc = snapshotOf(started(state), MON);
    delete (doc.state as Partial<typeof doc.state>).modes;
    expect(restoreCase(catalogue, doc)!.modes).toEqual({ visits: [], checks: [], deliveries: [] });
  });
});

describe('免申即办', () => {
  it('maps an event that meets the trigger to an application, and ignores others', () => {
    const event = { id: 'e1', age: 60, who: { name: '赵', id: '410225196612052015', phone: '13900139000' } };
    expect(applicationFromTrigger(modes, 'registry', event)).toMatchObject({ ok: true, eventId: 'e1', applicant: { name: '赵', idType: 'resident-id' }, form: { name: '赵', age: 60 } });
    expect(applicationFromTrigger(modes, 'registry', { ...event, age: 59 })).toBeUndefined();
    expect(applicationFromTrigger(modes, 'other', event)).toBeUndefined();
    expect(applicationFromTrigger(modes, 'registry', { ...event, id: undefined })).toMatchObject({ ok: false, errors: [{ path: 'event.id' }] });
  });
});
