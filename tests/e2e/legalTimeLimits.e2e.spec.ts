import { ManualClock } from '@onematter/adapters';
import { commitmentProblems } from '@onematter/engine';
import { defaultCatalogue, enterpriseSetupV1 } from '@onematter/workflows';
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

    // Friday: Thursday passed undecided, now it is red, once. (The statutory limit, 3 working
    // days under 市场主体登记管理条例 Art. 19, is not paused by a 补正 unless the matter says so.)
    clock.set(sh('2026-12-11'));
    await scheduler.tick();
    const late = ofType(await eventsOf(c.id), 'TimeLimitExceeded');
    expect(late.filter((e) => e.data.limit === 'committed')).toMatchObject([{ data: { scope: 'task', department: 'samr', dueAt: endOf('2026-12-10') } }]);
    expect(late.filter((e) => e.data.limit === 'statutory')).toMatchObject([{ data: { scope: 'task', department: 'samr', dueAt: endOf('2026-12-10') } }]);
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

describe('extensions (延长), within what the governing law allows', () => {
  const extend = (url: string, workingDays: number, extra: Record<string, unknown> = {}) =>
    post(url, { workingDays, reason: '情形复杂，需核实股东身份', approvedBy: '登记机关负责人 王五', ...extra });

  it('moves the statutory and committed due dates of a task once, and the light follows', async () => {
    const c = (await post('/api/v1/cases', startBody)).json();
    const url = `/api/v1/tasks/${c.id}.samr/extensions`;
    // 市场主体登记管理条例 Art. 19: 3 working days, + 3.
    expect(await taskOf(c.id, 'samr')).toMatchObject({ statutoryDays: 3, statutoryDueAt: endOf('2026-12-10'), dueAt: endOf('2026-12-08'), extendedWorkingDays: 0 });

    const tooMany = await extend(url, 4);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().errors).toEqual([expect.objectContaining({ path: 'workingDays', message: expect.stringMatching(/3 个工作日.*《市场主体登记管理条例》第十九条/) })]);
    expect((await post(url, { workingDays: 2, reason: '', approvedBy: '王五' })).statusCode).toBe(400);

    clock.set(sh('2026-12-08'));
    const ok = await extend(url, 3);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().task).toMatchObject({ extendedWorkingDays: 3, statutoryDueAt: endOf('2026-12-15'), dueAt: endOf('2026-12-11') });
    expect(ofType(await eventsOf(c.id), 'TimeLimitExtended')).toMatchObject([
      { data: { scope: 'task', department: 'samr', workingDays: 3, approvedBy: '登记机关负责人 王五', basis: '《市场主体登记管理条例》第十九条' } },
    ]);

    // Past the old committed due date: not red, nothing escalated.
    clock.set(sh('2026-12-09'));
    await t.runtime.timeLimits.scheduler!.tick();
    expect((await taskOf(c.id, 'samr')).light).not.toBe('red');
    expect(ofType(await eventsOf(c.id), 'TimeLimitExceeded')).toEqual([]);

    const again = await extend(url, 1);
    expect(again.statusCode).toBe(400);
    expect(JSON.stringify(again.json().errors)).toMatch(/只能延长一次/);

    const timeline = (await get(`/api/v1/cases/${c.id}/timeline`)).json();
    expect(timeline.entries.map((e: { what: string }) => e.what).join('\n')).toMatch(/法定时限延长 3 个工作日/);
  });

  it('refuses a step no law limits, and a case whose matter has no statutory limit', async () => {
    const c = (await post('/api/v1/cases', startBody)).json();
    const psb = await extend(`/api/v1/tasks/${c.id}.psb/extensions`, 1);
    expect(psb.statusCode).toBe(400);
    expect(JSON.stringify(psb.json().errors)).toMatch(/无法定时限/);
    const whole = await extend(`/api/v1/cases/${c.id}/extensions`, 1);
    expect(whole.statusCode).toBe(400);
    expect(JSON.stringify(whole.json().errors)).toMatch(/无法定时限/);
  });

  it('extends a joint handling by at most 15 working days (行政许可法 Art. 42 para 2)', async () => {
    // 45 working days from June fall within the calendar's known years.
    clock.set(sh('2026-06-01'));
    const restaurant = (await get('/api/v1/matters/restaurant')).json();
    const c = (await post('/api/v1/cases', { matter: 'restaurant', applicant: restaurant.exampleApplicant, form: restaurant.example })).json();
    const before = (await get(`/api/v1/cases/${c.id}`)).json();
    expect(before).toMatchObject({ statutoryDays: 45 });
    const url = `/api/v1/cases/${c.id}/extensions`;
    const over = await extend(url, 16);
    expect(over.statusCode).toBe(400);
    expect(JSON.stringify(over.json().errors)).toMatch(/15 个工作日.*第四十二条第二款/);
    const ok = await extend(url, 15, { approvedBy: '县人民政府负责人 赵六' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ extendedWorkingDays: 15 });
    expect(Date.parse(ok.json().statutoryDueAt)).toBeGreaterThan(Date.parse(before.statutoryDueAt));
  });
});

describe('the matter definition states each limit with its law', () => {
  it('GET /matters/:id gives statutoryDays (null: 无法定时限), statutoryBasis, extensionDays and extensionBasis per step', async () => {
    const m = (await get('/api/v1/matters/enterprise-setup')).json();
    expect(m).toMatchObject({ statutoryDays: null, extensionDays: null });
    expect(m.steps.find((s: { id: string }) => s.id === 'samr')).toMatchObject({
      statutoryDays: 3,
      statutoryBasis: '《市场主体登记管理条例》第十九条',
      extensionDays: 3,
      extensionBasis: '《市场主体登记管理条例》第十九条',
    });
    expect(m.steps.find((s: { id: string }) => s.id === 'psb')).toMatchObject({ statutoryDays: null, statutoryBasis: null, extensionDays: null, extensionBasis: null });
    const view = (await post('/api/v1/cases', startBody)).json();
    expect(view).toMatchObject({ statutoryDays: null, statutoryDueAt: null });
  });
});

describe('a service centre commits its own limits (--commitments)', () => {
  it('鹿邑 commits 1 working day for 企业开办: the case is due the next working day', async () => {
    const luyi = await testApp({ clock, timeLimits: { pollIntervalMs: 60_000 }, commitments: { 'enterprise-setup': { committedDays: 1, steps: { samr: 1 } } } });
    try {
      const c = (await luyi.app.inject({ method: 'POST', url: '/api/v1/cases', payload: startBody })).json();
      expect(c).toMatchObject({ committedDays: 1, dueAt: endOf('2026-12-08') });
      expect((await luyi.app.inject({ method: 'GET', url: '/api/v1/matters' })).json().find((m: { id: string }) => m.id === 'enterprise-setup')).toMatchObject({ committedDays: 1 });
    } finally {
      await luyi.close();
    }
  });

  it('refuses a promise beyond the law, or an unknown matter or step, naming each', () => {
    const problems = commitmentProblems(defaultCatalogue(), { 'enterprise-setup': { steps: { samr: 4, nope: 1 } }, 'no-such-matter': { committedDays: 1 } });
    expect(problems).toEqual([expect.stringMatching(/enterprise-setup\.steps\.nope: unknown step/), expect.stringMatching(/no-such-matter: unknown matter/)]);
    expect(commitmentProblems(defaultCatalogue(), { 'enterprise-setup': { steps: { samr: 4 } } })).toEqual([expect.stringMatching(/committed limit 4 exceeds statutory 3/)]);
  });
});

describe('submission and 受理 (行政许可法 Art. 32)', () => {
  const submitted = (materials: string[]) => post('/api/v1/cases', { ...startBody, materials, acceptance: 'pending' });
  const all = ['application-form', 'articles-of-association', 'identity-documents', 'address-proof'];

  it('at the window, with every material, submission and acceptance are one moment, as before', async () => {
    const c = (await post('/api/v1/cases', startBody)).json();
    expect(c.acceptance).toEqual({ status: 'accepted', submittedAt: MONDAY, acceptedAt: MONDAY });
    expect((await eventsOf(c.id)).slice(0, 3).map((e) => e.type)).toEqual(['CaseStarted', 'CaseAccepted', 'TaskDispatched']);
  });

  it('an incomplete application gets its 一次告知, the supplement, then acceptance; the clocks start at acceptance', async () => {
    const c = (await submitted(['application-form', 'identity-documents'])).json();
    expect(c).toMatchObject({ status: 'in-progress', clockState: 'not-started', dueAt: null, acceptance: { status: 'pending', dueAt: endOf('2026-12-14'), light: 'green' } });
    expect(c.tasks.every((x: { status: string }) => x.status === 'waiting')).toBe(true);
    // Not complete: it cannot be accepted, the refusal names what is missing.
    const early = await post(`/api/v1/cases/${c.id}/acceptance`, {});
    expect(early.statusCode).toBe(400);
    expect(JSON.stringify(early.json().errors)).toMatch(/articles-of-association.*address-proof/);

    clock.set(sh('2026-12-08'));
    const notice = await post(`/api/v1/cases/${c.id}/material-notices`, { missingMaterials: ['articles-of-association', 'address-proof'], reason: '章程未签字' });
    expect(notice.statusCode, notice.body).toBe(200);
    expect(notice.json()).toMatchObject({ status: 'awaiting-supplement', acceptance: { status: 'noticed', noticedAt: sh('2026-12-08'), light: 'green', clockState: 'stopped' } });
    // 一次告知 is once.
    expect((await post(`/api/v1/cases/${c.id}/material-notices`, { missingMaterials: ['address-proof'] })).statusCode).toBe(409);

    clock.set(sh('2026-12-10'));
    expect((await post(`/api/v1/cases/${c.id}/supplements`, { materials: ['articles-of-association', 'address-proof'] })).statusCode).toBe(200);
    clock.set(sh('2026-12-11'));
    const accepted = await post(`/api/v1/cases/${c.id}/acceptance`, {});
    expect(accepted.statusCode, accepted.body).toBe(200);
    const view = accepted.json();
    // Accepted Friday 11th: 3 committed working days to Wednesday 16th; no pause counted before acceptance.
    expect(view).toMatchObject({ status: 'in-progress', clockState: 'running', dueAt: endOf('2026-12-16'), pausedWorkingDays: 0, acceptance: { status: 'accepted', acceptedAt: sh('2026-12-11') } });
    expect(view.tasks.find((x: { department: string }) => x.department === 'samr')).toMatchObject({ status: 'pending', dueAt: endOf('2026-12-14'), statutoryDueAt: endOf('2026-12-16') });
    expect((await post(`/api/v1/cases/${c.id}/acceptance`, {})).statusCode).toBe(409);
    const timeline = (await get(`/api/v1/cases/${c.id}/timeline`)).json().entries.map((e: { what: string }) => e.what).join('\n');
    expect(timeline).toMatch(/一次告知申请人需要补正的全部材料/);
    expect(timeline).toMatch(/受理申请/);
  });

  it('an application neither accepted nor answered within 5 working days turns red and is escalated', async () => {
    const c = (await submitted(all)).json();
    const scheduler = t.runtime.timeLimits.scheduler!;
    clock.set(sh('2026-12-14'));
    await scheduler.tick();
    expect(ofType(await eventsOf(c.id), 'TimeLimitExceeded')).toEqual([]);
    clock.set(sh('2026-12-15'));
    await scheduler.tick();
    expect(ofType(await eventsOf(c.id), 'TimeLimitExceeded')).toMatchObject([{ data: { scope: 'acceptance', limit: 'statutory', dueAt: endOf('2026-12-14') } }]);
    expect(ofType(await eventsOf(c.id), 'CaseEscalated')).toHaveLength(1);
    expect((await get(`/api/v1/cases/${c.id}`)).json().acceptance).toMatchObject({ status: 'pending', light: 'red' });
  });
});
