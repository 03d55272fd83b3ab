import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acceleratedClock } from '@onematter/adapters';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, startWorkbench, type Workbench } from './support.js';

const NOTICE_2027 = readFileSync(join(import.meta.dirname, '../fixtures/notices/hypothetical-2027.notice'), 'utf8');
const run = HAS_CHROMIUM || Boolean(process.env.CI);

/**
 * December 2026, before the 2027 notice: the admin is warned and imports the notice in the
 * workbench; a clerk's case shows its 2027 due dates as 暂定 until then.
 */
describe.skipIf(!run)('the working-day calendar in the workbench', () => {
  let w: Workbench;
  beforeAll(async () => {
    w = await startWorkbench({ clock: acceleratedClock({ start: '2026-12-05T10:00:00+08:00' }) });
  }, 60_000);
  afterAll(async () => w?.close());

  it('shows a 2027 due date as 暂定, warns the admin, and takes the pasted notice after showing its days on a month grid', { timeout: 90_000 }, async () => {
    const { authOf } = await import('@onematter/api');
    const key = (await authOf(w.t.app).directory.createKey({ role: 'clerk', name: '测试受理系统' })).key;
    const matter = (await w.t.app.inject({ url: '/api/v1/matters/construction-project', headers: { authorization: `Bearer ${key}` } })).json() as { example: unknown };
    const started = await w.t.app.inject({
      method: 'POST',
      url: '/api/v1/cases',
      headers: { authorization: `Bearer ${key}` },
      payload: { matter: 'construction-project', applicant: enterpriseSetupV1.exampleApplicant, form: matter.example },
    });
    expect(started.statusCode, started.body).toBe(201);
    const caseId = (started.json() as { id: string; provisional: boolean }).id;

    const clerk = await w.signIn('clerk');
    await clerk.goto(`${w.url}/#/cases/${caseId}`);
    await clerk.waitForSelector('[data-testid=provisional]');
    expect(await clerk.locator('[data-testid=calendar-warning]').count()).toBe(0);

    const admin = await w.signIn('admin');
    await admin.waitForSelector('[data-testid=calendar-warning]');
    expect(await admin.textContent('[data-testid=calendar-warning]')).toContain('2027');
    await admin.goto(`${w.url}/#/calendar`);
    await admin.fill('[data-testid=calendar-notice]', '各单位要加强值班。');
    await admin.click('[data-testid=calendar-parse]');
    await admin.waitForSelector('[data-testid=calendar-error]');
    await admin.fill('[data-testid=calendar-notice]', NOTICE_2027);
    await admin.click('[data-testid=calendar-parse]');
    await admin.waitForSelector('[data-testid=calendar-preview]');
    expect(await admin.textContent('[data-testid=month-2]')).toContain('20班');
    await w.shot(admin, 'calendar-import', true);
    await admin.click('[data-testid=calendar-confirm]');
    await admin.waitForSelector('[data-testid=calendar-preview]', { state: 'detached' });

    await clerk.reload();
    await clerk.waitForSelector('text=承诺时限');
    await clerk.waitForSelector('[data-testid=provisional]', { state: 'detached' });
  });
});
