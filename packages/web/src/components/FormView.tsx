import { Descriptions } from 'antd';
import { FIELD_NAMES } from '../labels';
import type { JsonSchema } from '../types';

/** A submitted form, labelled with the titles of the matter's form schema. */
export function FormView({ form, schema, columns = 2 }: { form: Record<string, unknown>; schema: JsonSchema | undefined; columns?: number }) {
  const flat: { key: string; label: string; children: string }[] = [];
  const walk = (v: unknown, path: string, label: string, s: JsonSchema | undefined) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) {
        const sub = s?.properties?.[k];
        const name = sub?.title ?? FIELD_NAMES[k] ?? k;
        walk(x, path ? `${path}.${k}` : k, label ? `${label} · ${name}` : name, sub);
      }
    } else flat.push({ key: path, label, children: Array.isArray(v) ? v.join('、') : String(v) });
  };
  walk(form, '', '', schema);
  return <Descriptions size="small" bordered column={{ xs: 1, sm: columns }} items={flat} />;
}

