import { z } from 'zod';
import { createCatalogue } from '../src/definition/catalogue.js';
import { defineMatter } from '../src/definition/definition.js';
import { decide } from '../src/case/decide.js';
import { evolve } from '../src/case/evolve.js';
import { initialCaseState, type CaseState } from '../src/case/state.js';
import type { CaseCommand } from '../src/case/commands.js';
import type { CaseEvent } from '../src/case/events.js';
import { expect } from 'vitest';

/** A small matter shaped like enterprise setup: one registration, then three in parallel. */
export const miniSetup = defineMatter({
  id: 'mini-setup',
  version: 1,
  name: '小型企业开办',
  statutoryDays: 8,
  committedDays: 3,
  form: z.object({ enterpriseName: z.string().min(2) }),
  materials: [
    { code: 'application-form', name: '申请书', required: true },
    { code: 'address-proof', name: '住所证明', required: true },
    { code: 'optional-letter', name: '委托书', required: false },
  ],
  steps: [
    { id: 'samr', department: 'samr', service: '设立登记', statutoryDays: 5, committedDays: 1, output: z.object({ uscc: z.string().length(18) }) },
    { id: 'tax', department: 'tax', service: '发票', dependsOn: ['samr'], statutoryDays: 2, committedDays: 1 },
    { id: 'bank', department: 'bank', service: '开户', dependsOn: ['samr'], statutoryDays: 3, committedDays: 1 },
    { id: 'psb', department: 'psb', service: '刻章', dependsOn: ['samr'], statutoryDays: 1, committedDays: 1 },
  ],
  example: { enterpriseName: '测试公司' },
});

export const catalogue = createCatalogue([miniSetup]);
export const CASE = 'case-1';
export const T0 = '2025-09-26T02:00:00.000Z';
export const USCC = '91350100M000100Y43';
export const applicant = { name: '张三', idType: 'resident-id', idNumber: '11010519491231002X', phone: '13800138000' };

export const startCase = (over: Partial<Extract<CaseCommand, { type: 'StartCase' }>['data']> = {}): CaseCommand => ({
  type: 'StartCase',
  data: { caseId: CASE, matter: 'mini-setup', applicant, form: { enterpriseName: '测试公司' }, ...over },
  now: T0,
});

export const decision = (
  step: string,
  d: 'approved' | 'rejected' | 'supplement-required',
  extra: { output?: Record<string, unknown>; reason?: string; missingMaterials?: string[]; decisionId?: string } = {},
): CaseCommand => ({
  type: 'RecordDecision',
  data: {
    taskId: `${CASE}.${step}`,
    decisionId: extra.decisionId ?? `${step}-${d}`,
    decision: d,
    ...(extra.output ? { output: extra.output } : step === 'samr' && d === 'approved' ? { output: { uscc: USCC } } : {}),
    ...(extra.reason ? { reason: extra.reason } : d === 'rejected' ? { reason: '不符合条件' } : {}),
    ...(extra.missingMaterials ? { missingMaterials: extra.missingMaterials } : d === 'supplement-required' ? { missingMaterials: ['address-proof'] } : {}),
  },
  now: T0,
});

/** Runs commands through decide and evolve, as the handler does, and returns every event. */
export function run(commands: CaseCommand[]): { state: CaseState; events: CaseEvent[] } {
  let state: CaseState = initialCaseState();
  const events: CaseEvent[] = [];
  for (const c of commands) {
    const r = decide(catalogue, c, state);
    if (!r.ok) throw new Error(`${c.type} failed: ${r.error.kind} ${r.error.message}`);
    for (const e of r.value) {
      state = evolve(catalogue, state, e, { revision: state.revision + 1, hash: `h${state.revision + 1}` });
      events.push(e);
    }
  }
  return { state, events };
}

/** given(history).when(command).then(events | error): a decider specification. */
export const given = (history: CaseCommand[]) => ({
  when: (command: CaseCommand) => {
    const { state } = run(history);
    const result = decide(catalogue, command, state);
    return {
      then: (expected: { type: string; data?: Record<string, unknown> }[]) => {
        expect(result.ok, result.ok ? '' : `${result.error.kind}: ${result.error.message}`).toBe(true);
        if (result.ok) expect(result.value).toMatchObject(expected);
      },
      thenFails: (kind: string, message?: RegExp) => {
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect(result.error.kind).toBe(kind);
          if (message) expect(result.error.message + JSON.stringify(result.error.errors ?? [])).toMatch(message);
        }
      },
    };
  },
});

/** A restaurant: the alcohol licence applies only when the form says so; stages for a building project. */
export const restaurant = defineMatter({
  id: 'restaurant',
  version: 1,
  name: '开办餐饮店',
  statutoryDays: 20,
  committedDays: 5,
  form: z.object({ name: z.string(), sellsAlcohol: z.boolean(), seats: z.number() }),
  materials: [],
  steps: [
    { id: 'licence', department: 'samr', service: '营业执照', statutoryDays: 3, committedDays: 1 },
    { id: 'food', department: 'samr', service: '食品经营许可', dependsOn: ['licence'], statutoryDays: 10, committedDays: 3 },
    { id: 'alcohol', department: 'samr', service: '酒类经营许可', dependsOn: ['licence'], when: { field: 'sellsAlcohol', equals: true }, statutoryDays: 10, committedDays: 3 },
    { id: 'fire', department: 'psb', service: '消防安全检查', dependsOn: ['alcohol'], when: { field: 'seats', in: [100, 200] }, statutoryDays: 10, committedDays: 3 },
  ],
  example: { name: '老王面馆', sellsAlcohol: false, seats: 20 },
});

export const building = defineMatter({
  id: 'building',
  version: 1,
  name: '工程建设项目审批',
  statutoryDays: 120,
  committedDays: 90,
  form: z.object({ project: z.string() }),
  materials: [],
  stages: [
    { id: 'land', name: '立项用地规划许可', lead: 'nrb' },
    { id: 'permit', name: '工程建设许可', lead: 'nrb' },
  ],
  steps: [
    { id: 'filing', department: 'nrb', service: '项目备案', stage: 'land', statutoryDays: 5, committedDays: 3 },
    { id: 'site', department: 'nrb', service: '选址意见', stage: 'land', statutoryDays: 10, committedDays: 5 },
    { id: 'plan', department: 'nrb', service: '建设工程规划许可', stage: 'permit', statutoryDays: 20, committedDays: 10 },
    { id: 'fire-design', department: 'psb', service: '消防设计审查', stage: 'permit', statutoryDays: 15, committedDays: 10 },
  ],
  example: { project: '研发楼' },
});
