import { authOf } from '@onematter/api';
import { enterpriseSetupV1, restaurantV1 } from '@onematter/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/app.js';
import { chooseMatter, HAS_CHROMIUM, startWorkbench, type Workbench } from './support.js';

/**
 * The service modes in the workbench (issue 15): the clerk accepts 企业开办 with the
 * 住所使用证明 owed (容缺), sees the promise on the case page and records it brought;
 * the supervisor reads the mode numbers on the board; the fire service records a 告知承诺
 * check from its 部门待办; an applicant confirms what a 代办员 filed for them in 我的办件.
 */
const run = HAS_CHROMIUM || Boolean(process.env.CI);

describe.skipIf(!run)('service modes in Chromium', () => {
  let w: Workbench;
  beforeAll(async () => {
    // The fire service is a person here: it approves on commitment and checks afterwards.
    w = await startWorkbench({}, ['water', 'fire']);
  }, 60_000);
  afterAll(async () => w?.close());

  it('a clerk accepts with a 容缺 material on a signed promise, then records it brought; the board counts it', { timeout: 90_000 }, async () => {
    const page = await w.signIn('clerk');
    await chooseMatter(page, '企业开办');
    await page.waitForSelector('#apply_form_legalRepresentative_idNumber');
    await page.click('text=填入示例');
    await page.click('[data-testid=materials] >> text=住所使用证明');
    expect(await page.isDisabled('[data-testid=submit]')).toBe(true);
    await expect.poll(() => page.textContent('[data-testid=deferrable-hint]')).toContain('住所使用证明');
    await page.click('[data-testid=deferred] >> text=住所使用证明');
    await page.fill('#apply_modes_signedBy', '张三');
    await expect.poll(() => page.locator('[data-testid=missing-materials]').count()).toBe(0);
    await w.shot(page, 'window-deferred');
    await page.click('[data-testid=submit]');
    const caseNumber = (await page.textContent("[data-testid=case-number]", { timeout: 30_000 }))!.trim();

    await page.click('text=查看办件进度');
    await page.waitForSelector('[data-testid=case-modes]');
    await expect.poll(() => page.textContent('[data-testid=case-modes]')).toContain('容缺受理：住所使用证明');
    await expect.poll(() => page.textContent('[data-testid=case-modes]')).toContain('待补交');
    await expect.poll(() => page.textContent('[data-testid=case-modes]')).toContain('跑动次数1 次');
    await page.click('[data-testid=case-modes] >> text=补交容缺材料');
    await page.click('.ant-modal-footer .ant-btn-primary');
    await expect.poll(() => page.textContent('[data-testid=case-modes]'), { timeout: 15_000 }).toContain('已补齐');
    // Recorded, the dialog closes by itself.
    await page.waitForSelector('.ant-modal-wrap', { state: 'hidden', timeout: 15_000 });
    await w.shot(page, 'case-modes');
    await page.context().close();

    const board = await w.signIn('supervisor');
    await board.waitForSelector('[data-testid=mode-numbers]');
    // '0 待补' is also what the board says before it counts the case at all: wait for the promise kept first.
    await expect.poll(() => board.textContent('[data-testid=mode-numbers]'), { timeout: 15_000 }).toContain('已兑现 1');
    expect(await board.textContent('[data-testid=mode-deferred]')).toContain('0 待补');
    expect(caseNumber).toMatch(/^\d{8}-\d{6}$/);
    await board.context().close();
  });

  /** Calls the API as a system with a key of the role (the steps a test does not do in the browser). */
  async function asKey(role: 'clerk' | 'agent' | 'department', department?: string) {
    const { key } = await authOf(w.t.app).directory.createKey({ role, name: `browser ${role}`, ...(department ? { department } : {}) });
    return (method: 'GET' | 'POST', url: string, payload?: object) =>
      w.t.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
  }

  it('the fire service records a 告知承诺 check from 部门待办, with its limit and light', { timeout: 90_000 }, async () => {
    const clerk = await asKey('clerk');
    const fire = await asKey('department', 'fire');
    const c = (await clerk('POST', '/api/v1/cases', { matter: 'restaurant', applicant: restaurantV1.exampleApplicant, form: restaurantV1.otherExamples[0]!.form })).json();
    const task = await eventually(
      async () => (await clerk('GET', `/api/v1/cases/${c.id}`)).json().tasks.find((x: { step: string; status: string }) => x.step === 'fire' && x.status === 'pending') as { id: string } | undefined,
      30_000,
      'the fire task',
    );
    const approved = await fire('POST', `/api/v1/tasks/${task.id}/decisions`, { decisionId: 'fire-browser-1', decision: 'approved', output: { inspectionNumber: 'XF350100202600008', result: '告知承诺后核查' }, onCommitment: true });
    expect(approved.statusCode, approved.body).toBe(200);

    const page = await w.signIn('fire');
    const button = `[data-testid=record-check-fire-check][data-case="${c.id}"]`;
    await page.waitForSelector(button, { timeout: 20_000 });
    expect(await page.textContent('[data-testid=check-queue]')).toContain('事中事后核查待办');
    await w.shot(page, 'queue-checks');
    await page.click(button);
    await page.click('.ant-modal >> text=核查通过');
    await page.fill('#check_findings', '现场疏散通道畅通，与承诺一致');
    await page.fill('#check_checkedBy', '消防救援机构 赵六');
    await page.click('.ant-modal-footer .ant-btn-primary');
    await expect.poll(() => page.locator(button).count(), { timeout: 15_000 }).toBe(0);
    const events = (await clerk('GET', `/api/v1/cases/${c.id}/events`)).json() as { type: string; data: Record<string, unknown> }[];
    expect(events.find((e) => e.type === 'ComplianceCheckRecorded')?.data).toMatchObject({ outcome: 'passed', findings: '现场疏散通道畅通，与承诺一致', checkedBy: '消防救援机构 赵六' });
    await page.context().close();
  });

  it('an applicant finds the case an agent filed for them in 我的办件 and confirms it; another applicant\'s case is not there', { timeout: 90_000 }, async () => {
    const agent = await asKey('agent');
    const clerk = await asKey('clerk');
    const mine = (await agent('POST', '/api/v1/cases', { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example, channel: 'home-visit', agent: { name: '村协管员 孙七', authorisation: 'WT-2026-0101' } })).json();
    const other = (await clerk('POST', '/api/v1/cases', { matter: 'enterprise-setup', applicant: { name: '王五', idType: 'resident-id', idNumber: '370102197912011110', phone: '13700137000' }, form: enterpriseSetupV1.example })).json();

    const page = await w.signIn('applicant');
    await page.waitForSelector('[data-testid=my-cases]');
    await expect.poll(() => page.textContent('[data-testid=my-cases]')).toContain(mine.caseNumber);
    expect(await page.textContent('[data-testid=my-cases]')).not.toContain(other.caseNumber);
    await w.shot(page, 'my-cases');
    await page.click(`text=${mine.caseNumber}`);
    await page.waitForSelector('[data-testid=applicant-actions]');
    expect(await page.textContent('[data-testid=applicant-actions]')).toContain('本件由代办员 村协管员 孙七 受您委托代为申请（授权委托书 WT-2026-0101）');
    await page.click('[data-testid=applicant-confirm]');
    await page.fill('.ant-modal textarea', '材料无误');
    await page.click('.ant-modal-footer .ant-btn-primary');
    await expect.poll(() => page.textContent('[data-testid=applicant-actions]'), { timeout: 15_000 }).toContain('您已确认代办内容：材料无误');
    await expect.poll(() => page.textContent('[data-testid=timeline]')).toContain('申请人确认或异议（帮办代办）');
    // Another applicant's case, by its address: not found.
    await page.goto(`${w.url}/#/cases/${other.id}`);
    await page.waitForSelector('text=办件不存在');
    await page.context().close();
  });
});
