import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseMatter, HAS_CHROMIUM, startWorkbench, type Workbench } from './support.js';

/**
 * The service modes in the workbench (issue 15): the clerk accepts 企业开办 with the
 * 住所使用证明 owed (容缺), sees the promise on the case page and records it brought;
 * the supervisor reads the mode numbers on the board.
 */
const run = HAS_CHROMIUM || Boolean(process.env.CI);

describe.skipIf(!run)('service modes in Chromium', () => {
  let w: Workbench;
  beforeAll(async () => {
    w = await startWorkbench();
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
    expect(await page.textContent('[data-testid=case-modes]')).toContain('待补交');
    expect(await page.textContent('[data-testid=case-modes]')).toContain('跑动次数1 次');
    await page.click('[data-testid=case-modes] >> text=补交容缺材料');
    await page.click('.ant-modal-footer .ant-btn-primary');
    await expect.poll(() => page.textContent('[data-testid=case-modes]'), { timeout: 15_000 }).toContain('已补齐');
    await w.shot(page, 'case-modes');
    await page.context().close();

    const board = await w.signIn('supervisor');
    await board.waitForSelector('[data-testid=mode-numbers]');
    await expect.poll(() => board.textContent('[data-testid=mode-deferred]'), { timeout: 15_000 }).toContain('0 待补');
    expect(await board.textContent('[data-testid=mode-numbers]')).toContain('已兑现 1');
    expect(caseNumber).toMatch(/^\d{8}-\d{6}$/);
    await board.context().close();
  });
});
