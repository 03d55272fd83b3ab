/** Fixtures for the audit tests: a hand-moved clock, a small matter, and a seeded store with a daily anchor. */
import { spawn } from 'node:child_process';
import {
  CommandHandler,
  DEFAULT_TOPICS,
  createCatalogue,
  defineMatter,
  recordDailyAnchor,
  type CaseCommand,
  type Clock,
  type EventStore,
  type MatterCatalogue,
} from '@onematter/engine';
import { defaultCatalogue, enterpriseSetupV1 } from '@onematter/workflows';
import { z } from 'zod';
import { BIN, ROOT } from './server.js';

export interface ManualClock extends Clock {
  advance(ms: number): Date;
  set(iso: string): void;
}

export function manualClock(start: string): ManualClock {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance: (ms) => new Date((t += ms)),
    set: (iso) => void (t = Date.parse(iso)),
  };
}

/**
 * 小事项 "small-permit": v1 has two steps in parallel (samr, tax); v2 adds a third
 * (bank) that waits for samr's output. Small enough for property tests.
 */
const smallForm = z.object({ company: z.string().min(1) });
const smallBase = {
  id: 'small-permit',
  name: '小型许可',
  statutoryDays: 10,
  committedDays: 5,
  form: smallForm,
  materials: [
    { code: 'application', name: '申请书', required: true },
    { code: 'licence', name: '营业执照', required: false },
  ],
  example: { company: '福州一件事有限公司' },
  exampleApplicant: { name: '张三', idType: 'resident-id', idNumber: '11010519491231002X', phone: '13800138000' },
};
export const smallPermitV1 = defineMatter({
  ...smallBase,
  version: 1,
  steps: [
    { id: 'samr', department: 'samr', service: '设立登记', dependsOn: [], statutoryDays: 5, committedDays: 3 },
    { id: 'tax', department: 'tax', service: '税务登记', dependsOn: [], statutoryDays: 5, committedDays: 3 },
  ],
});
export const smallPermitV2 = defineMatter({
  ...smallBase,
  version: 2,
  steps: [
    { id: 'samr', department: 'samr', service: '设立登记', dependsOn: [], statutoryDays: 5, committedDays: 3 },
    { id: 'tax', department: 'tax', service: '税务登记', dependsOn: [], statutoryDays: 5, committedDays: 3 },
    { id: 'bank', department: 'bank', service: '银行开户', dependsOn: ['samr'], statutoryDays: 5, committedDays: 3 },
  ],
});
export const smallCatalogue = (...versions: (1 | 2)[]): MatterCatalogue =>
  createCatalogue(versions.map((v) => (v === 1 ? smallPermitV1 : smallPermitV2)));

export const startSmall = (caseId: string, now: string): CaseCommand => ({
  type: 'StartCase',
  data: { caseId, matter: 'small-permit', applicant: smallBase.exampleApplicant, form: smallBase.example },
  now,
});

export const approve = (caseId: string, step: string, decisionId = `d-${step}`, output: Record<string, unknown> = {}) =>
  (now: string): CaseCommand => ({ type: 'RecordDecision', data: { taskId: `${caseId}.${step}`, decisionId, decision: 'approved', output }, now });

async function must(p: Promise<{ ok: boolean; error?: { message: string } }>) {
  const r = await p;
  if (!r.ok) throw new Error(r.error!.message);
}

/**
 * A store as an auditor finds it: three enterprise-setup cases recorded on
 * 2026-03-02 (Beijing time), the anchor of that day, and more events on 03-03:
 *  - case-a: completed (16 events), case-b: in progress, case-c: after a 补正, in progress.
 */
export const SEEDED = { a: 'case-a', b: 'case-b', c: 'case-c', day: '2026-03-02' } as const;

export async function seedAuditStore(store: EventStore): Promise<void> {
  const clock = manualClock('2026-03-02T09:00:00+08:00');
  const handler = new CommandHandler({ store, catalogue: defaultCatalogue(), clock, topics: DEFAULT_TOPICS });
  const start = (id: string) =>
    must(handler.execute(id, (now) => ({ type: 'StartCase', data: { caseId: id, matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant!, form: enterpriseSetupV1.example }, now }), 'clerk'));
  const decide = (id: string, step: string, decision: 'approved' | 'supplement-required' = 'approved') => {
    clock.advance(60_000);
    const spec = enterpriseSetupV1.steps.find((s) => s.id === step)!;
    return must(
      handler.execute(
        id,
        (now) => ({
          type: 'RecordDecision',
          data: {
            taskId: `${id}.${step}`,
            decisionId: `${id}-${step}-${decision}`,
            decision,
            ...(decision === 'approved' ? { output: spec.outputExample ?? {} } : { missingMaterials: ['articles-of-association'] }),
          },
          now,
        }),
        `department:${spec.department}`,
      ),
    );
  };
  await start(SEEDED.a);
  for (const s of enterpriseSetupV1.steps) await decide(SEEDED.a, s.id);
  await start(SEEDED.b);
  await decide(SEEDED.b, 'samr');
  await start(SEEDED.c);
  await decide(SEEDED.c, 'samr', 'supplement-required');
  clock.advance(60_000);
  await must(handler.execute(SEEDED.c, (now) => ({ type: 'ProvideSupplement', data: { materials: ['articles-of-association'] }, now }), 'clerk'));
  // The next morning: the anchor of 03-02, then more work on case-b (after the cutoff).
  const anchored = await recordDailyAnchor(store, { now: new Date('2026-03-03T08:00:00+08:00') });
  if (anchored.kind !== 'recorded') throw new Error(`seed: anchor ${anchored.kind}`);
  clock.set('2026-03-03T09:00:00+08:00');
  await decide(SEEDED.b, 'tax');
  await decide(SEEDED.b, 'bank');
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI, as an auditor would. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
