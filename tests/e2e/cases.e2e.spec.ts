import { enterpriseSetupV1, generateResidentId, utilityConnectionV1 } from '@onematter/workflows';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, testApp, type TestApp } from '../support/app.js';

const startBody = (over: Record<string, unknown> = {}) => ({
  matter: 'enterprise-setup',
  applicant: enterpriseSetupV1.exampleApplicant,
  form: structuredClone(enterpriseSetupV1.example),
  ...over,
});

let t: TestApp;
const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: payload as object, headers });
const get = (url: string) => t.app.inject({ method: 'GET', url });
const eventCount = async (id: string) => (await get(`/api/v1/cases/${id}/events`)).json().length;
const headCount = async () => t.runtime.store.headPosition();

describe('a clerk starts a case and departments decide over HTTP', () => {
  beforeEach(async () => {
    t = await testApp();
  });
  afterEach(async () => t.close());

  it('runs enterprise setup: samr first, six departments in parallel with its code, then completed', async () => {
    const started = await post('/api/v1/cases', startBody());
    expect(started.statusCode).toBe(201);
    const c = started.json();
    expect(c.status).toBe('in-progress');
    expect(c.tasks.map((x: { department: string; status: string }) => [x.department, x.status])).toEqual([
      ['samr', 'pending'], ['psb', 'waiting'], ['tax', 'waiting'], ['bank', 'waiting'], ['hrss', 'waiting'], ['nhsa', 'waiting'], ['hpf', 'waiting'],
    ]);

    const samr = c.tasks[0].id;
    const uscc = '91350100M000100Y43';
    const d = await post(`/api/v1/tasks/${samr}/decisions`, { decisionId: 'd-samr', decision: 'approved', output: { unifiedSocialCreditCode: uscc, licenceNumber: 'L1' } });
    expect(d.statusCode).toBe(200);
    const afterSamr = (await get(`/api/v1/cases/${c.id}`)).json();
    expect(afterSamr.tasks.slice(1).every((x: { status: string }) => x.status === 'pending')).toBe(true);

    const outputs: Record<string, Record<string, unknown>> = {
      psb: { sealFilingNumber: 'YZ1' }, tax: { taxpayerId: uscc }, bank: { accountNumber: '622202020012345678' },
      hrss: { socialInsuranceNumber: 'SB1' }, nhsa: { medicalInsuranceNumber: 'YB1' }, hpf: { housingFundAccount: 'GJJ1' },
    };
    for (const task of afterSamr.tasks.slice(1)) {
      const r = await post(`/api/v1/tasks/${task.id}/decisions`, { decisionId: `d-${task.department}`, decision: 'approved', output: outputs[task.department] });
      expect(r.statusCode, r.body).toBe(200);
    }
    const done = (await get(`/api/v1/cases/${c.id}`)).json();
    expect(done.status).toBe('completed');
    expect(done.completedAt).toBeDefined();
    expect(Object.keys(done.outputs).sort()).toEqual(['bank', 'hpf', 'hrss', 'nhsa', 'psb', 'samr', 'tax']);
    expect(done.outputs.samr.unifiedSocialCreditCode).toBe(uscc);

    const events = (await get(`/api/v1/cases/${c.id}/events`)).json();
    expect(events.map((e: { position: number }) => e.position)).toEqual(events.map((_: unknown, i: number) => i));
    expect(events[0].prevHash).toMatch(/^[0-9a-f]{64}$/);
    for (let i = 1; i < events.length; i++) expect(events[i].prevHash).toBe(events[i - 1].hash);
  });

  it('answers a redelivered decision (same decisionId) as a duplicate and appends nothing', async () => {
    const c = (await post('/api/v1/cases', startBody())).json();
    const body = { decisionId: 'same', decision: 'approved', output: { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L1' } };
    const first = await post(`/api/v1/tasks/${c.tasks[0].id}/decisions`, body);
    const before = await eventCount(c.id);
    const again = await post(`/api/v1/tasks/${c.tasks[0].id}/decisions`, body);
    expect(first.json().duplicate).toBe(false);
    expect(again.statusCode).toBe(200);
    expect(again.json().duplicate).toBe(true);
    expect(await eventCount(c.id)).toBe(before);
  });

  it('applies two different decisions racing on one case exactly once each', async () => {
    const c = (await post('/api/v1/cases', startBody())).json();
    await post(`/api/v1/tasks/${c.tasks[0].id}/decisions`, { decisionId: 'd0', decision: 'approved', output: { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L1' } });
    const [a, b] = await Promise.all([
      post(`/api/v1/tasks/${c.id}.tax/decisions`, { decisionId: 'dt', decision: 'approved', output: { taxpayerId: '91350100M000100Y43' } }),
      post(`/api/v1/tasks/${c.id}.bank/decisions`, { decisionId: 'db', decision: 'approved', output: { accountNumber: '622202020012345678' } }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    const events = (await get(`/api/v1/cases/${c.id}/events`)).json() as { type: string; data: { step?: string } }[];
    const decided = events.filter((e) => e.type === 'DecisionRecorded').map((e) => e.data.step).sort();
    expect(decided).toEqual(['bank', 'samr', 'tax']);
  });

  it('ends the case as rejected when one department rejects, and cancels the open tasks', async () => {
    const c = (await post('/api/v1/cases', startBody())).json();
    await post(`/api/v1/tasks/${c.tasks[0].id}/decisions`, { decisionId: 'd0', decision: 'approved', output: { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L1' } });
    const r = await post(`/api/v1/tasks/${c.id}.bank/decisions`, { decisionId: 'db', decision: 'rejected', reason: '开户资料与登记信息不一致' });
    expect(r.statusCode).toBe(200);
    const after = (await get(`/api/v1/cases/${c.id}`)).json();
    expect(after.status).toBe('rejected');
    const statuses = Object.fromEntries(after.tasks.map((x: { department: string; status: string }) => [x.department, x.status]));
    expect(statuses).toEqual({ samr: 'approved', psb: 'cancelled', tax: 'cancelled', bank: 'rejected', hrss: 'cancelled', nhsa: 'cancelled', hpf: 'cancelled' });
    const late = await post(`/api/v1/tasks/${c.id}.tax/decisions`, { decisionId: 'dt', decision: 'approved', output: { taxpayerId: 'x'.repeat(18) } });
    expect(late.statusCode).toBe(409);
  });

  it('pauses a task on a supplement request until the clerk records the supplement', async () => {
    const c = (await post('/api/v1/cases', startBody())).json();
    const ask = await post(`/api/v1/tasks/${c.tasks[0].id}/decisions`, { decisionId: 'd0', decision: 'supplement-required', missingMaterials: ['address-proof'], reason: '住所证明不清晰' });
    expect(ask.statusCode).toBe(200);
    const waiting = (await get(`/api/v1/cases/${c.id}`)).json();
    expect(waiting.status).toBe('awaiting-supplement');
    expect(waiting.tasks[0]).toMatchObject({ status: 'supplement-required', missingMaterials: ['address-proof'] });
    const early = await post(`/api/v1/tasks/${c.tasks[0].id}/decisions`, { decisionId: 'd1', decision: 'approved', output: { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L1' } });
    expect(early.statusCode).toBe(409);

    const sup = await post(`/api/v1/cases/${c.id}/supplements`, { materials: ['address-proof'] });
    expect(sup.statusCode).toBe(200);
    expect(sup.json().status).toBe('in-progress');
    expect(sup.json().tasks[0]).toMatchObject({ status: 'pending', attempts: 2 });
    const go = await post(`/api/v1/tasks/${c.tasks[0].id}/decisions`, { decisionId: 'd2', decision: 'approved', output: { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L1' } });
    expect(go.statusCode).toBe(200);
    expect(go.json().case.tasks.filter((x: { status: string }) => x.status === 'pending')).toHaveLength(6);
  });

  it('refuses a 补正 with materials nobody asked for, naming what was asked, and records nothing', async () => {
    const c = (await post('/api/v1/cases', startBody())).json();
    await post(`/api/v1/tasks/${c.tasks[0].id}/decisions`, { decisionId: 'd0', decision: 'supplement-required', missingMaterials: ['address-proof'], reason: '住所证明不清晰' });
    const before = await eventCount(c.id);
    const wrong = await post(`/api/v1/cases/${c.id}/supplements`, { materials: ['address-proof', 'articles-of-association'] });
    expect(wrong.statusCode, wrong.body).toBe(400);
    expect(wrong.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(wrong.json().errors).toEqual([{ path: 'materials.1', message: expect.stringMatching(/^未要求补正「公司章程」，要求补正的材料是：住所使用证明/) }]);
    expect(await eventCount(c.id)).toBe(before);
    expect((await get(`/api/v1/cases/${c.id}`)).json().status).toBe('awaiting-supplement');
    const right = await post(`/api/v1/cases/${c.id}/supplements`, { materials: ['address-proof'] });
    expect(right.statusCode, right.body).toBe(200);
  });

  it('withdraws a case at the applicant\'s request', async () => {
    const c = (await post('/api/v1/cases', startBody())).json();
    const w = await post(`/api/v1/cases/${c.id}/withdraw`, { reason: '申请人主动撤回' });
    expect(w.statusCode).toBe(200);
    expect(w.json().status).toBe('withdrawn');
    expect(w.json().tasks.every((x: { status: string }) => x.status === 'cancelled')).toBe(true);
    expect((await post(`/api/v1/cases/${c.id}/withdraw`, { reason: '再次撤回' })).statusCode).toBe(409);
  });

  it('gives the same case for the same Idempotency-Key, and appends once', async () => {
    const a = await post('/api/v1/cases', startBody(), { 'idempotency-key': 'window-7-20261123-001' });
    const b = await post('/api/v1/cases', startBody(), { 'idempotency-key': 'window-7-20261123-001' });
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.json().id).toBe(a.json().id);
    const list = (await get('/api/v1/cases')).json();
    expect(list.items).toHaveLength(1);
  });

  it('finds a case again by its number, the applicant\'s name, ID number or phone, or a credit code — exact matches only', async () => {
    const zhang = { name: '张三丰', idType: 'resident-id', idNumber: '11010519491231002X', phone: '13800138000' };
    const li = { name: '李四', idType: 'resident-id', idNumber: generateResidentId(7), phone: '13912345678' };
    const a = (await post('/api/v1/cases', startBody({ applicant: zhang }))).json();
    const b = (await post('/api/v1/cases', { matter: 'utility-connection', applicant: li, form: utilityConnectionV1.example })).json();
    // Market regulation registers case a and issues its credit code.
    const code = '91350100M000100Y43';
    expect((await post(`/api/v1/tasks/${a.id}.samr/decisions`, { decisionId: 'r1', decision: 'approved', output: { unifiedSocialCreditCode: '911100001000019986', licenceNumber: 'L1' } })).statusCode).toBe(200);
    const found = async (q: string) => {
      const r = await get(`/api/v1/cases?q=${encodeURIComponent(q)}`);
      expect(r.statusCode, r.body).toBe(200);
      return r.json().items.map((c: { id: string }) => c.id).sort();
    };
    expect(await found(a.id)).toEqual([a.id]);
    expect(await found('张三丰')).toEqual([a.id]);
    expect(await found('11010519491231002x')).toEqual([a.id]); // lower-case x
    expect(await found('138 0013 8000')).toEqual([a.id]); // as read out, with spaces
    expect(await found('911100001000019986')).toEqual([a.id]); // the code samr issued
    expect(await found(li.idNumber)).toEqual([b.id]);
    expect(await found(code)).toEqual([b.id]); // the enterprise's code in the form
    // Exact only: part of a number, or of a name, finds nothing; the answer carries no index.
    expect(await found('1101051949')).toEqual([]);
    expect(await found('张三')).toEqual([]);
    expect(JSON.stringify((await get(`/api/v1/cases?q=${a.id}`)).json())).not.toContain('"search"');
    // Search combines with the other filters.
    expect((await get(`/api/v1/cases?q=${encodeURIComponent('张三丰')}&matter=utility-connection`)).json().items).toEqual([]);
    expect((await get(`/api/v1/cases?q=`)).statusCode).toBe(400);
  });

  it('lists cases filtered by status, matter and department, page by page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await post('/api/v1/cases', startBody())).json().id);
    const u = (await post('/api/v1/cases', { matter: 'utility-connection', applicant: utilityConnectionV1.exampleApplicant, form: utilityConnectionV1.example })).json();
    await post(`/api/v1/cases/${ids[0]}/withdraw`, { reason: '撤回' });

    const page1 = (await get('/api/v1/cases?limit=2')).json();
    expect(page1.items.map((x: { id: string }) => x.id)).toEqual([u.id, ids[2]]);
    const page2 = (await get(`/api/v1/cases?limit=2&cursor=${page1.nextCursor}`)).json();
    expect(page2.items.map((x: { id: string }) => x.id)).toEqual([ids[1], ids[0]]);
    expect(page2.nextCursor).toBeNull();

    expect((await get('/api/v1/cases?status=withdrawn')).json().items.map((x: { id: string }) => x.id)).toEqual([ids[0]]);
    expect((await get('/api/v1/cases?matter=utility-connection')).json().items.map((x: { id: string }) => x.id)).toEqual([u.id]);
    expect((await get('/api/v1/cases?department=water')).json().items.map((x: { id: string }) => x.id)).toEqual([u.id]);
    expect((await get('/api/v1/cases?department=samr&limit=10')).json().items).toHaveLength(3);
  });
});

describe('bad input is refused with the field and the reason, and nothing is appended', () => {
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(async () => t.close());

  const expect400 = async (payload: unknown, path: string, raw = false) => {
    const before = await headCount();
    const r = raw
      ? await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: payload as string, headers: { 'content-type': 'application/json' } })
      : await post('/api/v1/cases', payload);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    const p = r.json();
    expect(p).toMatchObject({ status: 400, title: 'Bad Request' });
    expect(p.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await headCount()).toBe(before);
    return p;
  };

  it('a wrong USCC check character', async () => {
    const body = { matter: 'utility-connection', applicant: utilityConnectionV1.exampleApplicant, form: { ...utilityConnectionV1.example, enterpriseUscc: '91350100M000100Y44' } };
    const p = await expect400(body, 'form.enterpriseUscc');
    expect(JSON.stringify(p.errors)).toMatch(/校验/);
  });

  it('a wrong check character says the number is invalid and to check it against the document, never which digit would pass', async () => {
    const uscc = await expect400({ matter: 'utility-connection', applicant: utilityConnectionV1.exampleApplicant, form: { ...utilityConnectionV1.example, enterpriseUscc: '91350100M000100Y44' } }, 'form.enterpriseUscc');
    const id = await expect400(startBody({ applicant: { ...enterpriseSetupV1.exampleApplicant, idNumber: '110105194912310021' } }), 'applicant.idNumber');
    const message = (p: { errors: { path: string; message: string }[] }, path: string) => p.errors.find((e) => e.path === path)!.message;
    expect(message(uscc, 'form.enterpriseUscc')).toContain('统一社会信用代码校验位不符，该代码无效，请对照营业执照或登记证书逐位核对');
    expect(message(id, 'applicant.idNumber')).toContain('居民身份证号码校验码不符，该号码无效，请对照身份证件逐位核对');
    for (const m of [message(uscc, 'form.enterpriseUscc'), message(id, 'applicant.idNumber')]) expect(m).not.toMatch(/应为|expected|[（(]?\b[0-9X]\b/);
  });

  it('a resident ID with 19990230 as birth date', async () => {
    await expect400(startBody({ applicant: { ...enterpriseSetupV1.exampleApplicant, idNumber: '110105199902300011' } }), 'applicant.idNumber');
  });

  it('the same bad ID inside the form', async () => {
    const form = structuredClone(enterpriseSetupV1.example) as Record<string, Record<string, unknown>>;
    form.legalRepresentative!.idNumber = '110105199902300011';
    await expect400(startBody({ form }), 'form.legalRepresentative.idNumber');
  });

  it('a missing required field', async () => {
    const form = structuredClone(enterpriseSetupV1.example) as Record<string, unknown>;
    delete form.enterpriseName;
    await expect400(startBody({ form }), 'form.enterpriseName');
  });

  it('a missing applicant', async () => {
    await expect400({ matter: 'enterprise-setup', form: enterpriseSetupV1.example }, 'applicant');
  });

  it('an unknown matter', async () => {
    await expect400(startBody({ matter: 'no-such-matter' }), 'matter');
  });

  it('a malformed JSON body', async () => {
    await expect400('{"matter": "enterprise-setup", ', 'body', true);
  });

  it('incomplete materials name every missing one at once', async () => {
    const p = await expect400(startBody({ materials: ['application-form'] }), 'materials');
    expect(p.errors.filter((e: { path: string }) => e.path === 'materials')).toHaveLength(3);
  });

  it('404 for an unknown case, task or matter', async () => {
    expect((await get('/api/v1/cases/nope')).statusCode).toBe(404);
    expect((await get('/api/v1/cases/nope/events')).statusCode).toBe(404);
    expect((await get('/api/v1/matters/nope')).statusCode).toBe(404);
    const d = await post('/api/v1/tasks/nope.samr/decisions', { decisionId: 'x', decision: 'approved' });
    expect(d.statusCode).toBe(404);
    expect(d.headers['content-type']).toMatch(/problem\+json/);
  });

  it('a decision without decisionId, or with an unknown decision', async () => {
    const c = (await post('/api/v1/cases', startBody())).json();
    const r = await post(`/api/v1/tasks/${c.tasks[0].id}/decisions`, { decision: 'maybe' });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['decision', 'decisionId']);
  });
});

describe('with simulated departments', () => {
  beforeEach(async () => {
    t = await testApp({ simulateDepartments: true });
  });
  afterEach(async () => t.close());

  it('completes an enterprise-setup case from the example form with seven departments\' outputs', async () => {
    const c = (await post('/api/v1/cases', startBody())).json();
    const done = await eventually(async () => {
      const v = (await get(`/api/v1/cases/${c.id}`)).json();
      return v.status === 'completed' ? v : undefined;
    }, 10_000, 'the case to complete');
    expect(Object.keys(done.outputs)).toHaveLength(7);
    const events = (await get(`/api/v1/cases/${c.id}/events`)).json() as { type: string; data: { step?: string } }[];
    const order = events.map((e) => `${e.type}:${e.data.step ?? ''}`);
    const samrDispatch = order.indexOf('TaskDispatched:samr');
    const parallel = ['psb', 'tax', 'bank', 'hrss', 'nhsa', 'hpf'];
    const dispatches = parallel.map((s) => order.indexOf(`TaskDispatched:${s}`));
    const decisions = parallel.map((s) => order.indexOf(`DecisionRecorded:${s}`));
    expect(samrDispatch).toBeLessThan(Math.min(...dispatches));
    expect(order.indexOf('DecisionRecorded:samr')).toBeLessThan(Math.min(...dispatches));
    expect(Math.max(...dispatches)).toBeLessThan(Math.min(...decisions));
    expect(done.outputs.tax.taxpayerId).toBe(done.outputs.samr.unifiedSocialCreditCode);
  });

  it('completes a utility-connection case with five companies in parallel', async () => {
    const c = (await post('/api/v1/cases', { matter: 'utility-connection', applicant: utilityConnectionV1.exampleApplicant, form: utilityConnectionV1.example })).json();
    expect(c.tasks.every((x: { status: string }) => x.status === 'pending')).toBe(true);
    const done = await eventually(async () => {
      const v = (await get(`/api/v1/cases/${c.id}`)).json();
      return v.status === 'completed' ? v : undefined;
    });
    expect(Object.keys(done.outputs).sort()).toEqual(['gas', 'heat', 'power', 'telecom', 'water']);
  });
});

import { afterAll, beforeAll } from 'vitest';
