import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseMatter, HAS_CHROMIUM, startWorkbench, type Workbench } from './support.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/matters');
const run = HAS_CHROMIUM || Boolean(process.env.CI);

/**
 * 事项管理 (issue 16): the admin pastes a matter definition that is not built in, sees every
 * problem of a broken one, then the diagram and the form a clerk will see, deploys it, and finds
 * it listed with its version and deployer; a clerk then takes an application for it in 综合窗口
 * and the (simulated) departments complete it.
 */
describe.skipIf(!run)('authoring matters in the workbench', () => {
  let w: Workbench;
  beforeAll(async () => {
    w = await startWorkbench();
  }, 60_000);
  afterAll(async () => w?.close());

  it('checks a pasted definition, previews its diagram and form, deploys it, and a clerk completes a case of it', { timeout: 120_000 }, async () => {
    const admin = await w.signIn('admin');
    await admin.click('.ant-menu-item >> text=事项管理');
    await admin.waitForSelector('[data-testid=matter-source]');

    await admin.fill('[data-testid=matter-source]', readFileSync(join(FIXTURES, 'broken.yaml'), 'utf8'));
    await admin.click('[data-testid=matter-check]');
    await admin.waitForSelector('[data-testid=matter-problems]');
    const problems = await admin.textContent('[data-testid=matter-problems]');
    expect(problems).toContain('发现 7 个问题，未部署');
    expect(problems).toContain('第 16 行 (line 16) 步骤 first：未知部门 “fire-brigade”');
    expect(problems).toContain('步骤循环依赖：a → b → a');
    expect(await admin.isDisabled('[data-testid=matter-deploy]')).toBe(true);

    await admin.fill('[data-testid=matter-source]', readFileSync(join(FIXTURES, 'food-stall.yaml'), 'utf8'));
    await admin.click('[data-testid=matter-check]');
    await admin.waitForSelector('[data-testid=matter-valid]');
    expect(await admin.textContent('[data-testid=matter-valid]')).toContain('校验通过：小餐饮经营一件事（food-stall），4 个环节，3 项材料');
    expect(await admin.locator('[data-testid=matter-diagram] [data-step]').count()).toBe(4);
    expect(await admin.textContent('[data-testid=matter-diagram]')).toContain('酒类经营备案：仅当 是否销售酒类 = 是');
    const form = admin.locator('[data-testid=matter-form-preview]');
    expect(await form.textContent()).toContain('经营者居民身份证号码');
    expect(await admin.inputValue('#form_operatorId')).toBe('11010519491231002X');
    await w.shot(admin, 'matters-preview', true);

    await admin.click('[data-testid=matter-deploy]');
    await admin.waitForSelector('[data-testid=version-food-stall-1]');
    expect(await admin.textContent('[data-testid=version-food-stall-1]')).toMatch(/^v1：admin:/);
    expect(await admin.textContent('[data-testid=matter-list]')).toContain('小餐饮经营一件事');

    // The clerk's window offers it at once, with its form; the simulated departments complete it.
    const clerk = await w.signIn('clerk');
    await chooseMatter(clerk, '小餐饮经营一件事');
    await clerk.waitForSelector('#apply_form_operatorId');
    await clerk.click('text=填入示例');
    await clerk.click('[data-testid=submit]');
    await clerk.waitForSelector('[data-testid=case-number]');
    expect((await clerk.textContent('[data-testid=case-number]'))!.trim()).toMatch(/^\d{8}-\d{6}$/);
    await clerk.click('text=查看办件进度');
    await clerk.waitForSelector('text=已办结', { timeout: 30_000 });
    await admin.context().close();
    await clerk.context().close();
  });
});
