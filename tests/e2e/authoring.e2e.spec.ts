/**
 * Issue 16: a service centre writes its own matter as a file (docs/authoring.md), checks it,
 * deploys it into a running server without a restart, and a case of it completes through the
 * REST API. A changed file becomes version 2 while a version-1 case runs on under v1; `diff`
 * says what changed; the catalogue as of a moment before the deploy shows v1; the audit
 * timeline names who deployed the version the case ran; a retired matter takes no new case.
 * The matter (tests/fixtures/matters/food-stall.yaml) is not a built-in one.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, ROOT, runCli, startServer, type ServerProcess } from '../support/server.js';

const FIXTURE = resolve(ROOT, 'tests/fixtures/matters/food-stall.yaml');
const BROKEN = resolve(ROOT, 'tests/fixtures/matters/broken.yaml');

let dataDir: string;
let server: ServerProcess;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'onematter-authoring-'));
  server = await startServer(['--data-dir', dataDir, '--store', 'sqlite']);
});
afterAll(async () => {
  await server?.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

async function eventually<T>(f: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface CaseView {
  id: string;
  status: string;
  matterVersion: number;
  tasks: { step: string; status: string }[];
}

const example = {
  operatorName: '王小明',
  operatorId: '11010519491231002X',
  phone: '13900139000',
  stallName: '小明面馆',
  address: '福建省福州市鼓楼区五四路 100 号',
  seats: 12,
  sellsAlcohol: false,
};
const applicant = { name: '王小明', idType: 'resident-id', idNumber: '11010519491231002X', phone: '13900139000' };

const startCase = (form: Record<string, unknown> = example) => http<CaseView & { errors?: { path: string; message: string }[] }>(`${server.url}/api/v1/cases`, { method: 'POST', body: { matter: 'food-stall', applicant, form } });
const decide = async (caseId: string, step: string, output: Record<string, unknown> = {}) => {
  const r = await http<{ case: CaseView }>(`${server.url}/api/v1/tasks/${caseId}.${step}/decisions`, { method: 'POST', body: { decisionId: `${caseId}-${step}`, decision: 'approved', output } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.case;
};
const tasks = (c: CaseView) => c.tasks.map((t) => `${t.step}:${t.status}`);

describe('a matter written as a file, deployed into a running server', () => {
  it('lists every problem of a broken file at once, each with its line and path, in Chinese and English, and no stack trace', { timeout: 60_000 }, async () => {
    const r = await runCli(['matters', 'validate', BROKEN]);
    expect(r.code).toBe(1);
    const out = r.stdout;
    expect(out).toMatch(/broken\.yaml:16:5 steps\[0\]\.department: 步骤 first：未知部门 “fire-brigade”.* \/ step first: unknown department "fire-brigade"/);
    expect(out).toMatch(/:23:5 steps\[1\]\.dependsOn: 步骤循环依赖：a → b → a.* \/ steps form a dependency cycle: a -> b -> a/);
    expect(out).toMatch(/:35:5 steps\[3\]\.dependsOn: 步骤 later 永远无法开始.* \/ step later can never start: it waits for a/);
    expect(out).toMatch(/:41:13 steps\[4\]\.when\.field: .*表单中没有的字段 hasShop.* \/ step conditional's condition names hasShop, which the form lacks/);
    expect(out).toMatch(/:47:\d+ steps\[4\]\.output\.properties\.taxpayerId\.x-prefill: .*first\.creditCode.*没有步骤产生.* \/ .*needs first\.creditCode, which no step produces/);
    expect(out).toMatch(/broken\.yaml:4:1 statutoryBasis: 事项：法定时限 20 个工作日没有写明法律依据.* \/ matter: the statutory limit of 20 working days names no legal basis/);
    expect(out).toMatch(/:50:3 example\.phone: 示例表单不符合本事项的表单：手机号码格式不正确.* \/ the example does not validate against the matter's own form/);
    expect(r.stderr).toMatch(/7 个问题 \(7 problems\); nothing deployed/);
    expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);

    const good = await runCli(['matters', 'validate', FIXTURE]);
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toMatch(/校验通过 \(valid\): food-stall 小餐饮经营一件事, 4 steps/);
  });

  it('refuses the broken file at the deploy route too, with every problem and its line, and records nothing', async () => {
    const r = await fetch(`${server.url}/api/v1/matters`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: readFileSync(BROKEN, 'utf8') });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { errors: { path: string; message: string }[] };
    expect(body.errors).toHaveLength(7);
    expect(body.errors.find((e) => e.path === 'steps[0].department')!.message).toMatch(/^第 16 行 \(line 16\) 步骤 first：未知部门/);
    expect((await http(`${server.url}/api/v1/matters/broken-matter`)).status).toBe(404);
  });

  it('publishes the file format as JSON Schema', async () => {
    const r = await http<{ properties: Record<string, { properties?: unknown }> ; required: string[] }>(`${server.url}/api/v1/matters/schema`);
    expect(r.status).toBe(200);
    expect(r.body.required).toEqual(expect.arrayContaining(['id', 'name', 'form', 'materials', 'steps', 'example']));
    expect(Object.keys(r.body.properties)).toEqual(expect.arrayContaining(['committedDays', 'statutoryBasis', 'stages', 'otherExamples']));
  });

  it('deploys with the CLI into the running server, completes a case, keeps a running case on v1 across a v2 deploy, diffs, replays as of before, and retires', { timeout: 120_000 }, async () => {
    const deployed = await runCli(['matters', 'deploy', FIXTURE, '--data-dir', dataDir, '--by', '分析员张三']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toMatch(/deployed food-stall v1 小餐饮经营一件事 \(已部署\) by 分析员张三/);

    // The server serves it within seconds, without a restart.
    const matter = await eventually(async () => {
      const r = await http<{ version: number; versionHistory: { deployedBy?: string }[]; mermaid: string; formSchema: { properties: Record<string, { format?: string }> } }>(`${server.url}/api/v1/matters/food-stall`);
      return r.status === 200 ? r.body : undefined;
    }, 'the server serves food-stall');
    expect(matter.version).toBe(1);
    expect(matter.versionHistory[0]!.deployedBy).toBe('分析员张三');
    expect(matter.mermaid).toMatch(/^flowchart/);
    // The form as the clerk sees it: the author's field order, the real checks by format.
    expect(Object.keys(matter.formSchema.properties)).toEqual(['operatorName', 'operatorId', 'phone', 'stallName', 'address', 'seats', 'sellsAlcohol']);
    expect(matter.formSchema.properties.operatorId!.format).toBe('cn-resident-id');

    // A case completes end to end through the REST API; the alcohol step does not apply.
    const started = await startCase();
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const c = started.body;
    expect(c.matterVersion).toBe(1);
    expect(tasks(c)).toEqual(['registration:pending', 'food-licence:waiting', 'alcohol:skipped', 'tax:waiting']);
    await decide(c.id, 'registration', { unifiedSocialCreditCode: '91350100M000100Y43' });
    await decide(c.id, 'food-licence', { licenceNumber: 'XCY2026000007' });
    const done = await decide(c.id, 'tax', { taxpayerId: '91350100M000100Y43' });
    expect(done.status).toBe('completed');
    // A department's output is checked against the file's output schema.
    const running = (await startCase()).body;
    const bad = await http<{ errors: { path: string }[] }>(`${server.url}/api/v1/tasks/${running.id}.registration/decisions`, { method: 'POST', body: { decisionId: 'x1', decision: 'approved', output: { unifiedSocialCreditCode: '91350100M000100Y44' } } });
    expect(bad.status).toBe(400);

    // Version 2 through the REST API (YAML): the tax step is promised in 1 day.
    const beforeV2 = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const v2Text = readFileSync(FIXTURE, 'utf8').replace('service: 税务登记信息确认\n    dependsOn: [registration]\n    statutoryDays: null\n    committedDays: 2', 'service: 税务登记信息确认\n    dependsOn: [registration]\n    statutoryDays: null\n    committedDays: 1');
    expect(v2Text).not.toBe(readFileSync(FIXTURE, 'utf8'));
    const v2 = await fetch(`${server.url}/api/v1/matters`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: v2Text });
    expect(v2.status, await v2.clone().text()).toBe(201);
    expect(await v2.json()).toMatchObject({ id: 'food-stall', version: 2, status: 'deployed' });
    // The same file again records nothing.
    const again = await fetch(`${server.url}/api/v1/matters`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: v2Text });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ version: 2, status: 'unchanged' });

    // The running case keeps v1; a new case takes v2.
    const after = await decide(running.id, 'registration', { unifiedSocialCreditCode: '91350100M000100Y43' });
    expect(after.matterVersion).toBe(1);
    const fresh = (await startCase()).body;
    expect(fresh.matterVersion).toBe(2);

    const diff = await runCli(['matters', 'diff', 'food-stall', '1', '2', '--data-dir', dataDir]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toBe('food-stall v1 → v2: 1 change\n~ steps[tax].committedDays: 2 → 1\n');

    // The catalogue as of a moment before the deploy shows version 1.
    const asOf = await http<{ version: number; versions: number[] }>(`${server.url}/api/v1/matters/food-stall?asOf=${encodeURIComponent(beforeV2)}`);
    expect(asOf.body).toMatchObject({ version: 1, versions: [1] });
    const show = await runCli(['matters', 'show', 'food-stall', '--data-dir', dataDir, '--as-of', beforeV2]);
    expect(show.stdout).toMatch(/^food-stall v1/);

    // The audit trail names the version the case ran and who deployed it.
    const timeline = await http<{ entries: { text: string }[] }>(`${server.url}/api/v1/cases/${c.id}/timeline`);
    expect(timeline.body.entries[0]!.text).toMatch(/受理「小餐饮经营一件事」（事项版本 v1，分析员张三 于 \S+ 部署）/);

    // Retired: no new case, the running one goes on.
    const retiredByCli = await runCli(['matters', 'retire', 'food-stall', '--data-dir', dataDir, '--by', '分析员张三']);
    expect(retiredByCli.code, retiredByCli.stderr).toBe(0);
    expect(retiredByCli.stdout).toMatch(/^retired food-stall \(已停办\) by 分析员张三/);
    const refused = await eventually(async () => {
      const r = await startCase();
      return r.status === 400 ? r : undefined;
    }, 'the server refuses a new case of the retired matter');
    expect(JSON.stringify(refused.body)).toMatch(/已于 .* 停办，不再受理新的申请/);
    const retiredAgain = await http<{ already: boolean; retiredBy: string }>(`${server.url}/api/v1/matters/food-stall/retirement`, { method: 'POST', body: {} });
    expect(retiredAgain.status).toBe(200);
    expect(retiredAgain.body).toMatchObject({ already: true, retiredBy: '分析员张三' });
    expect((await runCli(['matters', '--data-dir', dataDir])).stdout).toMatch(/food-stall v2 .*\[已停办 retired \S+ by 分析员张三\]/);
    await decide(fresh.id, 'registration', { unifiedSocialCreditCode: '91350100M000100Y43' });
    const list = await http<{ id: string }[]>(`${server.url}/api/v1/matters`);
    expect(list.body.map((m) => m.id)).not.toContain('food-stall');
    const all = await http<{ id: string; retired: unknown }[]>(`${server.url}/api/v1/matters?includeRetired=true`);
    expect(all.body.find((m) => m.id === 'food-stall')!.retired).toBeTruthy();
  });

  it('reads JSON files as well as YAML, with lines', { timeout: 60_000 }, async () => {
    const file = join(dataDir, 'broken.json');
    writeFileSync(file, '{\n  "id": "json-matter",\n  "name": "JSON",\n  "committedDays": 1,\n  "statutoryDays": null,\n  "form": { "type": "object", "properties": {} },\n  "materials": [],\n  "steps": [\n    { "id": "a", "department": "nobody", "service": "x", "statutoryDays": null, "committedDays": 1 }\n  ],\n  "example": {}\n}\n');
    const r = await runCli(['matters', 'validate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/broken\.json:9:\d+ steps\[0\]\.department: 步骤 a：未知部门 “nobody”/);
    // The deploy route reads JSON as sent: the same line.
    const posted = await fetch(`${server.url}/api/v1/matters`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(file, 'utf8') });
    expect(posted.status).toBe(400);
    const body = (await posted.json()) as { errors: { path: string; message: string }[] };
    expect(body.errors.find((e) => e.path === 'steps[0].department')!.message).toMatch(/^第 9 行 \(line 9\) 步骤 a：未知部门 “nobody”/);
    const notJson = await fetch(`${server.url}/api/v1/matters`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{ "id": "x",\n  "name": "a" ' });
    expect(notJson.status).toBe(400);
    expect(JSON.stringify(await notJson.json())).toMatch(/第 2 行 \(line 2\) 无法读取文件：Flow map must end with a \}/);
  });
});
