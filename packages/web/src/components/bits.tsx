import { Tag, Tooltip } from 'antd';
import { CASE_STATUS, LIGHTS, OUTPUT_NAMES, TASK_STATUS } from '../labels';
import type { Light } from '../types';

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

export function OutputList({ output }: { output: Record<string, unknown> | undefined }) {
  if (!output || Object.keys(output).length === 0) return <span className="om-muted">—</span>;
  return (
    <span>
      {Object.entries(output).map(([k, v]) => (
        <div key={k}>
          <span className="om-muted">{OUTPUT_NAMES[k] ?? k}：</span>
          {Array.isArray(v) ? v.join('、') : typeof v === 'object' ? JSON.stringify(v) : String(v)}
        </div>
      ))}
    </span>
  );
}

/** 暂定: the date depends on a year whose holiday notice is not published yet (predicted from the law). */
export function ProvisionalTag({ provisional }: { provisional?: boolean | undefined }) {
  if (!provisional) return null;
  return (
    <Tag color="orange" data-testid="provisional" title="按法定节假日推算；国务院办公厅公布放假安排后可能调整">
      暂定
    </Tag>
  );
}
