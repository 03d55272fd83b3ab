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
const ANNOTATIONS = ['title', 'description', 'examples', 'x-prefill'] as const;

function annotations(node: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ANNOTATIONS) if (node[k] !== undefined) out[k] = node[k];
  return out;
}

const isObjectNode = (n: JsonSchema) => n.type === 'object' || (n.type === undefined && typeof n.properties === 'object');

/** Compiles a form or output JSON Schema; throws with a message naming the path for what it cannot compile. */
export function compileJsonSchema(node: JsonSchema, path: string = '#'): z.ZodType {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new Error(`${path}: a JSON Schema is an object`);
  const meta = annotations(node);
  if (typeof node.format === 'string' && FIELD_FORMATS[node.format]) {
    const { format: _f, title: _t, description: _d, examples: _e, 'x-prefill': _p, type: _ty, ...rest } = node;
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
    const obj = node.additionalProperties === false ? z.strictObject(shape) : z.object(shape);
    return Object.keys(meta).length ? obj.meta(meta) : obj;
  }
  if (node.type === 'array' && typeof node.items === 'object' && node.items !== null) {
    let arr = z.array(compileJsonSchema(node.items as JsonSchema, `${path}/items`));
    if (typeof node.minItems === 'number') arr = arr.min(node.minItems);
    if (typeof node.maxItems === 'number') arr = arr.max(node.maxItems);
    const unique = node.uniqueItems === true ? arr.refine((a) => new Set(a.map((x) => JSON.stringify(x))).size === a.length, '选项不能重复（items must be unique）') : arr;
    return Object.keys(meta).length ? unique.meta(meta) : unique;
  }
  try {
    return z.fromJSONSchema(node as never);
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
