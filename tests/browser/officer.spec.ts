import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/app.js';
import { chooseMatter, HAS_CHROMIUM, startWorkbench, type Workbench } from './support.js';

/**
 * The tax officer's and the clerk's small things (issue 17): the tax office is left to
 * a person, whose decision form starts from this case's own credit code and asks to
 * confirm what will be recorded; the receipt lists only the steps that apply.
 */
const run = HAS_CHROMIUM || Boolean(process.env.CI);


describe.skipIf(!run)('the tax officer and the clerk in Chromium', () => {
  let w: Workbench;
  let clerkKey: string;
  beforeAll(async () => {
    w = await startWorkbench({}, ['water', 'tax']);
    const { authOf } = await import('@onematter/api');
    clerkKey = (await authOf(w.t.app).directory.createKey({ role: 'clerk', name: '测试受理系统' })).key;
  }, 60_000);
  afterAll(async () => w?.close());

  const caseOf = async (id: string) => (await w.t.app.inject({ url: `/api/v1/cases/${id}`, headers: { authorization: `Bearer ${clerkKey}` } })).json();

  it('a tax officer finds this case\'s credit code in the form, confirms what will be recorded, and can go back first', { timeout: 90_000 }, async () => {
    const started = await w.t.app.inject({
      method: 'POST',
      url: '/api/v1/cases',
      headers: { authorization: `Bearer ${clerkKey}` },
      payload: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example },
    });
    expect(started.statusCode, started.body).toBe(201);
    const id = started.json().id as string;
    const uscc = (await eventually(async () => (await caseOf(id)).outputs.samr?.unifiedSocialCreditCode as string | undefined, 30_000)) as string;
    expect(uscc).not.toBe('91350100M000100Y43'); // the simulated registration issues this case's own code

    const page = await w.signIn('tax');
    const handle = `[data-testid=handle-tax][data-case="${id}"]`;
    await page.waitForSelector(handle, { timeout: 30_000 });
    await page.click(handle);
    const field = page.locator('#decision_output_taxpayerId');
    await expect.poll(() => field.inputValue(), { timeout: 15_000 }).toBe(uscc);
    await page.click('.ant-drawer >> text=填入示例');
    expect(await field.inputValue()).toBe(uscc);

    // First thoughts: the confirmation shows what will be recorded; going back records nothing.
    await page.click('[data-testid=submit-decision]');
    const confirm = page.locator('[data-testid=decision-confirm]');
    await confirm.waitFor();
    const text = await confirm.textContent();
    expect(text).toContain('准予');
    expect(text).toContain(`纳税人识别号${uscc}`);
    expect(text).toContain('不可撤回');
    await page.click('.ant-modal-confirm >> text=返回修改');
    await confirm.waitFor({ state: 'detached' });
    expect((await caseOf(id)).tasks.find((t: { step: string }) => t.step === 'tax').status).toBe('pending');

    await page.click('[data-testid=submit-decision]');
    await page.click('[data-testid=confirm-decision]');
    await page.waitForSelector('text=已准予', { timeout: 30_000 });
    const tax = (await caseOf(id)).tasks.find((t: { step: string }) => t.step === 'tax');
    expect(tax.status).toBe('approved');
    expect(tax.output).toMatchObject({ taxpayerId: uscc }); // and the example's invoice quota
    await page.context().close();
  });

  it('a clerk\'s receipt lists only the companies the application asked for', { timeout: 90_000 }, async () => {
    const page = await w.signIn('clerk');
    await page.waitForSelector('text=综合窗口 · 一表申请');
    await chooseMatter(page, '水电气网联合报装');
    await page.waitForSelector('#apply_form_enterpriseUscc');
    await page.click('text=填入示例');
    await page.click('text=供热报装（选填）'); // no heating: an office in the south
    await page.click('[data-testid=submit]');
    const receipt = page.locator('[data-testid=receipt]');
    await receipt.waitFor({ timeout: 20_000 });
    const text = (await receipt.textContent())!;
    expect(text).toContain('供水公司');
    expect(text).toContain('供电公司');
    expect(text).not.toContain('供热公司');
    await page.context().close();
  });

  it('a clerk finds a case again from the header by the applicant\'s phone', { timeout: 90_000 }, async () => {
    const applicant = { ...enterpriseSetupV1.exampleApplicant!, name: '欧阳娜娜', phone: '13700137000' };
    const r = await w.t.app.inject({ method: 'POST', url: '/api/v1/cases', headers: { authorization: `Bearer ${clerkKey}` }, payload: { matter: 'enterprise-setup', applicant, form: enterpriseSetupV1.example } });
    expect(r.statusCode, r.body).toBe(201);
    const page = await w.signIn('clerk');
    const box = page.locator('[data-testid=header-search] input');
    await box.fill('137 0013 7000');
    await box.press('Enter');
    await page.waitForSelector('[data-testid=search-term]');
    await page.waitForSelector(`a[href="#/cases/${r.json().id}"]`, { timeout: 20_000 });
    expect(await page.locator('.ant-table-tbody tr.ant-table-row').count()).toBe(1);
    expect(await page.textContent('.ant-table-tbody')).toContain('欧阳娜娜');
    await box.fill('1370013');
    await box.press('Enter');
    await page.waitForSelector('text=未找到匹配的办件', { timeout: 20_000 });
    await page.context().close();
  });
});
