import Database from 'better-sqlite3';
import { join } from 'node:path';
import { enterpriseSetupV1, utilityConnectionV1 } from '@onematter/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/app.js';
import { chooseMatter, HAS_CHROMIUM, startWorkbench, type Workbench } from './support.js';


/**
 * The workbench in a real browser (Debian's Chromium, headless), against the real
 * server with sign-in on. Under CI a missing Chromium fails these tests rather than
 * skipping them; on a developer's machine without it they are skipped.
 */
const run = HAS_CHROMIUM || Boolean(process.env.CI);

describe.skipIf(!run)('the workbench in Chromium', () => {
  let w: Workbench;
  let clerkKey: string;
  beforeAll(async () => {
    w = await startWorkbench();
    const { authOf } = await import('@onematter/api');
    clerkKey = (await authOf(w.t.app).directory.createKey({ role: 'clerk', name: '测试受理系统' })).key;
  }, 60_000);
  afterAll(async () => w?.close());

  const startCaseByApi = async (matter: 'utility-connection' | 'enterprise-setup') => {
    const m = matter === 'utility-connection' ? utilityConnectionV1 : enterpriseSetupV1;
    const r = await w.t.app.inject({
      method: 'POST',
      url: '/api/v1/cases',
      headers: { authorization: `Bearer ${clerkKey}` },
      payload: { matter, applicant: m.exampleApplicant, form: m.example },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string };
  };

  it('a clerk signs in, sees a wrong USCC refused as typed, starts enterprise setup from the form, and watches it complete', { timeout: 90_000 }, async () => {
    const context = await w.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const signInPage = await context.newPage();
    await signInPage.goto(`${w.url}/`);
    await signInPage.waitForSelector('#signin_username');
    await w.shot(signInPage, 'signin');
    // A wrong password first: refused in Chinese, then the right one.
    await signInPage.fill('#signin_username', 'clerk');
    await signInPage.fill('#signin_password', 'not-the-password');
    await signInPage.click('[data-testid=signin-submit]');
    await expect.poll(() => signInPage.textContent('[data-testid=signin-error]')).toContain('用户名或密码错误');
    await signInPage.close();

    const page = await w.signIn('clerk');
    await page.waitForSelector('text=综合窗口 · 一表申请');

    // 水电气网联合报装: its form asks for the applicant's USCC; a wrong check character is refused as typed.
    await chooseMatter(page, '水电气网联合报装');
    await page.waitForSelector('#apply_form_enterpriseUscc');
    await page.click('text=填入示例');
    await page.fill('#apply_form_enterpriseUscc', '91350100M000100Y44');
    const explain = page.locator('#apply_form_enterpriseUscc_help');
    await expect.poll(() => explain.textContent(), { timeout: 15_000 }).toContain('统一社会信用代码校验位不符，该代码无效，请对照营业执照或登记证书逐位核对');
    expect(await explain.textContent()).not.toMatch(/应为/);
    await page.waitForTimeout(400); // the error's entrance animation, for the screenshot
    await w.shot(page, 'window-uscc-error');
    await page.fill('#apply_form_enterpriseUscc', '91350100M000100Y43');
    await expect.poll(() => page.locator('#apply_form_enterpriseUscc_help').count()).toBe(0);

    // 企业开办 from the form: materials checked once (一次告知), then submitted.
    await chooseMatter(page, '企业开办');
    await page.waitForSelector('#apply_form_legalRepresentative_idNumber');
    await page.click('text=填入示例');
    await page.click('[data-testid=materials] >> text=住所使用证明');
    await expect.poll(() => page.textContent('[data-testid=missing-materials]')).toContain('住所使用证明');
    expect(await page.isDisabled('[data-testid=submit]')).toBe(true);
    await w.shot(page, 'window');
    await page.click('[data-testid=materials] >> text=住所使用证明');
    await page.click('[data-testid=submit]');
    // The receipt carries the 办件编号 (the day and its sequence) and its QR code.
    const caseNumber = (await page.textContent('[data-testid=case-number]', { timeout: 30_000 }))!.trim();
    expect(caseNumber).toMatch(/^\d{8}-\d{6}$/);
    expect(await page.locator('[data-testid=receipt-qr] svg').count()).toBe(1);
    await w.shot(page, 'receipt');

    // The case page updates by itself as the simulated departments answer.
    await page.click('text=查看办件进度');
    await page.waitForURL(/#\/cases\/[0-9a-f-]{36}$/);
    const caseId = decodeURIComponent(page.url().split('#/cases/')[1]!);
    await page.waitForSelector('[data-testid=step-diagram]');
    await page.waitForSelector('[data-testid=case-status][data-status=completed]', { timeout: 45_000 });
    expect(await page.locator('[data-step][data-status=approved]').count()).toBe(7);
    await w.shot(page, 'case', true);
    // 统一出件: the button is there because the server offers the route; one click, one ResultsIssued.
    await page.click('[data-testid=issue-results]');
    // The dialog's form (出件方式, preset to 窗口领取) is there before it is confirmed.
    await page.waitForSelector('.ant-modal-body >> text=出件方式');
    await page.click('.ant-modal-footer .ant-btn-primary');
    await eventually(async () => {
      const events = (await w.t.app.inject({ url: `/api/v1/cases/${caseId}/events`, headers: { authorization: `Bearer ${clerkKey}` } })).json() as { type: string; data: { channel?: string } }[];
      return events.some((e) => e.type === 'ResultsIssued' && e.data.channel === 'window') || undefined;
    }, 30_000, 'ResultsIssued');
    await expect.poll(() => page.locator('[data-testid=issue-results]').count()).toBe(0);
    const view = (await w.t.app.inject({ url: `/api/v1/cases/${caseId}`, headers: { authorization: `Bearer ${clerkKey}` } })).json();
    expect(view).toMatchObject({ status: 'completed', matter: 'enterprise-setup' });

    await page.click('.ant-menu-item >> text=办件列表');
    await page.waitForSelector(`a[href="#/cases/${caseId}"]`);
    await w.shot(page, 'cases');
    await context.close();
  });

  it('every matter in the catalogue starts from its generated form', { timeout: 180_000 }, async () => {
    const page = await w.signIn('clerk');
    const names = await page.evaluate(async () => ((await (await fetch('/api/v1/matters')).json()) as { name: string }[]).map((m) => m.name));
    expect(names.length).toBeGreaterThanOrEqual(2);
    const failed: string[] = [];
    for (const name of names) {
      await chooseMatter(page, name);
      await page.click('text=填入示例');
      await page.click('[data-testid=submit]');
      const ok = await page.waitForSelector('[data-testid=case-number]', { timeout: 15_000 }).then(() => true, () => false);
      if (ok) {
        await page.click('text=受理下一件');
      } else {
        failed.push(`${name}: ${(await page.locator('.ant-form-item-explain-error').allTextContents()).join('; ')}`);
        await page.reload();
      }
    }
    expect(failed).toEqual([]);
    await page.context().close();
  });

  it('a department user approves its task in the queue', { timeout: 60_000 }, async () => {
    const c = await startCaseByApi('utility-connection');
    const page = await w.signIn('water');
    const handle = `[data-testid=handle-water][data-case="${c.id}"]`;
    await page.waitForSelector(handle, { timeout: 30_000 });
    await page.waitForTimeout(600); // the table's fade-in, for the screenshot
    await w.shot(page, 'queue');
    await page.click(handle);
    await page.waitForSelector('.ant-drawer >> text=填入示例');
    await page.click('.ant-drawer >> text=填入示例');
    await w.shot(page, 'decision');
    await page.click('[data-testid=submit-decision]');
    await page.click('[data-testid=confirm-decision]');
    await page.waitForSelector('text=已准予', { timeout: 30_000 });
    const water = await eventually(async () => {
      const v = (await w.t.app.inject({ url: `/api/v1/cases/${c.id}`, headers: { authorization: `Bearer ${clerkKey}` } })).json();
      const t = v.tasks.find((x: { department: string }) => x.department === 'water');
      return t.status === 'approved' ? t : undefined;
    });
    expect(water.output).toEqual({ connectionNumber: 'WS2026000001' });
    const events = (await w.t.app.inject({ url: `/api/v1/cases/${c.id}/events`, headers: { authorization: `Bearer ${clerkKey}` } })).json();
    expect(events.find((e: { type: string; data: { department: string } }) => e.type === 'DecisionRecorded' && e.data.department === 'water').metadata.actor).toBe('department:water/user.water');
    await page.context().close();
  });

  it('a department user cannot see another department\'s task', { timeout: 60_000 }, async () => {
    const c = await startCaseByApi('utility-connection');
    const page = await w.signIn('tax');
    await page.waitForSelector('text=暂无待办任务');
    expect(await page.locator('[data-testid^=handle-]').count()).toBe(0);
    await page.goto(`${w.url}/#/cases/${c.id}`);
    await page.waitForSelector('text=无权查看此办件');
    await w.shot(page, 'forbidden');
    const api = await page.request.get(`${w.url}/api/v1/cases/${c.id}`);
    expect(api.status()).toBe(403);
    const decide = await page.request.post(`${w.url}/api/v1/tasks/${c.id}.water/decisions`, { data: { decisionId: 'x', decision: 'approved', output: { connectionNumber: 'WS1' } } });
    expect(decide.status()).toBe(403);
    await page.context().close();
  });

  it('a supervisor sees the dashboard, and an auditor replays a case and verifies its chain', { timeout: 90_000 }, async () => {
    const supervisor = await w.signIn('supervisor');
    await supervisor.waitForSelector('text=按时办结率');
    await supervisor.waitForSelector('[data-testid=count-green]');
    await w.shot(supervisor, 'supervision');
    await supervisor.context().close();

    const c = await startCaseByApi('enterprise-setup');
    await eventually(async () => {
      const v = (await w.t.app.inject({ url: `/api/v1/cases/${c.id}`, headers: { authorization: `Bearer ${clerkKey}` } })).json();
      return v.status === 'completed' || undefined;
    }, 45_000, 'the case to complete');
    const auditor = await w.signIn('auditor');
    await auditor.goto(`${w.url}/#/audit?case=${c.id}`);
    await expect.poll(() => auditor.textContent('[data-testid=verify-result]'), { timeout: 30_000 }).toContain('校验通过');
    await auditor.waitForSelector('text=服务端引擎回放');
    await auditor.click('.ant-slider-handle');
    await auditor.keyboard.press('Home');
    await auditor.waitForSelector('text=回放至第 0 号事件');
    await auditor.keyboard.press('ArrowRight');
    await auditor.keyboard.press('ArrowRight');
    await auditor.waitForSelector('text=回放至第 2 号事件');
    await auditor.waitForTimeout(400);
    await w.shot(auditor, 'audit');
    await auditor.context().close();
  });

  it('an auditor sees, in Chinese, that a case was deleted from the database', { timeout: 90_000 }, async () => {
    const c = await startCaseByApi('enterprise-setup');
    await eventually(async () => {
      const v = (await w.t.app.inject({ url: `/api/v1/cases/${c.id}`, headers: { authorization: `Bearer ${clerkKey}` } })).json();
      return v.status === 'completed' || undefined;
    }, 45_000, 'the case to complete');
    // Someone with access to the database file deletes the case's events.
    const db = new Database(join(w.t.runtime.config.dataDir, 'onematter.db'));
    try {
      db.prepare('DELETE FROM events WHERE stream_id = ?').run(c.id);
    } finally {
      db.close();
    }
    const auditor = await w.signIn('auditor');
    await auditor.goto(`${w.url}/#/audit?case=${c.id}`);
    await expect
      .poll(() => auditor.textContent('[data-testid=server-verify-result]').catch(() => null), { timeout: 30_000 })
      .toMatch(/服务端校验失败：第 0 号事件起已被删除（deleted: the store's stream index records its last position as \d+, and none of its events is left）/);
    // The events route has nothing left to show, and says so in Chinese first.
    await auditor.waitForSelector(`text=未找到：case ${c.id} not found`);
    await w.shot(auditor, 'audit-deleted');
    await auditor.context().close();
  });
  it('a clerk opening a case edited in the database sees a red warning in Chinese', { timeout: 60_000 }, async () => {
    const c = await startCaseByApi('enterprise-setup');
    const db = new Database(join(w.t.runtime.config.dataDir, 'onematter.db'));
    try {
      const name = enterpriseSetupV1.exampleApplicant!.name;
      db.prepare('UPDATE events SET data = replace(data, ?, ?) WHERE stream_id = ? AND position = 0').run(`"name":"${name}"`, '"name":"冒名顶替"', c.id);
    } finally {
      db.close();
    }
    const clerk = await w.signIn('clerk');
    await clerk.goto(`${w.url}/#/cases/${c.id}`);
    await expect
      .poll(() => clerk.textContent('[data-testid=case-integrity-alert]').catch(() => null), { timeout: 30_000 })
      .toMatch(/此办件的事件链校验未通过：第 0 号事件起内容被篡改/);
    await clerk.context().close();
  });
});
