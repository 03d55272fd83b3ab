import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, testApp, type TestApp } from '../support/app.js';

/** A controllable clock: the service centre's day, moved by the test. */
const clock = { t: new Date('2026-03-02T02:00:00.000Z') };
let t: TestApp;
const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, payload: payload as object });
const get = (url: string) => t.app.inject({ method: 'GET', url });

/** A case nobody decides (an app without simulated departments): it stays in progress. */
async function openCase(): Promise<{ id: string; app: TestApp }> {
  const quiet = await testApp({ clock: { now: () => clock.t } });
  const c = (await quiet.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example } })).json();
  return { id: c.id, app: quiet };
}

async function completedCase(): Promise<string> {
  const c = (await post('/api/v1/cases', { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example })).json();
  await eventually(async () => ((await get(`/api/v1/cases/${c.id}`)).json().status === 'completed' ? true : undefined), 10_000, 'completion');
  return c.id;
}

beforeEach(async () => {
  clock.t = new Date('2026-03-02T02:00:00.000Z');
  t = await testApp({ simulateDepartments: true, clock: { now: () => clock.t } });
});
afterEach(async () => t.close());

describe('统一出件: all results handed out once, at one window', () => {
  it('lists every department\'s result and records the hand-out with its channel, once', async () => {
    const id = await completedCase();
    const receipt = (await get(`/api/v1/cases/${id}/results`)).json();
    expect(receipt.results.map((r: { department: string }) => r.department)).toEqual(['samr', 'psb', 'tax', 'bank', 'hrss', 'nhsa', 'hpf']);
    expect(receipt.results[0].output.unifiedSocialCreditCode).toMatch(/^[0-9A-Z]{18}$/);
    expect(receipt.issued).toBeNull();

    const issued = await post(`/api/v1/cases/${id}/results-issued`, { channel: 'window', note: '申请人本人领取' });
    expect(issued.statusCode).toBe(200);
    expect(issued.json().resultsIssued).toMatchObject({ channel: 'window', results: 7 });
    const events = (await get(`/api/v1/cases/${id}/events`)).json() as { type: string; data: { results?: unknown[] } }[];
    // The hand-out, then the applicant's visit to collect it (跑动 counts come from visits), in one append.
    expect(events.slice(-2).map((e) => e.type)).toEqual(['ResultsIssued', 'ApplicantVisited']);
    expect(events.at(-2)).toMatchObject({ type: 'ResultsIssued', data: { channel: 'window' } });
    expect(events.at(-2)!.data.results).toHaveLength(7);
    expect(events.at(-1)).toMatchObject({ data: { purpose: 'collect' } });

    expect((await post(`/api/v1/cases/${id}/results-issued`, { channel: 'window' })).statusCode).toBe(409);
  });

  it('refuses to hand out the results of a case still in progress, and a posting without an address', async () => {
    const open = await openCase();
    expect((await open.app.app.inject({ method: 'POST', url: `/api/v1/cases/${open.id}/results-issued`, payload: { channel: 'window' } })).statusCode).toBe(409);
    await open.app.close();
    const id = await completedCase();
    const r = await post(`/api/v1/cases/${id}/results-issued`, { channel: 'post' });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0].path).toBe('recipient');
  });
});

describe('好差评: every 差评 is rectified, verified and fed back', () => {
  it('a 满意 review opens nothing', async () => {
    const id = await completedCase();
    const r = await post(`/api/v1/cases/${id}/reviews`, { rating: '满意', comment: '办事快' });
    expect(r.statusCode).toBe(201);
    expect(r.json().reviews).toHaveLength(1);
    expect(r.json().rectifications).toHaveLength(0);
  });

  it('a 差评 opens a rectification that turns red if not closed within 15 working days', async () => {
    const id = await completedCase();
    const r = await post(`/api/v1/cases/${id}/reviews`, { rating: '非常不满意', comment: '窗口排队太久', reviewId: 'rv-1' });
    expect(r.statusCode).toBe(201);
    const rect = r.json().rectifications[0];
    // Opened Monday 2026-03-02: 15 working days later is Monday 2026-03-23, end of day in Shanghai.
    expect(rect).toMatchObject({ reviewId: 'rv-1', limitDays: 15, light: 'green', dueAt: '2026-03-23T15:59:59.999Z' });

    clock.t = new Date('2026-03-20T02:00:00.000Z');
    expect((await get(`/api/v1/cases/${id}`)).json().rectifications[0].light).toBe('yellow');
    clock.t = new Date('2026-03-24T02:00:00.000Z');
    expect((await get(`/api/v1/cases/${id}`)).json().rectifications[0].light).toBe('red');

    // The same review sent again is a no-op; another review before the rectification closes is refused.
    expect((await post(`/api/v1/cases/${id}/reviews`, { rating: '非常不满意', reviewId: 'rv-1' })).json().reviews).toHaveLength(1);
    expect((await post(`/api/v1/cases/${id}/reviews`, { rating: '满意' })).statusCode).toBe(409);

    const incomplete = await post(`/api/v1/cases/${id}/rectifications/${rect.rectificationId}/close`, { measures: '增开窗口', verifiedBy: '', feedback: '' });
    expect(incomplete.statusCode).toBe(400);
    const closed = await post(`/api/v1/cases/${id}/rectifications/${rect.rectificationId}/close`, {
      measures: '高峰时段增开两个综合窗口',
      verifiedBy: '督办科 王五',
      feedback: '已电话回访申请人，告知整改结果',
    });
    expect(closed.statusCode).toBe(200);
    expect(closed.json().rectifications[0]).toMatchObject({ closedAt: '2026-03-24T02:00:00.000Z', verifiedBy: '督办科 王五', light: 'red' });
    // After the rectification, one re-review.
    expect((await post(`/api/v1/cases/${id}/reviews`, { rating: '满意', comment: '整改后满意' })).statusCode).toBe(201);
  });

  it('refuses a review of a case still in progress, and an unknown rating', async () => {
    const open = await openCase();
    expect((await open.app.app.inject({ method: 'POST', url: `/api/v1/cases/${open.id}/reviews`, payload: { rating: '满意' } })).statusCode).toBe(409);
    await open.app.close();
    const id = await completedCase();
    const bad = await post(`/api/v1/cases/${id}/reviews`, { rating: '还行' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toBe('rating');
  });
});
