/**
 * Cross-field checks of a matter's form (`rules:` in a matter file), as data: each rule is a
 * JSON Logic expression (jsonlogic.com, evaluated by json-logic-js) that must hold, with the
 * field it is about and the message in both languages. JSON Logic is used rather than the
 * engine's step Condition language because these checks compare fields with each other, do
 * arithmetic (floor area <= 30 x land area), quantify over lists (every vehicle, no buyer a
 * seller) and derive values (a birth date from the ID number): extending Condition with all
 * of that would re-invent JSON Logic. Four operations are added, all pure: `birthDate`,
 * `sexOf`, `yearsBetween`, `unique` (docs/authoring.md).
 */
import jsonLogic from 'json-logic-js';
import { z } from 'zod';
import { birthDateOfResidentId, yearsBetween } from '../fields.js';
import { propertyPaths, type JsonSchema } from './jsonSchema.js';

const residentId = (v: unknown): string | null => (typeof v === 'string' && /^\d{17}[\dXx]$/.test(v) ? v.toUpperCase() : null);

/** The operations this catalogue adds to JSON Logic. */
export const RULE_OPERATIONS: Readonly<Record<string, { zh: string; en: string; fn: (...args: unknown[]) => unknown }>> = {
  birthDate: {
    zh: '居民身份证号码中的出生日期（YYYY-MM-DD）',
    en: 'the birth date (YYYY-MM-DD) written in a resident ID number',
    fn: (id) => {
      const r = residentId(id);
      return r ? birthDateOfResidentId(r) : null;
    },
  },
  sexOf: {
    zh: '居民身份证号码表示的性别（男/女）',
    en: 'the sex (男/女) a resident ID number records',
    fn: (id) => {
      const r = residentId(id);
      return r ? (Number(r[16]) % 2 === 1 ? '男' : '女') : null;
    },
  },
  yearsBetween: {
    zh: '两个日期之间的整年数（年龄）',
    en: 'whole years between two YYYY-MM-DD dates (an age)',
    fn: (from, to) => (typeof from === 'string' && typeof to === 'string' && from.length >= 10 && to.length >= 10 ? yearsBetween(from, to) : null),
  },
  unique: {
    zh: '列表中没有重复的值',
    en: 'a list holds no value twice',
    fn: (list) => !Array.isArray(list) || new Set(list.map((x) => JSON.stringify(x))).size === list.length,
  },
};
for (const [name, op] of Object.entries(RULE_OPERATIONS)) jsonLogic.add_operation(name, op.fn);

/** JSON Logic's own operations a rule may use (`log` is left out: a form check prints nothing). */
export const JSON_LOGIC_OPERATIONS = ['var', 'missing', 'missing_some', 'if', '?:', '==', '===', '!=', '!==', '!', '!!', 'or', 'and', '>', '>=', '<', '<=', 'max', 'min', '+', '-', '*', '/', '%', 'map', 'filter', 'reduce', 'all', 'none', 'some', 'merge', 'in', 'cat', 'substr'] as const;
const KNOWN_OPERATIONS = new Set<string>([...JSON_LOGIC_OPERATIONS, ...Object.keys(RULE_OPERATIONS)]);
const SCOPED = new Set(['map', 'filter', 'all', 'none', 'some']);

const Logic = z.unknown().meta({ description: 'A JSON Logic expression (jsonlogic.com), e.g. { "<=": [ { "var": "floorAreaSqm" }, { "*": [ { "var": "landAreaSqm" }, 30 ] } ] }' });

export const RuleSpec = z
  .object({
    path: z.string().min(1).optional().meta({ description: 'The form field the message is about (dotted, e.g. loan.amountYuan); with forEach, a field of the element. Omitted: the form (or the element) as a whole.' }),
    forEach: z.string().min(1).optional().meta({ description: 'A list field: the rule is checked for each element, which is `item` (and its position `index`).' }),
    when: Logic.optional().meta({ description: 'JSON Logic: the rule applies only when this holds.' }),
    let: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/), z.unknown()).optional().meta({ description: 'Named values (JSON Logic), usable as { "var": name } in when and check, and as {name} in the message.' }),
    check: Logic.meta({ description: 'JSON Logic that must hold; when it does not, the message is shown on `path`.' }),
    message: z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict().meta({ description: 'What the clerk reads (shown as 中文（English）); {name} is replaced by a `let` value.' }),
  })
  .strict();
export type RuleSpec = z.infer<typeof RuleSpec>;

const splitPath = (p: string | undefined): (string | number)[] => (p ? p.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)) : []);

const truthy = (v: unknown) => jsonLogic.truthy(v);

/** The issues a form breaks, rule by rule (a rule that cannot be evaluated counts as broken: fail closed). */
export function ruleIssues(rules: readonly RuleSpec[], form: Record<string, unknown>): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  for (const rule of rules) {
    const scopes: { data: Record<string, unknown>; base: (string | number)[] }[] = [];
    if (rule.forEach) {
      const list = jsonLogic.apply({ var: rule.forEach }, form);
      if (!Array.isArray(list)) continue;
      list.forEach((item, index) => scopes.push({ data: { ...form, item, index }, base: [...splitPath(rule.forEach), index] }));
    } else scopes.push({ data: form, base: [] });
    for (const scope of scopes) {
      let failed: boolean;
      let values: Record<string, unknown> = {};
      try {
        const data = { ...scope.data };
        for (const [k, logic] of Object.entries(rule.let ?? {})) data[k] = values[k] = jsonLogic.apply(logic as never, data);
        if (rule.when !== undefined && !truthy(jsonLogic.apply(rule.when as never, data))) continue;
        failed = !truthy(jsonLogic.apply(rule.check as never, data));
      } catch {
        failed = true;
      }
      if (!failed) continue;
      const fill = (s: string) => s.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
      out.push({ path: [...scope.base, ...splitPath(rule.path)], message: `${fill(rule.message.zh)}（${fill(rule.message.en)}）` });
    }
  }
  return out;
}

/**
 * The form schema with its rules, which it also carries as `x-rules` in its JSON Schema (so
 * that a changed rule is a changed definition: a new version on deploy, a line of the diff).
 */
export function withRules<T extends z.ZodType>(form: T, rules: readonly RuleSpec[]): T {
  if (rules.length === 0) return form;
  return form
    .superRefine((value, ctx) => {
      if (typeof value !== 'object' || value === null) return;
      for (const issue of ruleIssues(rules, value as Record<string, unknown>)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: value });
    })
    .meta({ ...(form.meta() ?? {}), 'x-rules': rules }) as unknown as T;
}

type Add = (path: (string | number)[], zh: string, en: string) => void;

const fieldList = (fields: Map<string, JsonSchema>) => [...fields.keys()].join('、') || '无';

/**
 * The lint of `rules`: every field a rule names (its path, its list, each `var`) is a field
 * of the form, every operation is known, every {name} of a message is a `let` value.
 */
export function lintRules(rulesValue: unknown, form: JsonSchema, add: Add): void {
  if (!Array.isArray(rulesValue)) return;
  const fields = propertyPaths(form);
  rulesValue.forEach((raw, i) => {
    if (typeof raw !== 'object' || raw === null) return;
    const rule = raw as Record<string, unknown>;
    const at = (...p: (string | number)[]) => ['rules', i, ...p];
    const who = `规则 ${i + 1}`;
    const lets = new Set(Object.keys(typeof rule.let === 'object' && rule.let !== null ? rule.let : {}));
    let element: Map<string, JsonSchema> | undefined;
    if (typeof rule.forEach === 'string') {
      const list = fields.get(rule.forEach);
      if (!list || list.type !== 'array') {
        add(at('forEach'), `${who}：forEach 应为表单中的列表字段，${rule.forEach} 不是（表单字段：${fieldList(fields)}）`, `rule ${i + 1}: forEach names ${rule.forEach}, which is not a list field of the form`);
      } else element = propertyPaths((list.items ?? {}) as JsonSchema);
    }
    if (typeof rule.path === 'string') {
      const scope = typeof rule.forEach === 'string' ? element : fields;
      if (scope && !scope.has(rule.path)) add(at('path'), `${who}：path 引用了表单中没有的字段 ${rule.path}（可用：${fieldList(scope)}）`, `rule ${i + 1}: path names ${rule.path}, which the form lacks`);
    }
    for (const k of lets) {
      if (fields.has(k) || k === 'item' || k === 'index') add(at('let', k), `${who}：let 的名称 ${k} 与表单字段或 item/index 重名`, `rule ${i + 1}: the let name ${k} hides a form field (or item/index)`);
    }
    const inScope = (name: string, scope: Map<string, JsonSchema> | undefined, top: boolean): boolean => {
      if (name === '') return true;
      const first = name.split('.')[0]!;
      if (top && lets.has(first)) return true;
      if (top && element !== undefined && first === 'index') return true;
      if (top && typeof rule.forEach === 'string' && first === 'item') {
        const rest = name.slice(5);
        return element === undefined || rest === '' || element.has(rest);
      }
      if (!scope) return true; // inside a list whose elements are not objects: nothing to check against
      if (scope.has(name)) return true;
      // a numeric position inside a list (`sellers.0.idNumber`)
      const parts = name.split('.');
      const n = parts.findIndex((p) => /^\d+$/.test(p));
      if (n > 0) {
        const list = scope.get(parts.slice(0, n).join('.'));
        const restPath = parts.slice(n + 1).join('.');
        return !!list && list.type === 'array' && (restPath === '' || propertyPaths((list.items ?? {}) as JsonSchema).has(restPath));
      }
      return false;
    };
    const walk = (logic: unknown, p: (string | number)[], scope: Map<string, JsonSchema> | undefined, top: boolean): void => {
      if (Array.isArray(logic)) {
        logic.forEach((x, k) => walk(x, [...p, k], scope, top));
        return;
      }
      if (typeof logic !== 'object' || logic === null) return;
      const keys = Object.keys(logic);
      if (keys.length !== 1) {
        add(p, `${who}：JSON Logic 表达式应只有一个运算符，这里有 ${keys.length} 个（${keys.join('、')}）`, `rule ${i + 1}: a JSON Logic expression has exactly one operator, this has ${keys.length}`);
        return;
      }
      const op = keys[0]!;
      const arg = (logic as Record<string, unknown>)[op];
      if (!KNOWN_OPERATIONS.has(op)) {
        add([...p, op], `${who}：未知的运算 “${op}”；可用：${[...KNOWN_OPERATIONS].join(' ')}`, `rule ${i + 1}: unknown operation "${op}"; known: ${[...KNOWN_OPERATIONS].join(' ')}`);
        return;
      }
      if (op === 'var') {
        const name = Array.isArray(arg) ? arg[0] : arg;
        if (typeof name === 'string' && !inScope(name, scope, top)) {
          add([...p, 'var'], `${who} 引用了表单中没有的字段 ${name}（${top ? '表单字段' : '列表元素的字段'}：${fieldList(scope ?? new Map())}）`, `rule ${i + 1} names ${name}, which the form lacks`);
        }
        return;
      }
      if (op === 'missing' || op === 'missing_some') {
        const names = (op === 'missing_some' && Array.isArray(arg) ? arg[1] : Array.isArray(arg) ? arg : [arg]) as unknown[];
        names.forEach((name, k) => {
          if (typeof name === 'string' && !inScope(name, scope, top)) add([...p, op, k], `${who} 引用了表单中没有的字段 ${name}`, `rule ${i + 1} names ${name}, which the form lacks`);
        });
        return;
      }
      if (SCOPED.has(op) && Array.isArray(arg)) {
        walk(arg[0], [...p, op, 0], scope, top);
        // The second argument reads each element of the list the first one gives.
        const listName = typeof arg[0] === 'object' && arg[0] !== null && 'var' in arg[0] ? (arg[0] as { var: unknown }).var : undefined;
        let inner: Map<string, JsonSchema> | undefined;
        if (typeof listName === 'string') {
          const list = listName.startsWith('item.') && element ? element.get(listName.slice(5)) : (scope ?? fields).get(listName);
          inner = list && list.type === 'array' && typeof list.items === 'object' && (list.items as JsonSchema).type === 'object' ? propertyPaths(list.items as JsonSchema) : undefined;
        }
        walk(arg[1], [...p, op, 1], inner, false);
        return;
      }
      if (op === 'reduce') return; // reads `current` and `accumulator`
      walk(arg, [...p, op], scope, top);
    };
    for (const key of ['when', 'check'] as const) if (rule[key] !== undefined) walk(rule[key], at(key), fields, true);
    if (typeof rule.let === 'object' && rule.let !== null) for (const [k, v] of Object.entries(rule.let)) walk(v, at('let', k), fields, true);
    const message = rule.message as { zh?: unknown; en?: unknown } | undefined;
    for (const lang of ['zh', 'en'] as const) {
      const text = message?.[lang];
      if (typeof text !== 'string') continue;
      for (const m of text.matchAll(/\{([A-Za-z][A-Za-z0-9]*)\}/g)) {
        if (!lets.has(m[1]!)) add(at('message', lang), `${who}：提示中的 {${m[1]}} 没有在 let 中定义`, `rule ${i + 1}: the message's {${m[1]}} is not a let value`);
      }
    }
  });
}
