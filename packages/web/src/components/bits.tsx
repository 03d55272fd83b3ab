import { Tag, Tooltip } from 'antd';
import { CASE_STATUS, fmtTime, LIGHTS, OUTPUT_NAMES, pauseReason, shortId, TASK_STATUS } from '../labels';
import type { JsonSchema, Light } from '../types';

export function LightDot({ light, withText = false }: { light: Light | null | undefined; withText?: boolean }) {
  if (!light) return <span className="om-muted">—</span>;
  const l = LIGHTS[light] ?? LIGHTS.unknown!;
  return (
    <Tooltip title={l.text}>
      <span className="om-light" data-light={light}>
        <span className="om-dot" style={{ background: l.color }} />
        {withText && l.text}
      </span>
    </Tooltip>
  );
}

export const CaseStatusTag = ({ status }: { status: string }) => {
  const s = CASE_STATUS[status];
  return (
    <Tag color={s?.color} data-testid="case-status" data-status={status}>
      {s?.text ?? status}
    </Tag>
  );
};

export const TaskStatusTag = ({ status }: { status: string }) => {
  const s = TASK_STATUS[status];
  return <Tag color={s?.color}>{s?.text ?? status}</Tag>;
};

/** A value as a person reads it: 是/否, lists with 、, objects as 字段 值 (titles from the schema). */
function plainValue(v: unknown, schema: JsonSchema | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (Array.isArray(v)) return v.map((x) => plainValue(x, schema?.items)).join('、');
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${fieldTitle(k, schema)} ${plainValue(x, schema?.properties?.[k])}`)
      .join('，');
  }
  return String(v);
}

const fieldTitle = (k: string, schema: JsonSchema | null | undefined) => schema?.properties?.[k]?.title ?? OUTPUT_NAMES[k] ?? k;

/** What a department returned, each field under its title in the step's output schema. */
export function OutputList({ output, schema }: { output: Record<string, unknown> | undefined; schema?: JsonSchema | null | undefined }) {
  if (!output || Object.keys(output).length === 0) return <span className="om-muted">—</span>;
  return (
    <span>
      {Object.entries(output).map(([k, v]) => (
        <div key={k}>
          <span className="om-muted">{fieldTitle(k, schema)}：</span>
          {plainValue(v, schema?.properties?.[k] ?? undefined)}
        </div>
      ))}
    </span>
  );
}

/** 办件编号 in a table: the case number, or the short id (technical, as code) of a case from before numbers. */
export const CaseNoLink = ({ c }: { c: { id: string; caseNumber?: string | undefined } }) => (
  <a href={`#/cases/${c.id}`} data-testid="case-no">
    {c.caseNumber ?? <code>{shortId(c.id)}</code>}
  </a>
);

/** 暂定: the date depends on a year whose holiday notice is not published yet (predicted from the law). */
export function ProvisionalTag({ provisional }: { provisional?: boolean | undefined }) {
  if (!provisional) return null;
  return (
    <Tag color="orange" data-testid="provisional" title="按法定节假日推算；国务院办公厅公布放假安排后可能调整">
      暂定
    </Tag>
  );
}

/** 暂停中: a paused clock, since when and why (on the case and on each task). */
export function PausedTag({ pausedBy, missing }: { pausedBy?: { cause: string; since: string; kind?: string | undefined; note?: string | undefined }[] | undefined; missing?: string }) {
  if (!pausedBy?.length) return null;
  const text = pausedBy.map((p) => `自 ${fmtTime(p.since)} 起${pauseReason(p, missing)}`).join('；');
  return (
    <Tooltip title={text}>
      <Tag color="gold" data-testid="paused" title={text}>
        暂停中
      </Tag>
    </Tooltip>
  );
}
