import { z } from 'zod';
import { createCatalogue, type MatterCatalogue } from './catalogue.js';
import { lintDefinition, type MatterDefinition } from './definition.js';

/**
 * 承诺时限 are a service centre's own promise, not the law: a deployment overrides
 * them per matter and step (e.g. 鹿邑 commits 1 working day for 企业开办), from a file
 * such as `{ "enterprise-setup": { "committedDays": 1, "steps": { "samr": 1 } } }`.
 * Statutory limits are never overridden; a promise beyond the law is refused.
 */
const Days = z.number().int().min(0).max(365);
export const CommitmentsSchema = z.record(
  z.string().min(1),
  z.object({ committedDays: Days.optional(), steps: z.record(z.string().min(1), Days).optional() }).strict(),
);
export type Commitments = z.infer<typeof CommitmentsSchema>;

/** Problems of a commitments file against a catalogue, as `path: message` lines; empty when it applies. */
export function commitmentProblems(catalogue: MatterCatalogue, commitments: Commitments): string[] {
  const problems: string[] = [];
  for (const [id, c] of Object.entries(commitments)) {
    const def = catalogue.get(id)?.definition;
    if (!def) {
      problems.push(`${id}: unknown matter (see onematter matters)`);
      continue;
    }
    for (const step of Object.keys(c.steps ?? {})) {
      if (!def.steps.some((s) => s.id === step)) problems.push(`${id}.steps.${step}: unknown step of ${id} (${def.steps.map((s) => s.id).join(', ')})`);
    }
    if (problems.length > 0) continue;
    for (const issue of lintDefinition(overridden(def, c))) problems.push(`${id}.${issue.path.join('.')}: ${issue.message}`);
  }
  return problems;
}

function overridden(def: MatterDefinition, c: Commitments[string]): MatterDefinition {
  return {
    ...def,
    committedDays: c.committedDays ?? def.committedDays,
    steps: def.steps.map((s) => (c.steps?.[s.id] !== undefined ? { ...s, committedDays: c.steps[s.id]! } : s)),
  };
}

/**
 * The catalogue with a deployment's commitments applied to every version of each
 * matter named (a running case's clock follows the centre's current promise).
 * Throws with every problem listed; check first with `commitmentProblems`.
 */
export function withCommitments(catalogue: MatterCatalogue, commitments: Commitments): MatterCatalogue {
  const problems = commitmentProblems(catalogue, commitments);
  if (problems.length > 0) throw new Error(`commitments do not apply:\n  ${problems.join('\n  ')}`);
  const defs: MatterDefinition[] = [];
  for (const latest of catalogue.list()) {
    for (const v of catalogue.versions(latest.id)) {
      const def = catalogue.get(latest.id, v)!.definition;
      const c = commitments[def.id];
      defs.push(c ? overridden(def, c) : def);
    }
  }
  return createCatalogue(defs);
}
