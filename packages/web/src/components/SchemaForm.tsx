import { Button, Checkbox, Col, Form, Input, InputNumber, Row, Select, Switch } from 'antd';
import type { Rule } from 'antd/es/form';
import { useState } from 'react';
import type { JsonSchema } from '../types';
import { FIELD_NAMES, OUTPUT_NAMES } from '../labels';
import { formatProblem, hasFormatCheck } from '../checks';

/**
 * 表单自动生成: renders a matter's form (or a department's output) from its JSON
 * Schema, with the schema's limits and the catalogue's format checks as live rules.
 * Nested objects become titled groups; enums become selects; arrays of enums become
 * check boxes.
 */
export function SchemaFields({ schema, path, columns = 2 }: { schema: JsonSchema; path: (string | number)[]; columns?: 1 | 2 }) {
  const props = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const isList = (s: JsonSchema) => s.type === 'array' && s.items?.type === 'object';
  const leaves = props.filter(([, s]) => s.type !== 'object' && !isList(s));
  const groups = props.filter(([, s]) => s.type === 'object' || isList(s));
  const span = columns === 2 ? 12 : 24;
  return (
    <>
      <Row gutter={16}>
        {leaves.map(([key, s]) => (
          <Col span={isWide(s) ? 24 : span} key={key}>
            <Field name={[...path, key]} fieldKey={key} schema={s} required={required.has(key)} />
          </Col>
        ))}
      </Row>
      {groups.map(([key, s]) =>
        isList(s) ? (
          <ListField key={key} name={[...path, key]} label={labelOf(key, s)} schema={s} columns={columns} />
        ) : required.has(key) ? (
          <fieldset className="om-group" key={key}>
            <legend>{labelOf(key, s)}</legend>
            <SchemaFields schema={s} path={[...path, key]} columns={columns} />
          </fieldset>
        ) : (
          <OptionalGroup key={key} name={[...path, key]} label={labelOf(key, s)} schema={s} columns={columns} />
        ),
      )}
    </>
  );
}

/** A group the form may leave out (a loan, a guardian): its fields are asked for only when it is switched on. */
function OptionalGroup({ name, label, schema, columns }: { name: (string | number)[]; label: string; schema: JsonSchema; columns: 1 | 2 }) {
  const form = Form.useFormInstance();
  // preserve: the example may fill the group before its fields exist.
  const value = Form.useWatch(name, { form, preserve: true }) as Record<string, unknown> | undefined;
  const [on, setOn] = useState(false);
  const shown = on || (value !== undefined && value !== null && Object.values(value).some((v) => v !== undefined && v !== null && v !== ''));
  return (
    <fieldset className="om-group">
      <legend>
        <Checkbox
          checked={shown}
          onChange={(e) => {
            setOn(e.target.checked);
            if (!e.target.checked) form.setFieldValue(name, undefined);
          }}
        >
          {label}（选填）
        </Checkbox>
      </legend>
      {shown && <SchemaFields schema={schema} path={name} columns={columns} />}
    </fieldset>
  );
}

/** A list of objects (vehicles, sellers, subsidiaries): one group per item, add and remove. */
function ListField({ name, label, schema, columns }: { name: (string | number)[]; label: string; schema: JsonSchema; columns: 1 | 2 }) {
  const min = schema.minItems ?? 0;
  return (
    <Form.List
      name={name}
      rules={min ? [{ validator: async (_r, v: unknown[] | undefined) => { if ((v?.length ?? 0) < min) throw new Error(`${label}至少填写 ${min} 项`); } }] : []}
    >
      {(fields, { add, remove }, { errors }) => (
        <fieldset className="om-group">
          <legend>{label}</legend>
          {fields.map((f, i) => (
            <div key={f.key} className="om-list-item">
              <div className="om-muted" style={{ display: 'flex', justifyContent: 'space-between' }}>
                <span>第 {i + 1} 项</span>
                <Button type="link" size="small" danger onClick={() => remove(f.name)}>
                  删除
                </Button>
              </div>
              <SchemaFields schema={schema.items!} path={[f.name]} columns={columns} />
            </div>
          ))}
          <Button type="dashed" block onClick={() => add({})} style={{ marginBottom: 12 }}>
            添加{label}
          </Button>
          <Form.ErrorList errors={errors} />
        </fieldset>
      )}
    </Form.List>
  );
}

const isWide = (s: JsonSchema) => (s.type === 'string' && (s.maxLength ?? 0) > 200) || (s.type === 'array' && Boolean(s.items?.enum));

export const labelOf = (key: string, s: JsonSchema) => s.title ?? FIELD_NAMES[key] ?? OUTPUT_NAMES[key] ?? key;

function Field({ name, fieldKey, schema: s, required }: { name: (string | number)[]; fieldKey: string; schema: JsonSchema; required: boolean }) {
  const label = labelOf(fieldKey, s);
  const rules: Rule[] = [];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (required) rules.push({ required: true, message: `请填写${label}` });
  if (type === 'string') {
    if (s.minLength !== undefined) rules.push({ min: s.minLength, message: `${label}至少 ${s.minLength} 个字` });
    if (s.maxLength !== undefined) rules.push({ max: s.maxLength, message: `${label}最多 ${s.maxLength} 个字` });
    if (hasFormatCheck(s.format)) {
      rules.push({
        validator: async (_r, v) => {
          const p = formatProblem(s.format, v);
          if (p) throw new Error(p);
        },
      });
    } else if (s.pattern) {
      rules.push({ pattern: new RegExp(s.pattern), message: `${label}格式不正确` });
    }
  }
  if (type === 'number' || type === 'integer') {
    rules.push({
      validator: async (_r, v: number | null | undefined) => {
        if (v === null || v === undefined) return;
        if (type === 'integer' && !Number.isInteger(v)) throw new Error(`${label}应为整数`);
        if (s.minimum !== undefined && v < s.minimum) throw new Error(`${label}不能小于 ${s.minimum}`);
        if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) throw new Error(`${label}须大于 ${s.exclusiveMinimum}`);
        if (s.maximum !== undefined && v > s.maximum) throw new Error(`${label}不能大于 ${s.maximum}`);
      },
    });
  }
  if (type === 'array' && s.minItems) rules.push({ type: 'array', min: s.minItems, message: `${label}至少选择 ${s.minItems} 项` });

  const placeholder = typeof s.examples?.[0] === 'string' ? `例如 ${s.examples[0] as string}` : undefined;
  let input: React.ReactNode;
  if (type === 'boolean') {
    return (
      <Form.Item name={name} label={label} valuePropName="checked" initialValue={false}>
        <Switch checkedChildren="是" unCheckedChildren="否" />
      </Form.Item>
    );
  }
  if (type === 'array' && s.items?.enum) {
    input = <Checkbox.Group options={s.items.enum.map((v) => ({ label: String(v), value: v as string }))} />;
  } else if (s.enum) {
    input = <Select placeholder={`请选择${label}`} options={s.enum.map((v) => ({ label: String(v), value: v as string }))} />;
  } else if (type === 'number' || type === 'integer') {
    input = <InputNumber style={{ width: '100%' }} min={s.minimum} max={s.maximum} precision={type === 'integer' ? 0 : undefined} placeholder={`请输入${label}`} />;
  } else if (type === 'string' && s.format === 'date') {
    input = <Input type="date" style={{ width: '100%' }} />;
  } else if (type === 'string' && (s.maxLength ?? 0) > 200) {
    input = <Input.TextArea autoSize={{ minRows: 2, maxRows: 4 }} maxLength={s.maxLength} showCount placeholder={`请输入${label}`} />;
  } else {
    input = <Input placeholder={placeholder ?? `请输入${label}`} maxLength={s.maxLength} allowClear />;
  }
  return (
    <Form.Item name={name} label={label} rules={rules} validateFirst hasFeedback={hasFormatCheck(s.format)}>
      {input}
    </Form.Item>
  );
}

/** Drops empty values (cleared inputs) so the server sees only what was filled. */
export function compact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(compact);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null || x === undefined || x === '') continue;
      out[k] = compact(x);
    }
    return out;
  }
  return typeof v === 'string' ? v.trim() : v;
}
