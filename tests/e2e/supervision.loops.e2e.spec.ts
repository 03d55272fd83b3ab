import { ManualClock } from '@onematter/adapters';
import { DEPARTMENTS } from '@onematter/engine';
import { complaintV1, enterpriseSetupV1 } from '@onematter/workflows';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, testApp, type TestApp } from '../support/app.js';

/**
 * What a supervisor (督办科) sees of the service centre's own loops: every 差评 and its
 * 整改 against the 15-working-day limit, and 有诉即办 complaints with their on-time and
 * satisfaction rates, in `/supervision/overview` and `/supervision/stats`.
 *
 * March 2026 has no public holiday. Days are at 10:00 Shanghai time.
 */
const day = (d: number) => `2026-03-${String(d).padStart(2, '0')}T02:00:00.000Z`;
const ratings = (counts: Partial<Record<'非常满意' | '满意' | '基本满意' | '不满意' | '非常不满意', number>>) => ({
  非常满意: 0,
  满意: 0,
  基本满意: 0,
  不满意: 0,
  非常不满意: 0,
  ...counts,
});
const lights = (green: number, yellow: number, red: number, unknown = 0) => ({ green, yellow, red, unknown });

let t: TestApp;
let clock: ManualClock;
const post = async (url: string, payload: unknown) => {
  const r = await t.app.inject({ method: 'POST', url, payload: payload as object });
  if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
  return r.json();
};
const get = async (url: string) => {
  const r = await t.app.inject({ method: 'GET', url });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
};
const overview = () => get('/api/v1/supervision/overview');
const caseOf = (id: string) => get(`/api/v1/cases/${id}`);
const taskStatus = async (id: string, step: string) => (await caseOf(id)).tasks.find((x: { step: string }) => x.step === step)?.status;

/**
 * The departments answer as simulated systems; the service centre (gsc: 受理, 结果反馈,
 * 回访) is people at the window and the 12345 desk, so the test does its steps.
 */
beforeEach(async () => {
  clock = new ManualClock(day(2));
  t = await testApp({
    clock,
    simulateDepartments: true,
    simulation: { departments: DEPARTMENTS.filter((d) => d !== 'gsc') },
    // The test drives the scheduler with tick(); its own loop waits a minute between passes.
    timeLimits: { pollIntervalMs: 60_000 },
  });
});
afterEach(async () => t.close());

describe('好差评 and 整改 in the supervision numbers', () => {
  async function completedCase(): Promise<string> {
    const c = await post('/api/v1/cases', { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example });
    await eventually(async () => ((await caseOf(c.id)).status === 'completed' ? true : undefined), 10_000, 'completion');
    return c.id;
  }
  const close = (id: string, rectificationId: string) =>
    post(`/api/v1/cases/${id}/rectifications/${rectificationId}/close`, { measures: '高峰时段增开综合窗口', verifiedBy: '督办科 王五', feedback: '已电话告知申请人整改结果' });

  it('a 差评 opens a rectification that is open in the overview, turns red after 15 working days, and counts as rectified (late) once closed', async () => {
    const [x, y, z] = [await completedCase(), await completedCase(), await completedCase()];
    const before = await overview();
    expect(before.reviews).toEqual({ total: 0, byRating: ratings({}), bad: 0, badShare: null });
    expect(before.rectifications).toMatchObject({ opened: 0, open: 0, rectifiedRate: null, overdueItems: [] });

    await post(`/api/v1/cases/${x}/reviews`, { rating: '非常不满意', comment: '窗口排队太久', reviewId: 'rv-x' });
    await post(`/api/v1/cases/${y}/reviews`, { rating: '满意', reviewId: 'rv-y' });
    await post(`/api/v1/cases/${z}/reviews`, { rating: '不满意', comment: '告知不清', reviewId: 'rv-z' });

    let o = await overview();
    expect(o.reviews).toEqual({ total: 3, byRating: ratings({ 满意: 1, 不满意: 1, 非常不满意: 1 }), bad: 2, badShare: 0.6667 });
    expect(o.rectifications).toEqual({
      opened: 2,
      open: 2,
      byLight: lights(2, 0, 0),
      overdue: 0,
      closed: 0,
      closedOnTime: 0,
      closedLate: 0,
      rectifiedRate: 0,
      overdueItems: [],
    });
    // The completed cases are not open cases: the rectifications count apart.
    expect(o.cases).toEqual({ open: 0, byLight: lights(0, 0, 0) });

    // Tuesday 10 March: z's rectification is closed, well within its limit.
    clock.set(day(10));
    await close(z, 'rv-z-r');
    o = await overview();
    expect(o.rectifications).toMatchObject({ opened: 2, open: 1, byLight: lights(1, 0, 0), closed: 1, closedOnTime: 1, closedLate: 0, rectifiedRate: 0.5 });

    // x's limit: 15 working days after Monday 2 March is Monday 23 March. Yellow the working day before.
    clock.set(day(20));
    expect((await overview()).rectifications).toMatchObject({ open: 1, byLight: lights(0, 1, 0), overdue: 0 });
    clock.set(day(24));
    o = await overview();
    expect(o.rectifications).toMatchObject({ open: 1, byLight: lights(0, 0, 1), overdue: 1, rectifiedRate: 0.5 });
    expect(o.rectifications.overdueItems).toEqual([
      { caseId: x, matter: 'enterprise-setup', rectificationId: 'rv-x-r', reviewId: 'rv-x', reason: '差评：非常不满意（窗口排队太久）', openedAt: day(2), dueAt: '2026-03-23T15:59:59.999Z' },
    ]);
    expect(o.cases.byLight).toEqual(lights(0, 0, 0));
    // The case view agrees with the overview.
    expect((await caseOf(x)).rectifications[0]).toMatchObject({ light: 'red', dueAt: '2026-03-23T15:59:59.999Z' });

    await close(x, 'rv-x-r');
    o = await overview();
    expect(o.rectifications).toEqual({
      opened: 2,
      open: 0,
      byLight: lights(0, 0, 0),
      overdue: 0,
      closed: 2,
      closedOnTime: 1,
      closedLate: 1,
      rectifiedRate: 1,
      overdueItems: [],
    });

    // Over a period: reviews submitted and rectifications opened in it, filtered like the other stats.
    const march = await get('/api/v1/supervision/stats?from=2026-03-01&to=2026-03-31');
    expect(march.reviews).toMatchObject({ total: 3, bad: 2 });
    expect(march.rectifications).toEqual({ opened: 2, open: 0, byLight: lights(0, 0, 0), overdue: 0, closed: 2, closedOnTime: 1, closedLate: 1, rectifiedRate: 1 });
    const april = await get('/api/v1/supervision/stats?from=2026-04-01&to=2026-04-30');
    expect(april.reviews).toEqual({ total: 0, byRating: ratings({}), bad: 0, badShare: null });
    expect(april.rectifications).toMatchObject({ opened: 0, rectifiedRate: null });
    expect((await get('/api/v1/supervision/stats?department=samr')).reviews.total).toBe(3);
    expect((await get('/api/v1/supervision/stats?department=water')).reviews.total).toBe(0);
    expect((await get('/api/v1/supervision/stats?matter=complaint')).rectifications.opened).toBe(0);
  });
});

describe('有诉即办 in the supervision numbers', () => {
  const CENTRE = 'gsc';
  let n = 0;
  const decide = (id: string, step: string, output: Record<string, unknown>) =>
    post(`/api/v1/tasks/${id}.${step}/decisions`, { decisionId: `${step}-${++n}`, decision: 'approved', output });
  const date = () => clock.now().toISOString().slice(0, 10);

  async function complain(form: Record<string, unknown>): Promise<string> {
    const c = await post('/api/v1/cases', { matter: 'complaint', applicant: complaintV1.exampleApplicant, form: { ...complaintV1.example, ...form } });
    await decide(c.id, 'accept', { ticketNumber: `SQ20260302${String(++n).padStart(5, '0')}`, acceptedAt: date() });
    return c.id;
  }
  /** The responsible department (simulated) handles it; the centre's feedback task opens. */
  const handled = (id: string) => eventually(async () => ((await taskStatus(id, 'feedback')) === 'pending' ? true : undefined), 10_000, 'handling');
  async function feedbackAndFollowUp(id: string, satisfaction: string) {
    await decide(id, 'feedback', { notifiedBy: '电话', notifiedAt: date() });
    await decide(id, 'follow-up', { satisfaction, resolved: satisfaction !== '不满意', calledBackAt: date() });
  }

  it('a complaint runs its full loop with simulated departments and shows in the complaint numbers with its satisfaction', async () => {
    // Monday 2 March: three complaints, accepted at once and handled by samr and psb.
    const a = await complain({});
    const b = await complain({ channel: '12345热线', hotlineTicket: '2026030200123', responsibleDepartment: 'psb', subject: '户口迁移材料反复要求补充', description: '为孩子办理户口迁入，窗口多次要求补充不同材料，没有一次告知。' });
    const c = await complain({ urgency: '紧急' });
    for (const id of [a, b, c]) await handled(id);

    // a: result fed back and called back the same day; the complainant is satisfied.
    await feedbackAndFollowUp(a, '满意');
    const done = await caseOf(a);
    expect(done.status).toBe('completed');
    expect(done.tasks.map((x: { step: string; department: string; status: string }) => [x.step, x.department, x.status]).filter(([, , s]: string[]) => s !== 'skipped')).toEqual([
      ['accept', CENTRE, 'approved'],
      ['handle-samr', 'samr', 'approved'],
      ['feedback', CENTRE, 'approved'],
      ['follow-up', CENTRE, 'approved'],
    ]);
    expect(done.outputs['follow-up']).toMatchObject({ satisfaction: '满意' });

    // Thursday 12 March: past the 7 committed working days (due Wednesday 11 March). 跟踪督办: the scheduler escalates.
    clock.set(day(12));
    await t.runtime.timeLimits.scheduler!.tick();
    const red = await get('/api/v1/supervision/cases?light=red&matter=complaint');
    expect(red.items.map((x: { id: string }) => x.id).sort()).toEqual([b, c].sort());
    expect(red.items.every((x: { escalations: number }) => x.escalations > 0)).toBe(true);

    // b: fed back late, and the complainant is not satisfied. c stays open.
    await feedbackAndFollowUp(b, '不满意');
    expect((await caseOf(b)).status).toBe('completed');

    const row = (r: object) => ({ received: 0, open: 0, concluded: 0, onTime: 0, late: 0, onTimeRate: null, followUps: 0, satisfied: 0, satisfactionRate: null, bySatisfaction: ratings({}), ...r });
    const o = await overview();
    expect(o.complaints).toEqual({
      ...row({ received: 3, open: 1, concluded: 2, onTime: 1, late: 1, onTimeRate: 0.5, followUps: 2, satisfied: 1, satisfactionRate: 0.5, bySatisfaction: ratings({ 满意: 1, 不满意: 1 }) }),
      byDepartment: [
        { department: 'psb', ...row({ received: 1, concluded: 1, late: 1, onTimeRate: 0, followUps: 1, satisfactionRate: 0, bySatisfaction: ratings({ 不满意: 1 }) }) },
        { department: 'samr', ...row({ received: 2, open: 1, concluded: 1, onTime: 1, onTimeRate: 1, followUps: 1, satisfied: 1, satisfactionRate: 1, bySatisfaction: ratings({ 满意: 1 }) }) },
      ],
    });
    // A 回访 answer is not a 好差评 review: it counts only in the complaint numbers.
    expect(o.reviews.total).toBe(0);

    // Over a period: received, concluded and answered each on their own day; the department is the responsible one.
    const thursday = await get('/api/v1/supervision/stats?from=2026-03-12&to=2026-03-12');
    expect(thursday.complaints).toMatchObject({ received: 0, concluded: 1, onTime: 0, late: 1, followUps: 1, satisfied: 0, satisfactionRate: 0 });
    const samr = await get('/api/v1/supervision/stats?department=samr');
    expect(samr.complaints).toMatchObject({ received: 2, concluded: 1, onTimeRate: 1, satisfactionRate: 1 });
    expect(samr.complaints.byDepartment.map((d: { department: string }) => d.department)).toEqual(['samr']);
    expect((await get('/api/v1/supervision/stats?matter=enterprise-setup')).complaints).toMatchObject({ received: 0, byDepartment: [] });
  });
});
