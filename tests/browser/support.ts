/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
import { authOf, workbenchDir, type RuntimeConfig } from '@onematter/api';
import { DEPARTMENTS } from '@onematter/engine';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { testApp, type TestApp } from '../support/app.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);

/**
 * Screenshots go to docs/screenshots/ (committed, shown in the README and
 * docs/workbench.md) when UPDATE_SCREENSHOTS=1, else to a temporary folder, so that
 * an ordinary test run leaves the work tree clean.
 */
export const SHOTS = process.env.UPDATE_SCREENSHOTS ? resolve(import.meta.dirname, '../../docs/screenshots') : join(tmpdir(), 'onematter-screenshots');

export const ACCOUNTS = {
  clerk: { username: 'clerk', password: 'clerk-browser-1', role: 'clerk', displayName: '王芳（综合窗口）' },
  water: { username: 'water', password: 'water-browser-1', role: 'department', department: 'water', displayName: '周涛（供水公司）' },
  tax: { username: 'tax', password: 'tax-browser-1', role: 'department', department: 'tax', displayName: '李明（税务局）' },
  fire: { username: 'fire', password: 'fire-browser-1', role: 'department', department: 'fire', displayName: '吴刚（消防救援）' },
  // 申请人: the example applicant of the catalogue (张三), who sees only their own cases.
  applicant: { username: 'zhangsan', password: 'applicant-browser-1', role: 'applicant', applicantId: '11010519491231002X', displayName: '张三' },
  supervisor: { username: 'supervisor', password: 'supervisor-browser-1', role: 'supervisor', displayName: '赵强（督办）' },
  auditor: { username: 'auditor', password: 'auditor-browser-1', role: 'auditor', displayName: '陈静（审计）' },
  admin: { username: 'admin', password: 'admin-browser-1', role: 'admin', displayName: '孙丽（管理员）' },
} as const;

export interface Workbench {
  t: TestApp;
  url: string;
  browser: Browser;
  /** A new browser context (its own cookies) signed in as the account, at 1366×768 unless told. */
  signIn(account: keyof typeof ACCOUNTS, viewport?: { width: number; height: number }): Promise<Page>;
  shot(page: Page, name: string, fullPage?: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real server (auth on) on a free port, with simulated departments answering
 * within a second — except the water company (or the departments in `manual`), which
 * a person answers in the browser — and headless Chromium from Debian's package.
 */
export async function startWorkbench(config: Partial<RuntimeConfig> = {}, manual: readonly string[] = ['water']): Promise<Workbench> {
  if (!HAS_CHROMIUM) throw new Error(`Chromium not found at ${CHROMIUM}: run .ci/install-chromium.sh (apt-get install -y chromium)`);
  if (!workbenchDir()) throw new Error('the workbench is not built (packages/web/dist): run npm run build');
  mkdirSync(SHOTS, { recursive: true });
  const t = await testApp(
    {
      // The embedded default, as `npm start` runs it: a SQLite file a test can also edit.
      store: 'sqlite',
      simulateDepartments: true,
      simulation: { delayMs: [200, 700], supplementRate: 0, rejectionRate: 0, departments: DEPARTMENTS.filter((d) => !manual.includes(d)) },
      ...config,
    },
    { auth: { enabled: true, signInRateLimit: { max: 1000, timeWindowMs: 60_000 } } },
  );
  for (const a of Object.values(ACCOUNTS)) await authOf(t.app).directory.ensureAccount(a);
  const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return {
    t,
    url,
    browser,
    async signIn(account, viewport = { width: 1366, height: 768 }) {
      const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
      const page = await context.newPage();
      trackRequests(page);
      await page.goto(`${url}/`);
      await page.fill('#signin_username', ACCOUNTS[account].username);
      await page.fill('#signin_password', ACCOUNTS[account].password);
      await page.click('[data-testid=signin-submit]');
      await page.waitForSelector('[data-testid=who]');
      return page;
    },
    async shot(page, name, fullPage = false) {
      // Transitions run to their end (a closing dialog gone, a table no longer faded while it loads).
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage, animations: 'disabled' });
    },
    async close() {
      await browser.close();
      await t.close();
    },
  };
}

/** The requests each signed-in page has in flight, and when the last one ended (see `settled`). */
const inFlight = new WeakMap<Page, { open: number; since: number }>();

function trackRequests(page: Page): void {
  const state = { open: 0, since: Date.now() };
  inFlight.set(page, state);
  page.on('request', () => void state.open++);
  const done = () => {
    state.open = Math.max(0, state.open - 1);
    state.since = Date.now();
  };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
}

/**
 * Waits until the page has had no request in flight for `quietMs` — what it loads on
 * arriving (its polls' first answers, then the names of the people and matters they
 * mention) has come back — and the browser has rendered it (two animation frames).
 * A page whose requests never quieten gets `timeoutMs`, then is looked at as it is.
 * Only for pages from `signIn`, which counts their requests from the start.
 */
export async function settled(page: Page, quietMs = 400, timeoutMs = 10_000): Promise<void> {
  const state = inFlight.get(page);
  if (!state) throw new Error('settled(): the page was not opened by signIn()');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && (state.open > 0 || Date.now() - state.since < quietMs)) {
    await new Promise((r) => setTimeout(r, 25));
  }
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

/** Picks a matter in the window's select by typing its name (the catalogue is longer than the dropdown). */
export async function chooseMatter(page: Page, name: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.click('.ant-card-extra .ant-select');
    await page.keyboard.type(name);
    const option = page.locator(`.ant-select-dropdown .ant-select-item-option[title="${name}"]`);
    try {
      await option.waitFor({ state: 'visible', timeout: 3000 });
      await option.click();
      await page.locator('.ant-card-extra .ant-select', { hasText: name }).waitFor({ timeout: 5000 });
      return;
    } catch {
      await page.keyboard.press('Escape');
    }
  }
  throw new Error(`could not choose the matter ${name}`);
}
