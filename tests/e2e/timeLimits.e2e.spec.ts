import { CaseTimeLimitProjection, ManualClock, TimeLimitScheduler } from '@onematter/adapters';
import { CommandHandler, type BusMessage } from '@onematter/engine';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';

/**
 * Time limits end to end, in process, on a clock the test moves. Friday 26 September
 * 2025, 10:00 in Shanghai: the National Day week follows, and Sunday 28 September is
 * a 调休 working day. samr (企业开办, 1 working day committed) is due that Sunday; the
 * whole case (3 working days) on Tuesday 30 September.
 */
const FRIDAY = '2025-09-26T02:00:00.000Z';
const SATURDAY = '2025-09-27T02:00:00.000Z';
const MONDAY = '2025-09-29T02:00:00.000Z';
const SAMR_DUE = '2025-09-28T15:59:59.999Z';
const CASE_DUE = '2025-09-30T15:59:59.999Z';

const startBody = { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example };

interface EventRow { type: string; data: Record<string, unknown>; metadata: { actor?: string } }

let t: TestApp;
let clock: ManualClock;
const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, payload: payload as object });
const get = (url: string) => t.app.inject({ method: 'GET', url });
const eventsOf = async (id: string): Promise<EventRow[]> => (await get(`/api/v1/cases/${id}/events`)).json();
const ofType = (events: EventRow[], type: string) => events.filter((e) => e.type === type);

beforeEach(async () => {
  clock = new ManualClock(FRIDAY);
  // The test drives the scheduler with tick(); its own loop waits a minute between passes.
  t = await testApp({ clock, timeLimits: { pollIntervalMs: 60_000 } });
});
afterEach(async () => t.close());

describe('a clerk sees the time limits of a case', () => {
  it('shows dueAt, statutoryDueAt, elapsed and paused working days and the light on the case and every task', async () => {
    const c = (await post('/api/v1/cases', startBody)).json();
    clock.set(SATURDAY);
    const view = (await get(`/api/v1/cases/${c.id}`)).json();
    expect(view).toMatchObject({
      status: 'in-progress',
      dueAt: CASE_DUE,
      // No law sets a limit for 企业开办 as a whole (无法定时限); 设立登记 has one.
      statutoryDueAt: null,
      elapsedWorkingDays: 0,
      pausedWorkingDays: 0,
      light: 'green',
      clockState: 'running',
      committedDays: 3,
      statutoryDays: null,
    });
    // samr's one working day ends on the 调休 Sunday: yellow from Friday night.
    expect(view.tasks[0]).toMatchObject({ department: 'samr', status: 'pending', dueAt: SAMR_DUE, light: 'yellow', clockState: 'running' });
    // 市场主体登记管理条例 Art. 19: 3 working days (the 调休 Sunday, Monday, Tuesday).
    expect(view.tasks[0]).toMatchObject({ statutoryDays: 3, statutoryDueAt: '2025-09-30T15:59:59.999Z' });
    // A task waiting for samr's licence has no clock yet.
    expect(view.tasks[1]).toMatchObject({ department: 'psb', status: 'waiting', dueAt: null, light: null, clockState: 'not-started' });
  });

  it('sends the department its task with the committed due date', async () => {
    const messages: BusMessage[] = [];
    await t.runtime.bus.subscribe(t.runtime.topics.tasks('samr'), async (m) => void messages.push(m), { group: 'test' });
    await post('/api/v1/cases', startBody);
    await expect.poll(() => messages.length).toBe(1);
    expect(messages[0]!.value).toMatchObject({ department: 'samr', dueAt: SAMR_DUE });
  });
});

describe('the scheduler turns lights yellow and red and escalates', () => {
  it('records a warning, then the exceedance with one escalation to the supervisor, each once', async () => {
    const published: BusMessage[] = [];
    await t.runtime.bus.subscribe(t.runtime.topics.events, async (m) => void published.push(m), { group: 'supervision-test' });
    const c = (await post('/api/v1/cases', startBody)).json();
    const scheduler = t.runtime.timeLimits.scheduler!;

    clock.set(SATURDAY);
    expect(await scheduler.tick()).toBe(1);
    expect(ofType(await eventsOf(c.id), 'TimeLimitWarning')).toMatchObject([{ data: { scope: 'task', department: 'samr', limit: 'committed', dueAt: SAMR_DUE } }]);

    clock.set(MONDAY);
    expect(await scheduler.tick()).toBe(1);
    const events = await eventsOf(c.id);
    expect(ofType(events, 'TimeLimitExceeded')).toMatchObject([{ data: { scope: 'task', department: 'samr', limit: 'committed', dueAt: SAMR_DUE, at: MONDAY }, metadata: { actor: 'scheduler' } }]);
    expect(ofType(events, 'CaseEscalated')).toMatchObject([{ data: { to: 'supervisor', department: 'samr', dueAt: SAMR_DUE } }]);
    const view = (await get(`/api/v1/cases/${c.id}`)).json();
    expect(view.tasks[0].light).toBe('red');
    expect(view.light).toBe('green');

    // Another pass, and a second engine process on the same store, find nothing to add.
    expect(await scheduler.tick()).toBe(0);
    const other = new TimeLimitScheduler({
      projection: new CaseTimeLimitProjection(t.runtime.store, t.runtime.catalogue),
      handler: new CommandHandler({ store: t.runtime.store, catalogue: t.runtime.catalogue, clock, topics: t.runtime.topics }),
      calendar: t.runtime.timeLimits.calendar,
      clock,
    });
    await other.rebuild();
    expect(await other.tick()).toBe(0);
    expect(ofType(await eventsOf(c.id), 'TimeLimitExceeded')).toHaveLength(1);

    // Like every event, they go out on the events topic (电子监察).
    await expect.poll(() => published.filter((m) => m.headers['event-type'] === 'CaseEscalated').length).toBe(1);
  });

  it('two engine processes firing the same due timers at once record each of them once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await post('/api/v1/cases', startBody)).json().id);
    clock.set(MONDAY);
    const make = () =>
      new TimeLimitScheduler({
        projection: new CaseTimeLimitProjection(t.runtime.store, t.runtime.catalogue),
        handler: new CommandHandler({ store: t.runtime.store, catalogue: t.runtime.catalogue, clock, topics: t.runtime.topics }),
        calendar: t.runtime.timeLimits.calendar,
        clock,
      });
    const [a, b] = [make(), make()];
    await Promise.all([a.rebuild(), b.rebuild()]);
    const [na, nb] = await Promise.all([a.tick(), b.tick(), t.runtime.timeLimits.scheduler!.tick()]);
    expect(na! + nb!).toBeGreaterThan(0);
    for (const id of ids) {
      const events = await eventsOf(id);
      expect(ofType(events, 'TimeLimitExceeded')).toHaveLength(1);
      expect(ofType(events, 'CaseEscalated')).toHaveLength(1);
      // Past the limit when first seen: the exceedance alone, no late yellow.
      expect(ofType(events, 'TimeLimitWarning')).toHaveLength(0);
    }
  });

  it('does not go red while the applicant is supplementing, and moves the due date by the paused days', async () => {
    const c = (await post('/api/v1/cases', startBody)).json();
    const samr = c.tasks[0].id;
    // Asked on the Friday it started: the day it was asked counts, the pause runs from Sunday.
    const asked = await post(`/api/v1/tasks/${samr}/decisions`, { decisionId: 'd1', decision: 'supplement-required', missingMaterials: ['articles-of-association'] });
    expect(asked.statusCode, asked.body).toBe(200);
    clock.set('2025-10-10T02:00:00.000Z');
    // A paused clock is neither yellow nor red: nothing to record while the applicant is away.
    // A 补正 does not pause the statutory limit unless the matter's rules say so (enterprise-setup's
    // do not): samr's 3 working days under 市场主体登记管理条例 Art. 19 ran out on 30 September.
    expect(await t.runtime.timeLimits.scheduler!.tick()).toBe(1);
    expect(ofType(await eventsOf(c.id), 'TimeLimitWarning')).toHaveLength(0);
    expect(ofType(await eventsOf(c.id), 'TimeLimitExceeded')).toMatchObject([{ data: { department: 'samr', limit: 'statutory', dueAt: '2025-09-30T15:59:59.999Z' } }]);
    const paused = (await get(`/api/v1/cases/${c.id}`)).json();
    expect(paused).toMatchObject({ status: 'awaiting-supplement', clockState: 'paused', light: 'green', pausedWorkingDays: 5, elapsedWorkingDays: 0 });
    expect(paused.tasks[0]).toMatchObject({ clockState: 'paused', light: 'green', dueAt: '2025-10-11T15:59:59.999Z' });

    // Brought on Friday 10 October: 28, 29, 30 Sep and 9, 10 Oct did not count (5 working days).
    expect((await post(`/api/v1/cases/${c.id}/supplements`, { materials: ['articles-of-association'] })).statusCode).toBe(200);
    const resumed = (await get(`/api/v1/cases/${c.id}`)).json();
    expect(resumed).toMatchObject({ clockState: 'running', pausedWorkingDays: 5, dueAt: '2025-10-14T15:59:59.999Z', light: 'green' });
    // samr's single working day is Saturday 11 October (调休).
    expect(resumed.tasks[0]).toMatchObject({ dueAt: '2025-10-11T15:59:59.999Z', pausedWorkingDays: 5 });
    expect(ofType(await eventsOf(c.id), 'TimeLimitExceeded').filter((e) => e.data.limit === 'committed')).toHaveLength(0);
  });
});

describe('special procedures (特别程序) over HTTP', () => {
  it('pause the task and the case while an inspection runs, and refuse what makes no sense', async () => {
    const c = (await post('/api/v1/cases', startBody)).json();
    const samr = c.tasks[0].id;
    const url = `/api/v1/tasks/${samr}/special-procedures`;
    const started = await post(url, { kind: 'inspection', action: 'start', note: '现场核查经营场所' });
    expect(started.statusCode, started.body).toBe(200);
    expect(started.json().task).toMatchObject({ clockState: 'paused' });
    expect(started.json().case.specialProcedures).toEqual([{ kind: 'inspection', taskId: samr, note: '现场核查经营场所', startedAt: FRIDAY }]);
    expect((await post(url, { kind: 'inspection', action: 'start' })).statusCode).toBe(409);
    expect((await post(url, { kind: 'site-visit', action: 'start' })).statusCode).toBe(400);

    clock.set(MONDAY);
    await t.runtime.timeLimits.scheduler!.tick();
    expect(ofType(await eventsOf(c.id), 'TimeLimitExceeded')).toHaveLength(0);
    const ended = await post(url, { kind: 'inspection', action: 'end' });
    expect(ended.statusCode).toBe(200);
    // Sunday 28 and Monday 29 September did not count: samr is now due on Tuesday 30 (yellow from Monday night).
    expect(ended.json().task).toMatchObject({ clockState: 'running', pausedWorkingDays: 2, dueAt: '2025-09-30T15:59:59.999Z', light: 'green', warningAt: '2025-09-29T15:59:59.999Z' });
    expect((await post(url, { kind: 'inspection', action: 'end' })).statusCode).toBe(409);

    const whole = await post(`/api/v1/cases/${c.id}/special-procedures`, { kind: 'public-notice', action: 'start' });
    expect(whole.statusCode).toBe(200);
    // 公示 is recorded but is not an Art. 45 exclusion: its days count, the clock runs on.
    expect(whole.json()).toMatchObject({ clockState: 'running' });
    expect(whole.json().specialProcedures).toContainEqual(expect.objectContaining({ kind: 'public-notice' }));
    const events = (await eventsOf(c.id)).map((e) => e.type);
    expect(events.filter((x) => x.startsWith('SpecialProcedure'))).toEqual(['SpecialProcedureStarted', 'SpecialProcedureEnded', 'SpecialProcedureStarted']);
  });
});
