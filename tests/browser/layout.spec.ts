/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (page.evaluate callbacks run in the browser)
import { enterpriseSetupV1 } from '@onematter/workflows';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/app.js';
import { HAS_CHROMIUM, startWorkbench, type ACCOUNTS, type Workbench } from './support.js';

/**
 * The workbench at a window desk's 1366×768 and on a supervisor's phone (390×844):
 * every main page of every role, the applicant's too, fits the screen's width (wide
 * tables scroll inside their card, the sidebar folds away), and the auditor's event
 * table keeps its columns readable. Screenshots of both sizes go to docs/screenshots with UPDATE_SCREENSHOTS=1.
 */
const run = HAS_CHROMIUM || Boolean(process.env.CI);
const PHONE = { width: 390, height: 844 };
const DESK = { width: 1366, height: 768 };

/** The pages each role works on, with what shows that the page has loaded. */
function pages(caseId: string): { account: keyof typeof ACCOUNTS; name: string; hash: string; ready: string }[] {
  return [
    { account: 'clerk', name: 'window', hash: '#/window', ready: '[data-testid=matter-select]' },
    { account: 'clerk', name: 'cases', hash: '#/cases', ready: '.ant-table-row' },
    { account: 'clerk', name: 'case', hash: `#/cases/${caseId}`, ready: '[data-testid=timeline]' },
    { account: 'water', name: 'queue', hash: '#/queue', ready: '.ant-card' },
    { account: 'supervisor', name: 'supervision', hash: '#/supervision', ready: '[data-testid=count-green]' },
    { account: 'auditor', name: 'audit', hash: `#/audit?case=${caseId}`, ready: '[data-testid=verify-result]' },
    // 申请人 (the case was filed under their ID number): 我的办件, and their case with 好差评.
    { account: 'applicant', name: 'mine', hash: '#/mine', ready: '.ant-table-row' },
    { account: 'applicant', name: 'my-case', hash: `#/cases/${caseId}`, ready: '[data-testid=applicant-actions]' },
  ];
}

/** How far the page reaches past the viewport's right edge, and the widest element doing it. */
async function overflow(page: Page): Promise<{ scrollWidth: number; viewport: number; culprit: string }> {
  return page.evaluate(() => {
    const viewport = window.innerWidth;
    let culprit = '';
    let right = viewport;
    // The outermost element reaching past the edge (what is inside a scrolling box does not count).
    const scrolls = (el: Element) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(el).overflowX);
    const walk = (el: Element) => {
      for (const child of el.children) {
        const r = child.getBoundingClientRect();
        if (r.right > right + 1 && r.width > 0) {
          right = r.right;
          culprit = `${child.tagName.toLowerCase()}.${String(child.getAttribute('class') ?? '').slice(0, 80)} (right edge ${Math.round(r.right)})`;
        } else if (!scrolls(child)) walk(child);
      }
    };
    walk(document.body);
    return { scrollWidth: document.documentElement.scrollWidth, viewport, culprit };
  });
}

describe.skipIf(!run)('the workbench on a desk screen and on a phone', () => {
  let w: Workbench;
  let caseId: string;
  beforeAll(async () => {
    w = await startWorkbench();
    const { authOf } = await import('@onematter/api');
    const key = (await authOf(w.t.app).directory.createKey({ role: 'clerk', name: '版式测试' })).key;
    const r = await w.t.app.inject({
      method: 'POST',
      url: '/api/v1/cases',
      headers: { authorization: `Bearer ${key}` },
      payload: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example },
    });
    expect(r.statusCode, r.body).toBe(201);
    caseId = (r.json() as { id: string }).id;
    // The simulated departments decide every task of enterprise setup: a full event table.
    await eventually(async () => {
      const c = (await w.t.app.inject({ url: `/api/v1/cases/${caseId}`, headers: { authorization: `Bearer ${key}` } })).json() as { status: string };
      return c.status === 'completed' || undefined;
    }, 60_000, 'the simulated departments to decide');
  }, 90_000);
  afterAll(async () => w?.close());

  it('fits every main page of every role into a 390-pixel phone screen without scrolling sideways', { timeout: 180_000 }, async () => {
    const signedIn = new Map<string, Page>();
    const problems: string[] = [];
    for (const p of pages(caseId)) {
      let page = signedIn.get(p.account);
      if (!page) signedIn.set(p.account, (page = await w.signIn(p.account, PHONE)));
      await page.goto(`${w.url}/${p.hash}`);
      await page.waitForSelector(p.ready, { state: 'attached', timeout: 20_000 });
      await page.waitForTimeout(300);
      const o = await overflow(page);
      if (o.scrollWidth > o.viewport) problems.push(`${p.name}: ${o.scrollWidth} px wide on a ${o.viewport} px screen; widest: ${o.culprit}`);
      // The header bar keeps the user's name, the search and 退出 inside it (a long name once wrapped out of it).
      const spilled = await page.locator('.om-header').evaluate((header) => {
        const bar = header.getBoundingClientRect();
        return [...header.querySelectorAll('[data-testid=who], [data-testid=sign-out], [data-testid=header-search]')]
          .filter((el) => { const r = el.getBoundingClientRect(); return r.height > 0 && (r.top < bar.top - 1 || r.bottom > bar.bottom + 1 || r.right > bar.right + 1); })
          .map((el) => `${el.getAttribute('data-testid')}: ${el.textContent?.trim() ?? ''}`);
      });
      for (const s of spilled) problems.push(`${p.name}: header item outside the header bar: ${s}`);
      // The menu's ☰ trigger covers nothing of the page (it once sat on the case list's first table header).
      const covered = await page.evaluate(() => {
        const triggers = [...document.querySelectorAll('[data-testid=menu-trigger], .ant-layout-sider-zero-width-trigger')].map((t) => t.getBoundingClientRect()).filter((r) => r.width > 0);
        const overlaps = (a: DOMRect, b: DOMRect) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
        return [...document.querySelectorAll('.ant-layout-content th, .ant-layout-content .ant-card-head, .ant-layout-content button, .ant-layout-content input')]
          .filter((el) => triggers.some((t) => overlaps(t, el.getBoundingClientRect())))
          .map((el) => `${el.tagName.toLowerCase()} ${el.textContent?.trim().slice(0, 20) ?? ''}`);
      });
      for (const c of covered) problems.push(`${p.name}: the menu trigger covers ${c}`);
      await w.shot(page, `phone-${p.name}`, true);
    }
    expect(problems).toEqual([]);
    // The sidebar is folded away on a phone; ☰ in the header opens it, and choosing a page folds it again.
    const clerk = signedIn.get('clerk')!;
    const siderWidth = () => clerk.locator('.ant-layout-sider').evaluate((el) => el.getBoundingClientRect().width);
    expect(await siderWidth()).toBe(0);
    await clerk.click('[data-testid=menu-trigger]');
    await expect.poll(siderWidth).toBe(180);
    await clerk.click('.ant-layout-sider >> text=办件列表');
    await clerk.waitForSelector('.ant-table-row');
    await expect.poll(siderWidth).toBe(0);
    for (const page of signedIn.values()) await page.context().close();
  });

  it('keeps the auditor’s event table readable at 1366×768: no column squeezed, no sideways page', { timeout: 120_000 }, async () => {
    const page = await w.signIn('auditor', DESK);
    await page.goto(`${w.url}/#/audit?case=${caseId}`);
    await page.waitForSelector('[data-testid=verify-result]');
    const table = page.locator('.ant-card', { hasText: '事件记录' }).locator('table');
    // Every cell shows at least two characters per line: no column is squeezed to one.
    const narrow = await table.evaluate((t) =>
      [...t.querySelectorAll('th')].filter((th) => th.textContent && th.getBoundingClientRect().width < 40).map((th) => `${th.textContent} ${Math.round(th.getBoundingClientRect().width)} px`),
    );
    expect(narrow).toEqual([]);
    // No event takes more than seven lines (squeezed columns made rows of 300 px and more).
    const tall = await table.evaluate((t) => [...t.querySelectorAll('tbody tr')].filter((r) => r.getBoundingClientRect().height > 160).map((r) => r.textContent?.slice(0, 40)));
    expect(tall).toEqual([]);
    const o = await overflow(page);
    expect(o.scrollWidth, o.culprit).toBeLessThanOrEqual(o.viewport);
    await w.shot(page, 'desk-audit', true);
    for (const p of pages(caseId).filter((x) => x.account === 'clerk' || x.account === 'supervisor')) {
      const other = p.account === 'auditor' ? page : await w.signIn(p.account, DESK);
      await other.goto(`${w.url}/${p.hash}`);
      await other.waitForSelector(p.ready, { state: 'attached', timeout: 20_000 });
      const oo = await overflow(other);
      expect(oo.scrollWidth, `${p.name}: ${oo.culprit}`).toBeLessThanOrEqual(oo.viewport);
      await w.shot(other, `desk-${p.name}`);
      await other.context().close();
    }
    await page.context().close();
  });
});
