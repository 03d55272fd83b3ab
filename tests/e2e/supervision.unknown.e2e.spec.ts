import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';

/**
 * What the clock is doing: a case not accepted yet has no light, and the board counts it
 * in a fourth group with the reason (绿 + 黄 + 红 + 未知 = 在办); a 补正 pauses the case
 * and the task that asked, and GET /cases/:id says since when and why.
 */
let t: TestApp;
const start = (over: Record<string, unknown> = {}) =>
  t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example, ...over } });
const get = async (url: string) => (await t.app.inject({ url })).json();

describe('the clock on the board and on the case', () => {
  beforeEach(async () => {
    t = await testApp();
  });
  afterEach(async () => t.close());

  it('counts the open cases whose light is unknown as a fourth group, with the reason', async () => {
    expect((await start()).statusCode).toBe(201);
    expect((await start({ acceptance: 'pending' })).statusCode).toBe(201);
    const pending = (await start({ acceptance: 'pending' })).json();
    const o = await get('/api/v1/supervision/overview');
    const l = o.cases.byLight;
    expect(l.green + l.yellow + l.red + l.unknown).toBe(o.cases.open);
    expect(o.unknown).toEqual({ cases: 2, reasons: [{ reason: '尚未受理：受理后开始计算时限', cases: 2, caseIds: expect.arrayContaining([pending.id]) }] });
    expect(o.unknown.cases).toBe(l.unknown);
  });

  it('shows a paused clock on the case and on the task that asked for materials: since when and why', async () => {
    const c = (await start()).json();
    const asked = await t.app.inject({ method: 'POST', url: `/api/v1/tasks/${c.id}.samr/decisions`, payload: { decisionId: 's1', decision: 'supplement-required', missingMaterials: ['articles-of-association'] } });
    expect(asked.statusCode, asked.body).toBe(200);
    const v = await get(`/api/v1/cases/${c.id}`);
    expect(v.clockState).toBe('paused');
    expect(v.pausedBy).toEqual([{ cause: 'supplement', step: 'samr', since: expect.any(String) }]);
    const samr = v.tasks.find((x: { step: string }) => x.step === 'samr');
    expect(samr.pausedBy).toEqual(v.pausedBy);
    // Supplied: nothing is paused any more.
    await t.app.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/supplements`, payload: { materials: ['articles-of-association'] } });
    const after = await get(`/api/v1/cases/${c.id}`);
    expect(after.pausedBy).toBeUndefined();
    expect(after.tasks.find((x: { step: string }) => x.step === 'samr').pausedBy).toBeUndefined();
  });
});
