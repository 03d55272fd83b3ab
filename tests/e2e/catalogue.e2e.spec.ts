import { simulatedOutput } from '@onematter/adapters';
import { createCatalogue, defineMatter, skippedSteps, type MatterDefinition, type TaskMessage } from '@onematter/engine';
import {
  BUILT_IN_MATTERS,
  MATTER_BATCHES,
  MATTER_DEFINITIONS,
  catalogueMarkdown,
  constructionProjectV1,
  defaultCatalogue,
  matterMarkdown,
  resaleHousingTransferV1,
  restaurantV1,
} from '@onematter/workflows';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testApp, type TestApp } from '../support/app.js';
import { ROOT } from '../support/server.js';

/**
 * The catalogue keeps its promises: every matter compiles, documents every step's output,
 * has a diagram page, and runs from its example to completion with simulated departments,
 * through each branch of its conditional steps. A matter added without an example, an
 * outputExample or a diagram fails here.
 */

const newest = defaultCatalogue().list();

/**
 * The national key matters (packages/workflows/matters/national) write only what their official
 * sources say (docs/catalogue.md): a step whose result no source describes documents no output.
 * Every other built-in matter documents the output of every step.
 */
const sourcedOnly = new Set(BUILT_IN_MATTERS.filter((m) => m.file.startsWith('national/')).map((m) => m.definition.id));
const undocumented = (m: { id: string }, s: { output?: unknown }) => s.output === undefined && sourcedOnly.has(m.id);
const formsOf = (m: MatterDefinition) => [{ title: 'example', form: m.example }, ...m.otherExamples];
const REGENERATE = 'run `npm run diagrams` and commit docs/';

describe('every definition in the catalogue', () => {
  it('compiles, each id with its versions', () => {
    const catalogue = createCatalogue(MATTER_DEFINITIONS);
    expect(catalogue.list().map((m) => m.id)).toEqual([...new Set(MATTER_DEFINITIONS.map((m) => m.id))]);
    for (const m of MATTER_DEFINITIONS) expect(catalogue.get(m.id, m.version)?.machine, `${m.id} v${m.version}`).toBeDefined();
  });

  it.each(MATTER_DEFINITIONS.map((m) => [`${m.id} v${m.version}`, m] as const))('%s has an example, an example applicant and a documented output for every step', (_, m) => {
    expect(m.form.safeParse(m.example).success).toBe(true);
    expect(m.exampleApplicant, 'exampleApplicant').toBeDefined();
    for (const s of m.steps) {
      if (undocumented(m, s)) continue;
      expect(s.output, `step ${s.id}: output schema`).toBeDefined();
      expect(s.outputExample, `step ${s.id}: outputExample`).toBeDefined();
      expect(s.output!.safeParse(s.outputExample).success, `step ${s.id}: outputExample fits the schema`).toBe(true);
    }
  });

  it.each(newest.map((m) => [m.id, m] as const))('%s: its examples take every conditional step both ways', (_, m) => {
    const skipped = formsOf(m).map((f) => skippedSteps(m, f.form));
    for (const s of m.steps.filter((x) => x.when)) {
      expect(skipped.some((k) => !k[s.id]), `step ${s.id} applies in some example`).toBe(true);
      expect(skipped.some((k) => k[s.id]), `step ${s.id} is skipped in some example`).toBe(true);
    }
  });

  it.each(newest.map((m) => [m.id, m] as const))('%s keeps its promises: steps on the longest path fit the matter\'s limits', (_, m) => {
    // Longest chain of step limits through dependencies and stage order.
    const longest = (key: 'committedDays') => {
      const memo = new Map<string, number>();
      const order = m.stages.map((s) => s.id);
      const byId = new Map(m.steps.map((s) => [s.id, s]));
      const finish = (id: string): number => {
        if (memo.has(id)) return memo.get(id)!;
        const s = byId.get(id)!;
        const k = s.stage ? order.indexOf(s.stage) : -1;
        const before = [...s.dependsOn, ...(k > 0 ? m.steps.filter((o) => o.stage === order[k - 1]).map((o) => o.id) : [])];
        const v = Math.max(0, ...before.map(finish)) + s[key];
        memo.set(id, v);
        return v;
      };
      return Math.max(...m.steps.map((s) => finish(s.id)));
    };
    expect(longest('committedDays'), 'committed path').toBeLessThanOrEqual(m.committedDays);
  });

  it.each(newest.map((m) => [m.id, m] as const))('%s shows as 法定 only a figure a law sets, citing its article', (_, m) => {
    // Sums of steps and policy targets are not statutory limits (issue 14): null, or a basis.
    for (const l of [m, ...m.steps]) {
      if (l.statutoryDays !== null) expect(l.statutoryBasis, `${'service' in l ? l.id : m.id}: statutoryBasis`).toMatch(/《.+》第.+条/);
      if (l.extensionDays !== null) expect(l.extensionBasis, `${'service' in l ? l.id : m.id}: extensionBasis`).toMatch(/《.+》第.+条/);
    }
  });

  it.each(newest.map((m) => [m.id, m] as const))('%s has its diagram page in docs/matters, up to date', (_, m) => {
    const file = join(ROOT, 'docs', 'matters', `${m.id}.md`);
    expect(existsSync(file), `docs/matters/${m.id}.md is missing: ${REGENERATE}`).toBe(true);
    const page = readFileSync(file, 'utf8');
    expect(page === matterMarkdown(m, MATTER_BATCHES[m.id]), `docs/matters/${m.id}.md is stale: ${REGENERATE}`).toBe(true);
    expect(page).toContain('```mermaid\nflowchart TD');
  });

  it('is listed in docs/catalogue.md with its limits and compression ratio, up to date', () => {
    const file = join(ROOT, 'docs', 'catalogue.md');
    expect(existsSync(file), `docs/catalogue.md is missing: ${REGENERATE}`).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text === catalogueMarkdown(newest, MATTER_BATCHES), `docs/catalogue.md is stale: ${REGENERATE}`).toBe(true);
    for (const m of newest) expect(text).toContain(`](matters/${m.id}.md)`);
    expect(text).toMatch(/\| \[企业开办\]\(matters\/enterprise-setup\.md\) \| `enterprise-setup` v1 \| .* \| 无法定时限 \| 3 \| — \|/);
  });

  it('gets valid answers from the simulated departments for every step, on many tasks', () => {
    const catalogue = defaultCatalogue();
    for (const m of MATTER_DEFINITIONS) {
      for (const s of m.steps) {
        if (undocumented(m, s)) continue;
        for (let i = 0; i < 5; i++) {
          const task: TaskMessage = {
            taskId: `case-${m.id}-${i}.${s.id}`, caseId: `case-${m.id}-${i}`, matter: m.id, matterVersion: m.version, department: s.department,
            service: s.service, form: m.example, materials: [], inputs: {}, attempt: 1, dueAt: null, applicant: { name: '张三' },
          };
          const out = simulatedOutput(task, catalogue);
          const r = s.output!.safeParse(out);
          expect(r.success, `${m.id}.${s.id}: ${JSON.stringify(out)} ${r.success ? '' : JSON.stringify(r.error.issues)}`).toBe(true);
        }
      }
    }
  });
});

describe('the lint refuses a broken definition of the catalogue', () => {
  it('a committed limit above the statutory one, for the matter, a step or a stage', () => {
    expect(() => defineMatter({ ...restaurantV1, committedDays: restaurantV1.statutoryDays! + 1 })).toThrow(/committed limit 46 exceeds statutory 45/);
    const steps = restaurantV1.steps.map((s) => (s.id === 'food' ? { ...s, committedDays: 21 } : s));
    expect(() => defineMatter({ ...restaurantV1, steps })).toThrow(/step food: committed limit 21 exceeds statutory 20/);
    const stages = constructionProjectV1.stages.map((st) => (st.id === 'design' ? { ...st, committedDays: 50 } : st));
    expect(() => defineMatter({ ...constructionProjectV1, stages })).toThrow(/stage design: committed limit 50 exceeds statutory 45/);
  });

  it('steps that wait for each other, directly or through the stage order', () => {
    const direct = resaleHousingTransferV1.steps.map((s) => (s.id === 'tax' ? { ...s, dependsOn: ['water'] } : s));
    expect(() => defineMatter({ ...resaleHousingTransferV1, steps: direct })).toThrow(/cycle: tax -> water -> transfer -> tax/);
    // A stage-one step that waits for an acceptance step: acceptance waits for stage one, so a cycle.
    const staged = constructionProjectV1.steps.map((s) => (s.id === 'project-approval' ? { ...s, dependsOn: ['archives'] } : s));
    expect(() => defineMatter({ ...constructionProjectV1, steps: staged })).toThrow(/steps form a cycle/);
  });

  it('an example, or an output example, that its own schema refuses', () => {
    expect(() => defineMatter({ ...restaurantV1, example: { ...restaurantV1.example, businessAreaSqm: -1 } })).toThrow(/example form is invalid/);
    const steps = restaurantV1.steps.map((s) => (s.id === 'food' ? { ...s, outputExample: { foodLicenceNumber: 'JY1' } } : s));
    expect(() => defineMatter({ ...restaurantV1, steps })).toThrow(/step food's outputExample fails its output schema/);
  });
});

describe('every matter through the API, with simulated departments', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ simulateDepartments: true });
  });
  afterAll(async () => t.close());

  it('lists every matter, and shows each step\'s output schema and example', async () => {
    const list = (await t.app.inject({ method: 'GET', url: '/api/v1/matters' })).json() as { id: string }[];
    expect(list.map((m) => m.id)).toEqual(newest.map((m) => m.id));
    for (const m of newest) {
      const r = await t.app.inject({ method: 'GET', url: `/api/v1/matters/${m.id}` });
      expect(r.statusCode).toBe(200);
      const d = r.json();
      expect(d.steps).toHaveLength(m.steps.length);
      for (const s of d.steps) {
        if (undocumented(m, m.steps.find((x) => x.id === s.id)!)) expect(s.outputSchema, `${m.id}.${s.id}`).toBeNull();
        else expect(s.outputSchema, `${m.id}.${s.id}`).toMatchObject({ type: 'object' });
        expect(s.outputExample, `${m.id}.${s.id}`).toEqual(m.steps.find((x) => x.id === s.id)!.outputExample ?? null);
        expect(s.condition === null).toBe(!m.steps.find((x) => x.id === s.id)!.when);
      }
      expect(d.otherExamples).toEqual(m.otherExamples);
      expect(d.mermaid).toMatch(/^flowchart TD\n/);
    }
  });

  it('starts every example form of every matter and completes it, skipping exactly the steps its form rules out', async () => {
    const runs = newest.flatMap((m) => formsOf(m).map((f) => ({ m, ...f })));
    const started = await Promise.all(
      runs.map(async (run) => {
        const r = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { matter: run.m.id, applicant: run.m.exampleApplicant, form: run.form } });
        expect(r.statusCode, `${run.m.id} / ${run.title}: ${r.body}`).toBe(201);
        return { ...run, id: r.json().id as string };
      }),
    );
    await Promise.all(
      started.map(async (run) => {
        const done = await eventually(async () => {
          const v = (await t.app.inject({ method: 'GET', url: `/api/v1/cases/${run.id}` })).json();
          return v.status === 'completed' ? v : undefined;
        }, 15_000, `${run.m.id} / ${run.title} to complete`);
        const skipped = skippedSteps(run.m, run.form);
        const statuses = Object.fromEntries(done.tasks.map((x: { step: string; status: string }) => [x.step, x.status]));
        const expected = Object.fromEntries(run.m.steps.map((s) => [s.id, skipped[s.id] ? 'skipped' : 'approved']));
        expect(statuses, `${run.m.id} / ${run.title}`).toEqual(expected);
        expect(Object.keys(done.outputs).sort()).toEqual(run.m.steps.filter((s) => !skipped[s.id]).map((s) => s.id).sort());
      }),
    );
  });
});
