/**
 * Reads a matter file (YAML or JSON), checks it and compiles it into the MatterDefinition the
 * engine runs. Every problem is listed at once, in Chinese and English, with the line and the
 * path where it is: a lint a service-centre analyst can act on, never a stack trace.
 */
import { DEPARTMENTS, DEPARTMENT_NAMES, defineMatter, type MatterDefinition, type MatterDefinitionInput } from '@onematter/engine';
import { isMap, isSeq, LineCounter, parseDocument, stringify, type Node } from 'yaml';
import type { z } from 'zod';
import { MatterFileSchema } from './fileFormat.js';
import { compileJsonSchema, FIELD_FORMATS, propertyPaths, type JsonSchema } from './jsonSchema.js';
import { lintRules, withRules, type RuleSpec } from './rules.js';

export type ProblemPath = (string | number)[];

/** One problem of a matter file: where it is and what is wrong, in both languages. */
export interface MatterProblem {
  /** e.g. steps[2].dependsOn */
  path: string;
  /** 1-based line and column in the file, when the file was text. */
  line?: number;
  column?: number;
  zh: string;
  en: string;
}

export interface MatterCheck {
  /** The file as plain JSON (what a deploy records), when it could be read. */
  file?: Record<string, unknown>;
  /** The compiled definition, when there is no problem. */
  definition?: MatterDefinition;
  problems: MatterProblem[];
}

export const pathText = (path: ProblemPath): string =>
  path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '') || '(root)';

/** `file:line:col path: 中文 / English`, one line per problem. */
export function problemLines(problems: readonly MatterProblem[], file?: string): string[] {
  return problems.map((p) => `${file ? `${file}:` : ''}${p.line !== undefined ? `${p.line}:${p.column ?? 1} ` : ''}${p.path}: ${p.zh} / ${p.en}`);
}

type Locate = (path: ProblemPath) => { line: number; column: number } | undefined;

/** Parses YAML or JSON text (JSON is read as YAML, which it is, so lines are found the same way). */
export function parseMatterText(text: string): { value?: unknown; problems: MatterProblem[]; locate: Locate } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const locate: Locate = (path) => {
    // A missing basis is written beside its figure: point at statutoryDays / extensionDays.
    const last = path[path.length - 1];
    const sibling = last === 'statutoryBasis' ? 'statutoryDays' : last === 'extensionBasis' ? 'extensionDays' : undefined;
    if (sibling && !doc.hasIn(path)) return locate([...path.slice(0, -1), sibling]);
    let node: unknown = doc.contents;
    let found: [number, number, number] | undefined = (doc.contents as Node | null)?.range ?? undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
        if (!pair) break;
        found = (pair.key as Node).range ?? found;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        found = item.range ?? found;
        node = item;
      } else break;
    }
    return found ? at(found[0]) : undefined;
  };
  const problems: MatterProblem[] = doc.errors.map((e) => ({
    path: '(file)',
    ...at(e.pos[0]),
    zh: `无法读取文件：${e.message}`,
    en: `the file cannot be read: ${e.message}`,
  }));
  if (problems.length > 0) return { problems, locate };
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  return { value, problems, locate };
}

/** Checks a matter file's text; `definition` is set when there is no problem. */
export function checkMatterText(text: string): MatterCheck {
  const parsed = parseMatterText(text);
  if (parsed.problems.length > 0) return { problems: parsed.problems };
  return checkMatterFile(parsed.value, parsed.locate);
}

/** Checks a matter file already read (the body of POST /api/v1/matters, an event's record). */
export function checkMatterFile(value: unknown, locate: Locate = () => undefined): MatterCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [{ path: '(root)', zh: '事项定义应为一个对象（YAML 映射或 JSON 对象）', en: 'a matter definition is an object (a YAML mapping or a JSON object)' }] };
  }
  const file = value as Record<string, unknown>;
  const raw: Raw[] = [];
  const add = (path: ProblemPath, zh: string, en: string) => raw.push({ path, zh, en });

  const shape = MatterFileSchema.safeParse(file);
  if (!shape.success) for (const issue of shape.error.issues) shapeProblem(issue, add);
  lintFile(file, add);
  const before = raw.length;
  lintRules(file.rules, (typeof file.form === 'object' && file.form !== null ? file.form : {}) as JsonSchema, add);
  // Rules check the examples only when they are sound (a broken rule is listed above instead).
  const rulesSound = shape.success && raw.length === before;
  const compiled = compileParts(file, add, rulesSound ? shape.data.rules : []);
  if (compiled) checkExamples(file, compiled, add);

  let definition: MatterDefinition | undefined;
  if (raw.length === 0 && compiled) {
    try {
      definition = defineMatter(toDefinitionInput(file, compiled));
    } catch (error) {
      // The engine's own rules, should one escape the checks above.
      add([], `定义不符合引擎规则：${(error as Error).message}`, (error as Error).message);
    }
  }
  const seen = new Set<string>();
  const problems = raw
    .filter((r) => {
      const key = `${pathText(r.path)}|${r.en}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((r) => ({ path: pathText(r.path), ...(locate(r.path) ?? {}), zh: r.zh, en: r.en }));
  return { file, ...(definition ? { definition } : {}), problems };
}

/**
 * A matter file's text as YAML: a YAML source as written (its comments kept), a JSON one
 * (e.g. deployed through the API as JSON) turned into YAML with the same keys in the same order.
 */
export function matterFileYaml(source: string): string {
  const text = source.trimStart();
  if (!text.startsWith('{')) return source.endsWith('\n') ? source : `${source}\n`;
  try {
    return stringify(JSON.parse(text), { lineWidth: 0 });
  } catch {
    return source.endsWith('\n') ? source : `${source}\n`;
  }
}

/** Compiles a file's text that checks (e.g. one read back from the store) as `version`; throws listing its problems. */
export function compileMatterText(text: string, version?: number): MatterDefinition {
  const parsed = parseMatterText(text);
  const value = parsed.value;
  const r = parsed.problems.length > 0 ? { problems: parsed.problems } : checkMatterFile(version === undefined || typeof value !== 'object' || value === null ? value : { ...value, version }, parsed.locate);
  if (!r.definition) throw new Error(`matter file is invalid:\n  ${problemLines(r.problems).join('\n  ')}`);
  return r.definition;
}

interface Raw {
  path: ProblemPath;
  zh: string;
  en: string;
}
type Add = (path: ProblemPath, zh: string, en: string) => void;

const isDepartmentPath = (path: PropertyKey[]) => path.length >= 3 && (path[path.length - 1] === 'department' || (path[0] === 'stages' && path[path.length - 1] === 'lead'));

function shapeProblem(issue: z.core.$ZodIssue, add: Add): void {
  const path = issue.path as ProblemPath;
  // Unknown departments are named by the lint, with the list of known ones.
  if (isDepartmentPath(issue.path) && issue.code === 'invalid_value') return;
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) add([...path, key], `未知字段 “${key}”（拼写是否有误？见 docs/authoring.md）`, `unknown field "${key}" (a typo? see docs/authoring.md)`);
    return;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    add(path, `缺少必填字段（应为 ${issue.expected}）`, `required field missing (expected ${issue.expected})`);
    return;
  }
  add(path, `格式不正确：${issue.message}`, issue.message);
}

type StepLike = {
  id?: unknown;
  department?: unknown;
  dependsOn?: unknown;
  stage?: unknown;
  when?: unknown;
  statutoryDays?: unknown;
  statutoryBasis?: unknown;
  extensionDays?: unknown;
  extensionBasis?: unknown;
  committedDays?: unknown;
  output?: unknown;
};

const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const known = DEPARTMENTS.map((d) => `${d}（${DEPARTMENT_NAMES[d]}）`).join('、');

/** Limits with their legal basis: a statutory figure or an extension names its law and article. */
function lintLimits(l: StepLike, path: ProblemPath, zhWho: string, enWho: string, add: Add): void {
  const statutory = num(l.statutoryDays);
  const committed = num(l.committedDays);
  if (statutory !== undefined && !str(l.statutoryBasis)?.trim()) {
    add([...path, 'statutoryBasis'], `${zhWho}：法定时限 ${statutory} 个工作日没有写明法律依据（statutoryBasis，如《市场主体登记管理条例》第十九条）；没有法律规定的请写 statutoryDays: null`, `${enWho}: the statutory limit of ${statutory} working days names no legal basis (statutoryBasis); where no law sets one, write statutoryDays: null`);
  }
  if (l.extensionDays !== undefined && l.extensionDays !== null) {
    if (statutory === undefined) add([...path, 'extensionDays'], `${zhWho}：没有法定时限，无从延长`, `${enWho}: an extension needs a statutory limit to extend`);
    if (!str(l.extensionBasis)?.trim()) add([...path, 'extensionBasis'], `${zhWho}：延长期限没有写明法律依据（extensionBasis）`, `${enWho}: an extension names its law and article (extensionBasis)`);
  }
  if (statutory !== undefined && committed !== undefined && committed > statutory) {
    add([...path, 'committedDays'], `${zhWho}：承诺时限 ${committed} 天超过法定时限 ${statutory} 天`, `${enWho}: committed limit ${committed} exceeds statutory ${statutory}`);
  }
}

function conditionFields(c: unknown, path: ProblemPath, out: { field: string; path: ProblemPath; c: Record<string, unknown> }[]): void {
  if (typeof c !== 'object' || c === null) return;
  const o = c as Record<string, unknown>;
  if (typeof o.field === 'string') out.push({ field: o.field, path: [...path, 'field'], c: o });
  arr<unknown>(o.all).forEach((x, i) => conditionFields(x, [...path, 'all', i], out));
  arr<unknown>(o.any).forEach((x, i) => conditionFields(x, [...path, 'any', i], out));
  if (o.not !== undefined) conditionFields(o.not, [...path, 'not'], out);
}

/** Every `x-prefill` in a JSON Schema, with where it is. */
function prefills(node: unknown, path: ProblemPath, out: { ref: string; path: ProblemPath }[]): void {
  if (typeof node !== 'object' || node === null) return;
  const o = node as Record<string, unknown>;
  if (typeof o['x-prefill'] === 'string') out.push({ ref: o['x-prefill'], path: [...path, 'x-prefill'] });
  for (const [k, v] of Object.entries((o.properties ?? {}) as Record<string, unknown>)) prefills(v, [...path, 'properties', k], out);
  if (o.items) prefills(o.items, [...path, 'items'], out);
}

/** The domain rules, on the file as written (so that they are listed even when its shape has problems). */
function lintFile(file: Record<string, unknown>, add: Add): void {
  lintLimits(file as StepLike, [], '事项', 'matter', add);
  const steps = arr<StepLike>(file.steps).filter((s) => typeof s === 'object' && s !== null);
  const stages = arr<Record<string, unknown>>(file.stages).filter((s) => typeof s === 'object' && s !== null);
  const ids = new Map<string, number>();
  steps.forEach((s, i) => {
    const id = str(s.id) ?? `#${i + 1}`;
    if (ids.has(id)) add(['steps', i, 'id'], `步骤编号 ${id} 重复`, `duplicate step id ${id}`);
    else ids.set(id, i);
    const dept = str(s.department);
    if (dept !== undefined && !(DEPARTMENTS as readonly string[]).includes(dept)) {
      add(['steps', i, 'department'], `步骤 ${id}：未知部门 “${dept}”；可用的部门：${known}`, `step ${id}: unknown department "${dept}"; known: ${DEPARTMENTS.join(', ')}`);
    }
    lintLimits(s, ['steps', i], `步骤 ${id}`, `step ${id}`, add);
  });
  const stageIds = stages.map((st) => str(st.id)).filter((x): x is string => !!x);
  stages.forEach((st, k) => {
    const sid = str(st.id) ?? `#${k + 1}`;
    const lead = str(st.lead);
    if (lead !== undefined && !(DEPARTMENTS as readonly string[]).includes(lead)) {
      add(['stages', k, 'lead'], `阶段 ${sid}：未知牵头部门 “${lead}”；可用的部门：${known}`, `stage ${sid}: unknown lead department "${lead}"; known: ${DEPARTMENTS.join(', ')}`);
    } else if (lead && !steps.some((s) => s.stage === st.id && s.department === lead)) {
      add(['stages', k, 'lead'], `阶段 ${sid}：牵头部门 ${lead} 在本阶段没有步骤`, `stage ${sid}: its lead ${lead} does no step of the stage`);
    }
    const sd = num(st.statutoryDays);
    const cd = num(st.committedDays);
    if (sd !== undefined && cd !== undefined && cd > sd) add(['stages', k, 'committedDays'], `阶段 ${sid}：承诺时限 ${cd} 天超过法定时限 ${sd} 天`, `stage ${sid}: committed limit ${cd} exceeds statutory ${sd}`);
    if (cd !== undefined) {
      steps.forEach((s, i) => {
        const c = num(s.committedDays);
        if (s.stage === st.id && c !== undefined && c > cd) add(['steps', i, 'committedDays'], `步骤 ${String(s.id)}：承诺时限 ${c} 天超过所在阶段 ${sid} 的 ${cd} 天`, `step ${String(s.id)}: committed limit ${c} exceeds its stage ${sid}'s ${cd}`);
      });
    }
  });

  // Dependencies, with the stage order made explicit (a step of stage k waits for stage k-1).
  const deps = new Map<string, string[]>();
  steps.forEach((s, i) => {
    const id = str(s.id) ?? `#${i + 1}`;
    const own = arr<unknown>(s.dependsOn).filter((d): d is string => typeof d === 'string');
    for (const d of own) {
      if (!ids.has(d)) add(['steps', i, 'dependsOn'], `步骤 ${id} 依赖的步骤 ${d} 不存在（已有：${[...ids.keys()].join('、')}）`, `step ${id} depends on unknown step ${d} (steps: ${[...ids.keys()].join(', ')})`);
    }
    const stage = str(s.stage);
    if (stageIds.length > 0 && !stage) add(['steps', i, 'stage'], `步骤 ${id}：事项分阶段办理，每个步骤都要写明所属阶段（stage）`, `step ${id}: the matter has stages, so every step names one`);
    if (stage && !stageIds.includes(stage)) add(['steps', i, 'stage'], `步骤 ${id}：阶段 ${stage} 不存在`, `step ${id} names unknown stage ${stage}`);
    const k = stage ? stageIds.indexOf(stage) : -1;
    const previous = k > 0 ? steps.filter((o) => o.stage === stageIds[k - 1]).map((o) => String(o.id)) : [];
    deps.set(id, [...new Set([...own, ...previous])]);
  });
  const cycles = findCycles(deps);
  const inCycle = new Set(cycles.flat());
  for (const cycle of cycles) {
    const i = ids.get(cycle[0]!) ?? 0;
    add(['steps', i, 'dependsOn'], `步骤循环依赖：${cycle.join(' → ')}，这些步骤永远无法开始`, `steps form a dependency cycle: ${cycle.join(' -> ')}; none of them can ever start`);
  }
  // A step waiting (directly or not) for a cycle or for a step that does not exist never starts.
  const blocked = (id: string, seen = new Set<string>()): string | undefined => {
    if (seen.has(id)) return undefined;
    seen.add(id);
    for (const d of deps.get(id) ?? []) {
      if (!deps.has(d)) return d;
      if (inCycle.has(d)) return d;
      const b = blocked(d, seen);
      if (b) return b;
    }
    return undefined;
  };
  steps.forEach((s, i) => {
    const id = str(s.id);
    if (!id || inCycle.has(id)) return;
    const b = blocked(id);
    if (b && (deps.get(id) ?? []).includes(b) && !deps.has(b)) return; // named above: the unknown dependency itself
    if (b) add(['steps', i, 'dependsOn'], `步骤 ${id} 永远无法开始：它等待的步骤 ${b} ${deps.has(b) ? '处于循环依赖中' : '不存在'}`, `step ${id} can never start: it waits for ${b}, which ${deps.has(b) ? 'is in a dependency cycle' : 'does not exist'}`);
  });

  // Conditions name fields of the form; a value the field cannot take makes the step never apply.
  const form = (typeof file.form === 'object' && file.form !== null ? file.form : {}) as JsonSchema;
  const fields = propertyPaths(form);
  steps.forEach((s, i) => {
    const found: { field: string; path: ProblemPath; c: Record<string, unknown> }[] = [];
    conditionFields(s.when, ['steps', i, 'when'], found);
    for (const f of found) {
      const schema = fields.get(f.field);
      if (!schema) {
        add(f.path, `步骤 ${String(s.id)} 的办理条件引用了表单中没有的字段 ${f.field}（表单字段：${[...fields.keys()].join('、') || '无'}）`, `step ${String(s.id)}'s condition names ${f.field}, which the form lacks (form fields: ${[...fields.keys()].join(', ') || 'none'})`);
        continue;
      }
      const allowed = Array.isArray(schema.enum) ? (schema.enum as unknown[]) : schema.const !== undefined ? [schema.const] : schema.type === 'boolean' ? [true, false] : undefined;
      const wanted = 'equals' in f.c ? [f.c.equals] : Array.isArray(f.c.in) ? (f.c.in as unknown[]) : undefined;
      if (allowed && wanted && !wanted.some((w) => allowed.includes(w))) {
        add(f.path, `步骤 ${String(s.id)} 永远不会办理：字段 ${f.field} 只能取 ${allowed.map((a) => JSON.stringify(a)).join('、')}`, `step ${String(s.id)} can never apply: ${f.field} only takes ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
      }
    }
  });

  // An output a later step needs (x-prefill: "step.field") is produced by that step, before it.
  const stepOutputs = new Map<string, Map<string, JsonSchema>>();
  steps.forEach((s) => {
    if (typeof s.id === 'string') stepOutputs.set(s.id, propertyPaths((s.output ?? {}) as JsonSchema));
  });
  const upstream = (id: string, seen = new Set<string>()): Set<string> => {
    for (const d of deps.get(id) ?? []) {
      if (seen.has(d)) continue;
      seen.add(d);
      upstream(d, seen);
    }
    return seen;
  };
  steps.forEach((s, i) => {
    const refs: { ref: string; path: ProblemPath }[] = [];
    prefills(s.output, ['steps', i, 'output'], refs);
    for (const r of refs) {
      const [from, ...rest] = r.ref.split('.');
      const field = rest.join('.');
      const outputs = from ? stepOutputs.get(from) : undefined;
      if (!from || !field || !outputs || !outputs.has(field)) {
        add(r.path, `步骤 ${String(s.id)} 需要 ${r.ref}，但没有步骤产生这个输出字段${outputs ? `（步骤 ${from} 的输出：${[...outputs.keys()].join('、') || '无'}）` : ''}`, `step ${String(s.id)} needs ${r.ref}, which no step produces${outputs ? ` (step ${from} outputs: ${[...outputs.keys()].join(', ') || 'nothing'})` : ''}`);
      } else if (typeof s.id === 'string' && !upstream(s.id).has(from)) {
        add(r.path, `步骤 ${s.id} 需要 ${r.ref}，但它不等待步骤 ${from}（请在 dependsOn 中加上 ${from}）`, `step ${s.id} needs ${r.ref} but does not wait for step ${from} (add it to dependsOn)`);
      }
    }
  });
}

function findCycles(deps: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string) => {
    if (state.get(id) === 'done' || !deps.has(id)) return;
    if (state.get(id) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(id)), id]);
      return;
    }
    state.set(id, 'visiting');
    path.push(id);
    for (const d of deps.get(id) ?? []) visit(d);
    path.pop();
    state.set(id, 'done');
  };
  for (const id of deps.keys()) visit(id);
  return cycles;
}

interface Compiled {
  form?: z.ZodType;
  outputs: Map<number, z.ZodType>;
}

function compileParts(file: Record<string, unknown>, add: Add, rules: readonly RuleSpec[]): Compiled | undefined {
  const outputs = new Map<number, z.ZodType>();
  let form: z.ZodType | undefined;
  let ok = true;
  const compile = (schema: unknown, path: ProblemPath): z.ZodType | undefined => {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
    const unknownFormats: { path: ProblemPath; format: string }[] = [];
    findFormats(schema as JsonSchema, path, unknownFormats);
    for (const u of unknownFormats) add(u.path, `未知的字段校验 format “${u.format}”；可用：${Object.keys(FIELD_FORMATS).join('、')}`, `unknown format "${u.format}"; known: ${Object.keys(FIELD_FORMATS).join(', ')}`);
    try {
      return compileJsonSchema(schema as JsonSchema);
    } catch (error) {
      ok = false;
      add(path, `无法编译 JSON Schema：${(error as Error).message}`, `the JSON Schema cannot be compiled: ${(error as Error).message}`);
      return undefined;
    }
  };
  if (typeof file.form === 'object' && file.form !== null) {
    if ((file.form as JsonSchema).type !== 'object') add(['form', 'type'], '表单应为 type: object', 'the form is a JSON Schema with type: object');
    form = compile(file.form, ['form']);
    if (form) form = withRules(form, rules);
  }
  arr<StepLike>(file.steps).forEach((s, i) => {
    if (!s || typeof s !== 'object' || s.output === undefined) return;
    const c = compile(s.output, ['steps', i, 'output']);
    if (c) outputs.set(i, c);
  });
  return ok ? { ...(form ? { form } : {}), outputs } : undefined;
}

function findFormats(node: JsonSchema, path: ProblemPath, out: { path: ProblemPath; format: string }[]): void {
  if (typeof node !== 'object' || node === null) return;
  // JSON Schema's own string formats (email, uri, …) are checked by zod; the rest must be known.
  const builtIn = ['email', 'uri', 'uuid', 'date-time', 'time', 'ipv4', 'ipv6'];
  if (typeof node.format === 'string' && !FIELD_FORMATS[node.format] && !builtIn.includes(node.format)) out.push({ path: [...path, 'format'], format: node.format });
  for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>)) findFormats(v, [...path, 'properties', k], out);
  if (node.items) findFormats(node.items as JsonSchema, [...path, 'items'], out);
}

const issuePath = (base: ProblemPath, issue: z.core.$ZodIssue): ProblemPath => [...base, ...(issue.path as ProblemPath)];

/** Examples validate against their own form; documented outputs against their own output schema. */
function checkExamples(file: Record<string, unknown>, compiled: Compiled, add: Add): void {
  const { form } = compiled;
  if (form) {
    const check = (value: unknown, base: ProblemPath, what: string, enWhat: string) => {
      if (value === undefined) return;
      const r = form.safeParse(value);
      if (!r.success) for (const issue of r.error.issues) add(issuePath(base, issue), `${what}不符合本事项的表单：${issue.message}`, `${enWhat} does not validate against the matter's own form: ${issue.message}`);
    };
    check(file.example, ['example'], '示例表单', 'the example');
    arr<Record<string, unknown>>(file.otherExamples).forEach((o, k) => check(o?.form, ['otherExamples', k, 'form'], `示例“${String(o?.title)}”`, `example "${String(o?.title)}"`));
  }
  arr<Record<string, unknown>>(file.steps).forEach((s, i) => {
    const out = compiled.outputs.get(i);
    if (!out || s.outputExample === undefined) return;
    const r = out.safeParse(s.outputExample);
    if (!r.success) for (const issue of r.error.issues) add(issuePath(['steps', i, 'outputExample'], issue), `步骤 ${String(s.id)} 的输出示例不符合其输出定义：${issue.message}`, `step ${String(s.id)}'s outputExample does not validate against its output: ${issue.message}`);
  });
}

function toDefinitionInput(file: Record<string, unknown>, compiled: Compiled): MatterDefinitionInput {
  const { $schema: _s, rules: _r, ...rest } = file;
  return {
    ...(rest as unknown as MatterDefinitionInput),
    version: typeof file.version === 'number' ? file.version : 1,
    form: compiled.form!,
    steps: arr<Record<string, unknown>>(file.steps).map((s, i) => {
      const out = compiled.outputs.get(i);
      const { output: _o, ...step } = s;
      return { ...(step as unknown as MatterDefinitionInput['steps'][number]), ...(out ? { output: out } : {}) };
    }),
  };
}
