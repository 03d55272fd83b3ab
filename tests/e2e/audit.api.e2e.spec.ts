/**
 * The auditor's HTTP API: replay as of a moment or a position, the timeline in
 * Chinese, a case's verification and the anchors; every read of a case is recorded
 * in the access log (who, when, why, what) before the answer is sent.
 */
import { accessLogStream, anchorDayOf, recordDailyAnchor, replayCase, toCaseView } from '@onematter/engine';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { manualClock } from '../support/audit.js';

let t: TestApp;
const clock = manualClock('2026-03-02T09:00:00+08:00');
const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

/** A case: started at 09:00, samr approves at 09:10, tax at 09:20 (Beijing time). */
async function caseWithTwoDecisions(): Promise<string> {
  clock.set('2026-03-02T09:00:00+08:00');
  const c = (await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example } })).json();
  clock.set('2026-03-02T09:10:00+08:00');
  const samr = enterpriseSetupV1.steps[0]!;
  expect((await t.app.inject({ method: 'POST', url: `/api/v1/tasks/${c.id}.samr/decisions`, payload: { decisionId: 'd1', decision: 'approved', output: samr.outputExample } })).statusCode).toBe(200);
  clock.set('2026-03-02T09:20:00+08:00');
  expect((await t.app.inject({ method: 'POST', url: `/api/v1/tasks/${c.id}.tax/decisions`, payload: { decisionId: 'd2', decision: 'approved', output: { taxpayerId: '91350100M000100Y43' } } })).statusCode).toBe(200);
  return c.id as string;
}

const statusOf = (view: { tasks: { step: string; status: string }[] }) => Object.fromEntries(view.tasks.map((x) => [x.step, x.status]));

describe('an auditor reads a case through the API', () => {
  beforeEach(async () => {
    t = await testApp({ clock, timeLimits: { scheduler: false } });
  });
  afterEach(async () => t.close());

  it('replays the state as of a moment between two decisions: samr approved, the other six pending', async () => {
    const id = await caseWithTwoDecisions();
    const r = await get(`/api/v1/cases/${id}/state?asOf=2026-03-02T09:15:00%2B08:00`);
    expect(r.statusCode, r.body).toBe(200);
    expect(statusOf(r.json())).toEqual({ samr: 'approved', psb: 'pending', tax: 'pending', bank: 'pending', hrss: 'pending', nhsa: 'pending', hpf: 'pending' });
    const now = (await get(`/api/v1/cases/${id}/state`)).json();
    expect(statusOf(now).tax).toBe('approved');
  });

  it('replays the state at a position: after CaseStarted alone, nothing is dispatched yet', async () => {
    const id = await caseWithTwoDecisions();
    const first = (await get(`/api/v1/cases/${id}/state?position=0`)).json();
    expect(first.revision).toBe(0);
    expect(Object.values(statusOf(first))).toEqual(Array(7).fill('waiting'));
    const last = (await get(`/api/v1/cases/${id}/events`)).json().length - 1;
    const atLast = (await get(`/api/v1/cases/${id}/state?position=${last}`)).json();
    const live = (await get(`/api/v1/cases/${id}`)).json();
    expect(atLast).toEqual(live);
  });

  it('refuses a moment before the case, a position past its end, and both at once', async () => {
    const id = await caseWithTwoDecisions();
    expect((await get(`/api/v1/cases/${id}/state?asOf=2026-03-01T00:00:00Z`)).statusCode).toBe(404);
    expect((await get(`/api/v1/cases/${id}/state?position=999`)).json()).toMatchObject({ status: 404, detail: expect.stringMatching(/no position 999/) });
    const both = await get(`/api/v1/cases/${id}/state?position=1&asOf=2026-03-02T09:15:00Z`);
    expect(both.statusCode).toBe(400);
    expect(both.json().errors[0].message).toMatch(/not both/);
    expect((await get('/api/v1/cases/no-such-case/state')).statusCode).toBe(404);
  });

  it('gives a timeline in Chinese: who did what, when, and which clock ran', async () => {
    const id = await caseWithTwoDecisions();
    const timeline = (await get(`/api/v1/cases/${id}/timeline`)).json();
    expect(timeline).toMatchObject({ caseId: id, matter: 'enterprise-setup', matterName: '企业开办', matterVersion: 1 });
    const [started, accepted, dispatched, decided] = timeline.entries;
    expect(started).toMatchObject({ position: 0, time: '2026-03-02 09:00:00', who: '综合窗口人员', clock: '办件计时中' });
    expect(started.what).toContain('受理「企业开办」');
    // Checked at the window: submission and acceptance (受理) at the same moment, two events.
    expect(accepted).toMatchObject({ position: 1, type: 'CaseAccepted', time: '2026-03-02 09:00:00', clock: '办件计时中' });
    const samr = `市场监督管理局（${enterpriseSetupV1.steps[0]!.service}）`;
    expect(dispatched.what).toBe(`派发任务至${samr}`);
    expect(dispatched.clock).toBe(`办件计时中；部门计时中：${samr}`);
    expect(decided).toMatchObject({ time: '2026-03-02 09:10:00', who: '市场监督管理局' });
    expect(decided.what).toContain('准予办理');
    const text = await get(`/api/v1/cases/${id}/timeline?format=text`);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.body.split('\n')[0]).toBe('#0 2026-03-02 09:00:00  综合窗口人员：受理「企业开办」（事项版本 v1）申请，申请人 张三，收取材料 4 项〔办件计时中〕');
  });

  it('shows pauses for 补正 in the timeline, and renders event types it does not know', async () => {
    clock.set('2026-03-02T09:00:00+08:00');
    const c = (await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example } })).json();
    clock.advance(60_000);
    await t.app.inject({ method: 'POST', url: `/api/v1/tasks/${c.id}.samr/decisions`, payload: { decisionId: 's1', decision: 'supplement-required', missingMaterials: ['articles-of-association'] } });
    const entries = (await get(`/api/v1/cases/${c.id}/timeline`)).json().entries;
    const requested = entries.find((e: { type: string }) => e.type === 'SupplementRequested');
    expect(requested.clock).toBe(`办件计时暂停（补正）；部门计时暂停：市场监督管理局（${enterpriseSetupV1.steps[0]!.service}）`);
    // Materials by their names in the definition, not their codes.
    expect(requested.what).toContain('一次性告知申请人补正材料：公司章程');
    expect(requested.what).not.toContain('articles-of-association');

    const { caseTimeline } = await import('@onematter/engine');
    const custom = caseTimeline('x', [{ position: 0, type: 'SomethingNew', data: { foo: 'bar', at: 'x' }, recordedAt: '2026-03-02T01:00:00.000Z' }]);
    expect(custom.entries[0]!.what).toBe('其他事件〔SomethingNew〕：foo bar');
  });

  it('records every read in the access log: who (X-Actor), why (reason), what, when', async () => {
    const id = await caseWithTwoDecisions();
    clock.set('2026-03-03T10:00:00+08:00');
    await get(`/api/v1/cases/${id}/state?reason=${encodeURIComponent('专项审计')}`, { 'x-actor': 'auditor-li' });
    await get(`/api/v1/cases/${id}/timeline`, { 'x-audit-reason': encodeURIComponent('投诉核查') });
    await get(`/api/v1/cases/${id}/verification`, { 'x-actor': 'auditor-li', 'x-audit-reason': 'sampling' });
    const log = await t.runtime.store.readStream(accessLogStream(anchorDayOf(clock.now())));
    expect(log.map((e) => e.data)).toEqual([
      { caseId: id, actor: 'auditor-li', reason: '专项审计', route: 'GET /api/v1/cases/:id/state', at: '2026-03-03T02:00:00.000Z' },
      { caseId: id, actor: 'anonymous', reason: '投诉核查', route: 'GET /api/v1/cases/:id/timeline', at: '2026-03-03T02:00:00.000Z' },
      { caseId: id, actor: 'auditor-li', reason: 'sampling', route: 'GET /api/v1/cases/:id/verification', at: '2026-03-03T02:00:00.000Z' },
    ]);
    // The access log is hash-chained like a case, and not published as case events.
    expect(log.map((e) => e.position)).toEqual([0, 1, 2]);
    expect(log[1]!.prevHash).toBe(log[0]!.hash);
  });

  it('verifies a case and lists the daily anchors, which name it once its day is anchored', async () => {
    const id = await caseWithTwoDecisions();
    expect((await get(`/api/v1/cases/${id}/verification`)).json()).toMatchObject({ intact: true, anchored: 0, problem: null });
    const anchored = await recordDailyAnchor(t.runtime.store, { now: new Date('2026-03-03T08:00:00+08:00') });
    expect(anchored.kind).toBe('recorded');
    expect((await get(`/api/v1/cases/${id}/verification`)).json()).toMatchObject({ intact: true, anchored: 1 });
    const anchors = (await get('/api/v1/audit/anchors')).json();
    // Three streams: the case (11 events), that day's 办件编号 (one) and its access log (the first verification read).
    expect(anchors.anchors).toEqual([expect.objectContaining({ day: '2026-03-02', cutoff: '2026-03-02T16:00:00.000Z', streams: 3, events: 13, root: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
  });
});

describe('an auditor replays a case that has case snapshots', () => {
  beforeEach(async () => {
    // A snapshot every 2 events, so this short case has several.
    t = await testApp({ clock, timeLimits: { scheduler: false }, snapshotEvery: 2, store: 'sqlite' });
  });
  afterEach(async () => t.close());

  it('shows at every position and moment the same state as a fold of every event, and verifies each snapshot', async () => {
    const id = await caseWithTwoDecisions();
    const snapshots = await t.runtime.snapshots.all(id);
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    const events = await t.runtime.store.readStream(id);
    for (const e of events) {
      const full = replayCase(t.runtime.catalogue, events, { position: e.position });
      if (!full.ok) throw new Error(full.error.message);
      const r = await get(`/api/v1/cases/${id}/state?position=${e.position}`);
      expect(r.statusCode, r.body).toBe(200);
      expect(statusOf(r.json())).toEqual(statusOf(toCaseView(full.value)));
      expect(r.json().revision).toBe(e.position);
    }
    const between = (await get(`/api/v1/cases/${id}/state?asOf=2026-03-02T09:15:00%2B08:00`)).json();
    expect(statusOf(between)).toMatchObject({ samr: 'approved', tax: 'pending' });
    const v = (await get(`/api/v1/cases/${id}/verification`)).json();
    expect(v).toMatchObject({ intact: true, snapshotsChecked: snapshots.length, badSnapshots: [] });
  });
});
