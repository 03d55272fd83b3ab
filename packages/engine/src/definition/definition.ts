import { z } from 'zod';

/**
 * A matter (一件事) is declared as data: its one form, the materials the window
 * checks once (一次告知), the department steps, which step waits for which other
 * step's output, and the time limits in working days. The engine compiles it into
 * an XState machine; no matter has code of its own.
 */

import { DEPARTMENTS } from './departments.js';

export { DEPARTMENTS, DEPARTMENT_NAMES } from './departments.js';
export const DepartmentId = z.enum(DEPARTMENTS);
export type DepartmentId = z.infer<typeof DepartmentId>;

const Slug = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and hyphens, starting with a letter');

/** Working days; 0 means 即办 (done on the spot). */
const WorkingDays = z.number().int().min(0).max(365);

/**
 * The law and article that set a limit, e.g. 《市场主体登记管理条例》第十九条. A 法定 figure
 * without one is not a statutory limit: use null (无法定时限) instead.
 */
const Basis = z.string().trim().min(1).nullable().default(null);

/**
 * 法定时限 and its lawful extension (行政许可法 Art. 42, or the law governing the
 * matter): null where no law sets one. Shared by the matter (the case clock) and each step.
 */
const StatutoryLimits = {
  /** 法定时限 in working days; null: no law sets one (shown as 无法定时限). */
  statutoryDays: WorkingDays.nullable(),
  statutoryBasis: Basis,
  /** How many working days the limit may be extended, once; null: no extension allowed. */
  extensionDays: WorkingDays.nullable().default(null),
  extensionBasis: Basis,
};

export const MaterialSpec = z.object({
  code: Slug,
  name: z.string().min(1),
  required: z.boolean().default(true),
  description: z.string().optional(),
  /**
   * 容缺: a required but non-essential material the window may accept without, on the
   * applicant's signed commitment to bring it within `promiseDays` working days.
   */
  deferrable: z.boolean().default(false),
  promiseDays: WorkingDays.min(1).optional(),
});
export type MaterialSpec = z.infer<typeof MaterialSpec>;

/**
 * When a step applies, decided from the form at start (e.g. a restaurant that sells
 * alcohol needs an extra licence). Data, not code: a field path compared with values,
 * a number with a threshold (a dining area of 300 m² or more), or a multiple choice
 * that contains a value.
 */
export type Condition =
  | { field: string; equals: unknown }
  | { field: string; in: unknown[] }
  | { field: string; truthy: true }
  | { field: string; contains: unknown }
  | { field: string; gt: number }
  | { field: string; gte: number }
  | { field: string; lt: number }
  | { field: string; lte: number }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ field: z.string().min(1), equals: z.unknown() }).strict(),
    z.object({ field: z.string().min(1), in: z.array(z.unknown()).min(1) }).strict(),
    z.object({ field: z.string().min(1), truthy: z.literal(true) }).strict(),
    z.object({ field: z.string().min(1), contains: z.unknown() }).strict(),
    z.object({ field: z.string().min(1), gt: z.number() }).strict(),
    z.object({ field: z.string().min(1), gte: z.number() }).strict(),
    z.object({ field: z.string().min(1), lt: z.number() }).strict(),
    z.object({ field: z.string().min(1), lte: z.number() }).strict(),
    z.object({ all: z.array(Condition).min(1) }).strict(),
    z.object({ any: z.array(Condition).min(1) }).strict(),
    z.object({ not: Condition }).strict(),
  ]),
);

/** Reads a dotted path (`seller.sellsAlcohol`) from the form. */
const valueAt = (form: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), form);

export function evaluateCondition(c: Condition, form: Record<string, unknown>): boolean {
  if ('all' in c) return c.all.every((x) => evaluateCondition(x, form));
  if ('any' in c) return c.any.some((x) => evaluateCondition(x, form));
  if ('not' in c) return !evaluateCondition(c.not, form);
  const v = valueAt(form, c.field);
  if ('equals' in c) return v === c.equals;
  if ('in' in c) return c.in.includes(v);
  if ('contains' in c) return Array.isArray(v) && v.includes(c.contains);
  // A missing or non-numeric field meets no threshold.
  if ('gt' in c) return typeof v === 'number' && v > c.gt;
  if ('gte' in c) return typeof v === 'number' && v >= c.gte;
  if ('lt' in c) return typeof v === 'number' && v < c.lt;
  if ('lte' in c) return typeof v === 'number' && v <= c.lte;
  return Boolean(v);
}

/**
 * 一家牵头、并联审批、限时办结: a stage's departments work in parallel under a lead
 * department (which must itself do a step of the stage); stages run in sequence; a stage
 * may carry its own limits, which bound the committed limit of each of its steps.
 */
export const StageSpec = z.object({
  id: Slug,
  name: z.string().min(1),
  lead: DepartmentId,
  statutoryDays: WorkingDays.optional(),
  committedDays: WorkingDays.optional(),
});
export type StageSpec = z.infer<typeof StageSpec>;

/** 即办 under a condition (data, like `when`), or always. */
const OnTheSpot = z.union([z.literal(true), Condition]);

/** 告知承诺制: the 事中事后核查 due within `checkDays` working days of the approval, and the rule that allows it. */
export const CommitmentSpec = z.object({
  checkDays: WorkingDays.min(1),
  basis: z.string().trim().min(1),
});
export type CommitmentSpec = z.infer<typeof CommitmentSpec>;

/**
 * 免申即办: a data event on a Kafka topic starts a case without an application. `when`
 * is tested on the event's JSON; `eventId` is the path of the event's own id (one case per
 * event, however often it is delivered); `applicant` and `form` map paths of the event
 * to the applicant's fields and to form fields.
 */
export const TriggerSpec = z.object({
  topic: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'a Kafka topic name'),
  when: Condition,
  eventId: z.string().min(1),
  applicant: z.object({ name: z.string().min(1), idType: z.string().min(1).optional(), idNumber: z.string().min(1), phone: z.string().min(1) }),
  form: z.record(z.string(), z.string().min(1)).default({}),
});
export type TriggerSpec = z.infer<typeof TriggerSpec>;

export const StepSpec = z.object({
  id: Slug,
  department: DepartmentId,
  /** What the department does, in Chinese, e.g. 营业执照核发. */
  service: z.string().min(1),
  /** Steps whose outputs this one needs; it starts when all of them are approved (or do not apply). */
  dependsOn: z.array(Slug).default([]),
  /** Applies only when the form says so; otherwise the step is skipped at start, visibly. */
  when: Condition.optional(),
  /** Its stage, when the matter has stages: it also waits for every step of the stage before. */
  stage: Slug.optional(),
  /** Who does it: a government department, a company (utilities), or the applicant (e.g. paying a fee). */
  performer: z.enum(['department', 'company', 'applicant']).default('department'),
  ...StatutoryLimits,
  committedDays: WorkingDays,
  /** Output fields the department returns, as a zod object, documented for integrators. */
  output: z.custom<z.ZodType>((v) => v instanceof z.ZodType, 'a zod schema').optional(),
  outputExample: z.record(z.string(), z.unknown()).optional(),
  /** 即办: the window may decide this step on the spot: always (true), or when the form meets the condition. */
  onTheSpot: OnTheSpot.optional(),
  /** 告知承诺制: the law allows approval on the applicant's written commitment, with a follow-up check. */
  commitment: CommitmentSpec.optional(),
});
export type StepSpec = z.infer<typeof StepSpec>;

export const MatterDefinitionSchema = z
  .object({
    id: Slug,
    version: z.number().int().min(1),
    name: z.string().min(1),
    description: z.string().default(''),
    /** The case clock: 法定时限 of the whole matter (null for most bundles: no law sets one). */
    ...StatutoryLimits,
    committedDays: WorkingDays,
    /**
     * Whether 补正 after acceptance also pauses the statutory clock: only where the
     * matter's own rules say so (`supplementPauseBasis`). It always pauses the committed one.
     */
    supplementPausesStatutory: z.boolean().default(false),
    supplementPauseBasis: Basis,
    /** 即办 for the whole matter: every step may be decided on the spot (always, or under the condition). */
    onTheSpot: OnTheSpot.optional(),
    /** 免申即办: the data event that starts a case by itself. */
    trigger: TriggerSpec.optional(),
    form: z.custom<z.ZodType>((v) => v instanceof z.ZodType, 'a zod schema'),
    materials: z.array(MaterialSpec),
    stages: z.array(StageSpec).default([]),
    steps: z.array(StepSpec).min(1),
    example: z.record(z.string(), z.unknown()),
    /**
     * Further valid forms that take the other branches of conditional steps (the alcohol
     * licence, the mortgage registration), for demos and for the catalogue test.
     */
    otherExamples: z.array(z.object({ title: z.string().min(1), form: z.record(z.string(), z.unknown()) })).default([]),
    exampleApplicant: z
      .object({ name: z.string(), idType: z.string(), idNumber: z.string(), phone: z.string() })
      .optional(),
  })
  .superRefine((d, ctx) => {
    for (const issue of lintDefinition(d)) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  });

export type MatterDefinitionInput = z.input<typeof MatterDefinitionSchema>;
export type MatterDefinition = z.output<typeof MatterDefinitionSchema>;

interface MaterialLike {
  code: string;
  required?: boolean | undefined;
  deferrable?: boolean | undefined;
  promiseDays?: number | undefined;
}

/** Reads a dotted path from any JSON value (a form, a trigger event). */
export const valueAtPath = (v: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((x, k) => (x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), v);

/** Whether the window may decide a step on the spot for this form (the step's or the matter's 即办 rule). */
export function mayDecideOnTheSpot(d: { onTheSpot?: true | Condition | undefined; steps: readonly { id: string; onTheSpot?: true | Condition | undefined }[] }, step: string, form: Record<string, unknown>): boolean {
  const rule = d.steps.find((s) => s.id === step)?.onTheSpot ?? d.onTheSpot;
  return rule === true || (rule !== undefined && evaluateCondition(rule, form));
}

interface LintIssue {
  path: (string | number)[];
  message: string;
}

interface LimitsLike {
  statutoryDays: number | null;
  statutoryBasis?: string | null | undefined;
  extensionDays?: number | null | undefined;
  extensionBasis?: string | null | undefined;
  committedDays: number;
}
type Lintable = LimitsLike & { steps: readonly (LimitsLike & Pick<StepSpec, 'id' | 'dependsOn' | 'stage' | 'department'>)[]; stages?: readonly StageSpec[] };

/**
 * An extension needs a statutory limit and its own basis; the promise stays within the law.
 * (The catalogue's own test also holds every statutory figure to a basis.)
 */
function lintLimits(l: LimitsLike, path: (string | number)[], who: string): LintIssue[] {
  const issues: LintIssue[] = [];
  if (l.extensionDays != null) {
    if (l.statutoryDays === null) issues.push({ path: [...path, 'extensionDays'], message: `${who}: an extension needs a statutory limit to extend` });
    if (!l.extensionBasis) issues.push({ path: [...path, 'extensionBasis'], message: `${who}: an extension names its law and article (extensionBasis)` });
  }
  if (l.statutoryDays !== null && l.committedDays > l.statutoryDays) {
    issues.push({ path: [...path, 'committedDays'], message: `${who}: committed limit ${l.committedDays} exceeds statutory ${l.statutoryDays}` });
  }
  return issues;
}

/** Rules a definition must keep: known and acyclic dependencies, committed limits within statutory ones. */
export function lintDefinition(d: Lintable): LintIssue[] {
  const issues: LintIssue[] = lintLimits(d, [], 'matter');
  const ids = new Set<string>();
  d.steps.forEach((s, i) => {
    if (ids.has(s.id)) issues.push({ path: ['steps', i, 'id'], message: `duplicate step id ${s.id}` });
    ids.add(s.id);
    issues.push(...lintLimits(s, ['steps', i], `step ${s.id}`));
  });
  d.steps.forEach((s, i) => {
    for (const dep of s.dependsOn) {
      if (!ids.has(dep)) issues.push({ path: ['steps', i, 'dependsOn'], message: `step ${s.id} depends on unknown step ${dep}` });
    }
  });
  const stageIds = (d.stages ?? []).map((x) => x.id);
  d.steps.forEach((s, i) => {
    if (stageIds.length > 0 && !s.stage) issues.push({ path: ['steps', i, 'stage'], message: `step ${s.id}: the matter has stages, so every step names one` });
    if (s.stage && !stageIds.includes(s.stage)) issues.push({ path: ['steps', i, 'stage'], message: `step ${s.id} names unknown stage ${s.stage}` });
  });
  (d.stages ?? []).forEach((st, k) => {
    const own = d.steps.filter((s) => s.stage === st.id);
    if (!own.some((s) => s.department === st.lead)) {
      issues.push({ path: ['stages', k, 'lead'], message: `stage ${st.id}: its lead ${st.lead} does no step of the stage` });
    }
    if (st.statutoryDays !== undefined && st.committedDays !== undefined && st.committedDays > st.statutoryDays) {
      issues.push({ path: ['stages', k, 'committedDays'], message: `stage ${st.id}: committed limit ${st.committedDays} exceeds statutory ${st.statutoryDays}` });
    }
    const limit = st.committedDays;
    if (limit !== undefined) {
      for (const s of own) {
        if (s.committedDays > limit) {
          issues.push({ path: ['steps', d.steps.indexOf(s), 'committedDays'], message: `step ${s.id}: committed limit ${s.committedDays} exceeds its stage ${st.id}'s ${limit}` });
        }
      }
    }
  });
  for (const [i, m] of ((d as { materials?: readonly MaterialLike[] }).materials ?? []).entries()) {
    if (m.deferrable && m.promiseDays === undefined) issues.push({ path: ['materials', i, 'promiseDays'], message: `material ${m.code}: a 容缺 material names the working days to bring it (promiseDays)` });
    if (m.deferrable && !m.required) issues.push({ path: ['materials', i, 'deferrable'], message: `material ${m.code}: only a required material can be accepted as 容缺` });
  }
  const cycle = findCycle(effectiveSteps(d));
  if (cycle) issues.push({ path: ['steps'], message: `steps form a cycle: ${cycle.join(' -> ')}` });
  return issues;
}

function findCycle(steps: readonly { id: string; dependsOn: readonly string[] }[]): string[] | undefined {
  const deps = new Map(steps.map((s) => [s.id, s.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const d of deps.get(id) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const s of steps) {
    const c = visit(s.id);
    if (c) return c;
  }
  return undefined;
}

/**
 * Steps with their stage order made explicit: a step of stage k also depends on
 * every step of stage k-1. The compiler and the lint both use this.
 */
export function effectiveSteps<S extends { id: string; dependsOn: readonly string[]; stage?: string | undefined }>(
  d: { steps: readonly S[]; stages?: readonly { id: string }[] },
): (S & { dependsOn: string[] })[] {
  const order = (d.stages ?? []).map((x) => x.id);
  return d.steps.map((s) => {
    const k = s.stage ? order.indexOf(s.stage) : -1;
    const previous = k > 0 ? d.steps.filter((o) => o.stage === order[k - 1]).map((o) => o.id) : [];
    return { ...s, dependsOn: [...new Set([...s.dependsOn, ...previous])] };
  });
}

/** Parses and checks a definition; throws with every problem listed, so a bad catalogue fails at boot. */
export function defineMatter(input: MatterDefinitionInput): MatterDefinition {
  const r = MatterDefinitionSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`matter definition ${String((input as { id?: unknown }).id)} is invalid:\n${lines.join('\n')}`);
  }
  const example = r.data.form.safeParse(r.data.example);
  if (!example.success) {
    const lines = example.error.issues.map((i) => `  form.${i.path.join('.')}: ${i.message}`);
    throw new Error(`matter definition ${r.data.id}: its example form is invalid:\n${lines.join('\n')}`);
  }
  for (const other of r.data.otherExamples) {
    const parsed = r.data.form.safeParse(other.form);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((i) => `  form.${i.path.join('.')}: ${i.message}`);
      throw new Error(`matter definition ${r.data.id}: its example "${other.title}" is invalid:\n${lines.join('\n')}`);
    }
  }
  // Integrators copy the documented example: it must be an output the engine accepts.
  for (const s of r.data.steps) {
    if (!s.output || !s.outputExample) continue;
    const parsed = s.output.safeParse(s.outputExample);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((i) => `  output.${i.path.join('.')}: ${i.message}`);
      throw new Error(`matter definition ${r.data.id}: step ${s.id}'s outputExample fails its output schema:\n${lines.join('\n')}`);
    }
  }
  return r.data;
}
