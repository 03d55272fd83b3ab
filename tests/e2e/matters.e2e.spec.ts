import { complaintV1, constructionProjectV1, resaleHousingTransferV1 } from '@onematter/workflows';
import type { MatterDefinition } from '@onematter/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';

/** Matters whose shape is the point: an order across departments, stages, a loop back to the citizen. */

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(async () => t.close());

type CaseJson = { id: string; status: string; tasks: { id: string; step: string; status: string }[]; outputs: Record<string, Record<string, unknown>> };
const get = async (url: string) => (await t.app.inject({ method: 'GET', url })).json();
const start = async (m: MatterDefinition, form: Record<string, unknown> = m.example): Promise<CaseJson> => {
  const r = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { matter: m.id, applicant: m.exampleApplicant, form } });
  expect(r.statusCode, r.body).toBe(201);
  return r.json();
};
/** A department approves its task with the output its step documents (or the one given). */
const approve = (m: MatterDefinition, caseId: string, step: string, output?: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/tasks/${caseId}.${step}/decisions`,
    payload: { decisionId: `d-${step}`, decision: 'approved', output: output ?? m.steps.find((s) => s.id === step)!.outputExample },
  });
const statuses = (c: CaseJson) => Object.fromEntries(c.tasks.map((x) => [x.step, x.status]));

describe('二手房转移登记及水电气网联动过户', () => {
  const m = resaleHousingTransferV1;
  const utilities = ['water', 'power', 'gas', 'network'];

  it('registers the transfer first; water, power, gas and network follow in parallel once it is done', async () => {
    const c = await start(m);
    // The example pays in full and has no heating: no mortgage, no heat transfer.
    expect(statuses(c)).toEqual({ tax: 'pending', transfer: 'waiting', mortgage: 'skipped', water: 'waiting', power: 'waiting', gas: 'waiting', network: 'waiting', heat: 'skipped' });

    expect((await approve(m, c.id, 'tax')).statusCode).toBe(200);
    const registering = await get(`/api/v1/cases/${c.id}`);
    expect(statuses(registering)).toMatchObject({ tax: 'approved', transfer: 'pending', water: 'waiting', power: 'waiting', gas: 'waiting', network: 'waiting' });
    // No company may transfer an account before the registry has registered the new owner.
    expect((await approve(m, c.id, 'water')).statusCode).toBe(409);

    const registered = await approve(m, c.id, 'transfer');
    expect(registered.statusCode).toBe(200);
    expect(statuses(registered.json().case)).toMatchObject({ transfer: 'approved', water: 'pending', power: 'pending', gas: 'pending', network: 'pending' });

    // In the stream: the four dispatches are the consequence of the registry's decision, together.
    const events = (await get(`/api/v1/cases/${c.id}/events`)) as { type: string; data: { step?: string } }[];
    const order = events.map((e) => `${e.type}:${e.data.step ?? ''}`);
    const registeredAt = order.indexOf('DecisionRecorded:transfer');
    for (const u of utilities) expect(order.indexOf(`TaskDispatched:${u}`), u).toBeGreaterThan(registeredAt);
    const batch = order.slice(registeredAt + 1).filter((e) => e.startsWith('TaskDispatched:') || e.startsWith('DecisionRecorded:'));
    expect(batch.slice(0, 4).sort()).toEqual(utilities.map((u) => `TaskDispatched:${u}`).sort());

    // The companies answer in any order, at the same time.
    const answers = await Promise.all(['network', 'gas', 'power', 'water'].map((u) => approve(m, c.id, u)));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    const done = await get(`/api/v1/cases/${c.id}`);
    expect(done.status).toBe('completed');
    expect(done.outputs.transfer.certificateNumber).toMatch(/不动产权第\d{7}号$/);
  });

  it('adds the mortgage registration and the heat transfer when the form asks, after the registry', async () => {
    const c = await start(m, m.otherExamples[0]!.form);
    expect(statuses(c)).toEqual({ tax: 'pending', transfer: 'waiting', mortgage: 'waiting', water: 'waiting', power: 'waiting', gas: 'skipped', network: 'skipped', heat: 'waiting' });
    await approve(m, c.id, 'tax');
    const after = (await approve(m, c.id, 'transfer')).json().case;
    expect(statuses(after)).toMatchObject({ mortgage: 'pending', water: 'pending', power: 'pending', heat: 'pending' });
  });

  it('refuses a utility transfer whose output does not fit the documented shape, naming the field', async () => {
    const c = await start(m);
    await approve(m, c.id, 'tax');
    await approve(m, c.id, 'transfer');
    const r = await approve(m, c.id, 'water', { transferReference: 'WS-1', newAccountHolder: '周八', effectiveDate: '2026-03-04' });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors.map((e: { path: string }) => e.path)).toContain('output.transferReference');
  });
});

describe('工程建设项目审批: 一家牵头、并联审批、限时办结', () => {
  const m = constructionProjectV1;

  it('cannot start stage two before every step of stage one is approved', async () => {
    const c = await start(m);
    expect(statuses(c)).toMatchObject({
      'project-approval': 'pending', 'site-and-land': 'pending', 'land-use-permit': 'waiting',
      'design-review': 'waiting', 'planning-permit': 'waiting', eia: 'waiting', 'preliminary-design': 'skipped',
      'drawing-review': 'waiting', 'completion-filing': 'waiting', 'fire-filing': 'skipped',
    });

    await approve(m, c.id, 'project-approval');
    await approve(m, c.id, 'site-and-land');
    const almost = await get(`/api/v1/cases/${c.id}`);
    expect(statuses(almost)).toMatchObject({ 'land-use-permit': 'pending', 'design-review': 'waiting', eia: 'waiting' });
    // A stage-two department cannot decide early: its task is not open yet.
    const early = await approve(m, c.id, 'design-review');
    expect(early.statusCode).toBe(409);
    expect(early.json().detail ?? early.body).toMatch(/waiting/);

    const stageOneDone = (await approve(m, c.id, 'land-use-permit')).json().case;
    // Stage two opens in parallel: 规划 design review and 环评 together; the permit waits for the review.
    expect(statuses(stageOneDone)).toMatchObject({ 'design-review': 'pending', eia: 'pending', 'planning-permit': 'waiting', 'drawing-review': 'waiting' });
  });

  it('runs all four stages in order to completion, each stage opening only when the one before is done', async () => {
    const c = await start(m);
    const stageOf = new Map(m.steps.map((s) => [s.id, s.stage!]));
    const order = m.stages.map((s) => s.id);
    const opened: string[] = [];
    for (;;) {
      const now = (await get(`/api/v1/cases/${c.id}`)) as CaseJson;
      const open = now.tasks.filter((x) => x.status === 'pending');
      if (open.length === 0) break;
      // Only steps of one stage are ever open at a time…
      const stages = new Set(open.map((x) => stageOf.get(x.step)!));
      expect(stages.size, [...stages].join(', ')).toBe(1);
      const [stage] = stages;
      if (opened.at(-1) !== stage) {
        // …and a stage opens only when every step of the stages before it is done or does not apply.
        const earlier = now.tasks.filter((x) => order.indexOf(stageOf.get(x.step)!) < order.indexOf(stage!));
        expect(earlier.every((x) => x.status === 'approved' || x.status === 'skipped'), `before ${stage}`).toBe(true);
        opened.push(stage!);
      }
      await Promise.all(open.map((x) => approve(m, c.id, x.step)));
    }
    expect(opened).toEqual(order);
    expect((await get(`/api/v1/cases/${c.id}`)).status).toBe('completed');
  });
});

describe('有诉即办: a complaint runs its whole loop as a case', () => {
  const m = complaintV1;

  it('受理 → 承办部门办理 → 结果反馈 → 回访评价, then the case completes with the satisfaction on record', async () => {
    const c = await start(m);
    const handlers = m.steps.filter((s) => s.id.startsWith('handle-')).map((s) => s.id);
    expect(statuses(c)).toMatchObject({ accept: 'pending', 'handle-samr': 'waiting', feedback: 'waiting', 'follow-up': 'waiting' });
    // Only the department the form names handles it; the others are skipped, visibly.
    expect(handlers.filter((h) => statuses(c)[h] === 'skipped')).toHaveLength(handlers.length - 1);

    expect(statuses((await approve(m, c.id, 'accept')).json().case)).toMatchObject({ 'handle-samr': 'pending', feedback: 'waiting' });
    expect(statuses((await approve(m, c.id, 'handle-samr')).json().case)).toMatchObject({ feedback: 'pending', 'follow-up': 'waiting' });
    expect(statuses((await approve(m, c.id, 'feedback')).json().case)).toMatchObject({ 'follow-up': 'pending' });

    const refused = await approve(m, c.id, 'follow-up', { satisfaction: '还行', resolved: true, calledBackAt: '2026-03-05' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().errors.map((e: { path: string }) => e.path)).toContain('output.satisfaction');

    const closed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/tasks/${c.id}.follow-up/decisions`,
      payload: { decisionId: 'd-follow-up-2', decision: 'approved', output: { satisfaction: '非常满意', resolved: true, calledBackAt: '2026-03-05', remark: '退款已到账' } },
    });
    expect(closed.statusCode).toBe(200);
    const done = closed.json().case;
    expect(done.status).toBe('completed');
    expect(done.outputs['follow-up']).toMatchObject({ satisfaction: '非常满意', resolved: true });
    expect(Object.keys(done.outputs).sort()).toEqual(['accept', 'feedback', 'follow-up', 'handle-samr']);
  });

  it('routes a 12345 complaint to the department the form names, and needs the work-order number', async () => {
    const hotline = m.otherExamples.find((e) => e.form.responsibleDepartment === 'nhsa')!.form;
    const c = await start(m, hotline);
    await approve(m, c.id, 'accept');
    const after = await get(`/api/v1/cases/${c.id}`);
    expect(after.tasks.filter((x: { status: string }) => x.status === 'pending').map((x: { step: string }) => x.step)).toEqual(['handle-nhsa']);

    const { hotlineTicket: _, ...noTicket } = hotline;
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { matter: m.id, applicant: m.exampleApplicant, form: noTicket } });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors.map((e: { path: string }) => e.path)).toContain('form.hotlineTicket');
  });
});
