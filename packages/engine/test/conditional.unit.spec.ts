import { describe, expect, it } from 'vitest';
import { createCatalogue } from '../src/definition/catalogue.js';
import { decide } from '../src/case/decide.js';
import { evolve } from '../src/case/evolve.js';
import { initialCaseState, type CaseState, type StartedCase } from '../src/case/state.js';
import { defineMatter } from '../src/definition/definition.js';
import type { CaseCommand } from '../src/case/commands.js';
import { toCaseView } from '../src/view/caseView.js';
import { applicant, building, restaurant } from './fixtures.js';
import { z } from 'zod';

const catalogue = createCatalogue([restaurant, building]);
const now = '2026-03-02T02:00:00.000Z';

function run(commands: CaseCommand[]) {
  let state: CaseState = initialCaseState();
  const types: string[] = [];
  for (const c of commands) {
    const r = decide(catalogue, c, state);
    if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
    for (const e of r.value) {
      state = evolve(catalogue, state, e, { revision: state.revision + 1, hash: 'h' });
      types.push(`${e.type}${'step' in e.data ? `:${(e.data as { step: string }).step}` : ''}`);
    }
  }
  return { view: toCaseView(state as StartedCase), types };
}
const start = (matter: string, form: Record<string, unknown>): CaseCommand => ({ type: 'StartCase', data: { caseId: 'c', matter, applicant, form }, now });
const approve = (step: string): CaseCommand => ({ type: 'RecordDecision', data: { taskId: `c.${step}`, decisionId: step, decision: 'approved', output: { ref: step } }, now });
const statuses = (v: { tasks: { step: string; status: string }[] }) => Object.fromEntries(v.tasks.map((t) => [t.step, t.status]));

describe('conditional steps, decided from the form at start', () => {
  it('skips the alcohol licence for a restaurant that sells none, visibly, and completes without it', () => {
    const { view } = run([start('restaurant', { name: '面馆', sellsAlcohol: false, seats: 20 }), approve('licence'), approve('food')]);
    expect(statuses(view)).toEqual({ licence: 'approved', food: 'approved', alcohol: 'skipped', fire: 'skipped' });
    expect(view.status).toBe('completed');
  });

  it('adds the alcohol licence when the restaurant sells alcohol, and a step after it waits for it', () => {
    const { view, types } = run([start('restaurant', { name: '酒馆', sellsAlcohol: true, seats: 100 }), approve('licence')]);
    expect(statuses(view)).toEqual({ licence: 'approved', food: 'pending', alcohol: 'pending', fire: 'waiting' });
    expect(types).toContain('TaskDispatched:alcohol');
    const after = run([start('restaurant', { name: '酒馆', sellsAlcohol: true, seats: 100 }), approve('licence'), approve('alcohol')]);
    expect(statuses(after.view).fire).toBe('pending');
  });

  it('lets a step run when the only step it waits for does not apply', () => {
    const { view } = run([start('restaurant', { name: '面馆', sellsAlcohol: false, seats: 100 }), approve('licence')]);
    expect(statuses(view)).toMatchObject({ alcohol: 'skipped', fire: 'pending' });
  });

  it('completes at once a case none of whose steps apply', () => {
    const only = defineMatter({
      id: 'only-if', version: 1, name: '仅在需要时', statutoryDays: 1, committedDays: 1, form: z.object({ need: z.boolean() }), materials: [],
      steps: [{ id: 'x', department: 'ca', service: 'x', when: { field: 'need', truthy: true }, statutoryDays: 1, committedDays: 1 }],
      example: { need: false },
    });
    const c = createCatalogue([only]);
    const r = decide(c, { type: 'StartCase', data: { caseId: 'c', matter: 'only-if', applicant, form: { need: false } }, now }, initialCaseState());
    expect(r.ok && r.value.map((e) => e.type)).toEqual(['CaseStarted', 'CaseAccepted', 'CaseCompleted']);
  });
});

describe('stages (一家牵头、并联审批): stages in sequence, departments in parallel within a stage', () => {
  it('cannot start stage two before every step of stage one is approved', () => {
    const first = run([start('building', { project: '研发楼' })]);
    expect(statuses(first.view)).toEqual({ filing: 'pending', site: 'pending', plan: 'waiting', 'fire-design': 'waiting' });
    const half = run([start('building', { project: '研发楼' }), approve('filing')]);
    expect(statuses(half.view)).toMatchObject({ plan: 'waiting', 'fire-design': 'waiting' });
    const both = run([start('building', { project: '研发楼' }), approve('filing'), approve('site')]);
    expect(statuses(both.view)).toMatchObject({ plan: 'pending', 'fire-design': 'pending' });
  });

  it('refuses a definition whose steps name no stage when the matter has stages', () => {
    expect(() =>
      defineMatter({ ...building, id: 'bad', steps: [{ ...building.steps[0]!, stage: undefined }] } as never),
    ).toThrow(/names one/);
  });
});
