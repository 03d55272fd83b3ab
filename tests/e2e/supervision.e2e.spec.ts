import { ManualClock } from '@onematter/adapters';
import { createCatalogue } from '@onematter/engine';
import { MATTER_DEFINITIONS, enterpriseSetupV1, utilityConnectionV1 } from '@onematter/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';

/**
 * A supervisor's view of 33 cases in November 2025 (no public holiday), checked
 * against numbers computed by hand. 水电气网联合报装 (utility-connection): the case
 * has 5 committed / 10 statutory working days, each of the five companies 3 / 10.
 * Days are at 10:00 Shanghai time; "now" is Wednesday 12 November, 15:00.
 *
 *   started Mon 3 Nov (case due Mon 10 Nov, tasks due Thu 6 Nov):
 *   A ×8  every company approves Wed 5 Nov              completed, used 2: on time
 *   B ×4  every company approves Wed 12 Nov             completed, used 7: late
 *   C ×4  water asks a supplement Tue 4 Nov, brought Fri 7 Nov (5, 6, 7 Nov paused);
 *         the others approve Wed 5 Nov, water Mon 10 Nov  completed, used 2: on time
 *   D1 ×3 nobody answers                                 open, red (tasks red)
 *   D4 ×2 water asks a supplement Tue 4 Nov, still away; the others approve Wed 5 Nov
 *                                                        open, paused: green
 *   E ×2  power rejects Thu 6 Nov                        rejected, used 3: on time
 *   F ×1  withdrawn Tue 4 Nov                            not counted
 *   started Wed 5 Nov (case due Wed 12 Nov: yellow today; tasks due Mon 10 Nov):
 *   D2 ×3 all but telecom approve Thu 6 Nov              open, yellow; telecom red
 *   started Fri 7 Nov (case due Fri 14 Nov; tasks due Wed 12 Nov: yellow today):
 *   D5 ×2 all but gas approve Mon 10 Nov                 open, green; gas yellow
 *   started Wed 12 Nov:
 *   D3 ×2 utility-connection, nothing yet                open, green
 *   G  ×2 enterprise-setup, samr pending                 open, green
 */
/**
 * No law sets a limit for utility companies (无法定时限); the compression ratio needs one
 * to compress against, so these tests give the matter 10 statutory working days, as a
 * limit with its basis would.
 */
const catalogue = createCatalogue(
  MATTER_DEFINITIONS.map((d) =>
    d.id === 'utility-connection' ? { ...d, statutoryDays: 10, statutoryBasis: '（测试）', steps: d.steps.map((s) => ({ ...s, statutoryDays: 10, statutoryBasis: '（测试）' })) } : d,
  ),
);
const day = (d: number, hh = 10) => `2025-11-${String(d).padStart(2, '0')}T${String(hh - 8).padStart(2, '0')}:00:00.000Z`;
const UTILITIES = ['water', 'power', 'gas', 'heat', 'telecom'] as const;
const PREFIX = { water: 'WS', power: 'DL', gas: 'RQ', heat: 'GR', telecom: 'TX' } as const;

let t: TestApp;
let clock: ManualClock;
const groups: Record<string, string[]> = {};

const post = async (url: string, payload: unknown) => {
  const r = await t.app.inject({ method: 'POST', url, payload: payload as object });
  if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
  return r.json();
};
const get = async (url: string) => {
  const r = await t.app.inject({ method: 'GET', url });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
};
const start = async (group: string, n: number, matter: 'utility-connection' | 'enterprise-setup' = 'utility-connection') => {
  const def = matter === 'utility-connection' ? utilityConnectionV1 : enterpriseSetupV1;
  for (let i = 0; i < n; i++) {
    const c = await post('/api/v1/cases', { matter, applicant: def.exampleApplicant ?? enterpriseSetupV1.exampleApplicant, form: def.example });
    (groups[group] ??= []).push(c.id);
  }
};
const each = async (group: string, f: (id: string) => Promise<unknown>) => {
  for (const id of groups[group]!) await f(id);
};
const approve = (steps: readonly string[]) => (id: string) =>
  Promise.all(steps.map((s) => post(`/api/v1/tasks/${id}.${s}/decisions`, { decisionId: `${s}-ok`, decision: 'approved', output: { connectionNumber: `${PREFIX[s as keyof typeof PREFIX]}2025000001` } })));
const askSupplement = (id: string) => post(`/api/v1/tasks/${id}.water/decisions`, { decisionId: 'water-more', decision: 'supplement-required', missingMaterials: ['site-plan'] });

beforeAll(async () => {
  clock = new ManualClock(day(3));
  t = await testApp({ clock, catalogue, timeLimits: { scheduler: false } });
  const others = UTILITIES.filter((s) => s !== 'water');

  await start('A', 8);
  await start('B', 4);
  await start('C', 4);
  await start('D1', 3);
  await start('D4', 2);
  await start('E', 2);
  await start('F', 1);

  clock.set(day(4));
  await each('C', askSupplement);
  await each('D4', askSupplement);
  await each('F', (id) => post(`/api/v1/cases/${id}/withdraw`, { reason: '申请人撤回' }));

  clock.set(day(5));
  await each('A', approve(UTILITIES));
  await each('C', approve(others));
  await each('D4', approve(others));
  await start('D2', 3);

  clock.set(day(6));
  await each('D2', approve(UTILITIES.filter((s) => s !== 'telecom')));
  await each('E', (id) => post(`/api/v1/tasks/${id}.power/decisions`, { decisionId: 'power-no', decision: 'rejected', reason: '不具备供电条件' }));

  clock.set(day(7));
  await each('C', (id) => post(`/api/v1/cases/${id}/supplements`, { materials: ['site-plan'] }));
  await start('D5', 2);

  clock.set(day(10));
  await each('C', approve(['water']));
  await each('D5', approve(UTILITIES.filter((s) => s !== 'gas')));

  clock.set(day(12));
  await each('B', approve(UTILITIES));
  await start('D3', 2);
  await start('G', 2, 'enterprise-setup');

  clock.set(day(12, 15));
});
afterAll(async () => t?.close());

const lights = (green: number, yellow: number, red: number, unknown = 0) => ({ green, yellow, red, unknown });

describe('the supervision overview (督办总览)', () => {
  it('counts the open cases and tasks by light, by matter and by department as computed by hand', async () => {
    expect(Object.values(groups).flat()).toHaveLength(33);
    const o = await get('/api/v1/supervision/overview');
    expect(o.asOf).toBe(day(12, 15));
    expect(o.cases).toEqual({ open: 14, byLight: lights(8, 3, 3) });
    expect(o.tasks).toEqual({ open: 34, byLight: lights(14, 2, 18) });
    expect(o.byMatter).toEqual([
      { matter: 'utility-connection', name: '水电气网联合报装', open: 12, byLight: lights(6, 3, 3) },
      { matter: 'enterprise-setup', name: '企业开办', open: 2, byLight: lights(2, 0, 0) },
    ]);
    const byDepartment = Object.fromEntries(o.byDepartment.map((d: { department: string; open: number; byLight: unknown }) => [d.department, { open: d.open, byLight: d.byLight }]));
    expect(byDepartment).toEqual({
      telecom: { open: 8, byLight: lights(2, 0, 6) },
      water: { open: 7, byLight: lights(4, 0, 3) },
      gas: { open: 7, byLight: lights(2, 2, 3) },
      power: { open: 5, byLight: lights(2, 0, 3) },
      heat: { open: 5, byLight: lights(2, 0, 3) },
      samr: { open: 2, byLight: lights(2, 0, 0) },
    });
    expect(o.calendar.coveredYears).toEqual([2024, 2025, 2026]);
  });

  it('lists the red and the yellow cases for 督办, by their worst light, page by page', async () => {
    const red = await get('/api/v1/supervision/cases?light=red');
    expect(red.items.map((c: { id: string }) => c.id).sort()).toEqual([...groups.D1!, ...groups.D2!].sort());
    const d2 = red.items.find((c: { id: string }) => c.id === groups.D2![0]);
    expect(d2).toMatchObject({ light: 'yellow', worstLight: 'red', dueAt: '2025-11-12T15:59:59.999Z', elapsedWorkingDays: 5 });
    expect(d2.tasks).toMatchObject([{ department: 'telecom', light: 'red', dueAt: '2025-11-10T15:59:59.999Z', elapsedWorkingDays: 5 }]);

    const yellow = await get('/api/v1/supervision/cases?light=yellow');
    expect(yellow.items.map((c: { id: string }) => c.id).sort()).toEqual([...groups.D5!].sort());
    expect((await get('/api/v1/supervision/cases?light=yellow&department=gas')).items).toHaveLength(2);
    expect((await get('/api/v1/supervision/cases?light=red&department=telecom')).items).toHaveLength(6);
    expect((await get('/api/v1/supervision/cases?light=red&department=water')).items).toHaveLength(3);

    const page1 = await get('/api/v1/supervision/cases?light=red&limit=4');
    expect(page1.items).toHaveLength(4);
    const page2 = await get(`/api/v1/supervision/cases?light=red&limit=4&cursor=${page1.nextCursor}`);
    expect(page2.items).toHaveLength(2);
    expect(page2.nextCursor).toBeNull();
    expect(new Set([...page1.items, ...page2.items].map((c: { id: string }) => c.id)).size).toBe(6);

    const paused = (await get('/api/v1/supervision/cases?light=green')).items.find((c: { id: string }) => c.id === groups.D4![0]);
    expect(paused).toMatchObject({ status: 'awaiting-supplement', clockState: 'paused', pausedWorkingDays: 6, elapsedWorkingDays: 1, dueAt: '2025-11-18T15:59:59.999Z' });
  });
});

describe('按时办结率 and 压缩比率 (stats)', () => {
  it('match the hand-computed on-time rate, average limits and compression, per matter and per department', async () => {
    const s = await get('/api/v1/supervision/stats');
    // 18 concluded (A 8, B 4, C 4, E 2), 14 within the committed limit; used 8×2 + 4×7 + 4×2 + 2×3 = 58 of 18×10 statutory days.
    const overall = {
      concluded: 18,
      onTime: 14,
      late: 4,
      onTimeRate: 0.7778,
      statutoryOnTime: 18,
      statutoryOnTimeRate: 1,
      avgCommittedDays: 5,
      avgStatutoryDays: 10,
      avgUsedWorkingDays: 3.22,
      compressionRatio: 0.6778,
      committedCompressionRatio: 0.5,
      unknown: 0,
    };
    expect(s.overall).toEqual(overall);
    expect(s.byMatter).toEqual([{ matter: 'utility-connection', name: '水电气网联合报装', ...overall }]);
    const row = (concluded: number, onTime: number, used: number) => ({
      concluded,
      onTime,
      late: concluded - onTime,
      onTimeRate: Math.round((onTime / concluded) * 1e4) / 1e4,
      statutoryOnTime: concluded,
      statutoryOnTimeRate: 1,
      avgCommittedDays: 3,
      avgStatutoryDays: 10,
      avgUsedWorkingDays: Math.round((used / concluded) * 100) / 100,
      compressionRatio: Math.round((1 - used / (concluded * 10)) * 1e4) / 1e4,
      committedCompressionRatio: 0.7,
      unknown: 0,
    });
    const byDepartment = Object.fromEntries(s.byDepartment.map(({ department, ...r }: { department: string }) => [department, r]));
    expect(byDepartment).toEqual({
      // A 8×2, B 4×7 (late), C 4×2, D2 3×1, D5 2×1
      water: row(21, 17, 57),
      // A, B, C, D2, D4 2×2, D5, E 2×3 (the rejections)
      power: row(25, 21, 67),
      // A, B, C, D2, D4
      gas: row(21, 17, 59),
      // A, B, C, D2, D4, D5
      heat: row(23, 19, 61),
      // A, B, C, D4, D5
      telecom: row(20, 16, 58),
    });
    expect(byDepartment.water.onTimeRate).toBe(0.8095);
  });

  it('restricts to a date range, a matter or a department', async () => {
    const range = await get('/api/v1/supervision/stats?from=2025-11-10&to=2025-11-12');
    expect(range.overall).toMatchObject({ concluded: 8, onTime: 4, late: 4, onTimeRate: 0.5 });
    expect((await get('/api/v1/supervision/stats?matter=enterprise-setup')).overall).toMatchObject({ concluded: 0, onTimeRate: null, compressionRatio: null });
    const power = await get('/api/v1/supervision/stats?department=power');
    expect(power.byDepartment.map((d: { department: string }) => d.department)).toEqual(['power']);
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/supervision/stats?from=2025-11-12&to=2025-11-01' });
    expect(bad.statusCode).toBe(400);
  });
});
