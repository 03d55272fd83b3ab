// One-off: writes the TypeScript matter definitions (built first: dist/) as matter files under
// packages/workflows/matters/. Cross-field checks (.superRefine) cannot be exported: their
// `rules:` were added by hand afterwards. Kept for the record of how the files were made.
import { writeFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { Document, isMap, isScalar, isSeq, visit } from 'yaml';

const wf = await import('../dist/index.js');
const fields = await import('../dist/fields.js');
const validators = await import('../dist/validators.js');

const FORMATS = new Map([
  [validators.Uscc, 'uscc'],
  [validators.ResidentId, 'resident-id'],
  [validators.CnMobile, 'cn-mobile'],
  [validators.CnPostalCode, 'cn-postal-code'],
  [fields.IsoDate, 'date'],
  [fields.PastDate, 'past-date'],
  [fields.PersonName, 'person-name'],
  [fields.OrgName, 'org-name'],
  [fields.Address, 'address'],
].map(([s, f]) => [s._zod.def, { f, meta: z.globalRegistry.get(s) ?? {} }]));

const msg = (check) => {
  const e = check._zod.def.error;
  return typeof e === 'function' ? e({}) : undefined;
};

function override(ctx) {
  const s = ctx.zodSchema;
  const js = ctx.jsonSchema;
  const def = s._zod.def;
  const fmt = FORMATS.get(def);
  if (fmt) {
    const keep = {};
    for (const k of ['title', 'description', 'x-prefill']) if (js[k] !== undefined && (k === 'title' || js[k] !== fmt.meta[k])) keep[k] = js[k];
    for (const k of Object.keys(js)) delete js[k];
    Object.assign(js, { type: 'string', format: fmt.f, ...keep });
    return;
  }
  if (def.type === 'object') {
    if (def.catchall && def.catchall._zod.def.type === 'unknown') js.additionalProperties = true;
    else if (def.catchall && def.catchall._zod.def.type === 'never') js.additionalProperties = false;
    else delete js.additionalProperties;
  }
  const errorMessage = {};
  if (def.type === 'literal' && typeof def.error === 'function') errorMessage.const = def.error({});
  for (const c of def.checks ?? []) {
    const cd = c._zod.def;
    const m = msg(c);
    if (cd.check === 'custom') {
      if (m?.startsWith('金额最多保留两位小数')) { js.multipleOf = 0.01; errorMessage.multipleOf = m; }
      else if (m?.includes('不能重复')) { js.uniqueItems = true; errorMessage.uniqueItems = m; }
      else if (m) errorMessage.custom = m; // flagged for hand work
      continue;
    }
    if (!m) continue;
    const kw = {
      min_length: def.type === 'array' ? 'minItems' : 'minLength',
      max_length: def.type === 'array' ? 'maxItems' : 'maxLength',
      string_format: 'pattern',
      greater_than: cd.inclusive ? 'minimum' : 'exclusiveMinimum',
      less_than: cd.inclusive ? 'maximum' : 'exclusiveMaximum',
      multiple_of: 'multipleOf',
    }[cd.check];
    if (kw) errorMessage[kw] = m;
  }
  if (Object.keys(errorMessage).length > 0) {
    const all = Object.values(errorMessage);
    js.errorMessage = all.every((x) => x === all[0]) && all.length > 1 ? all[0] : errorMessage;
  }
  delete js.$schema;
}

const FIRST = ['type', 'format', 'title', 'description', 'enum', 'const'];
const ordered = (v) => {
  if (Array.isArray(v)) return v.map(ordered);
  if (!v || typeof v !== 'object') return v;
  const keys = [...FIRST.filter((k) => k in v), ...Object.keys(v).filter((k) => !FIRST.includes(k) && k !== 'required' && k !== 'properties'), ...['required', 'properties'].filter((k) => k in v)];
  return Object.fromEntries(keys.map((k) => [k, k === 'properties' ? Object.fromEntries(Object.entries(v[k]).map(([p, x]) => [p, ordered(x)])) : k === 'enum' || k === 'examples' || k === 'required' ? v[k] : ordered(v[k])]));
};

const toText = (file) => {
  const doc = new Document(file);
  const flat = (n) => isScalar(n) || (isSeq(n) && n.items.every(isScalar)) || (isMap(n) && n.items.every((p) => flat(p.value)));
  visit(doc, {
    Map(_, n) { if (n.items.every((p) => flat(p.value)) && JSON.stringify(n.toJSON()).length <= 140) n.flow = true; },
    Seq(_, n) { if (n.items.every(isScalar) && JSON.stringify(n.toJSON()).length <= 140) n.flow = true; },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
};

const toJs = (schema) => {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12', override, reused: 'inline', cycles: 'throw' });
  delete out.$schema;
  return ordered(out);
};

mkdirSync(new URL('../matters/', import.meta.url), { recursive: true });
for (const d of wf.MATTER_DEFINITIONS) {
  const file = {
    id: d.id,
    version: d.version,
    name: d.name,
    description: d.description,
    statutoryDays: d.statutoryDays,
    ...(d.statutoryBasis ? { statutoryBasis: d.statutoryBasis } : {}),
    ...(d.extensionDays !== null ? { extensionDays: d.extensionDays, extensionBasis: d.extensionBasis } : {}),
    committedDays: d.committedDays,
    ...(d.supplementPausesStatutory ? { supplementPausesStatutory: true, supplementPauseBasis: d.supplementPauseBasis } : {}),
    ...(d.onTheSpot !== undefined ? { onTheSpot: d.onTheSpot } : {}),
    ...(d.trigger ? { trigger: d.trigger } : {}),
    form: toJs(d.form),
    materials: d.materials.map((m) => ({ code: m.code, name: m.name, required: m.required, ...(m.description ? { description: m.description } : {}), ...(m.deferrable ? { deferrable: true, promiseDays: m.promiseDays } : {}) })),
    ...(d.stages.length ? { stages: d.stages } : {}),
    steps: d.steps.map((s) => ({
      id: s.id,
      department: s.department,
      service: s.service,
      ...(s.dependsOn.length ? { dependsOn: s.dependsOn } : {}),
      ...(s.when ? { when: s.when } : {}),
      ...(s.stage ? { stage: s.stage } : {}),
      ...(s.performer !== 'department' ? { performer: s.performer } : {}),
      statutoryDays: s.statutoryDays,
      ...(s.statutoryBasis ? { statutoryBasis: s.statutoryBasis } : {}),
      ...(s.extensionDays !== null ? { extensionDays: s.extensionDays, extensionBasis: s.extensionBasis } : {}),
      committedDays: s.committedDays,
      ...(s.onTheSpot !== undefined ? { onTheSpot: s.onTheSpot } : {}),
      ...(s.commitment ? { commitment: s.commitment } : {}),
      ...(s.output ? { output: toJs(s.output) } : {}),
      ...(s.outputExample ? { outputExample: s.outputExample } : {}),
    })),
    example: d.example,
    ...(d.otherExamples.length ? { otherExamples: d.otherExamples } : {}),
    ...(d.exampleApplicant ? { exampleApplicant: d.exampleApplicant } : {}),
  };
  const name = `${d.id}${wf.MATTER_DEFINITIONS.filter((x) => x.id === d.id).length > 1 ? `.v${d.version}` : ''}.yaml`;
  const src = readdirSync(new URL('../src/matters/', import.meta.url)).map((f) => readFileSync(new URL(`../src/matters/${f}`, import.meta.url), 'utf8')).find((t) => t.includes(`id: '${d.id}'`)) ?? '';
  const doc = /\/\*\*\n([\s\S]*?)\*\//.exec(src)?.[1] ?? '';
  const notes = doc.split('\n').map((l) => l.replace(/^\s*\* ?/, '').trimEnd()).filter((l, k, a) => l || (k > 0 && k < a.length - 1)).map((l) => (l ? `# ${l}` : '#')).join('\n');
  const header = `# ${d.name}: a built-in matter, read at start like any matter file (docs/authoring.md).\n${notes ? `#\n${notes}\n` : ''}`;
  writeFileSync(new URL(`../matters/${name}`, import.meta.url), header + toText(file));
  console.log(name);
}
