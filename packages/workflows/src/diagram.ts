/**
 * A matter's step graph for people: a text outline (the CLI's `onematter matters show`)
 * and a Mermaid flowchart (docs/matters/*.md, the workbench). Both read only the
 * definition, so they say exactly what the engine will do: stages in sequence, steps
 * grouped in the waves that run in parallel, and the condition of every conditional step.
 */
import { DEPARTMENT_NAMES, type Condition, type DepartmentId, type MatterDefinition, type StepSpec } from '@onematter/engine';
import { z } from 'zod';

const departmentName = (d: string): string => DEPARTMENT_NAMES[d as DepartmentId] ?? d;

// ---------------------------------------------------------------------------------------------
// Conditions

const titles = new WeakMap<MatterDefinition, Map<string, string>>();

/** Field path → the title the form gives it (`sellsAlcohol` → 是否销售酒类), from its JSON Schema. */
function fieldTitles(def: MatterDefinition): Map<string, string> {
  let map = titles.get(def);
  if (map) return map;
  map = new Map();
  const found = map;
  const walk = (schema: unknown, path: string[]) => {
    if (!schema || typeof schema !== 'object') return;
    const s = schema as { title?: string; properties?: Record<string, unknown>; anyOf?: unknown[]; allOf?: unknown[] };
    if (s.title && path.length > 0 && !found.has(path.join('.'))) found.set(path.join('.'), s.title);
    for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, [...path, k]);
    for (const v of [...(s.anyOf ?? []), ...(s.allOf ?? [])]) walk(v, path);
  };
  try {
    walk(z.toJSONSchema(def.form, { unrepresentable: 'any', io: 'input' }), []);
  } catch {
    // A form that JSON Schema cannot express keeps its field paths.
  }
  titles.set(def, map);
  return map;
}

const show = (v: unknown): string => (v === true ? '是' : v === false ? '否' : typeof v === 'string' ? `“${v}”` : JSON.stringify(v));

/**
 * A condition in words, e.g. `是否销售酒类 = 是`, `经营面积（平方米） ≥ 300`, `变更事项 含 “名称”`.
 * `label` names a field (default: the field path).
 */
export function describeCondition(c: Condition, label: (field: string) => string = (f) => f): string {
  if ('all' in c) return c.all.map((x) => wrap(x, label)).join(' 且 ');
  if ('any' in c) return c.any.map((x) => wrap(x, label)).join(' 或 ');
  if ('not' in c) return `非（${describeCondition(c.not, label)}）`;
  const f = label(c.field);
  if ('equals' in c) return `${f} = ${show(c.equals)}`;
  if ('in' in c) return `${f} ∈ {${c.in.map(show).join('、')}}`;
  if ('contains' in c) return `${f} 含 ${show(c.contains)}`;
  if ('gt' in c) return `${f} > ${c.gt}`;
  if ('gte' in c) return `${f} ≥ ${c.gte}`;
  if ('lt' in c) return `${f} < ${c.lt}`;
  if ('lte' in c) return `${f} ≤ ${c.lte}`;
  return `${f} 已填写`;
}
const wrap = (c: Condition, label: (field: string) => string) => ('all' in c || 'any' in c ? `（${describeCondition(c, label)}）` : describeCondition(c, label));

/** A step's condition with the form's field titles, or undefined for a step that always applies. */
export function stepCondition(def: MatterDefinition, step: StepSpec): string | undefined {
  if (!step.when) return undefined;
  const t = fieldTitles(def);
  return describeCondition(step.when, (f) => t.get(f) ?? f);
}

/** A 即办 rule in words: 总是, or the condition with the form's field titles. */
export function onTheSpotText(def: MatterDefinition, rule: true | Condition): string {
  if (rule === true) return '总是';
  const t = fieldTitles(def);
  return describeCondition(rule, (f) => t.get(f) ?? f);
}

// ---------------------------------------------------------------------------------------------
// Structure: stages and waves

export interface Wave {
  /** Steps that can run at the same time: all they wait for is in earlier waves. */
  steps: StepSpec[];
}

export interface StageBlock {
  stage?: MatterDefinition['stages'][number];
  waves: Wave[];
}

/** Stages in order (one unnamed block for a matter without stages), each in waves of parallel steps. */
export function matterStructure(def: MatterDefinition): StageBlock[] {
  const blocks: StageBlock[] = def.stages.length
    ? def.stages.map((stage) => ({ stage, waves: waves(def.steps.filter((s) => s.stage === stage.id)) }))
    : [{ waves: waves(def.steps) }];
  return blocks;
}

/** Longest-path layering on the steps' own dependencies (dependencies outside the group count as done). */
function waves(steps: readonly StepSpec[]): Wave[] {
  const ids = new Set(steps.map((s) => s.id));
  const level = new Map<string, number>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const depth = (s: StepSpec, seen: Set<string>): number => {
    const known = level.get(s.id);
    if (known !== undefined) return known;
    if (seen.has(s.id)) return 0; // a cycle; definitions are linted, so only defensive
    seen.add(s.id);
    const deps = s.dependsOn.filter((d) => ids.has(d)).map((d) => depth(byId.get(d)!, seen) + 1);
    const l = Math.max(0, ...deps);
    level.set(s.id, l);
    return l;
  };
  for (const s of steps) depth(s, new Set());
  const out: Wave[] = [];
  for (const s of steps) (out[level.get(s.id)!] ??= { steps: [] }).steps.push(s);
  return out.filter(Boolean);
}

/** Departments in the order they first appear. */
export const matterDepartments = (def: MatterDefinition): string[] => [...new Set(def.steps.map((s) => s.department))];

/** 压缩比率: 1 − committed / statutory, as a share (undefined when the statutory limit is 0 or no law sets one). */
export const compressionRatio = (statutoryDays: number | null, committedDays: number): number | undefined =>
  statutoryDays !== null && statutoryDays > 0 ? 1 - committedDays / statutoryDays : undefined;

/** A statutory limit as shown: its working days, or 无法定时限 where no law sets one. */
export const statutoryText = (days: number | null): string => (days === null ? '无法定时限' : String(days));

export const formatRatio = (r: number | undefined): string => (r === undefined ? '—' : `${(Math.round(r * 1000) / 10).toFixed(1)}%`);

const performerNote = (s: StepSpec): string => (s.performer === 'company' ? '（企业办理）' : s.performer === 'applicant' ? '（申请人办理）' : '');

// ---------------------------------------------------------------------------------------------
// Text outline

/** The step graph as text: stages, waves of parallel steps, what each waits for, and conditions. */
export function matterOutline(def: MatterDefinition): string {
  const lines: string[] = [];
  const ratio = formatRatio(compressionRatio(def.statutoryDays, def.committedDays));
  lines.push(`${def.id} v${def.version}  ${def.name}`);
  lines.push(`法定 ${statutoryText(def.statutoryDays)} / 承诺 ${def.committedDays} 个工作日（压缩 ${ratio}） · ${def.steps.length} 个环节 · ${matterDepartments(def).length} 个部门`);
  if (def.description) lines.push(def.description);
  const required = def.materials.filter((m) => m.required).map((m) => m.name);
  const optional = def.materials.filter((m) => !m.required).map((m) => m.name);
  if (required.length) lines.push(`材料：${required.join('、')}`);
  if (optional.length) lines.push(`可选材料：${optional.join('、')}`);
  lines.push('');
  const width = Math.max(...def.steps.map((s) => s.id.length));
  matterStructure(def).forEach((block, k) => {
    let indent = '';
    if (block.stage) {
      const st = block.stage;
      const limits = st.statutoryDays !== undefined || st.committedDays !== undefined ? ` · 法定 ${st.statutoryDays ?? '—'} / 承诺 ${st.committedDays ?? '—'}` : '';
      const after = k > 0 ? `（阶段 ${k} 全部办结后开始）` : '';
      lines.push(`阶段 ${k + 1} ${st.name} [${st.id}] · 牵头 ${departmentName(st.lead)}${limits}${after}`);
      indent = '  ';
    }
    block.waves.forEach((wave, w) => {
      const parallel = wave.steps.length > 1 ? '（并联）' : '';
      lines.push(`${indent}第 ${w + 1} 批${parallel}`);
      for (const s of wave.steps) {
        const after = s.dependsOn.length ? `  ← ${s.dependsOn.join(', ')}` : '';
        const cond = stepCondition(def, s);
        lines.push(`${indent}  ${s.id.padEnd(width)}  ${departmentName(s.department)}${performerNote(s)} · ${s.service}  ${statutoryText(s.statutoryDays)}/${s.committedDays}${after}`);
        if (cond) lines.push(`${indent}  ${''.padEnd(width)}  仅当 ${cond}`);
      }
    });
  });
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Mermaid

/** Mermaid node ids: letters, digits and underscores, never a keyword such as `end`. */
const nodeId = (stepId: string) => `s_${stepId.replace(/[^A-Za-z0-9]/g, '_')}`;
const stageNodeId = (stageId: string) => `stage_${stageId.replace(/[^A-Za-z0-9]/g, '_')}`;
/** Text inside a quoted Mermaid label: quotes and angle brackets as entities. */
const label = (s: string) => s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');

/**
 * The matter as a Mermaid flowchart: one window in, each step a node (department, service,
 * statutory/committed working days), conditional steps dashed with their condition, company
 * steps shaded, stages as subgraphs linked in sequence, one window out.
 */
export function matterMermaid(def: MatterDefinition): string {
  const out: string[] = ['flowchart TD'];
  out.push(`  %% ${def.name} (${def.id} v${def.version}): 法定 ${statutoryText(def.statutoryDays)} / 承诺 ${def.committedDays} 个工作日`);
  out.push(`  start(["${label('一窗受理 · 一表申请')}"])`);
  out.push(`  finish(["${label(`统一出件 · 办结（承诺 ${def.committedDays} 个工作日）`)}"])`);
  const node = (s: StepSpec) => {
    const cond = stepCondition(def, s);
    const text = [`${s.service}`, `${departmentName(s.department)}${performerNote(s)} · ${statutoryText(s.statutoryDays)}/${s.committedDays} 工作日`, ...(cond ? [`仅当 ${cond}`] : [])]
      .map(label)
      .join('<br/>');
    return `${nodeId(s.id)}["${text}"]`;
  };
  const arrow = (to: StepSpec) => (to.when ? '-.->' : '-->');
  const dependedOn = new Set(def.steps.flatMap((s) => s.dependsOn));

  if (def.stages.length === 0) {
    for (const s of def.steps) out.push(`  ${node(s)}`);
    for (const s of def.steps) {
      if (s.dependsOn.length === 0) out.push(`  start ${arrow(s)} ${nodeId(s.id)}`);
      for (const d of s.dependsOn) out.push(`  ${nodeId(d)} ${arrow(s)} ${nodeId(s.id)}`);
    }
    for (const s of def.steps) if (!dependedOn.has(s.id)) out.push(`  ${nodeId(s.id)} --> finish`);
  } else {
    def.stages.forEach((st, k) => {
      const limits = st.statutoryDays !== undefined || st.committedDays !== undefined ? ` · ${st.statutoryDays ?? '—'}/${st.committedDays ?? '—'} 工作日` : '';
      out.push(`  subgraph ${stageNodeId(st.id)}["${label(`阶段 ${k + 1} ${st.name} · 牵头：${departmentName(st.lead)}${limits}`)}"]`);
      const own = def.steps.filter((s) => s.stage === st.id);
      for (const s of own) out.push(`    ${node(s)}`);
      for (const s of own) for (const d of s.dependsOn) out.push(`    ${nodeId(d)} ${arrow(s)} ${nodeId(s.id)}`);
      out.push('  end');
    });
    // Stages run in sequence: the next starts when every step of this one is done.
    out.push(`  start --> ${stageNodeId(def.stages[0]!.id)}`);
    for (let k = 1; k < def.stages.length; k++) out.push(`  ${stageNodeId(def.stages[k - 1]!.id)} ==> ${stageNodeId(def.stages[k]!.id)}`);
    out.push(`  ${stageNodeId(def.stages[def.stages.length - 1]!.id)} --> finish`);
  }
  out.push('  classDef conditional stroke-dasharray: 5 5');
  out.push('  classDef company fill:#eef6ff');
  out.push('  classDef applicant fill:#fff7e6');
  const classed = (cls: string, steps: StepSpec[]) => {
    if (steps.length) out.push(`  class ${steps.map((s) => nodeId(s.id)).join(',')} ${cls}`);
  };
  classed('conditional', def.steps.filter((s) => s.when));
  classed('company', def.steps.filter((s) => s.performer === 'company'));
  classed('applicant', def.steps.filter((s) => s.performer === 'applicant'));
  return out.join('\n') + '\n';
}
