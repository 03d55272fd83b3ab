import { ManualClock } from '@onematter/adapters';
import { authOf } from '@onematter/api';
import { enterpriseChangeV1, enterpriseSetupV1, restaurantV1, seniorCardV1 } from '@onematter/workflows';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, testApp, type TestApp } from '../support/app.js';

/**
 * The service modes of the county centres (issue 15), end to end through the REST API,
 * on a clock the test moves. Monday 2 March 2026, 10:00 in Shanghai.
 */
const MONDAY = '2026-03-02T02:00:00.000Z';

interface EventRow { type: string; data: Record<string, unknown>; recordedAt: string; position: number }

let t: TestApp;
let clock: ManualClock;
const post = (url: string, payload?: unknown) => t.app.inject({ method: 'POST', url, ...(payload !== undefined ? { payload: payload as object } : {}) });
const get = (url: string) => t.app.inject({ method: 'GET', url });
const eventsOf = async (id: string): Promise<EventRow[]> => (await get(`/api/v1/cases/${id}/events`)).json();
const typesOf = async (id: string) => (await eventsOf(id)).map((e) => e.type);
const timelineOf = async (id: string): Promise<string[]> => (await get(`/api/v1/cases/${id}/timeline`)).json().entries.map((e: { text: string }) => e.text);
const stats = async (query = '') => (await get(`/api/v1/supervision/stats${query}`)).json().modes;
/** Every timer the scheduler has due now, recorded. */
async function fireDueTimers(): Promise<void> {
  for (let i = 0; i < 50 && (await t.runtime.timeLimits.scheduler!.tick()) > 0; i++);
}
const exampleOutput = (def: typeof restaurantV1, step: string) => def.steps.find((s) => s.id === step)!.outputExample!;

beforeEach(async () => {
  clock = new ManualClock(MONDAY);
  t = await testApp({ clock, timeLimits: { pollIntervalMs: 60_000 } });
});
afterEach(async () => t.close());

describe('即办件: a case decided at the window never leaves it', () => {
  const onTheSpotOutputs = Object.fromEntries(enterpriseChangeV1.steps.map((s) => [s.id, s.outputExample!]));
  const addressOnly = enterpriseChangeV1.otherExamples[0]!.form;

  it('completes a change of address on the spot: no task is dispatched, the visit is counted, the timeline says 即办', async () => {
    const r = await post('/api/v1/cases', {
      matter: 'enterprise-change',
      applicant: enterpriseChangeV1.exampleApplicant,
      form: addressOnly,
      channel: 'window',
      onTheSpot: { officer: '综合窗口 李四', outputs: onTheSpotOutputs },
    });
    expect(r.statusCode).toBe(201);
    const c = r.json();
    expect(c.status).toBe('completed');
    expect(c.completedAt).toBe(MONDAY);
    expect(c.modes).toMatchObject({ onTheSpot: true, onTheSpotSteps: ['registration', 'tax', 'hrss', 'nhsa', 'hpf'], channel: 'window', visits: [{ purpose: 'apply', at: MONDAY }] });
    expect(c.tasks.filter((x: { status: string }) => x.status === 'approved')).toHaveLength(5);
    const types = await typesOf(c.id);
    expect(types).not.toContain('TaskDispatched');
    expect(types).toEqual(expect.arrayContaining(['ApplicantVisited', 'HandledOnTheSpot', 'CaseCompleted']));
    // No department queue ever saw it.
    const queue = (await get('/api/v1/cases?department=samr&taskStatus=pending')).json();
    expect(queue.items.map((x: { id: string }) => x.id)).not.toContain(c.id);
    const lines = await timelineOf(c.id);
    expect(lines.some((l) => l.includes('即办件：窗口人员 综合窗口 李四 当场审核办结 5 个环节'))).toBe(true);
    expect(lines.some((l) => l.includes('申请人到窗口提交申请（跑动一次）'))).toBe(true);
    expect(lines.some((l) => l.includes('准予办理（即办，窗口当场办结）'))).toBe(true);
  });

  it('answers a retry of the same 即办 application with its case, and refuses the same key asking for a dispatch instead', async () => {
    const body = { matter: 'enterprise-change', applicant: enterpriseChangeV1.exampleApplicant, form: addressOnly, channel: 'window' };
    const spot = { officer: '综合窗口 李四', outputs: onTheSpotOutputs };
    const send = (payload: object) => t.app.inject({ method: 'POST', url: '/api/v1/cases', payload, headers: { 'idempotency-key': 'window-3-jiban-001' } });
    const first = await send({ ...body, onTheSpot: spot });
    expect(first.statusCode).toBe(201);
    const again = await send({ ...body, onTheSpot: spot });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toMatchObject({ id: first.json().id, status: 'completed' });
    // The same form without 即办 asks the departments to decide: another application, never this completed case.
    const other = await send(body);
    expect(other.statusCode).toBe(409);
    expect(other.json().errors[0].path).toBe('headers.idempotency-key');
  });

  it('refuses 即办 where the matter does not allow it for the form, naming the field', async () => {
    const r = await post('/api/v1/cases', {
      matter: 'enterprise-change',
      applicant: enterpriseChangeV1.exampleApplicant,
      form: enterpriseChangeV1.example, // a name change: a new seal and the bank are needed
      onTheSpot: { officer: '李四', outputs: onTheSpotOutputs },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0].path).toBe('onTheSpot');
    const bad = await post('/api/v1/cases', { matter: 'enterprise-change', applicant: enterpriseChangeV1.exampleApplicant, form: addressOnly, onTheSpot: { officer: '李四', outputs: { registration: { licenceNumber: 'x' } } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toContain('onTheSpot.outputs.registration.unifiedSocialCreditCode');
  });

  it('counts the 即办件 share and the visits per case from the events', async () => {
    await post('/api/v1/cases', { matter: 'enterprise-change', applicant: enterpriseChangeV1.exampleApplicant, form: addressOnly, channel: 'window', onTheSpot: { officer: '李四', outputs: onTheSpotOutputs } });
    const other = (await post('/api/v1/cases', { matter: 'enterprise-change', applicant: enterpriseChangeV1.exampleApplicant, form: addressOnly, channel: 'online' })).json();
    expect(other.modes.onTheSpot).toBe(false);
    expect((await post(`/api/v1/cases/${other.id}/visits`, { purpose: 'enquiry', note: '询问办理进度' })).statusCode).toBe(201);
    const m = await stats('?matter=enterprise-change');
    expect(m).toMatchObject({ cases: 2, onTheSpot: 1, onTheSpotShare: 0.5, visits: 2, avgVisitsPerCase: 1 });
    expect(m.byDepartment.find((d: { department: string }) => d.department === 'samr')).toMatchObject({ cases: 2, onTheSpot: 1 });
  });
});

describe('容缺受理: accepted with a minor material missing, on a signed promise', () => {
  const missingAddress = enterpriseSetupV1.materials.filter((m) => m.required && m.code !== 'address-proof').map((m) => m.code);
  const deferredBody = {
    matter: 'enterprise-setup',
    applicant: enterpriseSetupV1.exampleApplicant,
    form: enterpriseSetupV1.example,
    materials: missingAddress,
    deferred: { materials: ['address-proof'], signedBy: '张三', statement: '本人承诺 5 个工作日内补交住所使用证明，逾期未补交的同意撤销受理' },
  };

  it('runs the case, reminds, escalates and revokes the acceptance when the promise expires', async () => {
    const r = await post('/api/v1/cases', deferredBody);
    expect(r.statusCode).toBe(201);
    const c = r.json();
    expect(c.status).toBe('in-progress');
    expect(c.tasks[0]).toMatchObject({ department: 'samr', status: 'pending' });
    // 5 working days from Monday 2 March: end of Monday 9 March in Shanghai.
    expect(c.modes.deferred).toMatchObject({ materials: ['address-proof'], promiseDays: 5, state: 'open', dueAt: '2026-03-09T15:59:59.999Z', light: 'green' });
    expect(c.modes.resultsHeld).toBe(true);

    clock.set('2026-03-07T02:00:00.000Z');
    await fireDueTimers();
    const warned = (await eventsOf(c.id)).filter((e) => e.type === 'TimeLimitWarning' && e.data.scope === 'promise');
    expect(warned).toHaveLength(1);
    const asOfReminder = clock.now().toISOString();

    clock.set('2026-03-10T02:00:00.000Z');
    await fireDueTimers();
    await fireDueTimers();
    const events = await eventsOf(c.id);
    expect(events.filter((e) => e.type === 'TimeLimitExceeded' && e.data.scope === 'promise')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'CaseEscalated' && e.data.scope === 'promise')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'DeferredAcceptanceRevoked')).toHaveLength(1);
    const view = (await get(`/api/v1/cases/${c.id}`)).json();
    expect(view.status).toBe('withdrawn');
    expect(view.reason).toContain('住所使用证明');
    expect(view.modes.deferred).toMatchObject({ state: 'revoked', light: 'red' });
    expect(view.tasks.filter((x: { status: string }) => x.status === 'cancelled').length).toBeGreaterThan(0);
    // The case list and the department queue agree.
    expect((await get('/api/v1/cases?status=withdrawn')).json().items.map((x: { id: string }) => x.id)).toContain(c.id);
    expect((await get('/api/v1/cases?department=samr&taskStatus=pending')).json().items.map((x: { id: string }) => x.id)).not.toContain(c.id);
    // Too late to bring it now; nothing is ever issued.
    expect((await post(`/api/v1/cases/${c.id}/deferred-materials`, { materials: ['address-proof'] })).statusCode).toBe(409);

    const lines = await timelineOf(c.id);
    // Materials by their names in the definition.
    expect(lines.some((l) => l.includes('容缺受理：缺少非关键材料 住所使用证明，申请人 张三 签署承诺书'))).toBe(true);
    expect(lines.some((l) => l.includes('黄灯预警：容缺材料补交承诺承诺期限'))).toBe(true);
    expect(lines.some((l) => l.includes('撤销受理：容缺材料「住所使用证明」逾期未补交'))).toBe(true);

    // Replay as of the reminder: the promise was still open, the case in progress.
    const then = (await get(`/api/v1/cases/${c.id}/state?asOf=${encodeURIComponent(asOfReminder)}`)).json();
    expect(then.status).toBe('in-progress');
    expect(then.modes.deferred).toMatchObject({ state: 'open', light: 'yellow' });

    const m = await stats();
    expect(m.deferred).toMatchObject({ granted: 1, open: 0, overdue: 1, kept: 0, revoked: 1 });
  });

  it('holds the results until the material arrives, then issues them; the promise is kept', async () => {
    const sim = await testApp({ clock, simulateDepartments: true, timeLimits: { pollIntervalMs: 60_000 } });
    try {
      const c = (await sim.app.inject({ method: 'POST', url: '/api/v1/cases', payload: deferredBody })).json();
      await eventually(async () => ((await sim.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}` })).json().status === 'completed' ? true : undefined), 10_000, 'completion');
      const held = await sim.app.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/results-issued`, payload: { channel: 'window' } });
      expect(held.statusCode).toBe(409);
      expect(held.json().detail ?? held.json().title).toContain('address-proof');
      const brought = await sim.app.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/deferred-materials`, payload: { materials: ['address-proof'] } });
      expect(brought.statusCode).toBe(200);
      expect(brought.json().modes).toMatchObject({ resultsHeld: false, deferred: { state: 'kept', outstanding: [] } });
      expect((await sim.app.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/results-issued`, payload: { channel: 'window' } })).statusCode).toBe(200);
      const m = (await sim.app.inject({ method: 'GET', url: '/api/v1/supervision/stats' })).json().modes;
      expect(m.deferred).toMatchObject({ granted: 1, kept: 1, open: 0, overdue: 0 });
    } finally {
      await sim.close();
    }
  });

  it('refuses to defer an essential material, and a promise nobody signed', async () => {
    const essential = await post('/api/v1/cases', { ...deferredBody, materials: missingAddress.filter((m) => m !== 'articles-of-association'), deferred: { ...deferredBody.deferred, materials: ['address-proof', 'articles-of-association'] } });
    expect(essential.statusCode).toBe(400);
    expect(essential.json().errors[0]).toMatchObject({ path: 'deferred.materials.1' });
    const unsigned = await post('/api/v1/cases', { ...deferredBody, deferred: { ...deferredBody.deferred, signedBy: ' ' } });
    expect(unsigned.statusCode).toBe(400);
    expect(unsigned.json().errors[0].path).toBe('deferred.signedBy');
  });
});

describe('告知承诺制: approval on commitment, a follow-up check, revocation when it fails', () => {
  const bigRestaurant = restaurantV1.otherExamples[0]!.form;

  async function decideAll(id: string, fireOnCommitment: boolean): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const view = (await get(`/api/v1/cases/${id}`)).json();
      const pending = view.tasks.filter((x: { status: string }) => x.status === 'pending');
      if (pending.length === 0) return;
      for (const task of pending) {
        const r = await post(`/api/v1/tasks/${task.id}/decisions`, {
          decisionId: `d-${task.step}`,
          decision: 'approved',
          output: task.step === 'fire' ? { inspectionNumber: 'XF350100202600007', result: '告知承诺后核查' } : exampleOutput(restaurantV1, task.step),
          ...(task.step === 'fire' && fireOnCommitment ? { onCommitment: true } : {}),
        });
        expect(r.statusCode, `${task.step}: ${r.body}`).toBe(200);
      }
    }
  }

  it('schedules the check with its own limit; a failed check revokes the approval and withdraws its result', async () => {
    const c = (await post('/api/v1/cases', { matter: 'restaurant', applicant: restaurantV1.exampleApplicant, form: bigRestaurant })).json();
    await decideAll(c.id, true);
    const done = (await get(`/api/v1/cases/${c.id}`)).json();
    expect(done.status).toBe('completed');
    // 20 working days from Monday 2 March 2026: Monday 30 March.
    expect(done.modes.checks).toMatchObject([{ checkId: 'fire-check', step: 'fire', department: 'fire', limitDays: 20, state: 'due', dueAt: '2026-03-30T15:59:59.999Z', light: 'green' }]);
    expect((await stats()).checks).toMatchObject({ scheduled: 1, due: 1, overdue: 0, failed: 0 });
    // The fire service's 核查待办 lists it; another department's does not.
    expect((await get('/api/v1/compliance-checks?department=fire')).json().items).toMatchObject([{ caseId: c.id, checkId: 'fire-check', dueAt: '2026-03-30T15:59:59.999Z', state: 'due' }]);
    expect((await get('/api/v1/compliance-checks?department=samr')).json().items).toEqual([]);

    clock.set('2026-03-16T02:00:00.000Z');
    const failed = await post(`/api/v1/cases/${c.id}/compliance-checks/fire-check`, { outcome: 'failed', findings: '现场疏散通道被占用，与承诺不符', checkedBy: '消防救援机构 赵六' });
    expect(failed.statusCode).toBe(200);
    expect(failed.json().modes.checks[0]).toMatchObject({ state: 'failed', revokedAt: '2026-03-16T02:00:00.000Z' });
    const receipt = (await get(`/api/v1/cases/${c.id}/results`)).json();
    expect(receipt.results.find((r: { step: string }) => r.step === 'fire')).toMatchObject({ withdrawn: true });
    expect(receipt.results.find((r: { step: string }) => r.step === 'food')).toMatchObject({ withdrawn: false });
    // The revoked result is not handed out.
    const issued = (await post(`/api/v1/cases/${c.id}/results-issued`, { channel: 'window' })).json();
    expect(issued.resultsIssued.results).toBe(receipt.results.length - 1);
    expect((await post(`/api/v1/cases/${c.id}/compliance-checks/fire-check`, { outcome: 'passed', findings: 'x', checkedBy: 'y' })).statusCode).toBe(409);

    const lines = await timelineOf(c.id);
    expect(lines.some((l) => l.includes('准予办理（告知承诺制，依申请人书面承诺审批）'))).toBe(true);
    expect(lines.some((l) => l.includes('告知承诺审批后安排事中事后核查：消防救援机构（公众聚集场所投入使用、营业前消防安全检查），须在 20 个工作日内完成'))).toBe(true);
    expect(lines.some((l) => l.includes('撤销消防救援机构（公众聚集场所投入使用、营业前消防安全检查）的告知承诺审批，办理结果收回'))).toBe(true);
    expect((await stats()).checks).toMatchObject({ scheduled: 1, due: 0, failed: 1 });
    expect((await get('/api/v1/compliance-checks?department=fire')).json().items).toEqual([]);
    expect((await get('/api/v1/compliance-checks?state=failed')).json().items).toMatchObject([{ caseId: c.id, state: 'failed' }]);
  });

  it('escalates a check not done within its limit', async () => {
    const c = (await post('/api/v1/cases', { matter: 'restaurant', applicant: restaurantV1.exampleApplicant, form: bigRestaurant })).json();
    await decideAll(c.id, true);
    clock.set('2026-03-31T02:00:00.000Z');
    await fireDueTimers();
    const escalated = (await eventsOf(c.id)).filter((e) => e.type === 'CaseEscalated' && e.data.scope === 'check');
    expect(escalated).toHaveLength(1);
    expect((await stats()).checks).toMatchObject({ due: 1, overdue: 1 });
  });

  it('takes an approval on commitment from the department\'s decision topic too', async () => {
    const c = (await post('/api/v1/cases', { matter: 'restaurant', applicant: restaurantV1.exampleApplicant, form: bigRestaurant })).json();
    await post(`/api/v1/tasks/${c.tasks[0].id}/decisions`, { decisionId: 'd-licence', decision: 'approved', output: exampleOutput(restaurantV1, 'licence') });
    const fire = `${c.id}.fire`;
    await t.runtime.bus.publish([
      {
        topic: t.runtime.topics.decisionsFrom('fire'),
        key: c.id,
        headers: {},
        value: { decisionId: 'fire-1', taskId: fire, department: 'fire', decision: 'approved', output: { inspectionNumber: 'XF350100202600007', result: '告知承诺后核查' }, onCommitment: true },
      },
    ]);
    const view = await eventually(async () => {
      const v = (await get(`/api/v1/cases/${c.id}`)).json();
      return v.modes.checks.length > 0 ? v : undefined;
    }, 10_000, 'the check');
    expect(view.modes.checks[0]).toMatchObject({ checkId: 'fire-check', state: 'due', limitDays: 20 });
  });

  it('refuses approval on commitment where the law does not allow it', async () => {
    const c = (await post('/api/v1/cases', { matter: 'restaurant', applicant: restaurantV1.exampleApplicant, form: bigRestaurant })).json();
    await post(`/api/v1/tasks/${c.tasks[0].id}/decisions`, { decisionId: 'd-licence', decision: 'approved', output: exampleOutput(restaurantV1, 'licence') });
    const food = (await get(`/api/v1/cases/${c.id}`)).json().tasks.find((x: { step: string }) => x.step === 'food');
    const r = await post(`/api/v1/tasks/${food.id}/decisions`, { decisionId: 'd-food', decision: 'approved', output: exampleOutput(restaurantV1, 'food'), onCommitment: true });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0].path).toBe('onCommitment');
  });
});

describe('帮办代办: a helper applies on the applicant\'s authority', () => {
  it('records who acted on whose authority, in the case, the timeline and the count', async () => {
    const r = await post('/api/v1/cases', {
      matter: 'enterprise-setup',
      applicant: enterpriseSetupV1.exampleApplicant,
      form: enterpriseSetupV1.example,
      channel: 'home-visit',
      agent: { name: '村协管员 孙七', authorisation: 'WT-2026-0001' },
    });
    expect(r.statusCode).toBe(201);
    expect(r.json().modes).toMatchObject({ channel: 'home-visit', agent: { name: '村协管员 孙七', authorisation: 'WT-2026-0001' }, visits: [] });
    const lines = await timelineOf(r.json().id);
    expect(lines[0]).toContain('办理渠道：上门服务；帮办代办：代办员 村协管员 孙七');
    expect(lines[0]).toContain('授权委托书 WT-2026-0001');
    expect((await stats()).proxy).toBe(1);
    const missing = await post('/api/v1/cases', { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example, agent: { name: '孙七', authorisation: '' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors[0].path).toBe('agent.authorisation');
  });
});

describe('帮办代办 with sign-in: the 代办员 role', () => {
  it('lets an agent apply only with an authorisation, and records the agent\'s identity as who acted', async () => {
    const secured = await testApp({ clock }, { auth: { enabled: true, signInRateLimit: { max: 10_000, timeWindowMs: 60_000 } } });
    try {
      const { key } = await authOf(secured.app).directory.createKey({ role: 'agent', name: '兰考 村协管员' });
      const as = (payload: object) => secured.app.inject({ method: 'POST', url: '/api/v1/cases', headers: { authorization: `Bearer ${key}` }, payload });
      const body = { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example, channel: 'video' };
      const refused = await as(body);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().errors[0].path).toBe('agent.authorisation');
      const r = await as({ ...body, agent: { name: '村协管员 孙七', authorisation: 'WT-2026-0002' } });
      expect(r.statusCode).toBe(201);
      expect(r.json().modes.agent).toMatchObject({ name: '村协管员 孙七', authorisation: 'WT-2026-0002', id: expect.stringMatching(/^key\./) });
      // An agent acts for applicants; it does not read the centre's cases.
      const read = await secured.app.inject({ method: 'GET', url: `/api/v1/cases/${r.json().id}`, headers: { authorization: `Bearer ${key}` } });
      expect(read.statusCode).toBe(403);
    } finally {
      await secured.close();
    }
  });
});

describe('申请人: the applicant sees and reviews what an agent filed for them, and nothing else', () => {
  /** 张三 (the example applicant) and 王五, another resident. */
  const A = enterpriseSetupV1.exampleApplicant!;
  const B = { name: '王五', idType: 'resident-id', idNumber: '370102197912011110', phone: '13700137000' };

  it('lists, opens and reviews their own case; another applicant gets "not found" everywhere', async () => {
    const secured = await testApp({ clock }, { auth: { enabled: true, signInRateLimit: { max: 10_000, timeWindowMs: 60_000 } } });
    try {
      const d = authOf(secured.app).directory;
      const agent = (await d.createKey({ role: 'agent', name: '兰考 村协管员' })).key;
      const clerk = (await d.createKey({ role: 'clerk', name: '综窗' })).key;
      const auditor = (await d.createKey({ role: 'auditor', name: '审计' })).key;
      // The ID number is written as people type it: lower-case x and spaces.
      const applicantA = (await d.createKey({ role: 'applicant', name: '张三', applicantId: ' 11010519491231002x' })).key;
      const applicantB = (await d.createKey({ role: 'applicant', name: '王五', applicantId: B.idNumber })).key;
      const as = (key: string, method: 'GET' | 'POST', url: string, payload?: object) =>
        secured.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });

      const filed = await as(agent, 'POST', '/api/v1/cases', {
        matter: 'enterprise-setup', applicant: A, form: enterpriseSetupV1.example, channel: 'home-visit',
        agent: { name: '村协管员 孙七', authorisation: 'WT-2026-0003' },
      });
      expect(filed.statusCode).toBe(201);
      const mine = filed.json().id as string;
      const others = (await as(clerk, 'POST', '/api/v1/cases', { matter: 'enterprise-setup', applicant: B, form: enterpriseSetupV1.example, channel: 'window' })).json().id as string;

      // 我的办件: only the case filed under A's ID number, however A asks.
      const listed = await as(applicantA, 'GET', '/api/v1/cases');
      expect(listed.statusCode).toBe(200);
      expect(listed.json().items.map((c: { id: string }) => c.id)).toEqual([mine]);
      expect((await as(applicantA, 'GET', `/api/v1/cases?q=${B.idNumber}`)).json().items).toEqual([]);
      expect((await as(applicantA, 'GET', `/api/v1/cases?q=${others}`)).json().items).toEqual([]);
      expect((await as(applicantB, 'GET', '/api/v1/cases')).json().items.map((c: { id: string }) => c.id)).toEqual([others]);

      // A opens the case: who filed it on whose authority, in the case and in the timeline.
      const opened = await as(applicantA, 'GET', `/api/v1/cases/${mine}`);
      expect(opened.statusCode).toBe(200);
      expect(opened.json().modes.agent).toMatchObject({ name: '村协管员 孙七', authorisation: 'WT-2026-0003' });
      const timeline = await as(applicantA, 'GET', `/api/v1/cases/${mine}/timeline`);
      expect(timeline.statusCode).toBe(200);
      expect(timeline.json().entries[0].text).toContain('帮办代办：代办员 村协管员 孙七');
      expect(timeline.json().entries[0].text).toContain('授权委托书 WT-2026-0003');

      // B reaches none of A's case, nor A B's.
      for (const url of [`/api/v1/cases/${mine}`, `/api/v1/cases/${mine}/timeline`, `/api/v1/cases/${mine}/events`, `/api/v1/cases/${mine}/results`]) {
        expect((await as(applicantB, 'GET', url)).statusCode, url).toBe(404);
      }
      expect((await as(applicantB, 'POST', `/api/v1/cases/${mine}/applicant-review`, { agreed: false, comment: '不是我' })).statusCode).toBe(404);
      expect((await as(applicantA, 'GET', `/api/v1/cases/${others}`)).statusCode).toBe(404);
      // Nor the centre's numbers, replays or anyone's queue.
      expect((await as(applicantA, 'GET', '/api/v1/supervision/stats')).statusCode).toBe(403);
      expect((await as(applicantA, 'GET', `/api/v1/cases/${mine}/state`)).statusCode).toBe(403);
      expect((await as(applicantA, 'GET', '/api/v1/compliance-checks')).statusCode).toBe(403);

      // A reviews what the agent submitted: an objection needs a reason; a confirmation is recorded once.
      const bare = await as(applicantA, 'POST', `/api/v1/cases/${mine}/applicant-review`, { agreed: false });
      expect(bare.statusCode).toBe(400);
      expect(bare.json().errors[0].path).toBe('comment');
      clock.advance(60_000);
      const reviewed = await as(applicantA, 'POST', `/api/v1/cases/${mine}/applicant-review`, { agreed: true, comment: '材料无误' });
      expect(reviewed.statusCode).toBe(201);
      expect(reviewed.json().modes.applicantReview).toMatchObject({ agreed: true, comment: '材料无误' });
      expect((await as(applicantA, 'POST', `/api/v1/cases/${mine}/applicant-review`, { agreed: true, comment: '材料无误' })).statusCode).toBe(201);
      expect((await as(applicantA, 'POST', `/api/v1/cases/${mine}/applicant-review`, { agreed: false, comment: '改主意了' })).statusCode).toBe(409);
      const events: EventRow[] = (await as(clerk, 'GET', `/api/v1/cases/${mine}/events`)).json();
      expect(events.filter((e) => e.type === 'ApplicantReviewed')).toHaveLength(1);
      const lines = (await as(applicantA, 'GET', `/api/v1/cases/${mine}/timeline`)).json().entries.map((e: { text: string }) => e.text);
      expect(lines.some((l: string) => l.includes('申请人确认代办员 村协管员 孙七 代为提交的申请内容：材料无误'))).toBe(true);
      // A case the applicant filed themselves has no agent's submission to review.
      expect((await as(applicantB, 'POST', `/api/v1/cases/${others}/applicant-review`, { agreed: true })).statusCode).toBe(409);

      // Replay: before the review there was none; after it, the confirmation.
      const before = await as(auditor, 'GET', `/api/v1/cases/${mine}/state?asOf=${MONDAY}`);
      expect(before.json().modes.applicantReview).toBeNull();
      const after = await as(auditor, 'GET', `/api/v1/cases/${mine}/state`);
      expect(after.json().modes.applicantReview).toMatchObject({ agreed: true });
    } finally {
      await secured.close();
    }
  });

  it('lets the applicant rate their own closed case (好差评), online, and no one else\'s', async () => {
    const secured = await testApp({ clock }, { auth: { enabled: true, signInRateLimit: { max: 10_000, timeWindowMs: 60_000 } } });
    try {
      const d = authOf(secured.app).directory;
      const clerk = (await d.createKey({ role: 'clerk', name: '综窗' })).key;
      const applicantA = (await d.createKey({ role: 'applicant', name: '张三', applicantId: A.idNumber })).key;
      const applicantB = (await d.createKey({ role: 'applicant', name: '王五', applicantId: B.idNumber })).key;
      const outputs = Object.fromEntries(enterpriseChangeV1.steps.map((s) => [s.id, s.outputExample!]));
      const c = await secured.app.inject({
        method: 'POST', url: '/api/v1/cases', headers: { authorization: `Bearer ${clerk}` },
        payload: { matter: 'enterprise-change', applicant: A, form: enterpriseChangeV1.otherExamples[0]!.form, channel: 'window', onTheSpot: { officer: '李四', outputs } },
      });
      expect(c.json().status).toBe('completed');
      const rate = (key: string) => secured.app.inject({ method: 'POST', url: `/api/v1/cases/${c.json().id}/reviews`, headers: { authorization: `Bearer ${key}` }, payload: { rating: '非常满意', comment: '一次办好', channel: 'window' } });
      expect((await rate(applicantB)).statusCode).toBe(404);
      const rated = await rate(applicantA);
      expect(rated.statusCode).toBe(201);
      expect(rated.json().reviews[0]).toMatchObject({ rating: '非常满意', comment: '一次办好' });
      const events: EventRow[] = (await secured.app.inject({ method: 'GET', url: `/api/v1/cases/${c.json().id}/events`, headers: { authorization: `Bearer ${clerk}` } })).json();
      expect(events.find((e) => e.type === 'ReviewSubmitted')?.data).toMatchObject({ channel: 'online' });
    } finally {
      await secured.close();
    }
  });

  it('refuses an applicant key or account without a valid ID number', async () => {
    const d = authOf(t.app).directory;
    await expect(d.createKey({ role: 'applicant', name: '张三' })).rejects.toThrow(/--id-number/);
    await expect(d.createKey({ role: 'applicant', name: '张三', applicantId: '110105194912310021' })).rejects.toThrow(/neither a valid/);
    await expect(d.createKey({ role: 'clerk', name: '综窗', applicantId: A.idNumber })).rejects.toThrow(/only the applicant role/);
  });
});

describe('免申即办: a data event starts the case, once', () => {
  const birthday = { type: 'BirthdayReached', age: 60, eventId: 'resident-410225196612052015-60', person: seniorCardV1.example.person };

  it('starts one 老年证 case per event, even when the event is delivered twice', async () => {
    const first = await post('/api/v1/triggers', { topic: 'registry.residents', event: birthday });
    expect(first.statusCode).toBe(201);
    const [started] = first.json().cases;
    expect(started).toMatchObject({ matter: 'senior-card', created: true });
    expect(started.case).toMatchObject({ status: 'in-progress', applicant: { name: '赵桂兰' }, modes: { channel: 'none', trigger: { topic: 'registry.residents', eventId: birthday.eventId } } });
    expect(started.case.tasks[0]).toMatchObject({ department: 'ca', status: 'pending' });

    const again = await post('/api/v1/triggers', { topic: 'registry.residents', event: birthday });
    expect(again.statusCode).toBe(200);
    expect(again.json().cases).toMatchObject([{ caseId: started.caseId, created: false }]);
    expect((await typesOf(started.caseId)).filter((x) => x === 'CaseStarted')).toHaveLength(1);
    const list = (await get('/api/v1/cases?matter=senior-card')).json();
    expect(list.items).toHaveLength(1);

    const lines = await timelineOf(started.caseId);
    expect(lines[0]).toContain('免申即办：由数据事件 resident-410225196612052015-60（registry.residents）自动发起');
    expect((await stats()).noApplication).toBe(1);
  });

  it('starts the case from the registry topic on the bus, once for an event published twice', async () => {
    const event = { ...birthday, eventId: 'resident-410225196603013014-60', person: { name: '钱秀英', idNumber: '410225196603013014', phone: '13900139001' } };
    const message = { topic: 'registry.residents', key: event.eventId, headers: {}, value: event };
    await t.runtime.bus.publish([message]);
    await t.runtime.bus.publish([message]);
    const found = await eventually(async () => {
      const items = (await get('/api/v1/cases?matter=senior-card')).json().items as { id: string; applicant: { name: string } }[];
      return items.length > 0 ? items : undefined;
    }, 10_000, 'the triggered case');
    await new Promise((r) => setTimeout(r, 300));
    const items = (await get('/api/v1/cases?matter=senior-card')).json().items;
    expect(items).toHaveLength(1);
    expect(items[0].id).toBe(found[0]!.id);
    expect((await typesOf(found[0]!.id)).filter((x) => x === 'CaseStarted')).toHaveLength(1);
  });

  it('follows the trigger of a matter deployed while the server runs', async () => {
    const file = {
      id: 'care-subsidy',
      name: '高龄津贴（免申即办示例）',
      statutoryDays: null,
      committedDays: 5,
      form: { type: 'object', required: ['name', 'age'], properties: { name: { type: 'string', title: '姓名' }, age: { type: 'integer', title: '年龄' } } },
      materials: [],
      trigger: { topic: 'registry.ages', when: { field: 'age', gte: 80 }, eventId: 'id', applicant: { name: 'name', idNumber: 'idNumber', phone: 'phone' }, form: { name: 'name', age: 'age' } },
      steps: [{ id: 'grant', department: 'ca', service: '高龄津贴发放', statutoryDays: null, committedDays: 5 }],
      example: { name: '孙', age: 80 },
    };
    const deployed = await t.app.inject({ method: 'POST', url: '/api/v1/matters', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(file) });
    expect(deployed.statusCode, deployed.body).toBe(201);
    const event = { id: 'age-80-1', age: 80, name: '孙秀兰', idNumber: '410225196603013014', phone: '13900139002' };
    // Published until the refreshed catalogue has subscribed (the first ones may find no subscriber yet).
    const caseId = await eventually(async () => {
      await t.runtime.bus.publish([{ topic: 'registry.ages', key: event.id, headers: {}, value: event }]);
      const items = (await get('/api/v1/cases?matter=care-subsidy')).json().items as { id: string }[];
      return items[0]?.id;
    }, 15_000, 'the deployed matter\'s triggered case');
    await new Promise((r) => setTimeout(r, 300));
    expect((await get('/api/v1/cases?matter=care-subsidy')).json().items).toHaveLength(1);
    expect((await typesOf(caseId)).filter((x) => x === 'CaseStarted')).toHaveLength(1);
  });

  it('ignores events that do not meet the condition, and names what an event lacks', async () => {
    const young = await post('/api/v1/triggers', { topic: 'registry.residents', event: { ...birthday, age: 59, eventId: 'e-59' } });
    expect(young.statusCode).toBe(200);
    expect(young.json().cases).toEqual([]);
    const noId = await post('/api/v1/triggers', { topic: 'registry.residents', event: { ...birthday, eventId: undefined } });
    expect(noId.statusCode).toBe(400);
    expect(noId.json().errors[0].path).toBe('event.eventId');
  });
});

describe('出件方式: per result, at the window, by post or as an e-licence', () => {
  it('records each result\'s channel, the posting and its delivery, and counts them', async () => {
    const sim = await testApp({ clock, simulateDepartments: true, timeLimits: { pollIntervalMs: 60_000 } });
    try {
      const c = (await sim.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example } })).json();
      await eventually(async () => ((await sim.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}` })).json().status === 'completed' ? true : undefined), 10_000, 'completion');
      const issue = (payload: object) => sim.app.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/results-issued`, payload });
      const incomplete = await issue({ channel: 'window', deliveries: [{ step: 'samr', channel: 'post', post: { address: '福州市鼓楼区 1 号', carrier: '', trackingNumber: 'SF1' } }] });
      expect(incomplete.statusCode).toBe(400);
      expect(incomplete.json().errors[0].path).toBe('deliveries.0.post.carrier');
      const ok = await issue({
        channel: 'window',
        deliveries: [
          { step: 'samr', channel: 'e-licence', licence: { number: 'L350100202600001', issuer: '福州市市场监督管理局', reference: 'https://zzlz.example.gov.cn/verify/L350100202600001' } },
          { step: 'psb', channel: 'post', post: { address: '福州市鼓楼区五四路 1 号 张三 13800138000', carrier: '中国邮政 EMS', trackingNumber: 'EMS1234567890' } },
        ],
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().modes.deliveries).toEqual(expect.arrayContaining([expect.objectContaining({ step: 'samr', channel: 'e-licence' }), expect.objectContaining({ step: 'psb', channel: 'post' }), expect.objectContaining({ step: 'tax', channel: 'window' })]));
      const confirmed = await sim.app.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/deliveries/EMS1234567890/confirmation` });
      expect(confirmed.statusCode).toBe(200);
      expect(confirmed.json().modes.deliveries.find((d: { step: string }) => d.step === 'psb').confirmedAt).toBe(MONDAY);
      const text = (await sim.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}/timeline` })).json().entries.map((e: { text: string }) => e.text);
      expect(text.some((l: string) => l.includes('电子证照（L350100202600001，福州市市场监督管理局）') && l.includes('邮寄（中国邮政 EMS，运单号 EMS1234567890）'))).toBe(true);
      expect(text.some((l: string) => l.includes('邮寄的办理结果已签收（运单号 EMS1234567890）'))).toBe(true);
      const m = (await sim.app.inject({ method: 'GET', url: '/api/v1/supervision/stats' })).json().modes;
      expect(m.resultsByChannel).toEqual({ window: 5, post: 1, 'e-licence': 1, postDelivered: 1 });
    } finally {
      await sim.close();
    }
  });

  it('counts 零跑动 and 全程网办 cases: applied online with e-licences, never at the window; collecting at the window is a trip', async () => {
    const sim = await testApp({ clock, simulateDepartments: true, timeLimits: { pollIntervalMs: 60_000 } });
    try {
      const start = async (channel: 'online' | 'window') => {
        const c = (await sim.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example, channel } })).json();
        await eventually(async () => ((await sim.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}` })).json().status === 'completed' ? true : undefined), 10_000, 'completion');
        return c.id as string;
      };
      const online = await start('online');
      const stats = async () => (await sim.app.inject({ method: 'GET', url: '/api/v1/supervision/stats' })).json().modes;
      expect(await stats()).toMatchObject({ cases: 1, zeroVisit: 1, fullyOnline: 1 });
      // Results collected at the window: the applicant came in after all.
      expect((await sim.app.inject({ method: 'POST', url: `/api/v1/cases/${online}/results-issued`, payload: { channel: 'window' } })).statusCode).toBe(200);
      expect(await stats()).toMatchObject({ cases: 1, visits: 1, avgVisitsPerCase: 1, zeroVisit: 0, fullyOnline: 0 });
      // The trip is an event of its own, recorded in the same append as the hand-out.
      const events: EventRow[] = (await sim.app.inject({ method: 'GET', url: `/api/v1/cases/${online}/events` })).json();
      const issued = events.findIndex((e) => e.type === 'ResultsIssued');
      expect(events[issued + 1]).toMatchObject({ type: 'ApplicantVisited', data: { purpose: 'collect' }, recordedAt: events[issued]!.recordedAt });
      const lines = (await sim.app.inject({ method: 'GET', url: `/api/v1/cases/${online}/timeline` })).json().entries.map((e: { text: string }) => e.text);
      expect(lines.some((l: string) => l.includes('申请人到窗口领取结果（跑动一次）'))).toBe(true);
      const second = await start('online');
      expect((await sim.app.inject({ method: 'POST', url: `/api/v1/cases/${second}/results-issued`, payload: { channel: 'online' } })).statusCode).toBe(200);
      // Posted and e-licence results need no trip.
      expect((await sim.app.inject({ method: 'GET', url: `/api/v1/cases/${second}/events` })).json().map((e: EventRow) => e.type)).not.toContain('ApplicantVisited');
      const third = await start('window');
      expect((await sim.app.inject({ method: 'POST', url: `/api/v1/cases/${third}/results-issued`, payload: { channel: 'window' } })).statusCode).toBe(200);
      // Applied at the window and came back to collect: two trips, in the count per case.
      expect(await stats()).toMatchObject({ cases: 3, visits: 3, avgVisitsPerCase: 1, zeroVisit: 1, fullyOnline: 1 });
    } finally {
      await sim.close();
    }
  });
});
