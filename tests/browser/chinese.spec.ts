/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (page.evaluate callbacks run in the browser)
import { enterpriseSetupV1, utilityConnectionV1 } from '@onematter/workflows';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/app.js';
import { chooseMatter, HAS_CHROMIUM, settled, startWorkbench, type Workbench } from './support.js';

/**
 * Everything a user sees is Chinese: each role signs in and walks every page it has,
 * with cases that went through every kind of event (补正 with materials, 统一出件, a
 * 差评 and its 整改), and no internal code (`application-form`, `documentNumber`,
 * `enterprise-setup`, `user.clerk`, `ResultsIssued`) shows anywhere outside code blocks.
 */
const run = HAS_CHROMIUM || Boolean(process.env.CI);

/** Latin words that may stand in Chinese text: abbreviations, units, the product's name. */
const ALLOWED = new Set(['ID', 'QR', 'PDF', 'API', 'URL', 'Mbps', 'kVA', 'OneMatter', 'GB', 'SHA', 'HTTPS']);

/** Latin-letter identifiers in the visible text of the page, outside <code> and <pre>, with where they stand. */
async function latinLeaks(page: Page): Promise<string[]> {
  const found = await page.evaluate(() => {
    const out: string[] = [];
    const skip = (el: Element | null): boolean => {
      for (let e = el; e; e = e.parentElement) {
        const tag = e.tagName.toLowerCase();
        if (tag === 'code' || tag === 'pre' || tag === 'script' || tag === 'style' || tag === 'noscript') return true;
        // Clipped to nothing: not seen. (antd's select keeps such a 0×0 list for screen readers while its
        // dropdown is open or closing, each option's text its value and its name the Chinese label.)
        if ((e.clientWidth === 0 || e.clientHeight === 0) && getComputedStyle(e).overflow === 'hidden') return true;
      }
      return !el || (typeof el.checkVisibility === 'function' && !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }));
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent ?? '';
      if (!/[A-Za-z]/.test(text) || skip(n.parentElement)) continue;
      out.push(text);
    }
    for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) if (!skip(el)) out.push(el.getAttribute('placeholder') ?? '');
    return out;
  });
  const leaks: string[] = [];
  for (const text of found) {
    for (const m of text.replace(/https?:\/\/\S+/g, '').matchAll(/[A-Za-z][A-Za-z0-9_.-]{2,}/g)) {
      const word = m[0].replace(/[.-]+$/, '');
      // A document number is data, not a code: capitals and digits (WS2026000001, a credit code's M000100Y43).
      if (ALLOWED.has(word) || (/^[A-Z0-9-]+$/.test(word) && /\d/.test(word))) continue;
      leaks.push(`${word} in 「${text.trim().slice(0, 80)}」`);
    }
  }
  return [...new Set(leaks)];
}

describe.skipIf(!run)('the workbench speaks Chinese to every role', () => {
  let w: Workbench;
  let completed: string;
  let supplement: string;
  let pending: string;
  beforeAll(async () => {
    w = await startWorkbench();
    const { authOf } = await import('@onematter/api');
    const directory = authOf(w.t.app).directory;
    const clerkKey = (await directory.createKey({ role: 'clerk', name: '自助终端' })).key;
    const waterKey = (await directory.createKey({ role: 'department', department: 'water', name: '供水公司营业系统' })).key;
    const api = async (key: string, method: 'GET' | 'POST', url: string, payload?: unknown) => {
      const r = await w.t.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload: payload as object } : {}) });
      expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
      return r.json() as Record<string, unknown>;
    };
    const start = async (matter: 'enterprise-setup' | 'utility-connection') => {
      const m = matter === 'enterprise-setup' ? enterpriseSetupV1 : utilityConnectionV1;
      return String((await api(clerkKey, 'POST', '/api/v1/cases', { matter, applicant: m.exampleApplicant, form: m.example })).id);
    };
    // Enterprise setup, decided by the simulated departments, handed out, then a 差评 and its 整改.
    completed = await start('enterprise-setup');
    await eventually(async () => ((await api(clerkKey, 'GET', `/api/v1/cases/${completed}`)).status === 'completed' ? true : undefined), 60_000, 'enterprise setup to complete');
    await api(clerkKey, 'POST', `/api/v1/cases/${completed}/results-issued`, { channel: 'post', recipient: '张三 福州市鼓楼区五四路 100 号', trackingNumber: 'SF1234567890' });
    await api(clerkKey, 'POST', `/api/v1/cases/${completed}/reviews`, { rating: '不满意', comment: '等候时间太长', channel: 'window' });
    // Utility connection: the water company (a person here) asks for two materials.
    supplement = await start('utility-connection');
    await eventually(async () => {
      const c = await api(clerkKey, 'GET', `/api/v1/cases/${supplement}`);
      return (c.tasks as { step: string; status: string }[]).some((t) => t.step === 'water' && t.status === 'pending') || undefined;
    }, 30_000, 'the water task');
    await api(waterKey, 'POST', `/api/v1/tasks/${supplement}.water/decisions`, {
      decisionId: 'water-1',
      decision: 'supplement-required',
      missingMaterials: ['application-form', 'property-proof'],
      reason: '申请表缺少法定代表人签字',
    });
    // One more waiting in the water company's queue.
    pending = await start('utility-connection');
    // And one handed in but not accepted yet: no clock runs, its light is unknown.
    const m = enterpriseSetupV1;
    await api(clerkKey, 'POST', '/api/v1/cases', { matter: 'enterprise-setup', applicant: m.exampleApplicant, form: m.example, acceptance: 'pending' });
  }, 120_000);
  afterAll(async () => w?.close());

  it('shows no internal code or English word on any page of any role', { timeout: 300_000 }, async () => {
    const problems: string[] = [];
    const check = async (page: Page, where: string, ready: string) => {
      await page.waitForSelector(ready, { state: 'attached', timeout: 20_000 });
      await settled(page); // polls and names (people, matters) arrive
      for (const leak of await latinLeaks(page)) problems.push(`${where}: ${leak}`);
    };
    const visit = async (page: Page, account: string, hash: string, ready: string) => {
      await page.goto(`${w.url}/${hash}`);
      await check(page, `${account} ${hash}`, ready);
    };
    const casePages = async (page: Page, account: string) => {
      for (const id of [completed, supplement]) await visit(page, account, `#/cases/${id}`, '[data-testid=timeline]');
    };

    // The clerk: the window (form and receipt), the list, the case pages and their printed documents.
    const clerk = await w.signIn('clerk');
    await check(clerk, 'clerk home', '[data-testid=matter-select]');
    await chooseMatter(clerk, '企业开办');
    await clerk.click('text=填入示例');
    await check(clerk, 'clerk window form', '#apply_form_legalRepresentative_idNumber');
    await clerk.click('[data-testid=submit]');
    await check(clerk, 'clerk receipt', '[data-testid=case-number]');
    // The operator is the person signed in, by name.
    await clerk.click('text=查看办件进度');
    await expect.poll(() => clerk.locator('[data-testid=timeline]').textContent().catch(() => ''), { timeout: 20_000 }).toContain('操作：王芳（综合窗口）');
    await visit(clerk, 'clerk', '#/cases', '.ant-table-row');
    await casePages(clerk, 'clerk');
    await clerk.click('[data-testid=print-notice]');
    await check(clerk, 'clerk 补正告知书', '[data-testid=supplement-notice]');
    expect(await clerk.textContent('[data-testid=supplement-notice]')).toContain('联合报装申请表、用地或房屋权属证明');
    await clerk.keyboard.press('Escape');
    await visit(clerk, 'clerk', `#/cases/${completed}`, '[data-testid=print-handover]');
    await clerk.click('[data-testid=print-handover]');
    await check(clerk, 'clerk 出件单', '[data-testid=handover-slip]');
    await clerk.context().close();

    // The water company: its queue and a decision form; the tax office: an empty queue and its list.
    const water = await w.signIn('water');
    await check(water, 'water queue', `[data-case="${pending}"]`);
    await water.click(`[data-testid=handle-water][data-case="${pending}"]`);
    await check(water, 'water decision', '.ant-drawer >> text=填入示例');
    await water.keyboard.press('Escape');
    await visit(water, 'water', '#/cases', '.ant-table-row');
    await visit(water, 'water', `#/cases/${supplement}`, '[data-testid=timeline]');
    await water.context().close();
    const tax = await w.signIn('tax');
    await check(tax, 'tax queue', '.ant-card');
    await visit(tax, 'tax', '#/cases', '.ant-table');
    await tax.context().close();

    // The supervisor, the auditor and the admin: every page they have.
    for (const account of ['supervisor', 'auditor', 'admin'] as const) {
      const page = await w.signIn(account);
      if (account !== 'auditor') await visit(page, account, '#/supervision', '[data-testid=count-green]');
      await visit(page, account, '#/cases', '.ant-table-row');
      await casePages(page, account);
      for (const id of [completed, supplement]) await visit(page, account, `#/audit?case=${id}`, '[data-testid=verify-result]');
      if (account === 'auditor') await visit(page, account, '#/supervision', '[data-testid=count-green]');
      if (account === 'admin') {
        await visit(page, account, '#/calendar', '.ant-card');
        await visit(page, account, '#/queue', '.ant-card');
      }
      await page.context().close();
    }
    // The applicant (张三, the example applicant of these cases): 我的办件 and their case.
    const applicant = await w.signIn('applicant');
    await visit(applicant, 'applicant', '#/mine', '.ant-table-row');
    await visit(applicant, 'applicant', `#/cases/${completed}`, '[data-testid=timeline]');
    await applicant.context().close();
    expect(problems).toEqual([]);
  });

  it('names materials, outputs and people as the definition and the accounts do', { timeout: 120_000 }, async () => {
    const clerk = await w.signIn('clerk');
    await clerk.goto(`${w.url}/#/cases/${supplement}`);
    const timeline = clerk.locator('[data-testid=timeline]');
    // The decision and 「要求补正材料」 name the materials, never behind a bare colon.
    await expect.poll(() => timeline.textContent(), { timeout: 20_000 }).toContain('供水公司：要求补正，缺：联合报装申请表、用地或房屋权属证明（申请表缺少法定代表人签字）');
    const asked = await timeline.locator('.ant-timeline-item', { hasText: '要求补正材料' }).textContent();
    expect(asked).toContain('联合报装申请表、用地或房屋权属证明');
    expect(asked).not.toMatch(/\s：|：\s*·/);
    expect(await timeline.textContent()).toContain('供水公司营业系统');
    await clerk.goto(`${w.url}/#/cases/${completed}`);
    await expect.poll(() => clerk.locator('[data-testid=timeline]').textContent(), { timeout: 20_000 }).toContain('邮寄送达');
    const page = (await clerk.textContent('body')) ?? '';
    expect(page).toContain('不满意');
    expect(page).toContain('纳税人识别号');
    expect(page).toContain('自助终端');
    await clerk.context().close();

    // The auditor's table notes and the supervisor's red list speak the same way.
    const auditor = await w.signIn('auditor');
    await auditor.goto(`${w.url}/#/audit?case=${completed}`);
    const table = auditor.locator('.ant-card', { hasText: '事件记录' });
    await expect.poll(() => table.textContent(), { timeout: 20_000 }).toContain('统一出件（邮寄送达）');
    expect(await table.textContent()).toContain('申请人评价（窗口）：不满意');
    expect(await table.textContent()).not.toMatch(/results=|\{"|ResultsIssued|ReviewSubmitted/);
    await auditor.context().close();
  });

  it('finds a case by its 办件编号 from the header, and reprints its receipt with the number and its QR code after a reload', { timeout: 120_000 }, async () => {
    const clerk = await w.signIn('clerk');
    await clerk.goto(`${w.url}/#/cases/${supplement}`);
    const number = (await clerk.textContent('[data-testid=case-number]', { timeout: 20_000 }))!.trim();
    expect(number).toMatch(/^\d{8}-\d{6}$/);
    // From the header's search box, by the number read out at the window.
    await clerk.goto(`${w.url}/#/window`);
    const search = clerk.locator('input.om-search, .om-search input').first();
    await search.fill(number);
    await search.press('Enter');
    await expect.poll(() => clerk.locator('.ant-table-row').count(), { timeout: 20_000 }).toBe(1);
    expect(await clerk.textContent('.ant-table-row')).toContain(number);
    await clerk.click(`.ant-table-row >> text=${number}`);
    await clerk.waitForSelector('[data-testid=timeline]');
    // A reload loses nothing: the receipt is reprinted from the case page.
    await clerk.reload();
    await clerk.click('[data-testid=reprint-receipt]');
    const receipt = clerk.locator('[data-testid=receipt]');
    await receipt.waitFor();
    expect(await receipt.textContent()).toContain(number);
    expect(await receipt.textContent()).toContain('受理回执');
    expect(await clerk.locator('[data-testid=receipt-qr] svg').count()).toBe(1);
    await w.shot(clerk, 'reprint-receipt');
    // Printed, only the document shows (A4), not the workbench around it.
    await clerk.emulateMedia({ media: 'print' });
    const visibility = await clerk.evaluate(() => ({
      sider: getComputedStyle(document.querySelector('.ant-layout-sider .ant-menu')!).visibility,
      receipt: getComputedStyle(document.querySelector('[data-testid=receipt]')!).visibility,
    }));
    expect(visibility).toEqual({ sider: 'hidden', receipt: 'visible' });
    await clerk.context().close();
  });

  it('shows a paused clock (since when, why) on the case and its task, and the fourth, unknown group with its reason', { timeout: 120_000 }, async () => {
    const clerk = await w.signIn('clerk');
    await clerk.goto(`${w.url}/#/cases/${supplement}`);
    await clerk.waitForSelector('[data-testid=case-paused]', { timeout: 20_000 });
    await expect.poll(() => clerk.textContent('[data-testid=case-paused]'), { timeout: 20_000 }).toMatch(/办理时限暂停中：自 \d{4}\/\d{1,2}\/\d{1,2} [\d:]+ 起供水公司等待申请人补正材料（缺：联合报装申请表、用地或房屋权属证明）/);
    expect(await clerk.locator('.ant-table-row', { hasText: '供水公司' }).locator('[data-testid=paused]').count()).toBe(1);
    expect(await clerk.locator('.ant-table-row', { hasText: '供电公司' }).locator('[data-testid=paused]').count()).toBe(0);
    await w.shot(clerk, 'case-paused');
    await clerk.context().close();

    const supervisor = await w.signIn('supervisor');
    await supervisor.waitForSelector('[data-testid=count-unknown]');
    const n = async (testId: string) => Number((await supervisor.textContent(`[data-testid=${testId}] .ant-statistic-content-value`))!.replace(/[^\d.]/g, ''));
    await expect.poll(() => n('count-unknown'), { timeout: 20_000 }).toBe(1);
    expect(await supervisor.textContent('[data-testid=unknown-reasons]')).toContain('尚未受理：受理后开始计算时限 1 件');
    const open = Number((await supervisor.locator('.ant-statistic', { hasText: '在办' }).locator('.ant-statistic-content-value').textContent())!.replace(/\D/g, ''));
    expect((await n('count-green')) + (await n('count-yellow')) + (await n('count-red')) + (await n('count-unknown'))).toBe(open);
    // 好差评 and 整改 beside the lights: one 差评, so a 100% 差评 rate and one rectification open.
    expect(await n('reviews-total')).toBe(1);
    expect(await supervisor.textContent('[data-testid=reviews-bad-share]')).toContain('100.0%');
    expect(await n('rectifications-open')).toBe(1);
    expect(await n('rectifications-overdue')).toBe(0);
    await w.shot(supervisor, 'supervision');
    await supervisor.context().close();
  });
});
