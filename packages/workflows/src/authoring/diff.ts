/**
 * What changed between two versions of a matter (`onematter matters diff`): both are read as
 * plain JSON (form and outputs as JSON Schema), so a built-in version and a deployed file
 * compare alike. Steps, stages and materials are matched by id/code, not by position.
 */
import type { MatterDefinition } from '@onematter/engine';
import { z } from 'zod';

const schemaJson = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

/** A definition as plain JSON, without its version. */
export function definitionJson(def: MatterDefinition): Record<string, unknown> {
  const { form, steps, version: _v, ...rest } = def;
  return JSON.parse(
    JSON.stringify({
      ...rest,
      form: schemaJson(form),
      steps: steps.map(({ output, ...s }) => ({ ...s, ...(output ? { output: schemaJson(output) } : {}) })),
    }),
  ) as Record<string, unknown>;
}

export interface MatterChange {
  /** e.g. steps[tax].committedDays */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

const keyOf = (x: unknown): string | undefined => {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  return typeof o.id === 'string' ? o.id : typeof o.code === 'string' ? o.code : undefined;
};

function diffValues(a: unknown, b: unknown, path: string, out: MatterChange[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  if (Array.isArray(a) && Array.isArray(b) && [...a, ...b].every((x) => keyOf(x) !== undefined)) {
    const left = new Map(a.map((x) => [keyOf(x)!, x]));
    const right = new Map(b.map((x) => [keyOf(x)!, x]));
    for (const [k, v] of left) {
      if (!right.has(k)) out.push({ path: `${path}[${k}]`, kind: 'removed', before: v });
      else diffValues(v, right.get(k), `${path}[${k}]`, out);
    }
    for (const [k, v] of right) if (!left.has(k)) out.push({ path: `${path}[${k}]`, kind: 'added', after: v });
    return;
  }
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in b)) out.push({ path: p, kind: 'removed', before: a[k] });
      else if (!(k in a)) out.push({ path: p, kind: 'added', after: b[k] });
      else diffValues(a[k], b[k], p, out);
    }
    return;
  }
  out.push({ path: path || '(root)', kind: 'changed', before: a, after: b });
}

/** Every change from `a` to `b`, the version number aside. */
export function matterDiff(a: MatterDefinition, b: MatterDefinition): MatterChange[] {
  const out: MatterChange[] = [];
  diffValues(definitionJson(a), definitionJson(b), '', out);
  return out;
}

/** The changes as lines: `~ steps[tax].committedDays: 2 → 1`, `+ steps[bank]: {…}`, `- materials[x]: {…}`. */
export function diffLines(changes: readonly MatterChange[]): string[] {
  const j = (v: unknown) => JSON.stringify(v);
  return changes.map((c) =>
    c.kind === 'added' ? `+ ${c.path}: ${j(c.after)}` : c.kind === 'removed' ? `- ${c.path}: ${j(c.before)}` : `~ ${c.path}: ${j(c.before)} → ${j(c.after)}`,
  );
}
