/**
 * A matter file's form and step outputs are JSON Schema (draft 2020-12). This compiles
 * them into the zod schemas the engine runs, with the catalogue's own field checks named
 * by `format` (统一社会信用代码 is `"format": "uscc"`). Plain keywords (type, properties,
 * required, enum, const, minLength, pattern, minimum, items, …) go through zod 4's
 * `z.fromJSONSchema`; objects and arrays are walked here so that a `format` anywhere inside
 * them keeps its real check and its metadata (the workbench's live checks read `format`).
 */
import { z } from 'zod';
import { CnMobile, CnPostalCode, ResidentId, Uscc } from '../validators.js';
import { Address, IsoDate, OrgName, PastDate, PersonName } from '../fields.js';

/** A JSON Schema object as a file holds it. */
export type JsonSchema = Record<string, unknown>;

/** The field checks a file names by `format`, with what each checks (docs/authoring.md lists them). */
export const FIELD_FORMATS: Readonly<Record<string, { schema: z.ZodType; zh: string; en: string }>> = {
  uscc: { schema: Uscc, zh: '统一社会信用代码（GB 32100-2015，含校验码）', en: 'unified social credit code, GB 32100-2015 with its check character' },
  'resident-id': { schema: ResidentId, zh: '居民身份证号码（GB 11643-1999，含校验码与出生日期）', en: 'resident identity number, GB 11643-1999 with check digit and birth date' },
  'cn-resident-id': { schema: ResidentId, zh: '同 resident-id', en: 'same as resident-id' },
  'cn-mobile': { schema: CnMobile, zh: '手机号码（13–19 开头的 11 位数字）', en: 'mainland mobile number, 11 digits starting 13-19' },
  'cn-postal-code': { schema: CnPostalCode, zh: '邮政编码（6 位数字）', en: 'postal code, 6 digits' },
  date: { schema: IsoDate, zh: '日期（YYYY-MM-DD，须为真实日期）', en: 'a real calendar date, YYYY-MM-DD' },
  'past-date': { schema: PastDate.meta({ format: 'date' }), zh: '不晚于今天的日期（出生、退役等）', en: 'a date not after today in China' },
  'person-name': { schema: PersonName, zh: '姓名（2–30 个字）', en: 'a person\'s name, 2-30 characters' },
  'org-name': { schema: OrgName, zh: '单位名称（4–60 个字）', en: 'an organisation\'s name, 4-60 characters' },
  address: { schema: Address, zh: '地址（6–200 个字，写到门牌号）', en: 'an address, 6-200 characters' },
};

/** Annotations carried over to the compiled schema (and back out in GET /matters/:id). */
const ANNOTATIONS = ['title', 'description', 'examples', 'x-prefill', 'errorMessage'] as const;

function annotations(node: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ANNOTATIONS) if (node[k] !== undefined) out[k] = node[k];
  return out;
}

/**
 * `errorMessage` (the convention of ajv-errors): the message a clerk reads when a field fails
 * one of its own keywords, as one string for all of them or per keyword
 * (`{ pattern: 户号应为 6–20 位数字或大写字母（account number: 6-20 digits or capitals） }`).
 */
export const MESSAGE_KEYWORDS = ['minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems', 'uniqueItems', 'type', 'const', 'enum'] as const;

function messageOf(node: JsonSchema, keyword: string): string | undefined {
  const m = node.errorMessage;
  if (typeof m === 'string') return m;
  if (m && typeof m === 'object') {
    const v = (m as Record<string, unknown>)[keyword];
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

const err = (node: JsonSchema, keyword: string) => {
  const m = messageOf(node, keyword);
  return m === undefined ? undefined : { error: m };
};

/** A string or number field with its own messages (zod's JSON Schema reader has no place for them). */
function compileLeaf(node: JsonSchema): z.ZodType | undefined {
  // A list of words stays a choice, even of one (zod's reader makes that a constant).
  if (Array.isArray(node.enum) && node.enum.length > 0 && node.enum.every((v) => typeof v === 'string') && (node.type === undefined || node.type === 'string')) return z.enum(node.enum as [string, ...string[]], err(node, 'enum'));
  if (node.errorMessage === undefined || node.enum !== undefined) return undefined;
  if (node.const !== undefined) return ['string', 'number', 'boolean'].includes(typeof node.const) ? z.literal(node.const as string | number | boolean, err(node, 'const')) : undefined;
  const n = (k: string) => (typeof node[k] === 'number' ? (node[k] as number) : undefined);
  if (node.type === 'string' && node.format === undefined) {
    let s = z.string(err(node, 'type'));
    if (n('minLength') !== undefined) s = s.min(n('minLength')!, err(node, 'minLength'));
    if (n('maxLength') !== undefined) s = s.max(n('maxLength')!, err(node, 'maxLength'));
    if (typeof node.pattern === 'string') s = s.regex(new RegExp(node.pattern, 'u'), err(node, 'pattern'));
    return s;
  }
  if (node.type === 'number' || node.type === 'integer') {
    let s = node.type === 'integer' ? z.int(err(node, 'type')) : z.number(err(node, 'type'));
    if (n('minimum') !== undefined) s = s.min(n('minimum')!, err(node, 'minimum'));
    if (n('exclusiveMinimum') !== undefined) s = s.gt(n('exclusiveMinimum')!, err(node, 'exclusiveMinimum'));
    if (n('maximum') !== undefined) s = s.max(n('maximum')!, err(node, 'maximum'));
    if (n('exclusiveMaximum') !== undefined) s = s.lt(n('exclusiveMaximum')!, err(node, 'exclusiveMaximum'));
    if (n('multipleOf') !== undefined) s = s.multipleOf(n('multipleOf')!, err(node, 'multipleOf'));
    return s;
  }
  return undefined;
}

const isObjectNode = (n: JsonSchema) => n.type === 'object' || (n.type === undefined && typeof n.properties === 'object');

/** Compiles a form or output JSON Schema; throws with a message naming the path for what it cannot compile. */
export function compileJsonSchema(node: JsonSchema, path: string = '#'): z.ZodType {
  const compiled = compileNode(node, path);
  // A default fills a field left out (zod's reader keeps it on the plain keywords itself).
  return node.default !== undefined && (isObjectNode(node) || node.type === 'array' || compiled instanceof z.ZodString || compiled instanceof z.ZodNumber) && !(compiled instanceof z.ZodDefault) ? compiled.default(node.default as never) : compiled;
}

function compileNode(node: JsonSchema, path: string): z.ZodType {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new Error(`${path}: a JSON Schema is an object`);
  const meta = annotations(node);
  if (typeof node.format === 'string' && FIELD_FORMATS[node.format]) {
    const { format: _f, title: _t, description: _d, examples: _e, 'x-prefill': _p, type: _ty, errorMessage: _m, ...rest } = node;
    // A format fixes the check; further keywords (maxLength, pattern, enum) narrow it.
    const base = FIELD_FORMATS[node.format]!.schema;
    const narrowed = Object.keys(rest).length > 0 ? base.pipe(z.fromJSONSchema({ type: 'string', ...rest } as never)) : base;
    return Object.keys(meta).length ? narrowed.meta(meta) : narrowed;
  }
  if (isObjectNode(node)) {
    const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
    const shape: Record<string, z.ZodType> = {};
    for (const [key, child] of Object.entries(properties)) {
      const compiled = compileJsonSchema(child, `${path}/properties/${key}`);
      shape[key] = required.has(key) ? compiled : compiled.optional();
    }
    // false: refused; true: kept (a department's extra output fields); absent: dropped.
    const obj = node.additionalProperties === false ? z.strictObject(shape) : node.additionalProperties === true ? z.looseObject(shape) : z.object(shape);
    return Object.keys(meta).length ? obj.meta(meta) : obj;
  }
  if (node.type === 'array' && typeof node.items === 'object' && node.items !== null) {
    let arr = z.array(compileJsonSchema(node.items as JsonSchema, `${path}/items`));
    if (typeof node.minItems === 'number') arr = arr.min(node.minItems, err(node, 'minItems'));
    if (typeof node.maxItems === 'number') arr = arr.max(node.maxItems, err(node, 'maxItems'));
    const unique = node.uniqueItems === true ? arr.refine((a) => new Set(a.map((x) => JSON.stringify(x))).size === a.length, messageOf(node, 'uniqueItems') ?? '选项不能重复（items must be unique）') : arr;
    return Object.keys(meta).length ? unique.meta(meta) : unique;
  }
  const leaf = compileLeaf(node);
  if (leaf) return Object.keys(meta).length ? leaf.meta(meta) : leaf;
  try {
    const { errorMessage: _m, ...plain } = node;
    return z.fromJSONSchema(plain as never);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

/** The property paths of an object schema (`water.pipeDiameterMm`), for the lint of conditions. */
export function propertyPaths(node: JsonSchema, prefix = ''): Map<string, JsonSchema> {
  const out = new Map<string, JsonSchema>();
  if (!node || typeof node !== 'object' || !isObjectNode(node)) return out;
  for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>)) {
    const p = prefix ? `${prefix}.${key}` : key;
    out.set(p, child);
    for (const [k, v] of propertyPaths(child, p)) out.set(k, v);
  }
  return out;
}
