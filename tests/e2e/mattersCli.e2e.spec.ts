import { describe, expect, it } from 'vitest';
import { runCli } from '../support/server.js';

/** `onematter matters` and `onematter matters show <id> [--mermaid]`, as a user runs them (the built CLI). */
const run = (args: string[]) => runCli(args);

describe('onematter matters', () => {
  it('lists every matter with stages, lead departments and conditions', async () => {
    const r = await run(['matters']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/construction-project v1\s+工程建设项目审批\s+法定 无法定时限 \/ 承诺 90 个工作日/);
    expect(r.stdout).toMatch(/阶段 2 工程建设许可 · 牵头 自然资源和规划局/);
    expect(r.stdout).toMatch(/alcohol\s+市场监督管理局 · 酒类经营许可 .*\[仅当 是否销售酒类 = 是\]/);
    const json = JSON.parse((await run(['matters', '--json'])).stdout) as { id: string; stages: unknown[]; departments: string[] }[];
    expect(json.find((m) => m.id === 'construction-project')!.stages).toHaveLength(4);
    expect(json.find((m) => m.id === 'complaint')!.departments).toContain('gsc');
  });

  it('shows one matter\'s step graph: stages in order, parallel waves, what each step waits for, conditions', async () => {
    const r = await run(['matters', 'show', 'resale-housing-transfer']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const wave = (n: number) => lines.indexOf(`第 ${n} 批${n === 3 ? '（并联）' : ''}`);
    expect(wave(1)).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/第 2 批\n\s+transfer\s+自然资源和规划局（不动产登记中心） · 不动产转移登记  无法定时限\/5  ← tax/);
    const third = lines.slice(wave(3)).join('\n');
    for (const u of ['water', 'power', 'gas', 'network', 'heat']) expect(third).toMatch(new RegExp(`\\n\\s+${u}\\s.*← transfer`));
    expect(third).toMatch(/仅当 燃气账户 已填写/);

    const staged = await run(['matters', 'show', 'construction-project']);
    expect(staged.stdout).toMatch(/阶段 1 立项用地规划许可 \[land\] · 牵头 发展和改革委员会 · 法定 45 \/ 承诺 20\n/);
    expect(staged.stdout).toMatch(/阶段 4 竣工验收 \[acceptance\] · 牵头 住房和城乡建设局 · 法定 45 \/ 承诺 20（阶段 3 全部办结后开始）/);
  });

  it('prints a Mermaid flowchart with --mermaid', async () => {
    const r = await run(['matters', 'show', 'construction-project', '--mermaid']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flowchart TD\n/);
    expect(r.stdout).toContain('subgraph stage_land["阶段 1 立项用地规划许可 · 牵头：发展和改革委员会 · 45/20 工作日"]');
    expect(r.stdout).toContain('stage_land ==> stage_design');
    expect(r.stdout).toContain('s_site_and_land --> s_land_use_permit');
  });

  it('exits 2 and names the known matters for an unknown id or version', async () => {
    const r = await run(['matters', 'show', 'no-such-matter']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown matter "no-such-matter"; use one of: enterprise-setup, /);
    const v = await run(['matters', 'show', 'utility-connection', '--version', '9']);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/has no version 9 \(versions: 1, 2\)/);
    expect((await run(['matters', 'show', 'utility-connection', '--version', '1'])).stdout).toMatch(/^utility-connection v1/);
  });
});
