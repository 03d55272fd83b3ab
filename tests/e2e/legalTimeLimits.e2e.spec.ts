import { ManualClock } from '@onematter/adapters';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';

/**
 * The legal model of the time limits, as a department officer and a clerk notice it
 * (行政许可法 Arts. 32, 42, 45). Monday 7 December 2026, 09:00 in Shanghai: no holiday
 * near. samr (企业开办) commits 1 working day: due Tuesday 8 December.
 */
const sh = (date: string, hh = '10') => `${date}T${String(Number(hh) - 8).padStart(2, '0')}:00:00.000Z`;
const endOf = (date: string) => `${date}T15:59:59.999Z`;
const MONDAY = sh('2026-12-07', '09');

const startBody = { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example };

interface EventRow { type: string; data: Record<string, unknown> }

let t: TestApp;
let clock: ManualClock;
const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, payload: payload as object });
const get = (url: string) => t.app.inject({ method: 'GET', url });
const eventsOf = async (id: string): Promise<EventRow[]> => (await get(`/api/v1/cases/${id}/events`)).json();
const ofType = (events: EventRow[], type: string) => events.filter((e) => e.type === type);
const taskOf = async (id: string, dept: string) => ((await get(`/api/v1/cases/${id}`)).json().tasks as Record<string, unknown>[]).find((x) => x.department === dept)!;
const samrApproved = { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L350100202600001' };

beforeEach(async () => {
  clock = new ManualClock(MONDAY);
  t = await testApp({ clock, timeLimits: { pollIntervalMs: 60_000 } });
});
afterEach(async () => t.close());

describe('a 补正 asked on the task committed due day', () => {
  it('is not red nor escalated while paused, and the due date moves by the paused working days', async () => {
    const c = (await post('/api/v1/cases', startBody)).json();
    const scheduler = t.runtime.timeLimits.scheduler!;
    expect(await taskOf(c.id, 'samr')).toMatchObject({ dueAt: endOf('2026-12-08') });

    // Tuesday, the due day itself: samr asks for a supplement.
    clock.set(sh('2026-12-08'));
    const asked = await post(`/api/v1/tasks/${c.id}.samr/decisions`, { decisionId: 'd1', decision: 'supplement-required', missingMaterials: ['address-proof'], reason: '住所证明不清晰' });
    expect(asked.statusCode).toBe(200);

    // Wednesday and Thursday morning: still paused, never red, nothing escalated.
    for (const day of ['2026-12-09', '2026-12-10']) {
      clock.set(sh(day, '09'));
      await scheduler.tick();
      const task = await taskOf(c.id, 'samr');
      expect(task).toMatchObject({ clockState: 'paused' });
      expect(task.light).not.toBe('red');
    }
    const events = await eventsOf(c.id);
    expect(ofType(events, 'TimeLimitExceeded')).toEqual([]);
    expect(ofType(events, 'CaseEscalated')).toEqual([]);

    // Thursday 10:00 the applicant brings it: Wed and Thu are paused, the task is due Thursday.
    clock.set(sh('2026-12-10'));
    expect((await post(`/api/v1/cases/${c.id}/supplements`, { materials: ['address-proof'] })).statusCode).toBe(200);
    const back = await taskOf(c.id, 'samr');
    expect(back).toMatchObject({ status: 'pending', pausedWorkingDays: 2, dueAt: endOf('2026-12-10'), clockState: 'running' });
    expect(back.light).not.toBe('red');
    const view = (await get(`/api/v1/cases/${c.id}`)).json();
    // The case clock (3 days, due Thursday 10th) moved by the same 2 days.
    expect(view).toMatchObject({ pausedWorkingDays: 2, dueAt: endOf('2026-12-14') });
    await scheduler.tick();
    expect(ofType(await eventsOf(c.id), 'TimeLimitExceeded')).toEqual([]);

    // Friday: Thursday passed undecided, now it is red, once.
    clock.set(sh('2026-12-11'));
    await scheduler.tick();
    expect(ofType(await eventsOf(c.id), 'TimeLimitExceeded')).toMatchObject([{ data: { scope: 'task', department: 'samr', limit: 'committed', dueAt: endOf('2026-12-10') } }]);
  });
});

describe('an approved task that went through 补正', () => {
  it('shows its approval output, and no stale reason or missing materials', async () => {
    const c = (await post('/api/v1/cases', startBody)).json();
    await post(`/api/v1/tasks/${c.id}.samr/decisions`, { decisionId: 's1', decision: 'approved', output: samrApproved });
    await post(`/api/v1/tasks/${c.id}.hrss/decisions`, { decisionId: 'h1', decision: 'supplement-required', missingMaterials: ['identity-documents'], reason: '参保人员身份证明缺失' });
    expect(await taskOf(c.id, 'hrss')).toMatchObject({ status: 'supplement-required', reason: '参保人员身份证明缺失', missingMaterials: ['identity-documents'] });
    await post(`/api/v1/cases/${c.id}/supplements`, { materials: ['identity-documents'] });
    const approved = await post(`/api/v1/tasks/${c.id}.hrss/decisions`, { decisionId: 'h2', decision: 'approved', output: { socialInsuranceNumber: 'SB35010020260001' } });
    expect(approved.statusCode).toBe(200);
    const hrss = await taskOf(c.id, 'hrss');
    expect(hrss).toMatchObject({ status: 'approved', output: { socialInsuranceNumber: 'SB35010020260001' } });
    expect(hrss).not.toHaveProperty('reason');
    expect(hrss).not.toHaveProperty('missingMaterials');
  });
});
