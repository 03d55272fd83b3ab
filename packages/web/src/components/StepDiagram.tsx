import { departmentName, LIGHTS, TASK_STATUS } from '../labels';
import type { TaskView } from '../types';

const W = 168;
const H = 54;
const GAP_X = 56;
const GAP_Y = 12;
const PAD = 10;

/**
 * The case's steps as a diagram: a column per dependency level, so departments that
 * work in parallel stand side by side, coloured by their state, from 受理 to 办结.
 */
export function StepDiagram({ tasks, caseStatus }: { tasks: TaskView[]; caseStatus: string }) {
  const byStep = new Map(tasks.map((t) => [t.step, t]));
  const level = new Map<string, number>();
  const levelOf = (t: TaskView, seen = new Set<string>()): number => {
    const known = level.get(t.step);
    if (known !== undefined) return known;
    if (seen.has(t.step)) return 0;
    seen.add(t.step);
    const deps = t.dependsOn.map((d) => byStep.get(d)).filter((d): d is TaskView => Boolean(d));
    const l = deps.length ? 1 + Math.max(...deps.map((d) => levelOf(d, seen))) : 0;
    level.set(t.step, l);
    return l;
  };
  tasks.forEach((t) => levelOf(t));
  const columns: TaskView[][] = [];
  for (const t of tasks) (columns[level.get(t.step)! ] ??= []).push(t);
  const rows = Math.max(1, ...columns.map((c) => c.length));
  const height = PAD * 2 + rows * H + (rows - 1) * GAP_Y;
  const colX = (i: number) => PAD + (i + 1) * (W + GAP_X);
  const rowY = (count: number, j: number) => height / 2 - (count * H + (count - 1) * GAP_Y) / 2 + j * (H + GAP_Y);
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, i) => col.forEach((t, j) => pos.set(t.step, { x: colX(i), y: rowY(col.length, j) })));
  const endX = colX(columns.length);
  const width = endX + 110 + PAD;
  const startBox = { x: PAD, y: height / 2 - H / 2 };
  const closed = ['completed', 'rejected', 'withdrawn'].includes(caseStatus);
  const edge = (x1: number, y1: number, x2: number, y2: number, key: string, done: boolean) => {
    const mx = (x1 + x2) / 2;
    return <path key={key} d={`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`} fill="none" stroke={done ? '#52c41a' : '#bfbfbf'} strokeWidth={1.5} markerEnd="url(#om-arrow)" />;
  };
  const leaves = tasks.filter((t) => !tasks.some((o) => o.dependsOn.includes(t.step)));

  return (
    <div className="om-diagram" data-testid="step-diagram">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="办理步骤图">
        <defs>
          <marker id="om-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill="#8c8c8c" />
          </marker>
        </defs>
        {tasks
          .filter((t) => t.dependsOn.length === 0)
          .map((t) => edge(startBox.x + 100, startBox.y + H / 2, pos.get(t.step)!.x, pos.get(t.step)!.y + H / 2, `s-${t.step}`, true))}
        {tasks.flatMap((t) =>
          t.dependsOn
            .filter((d) => pos.has(d))
            .map((d) => edge(pos.get(d)!.x + W, pos.get(d)!.y + H / 2, pos.get(t.step)!.x, pos.get(t.step)!.y + H / 2, `${d}-${t.step}`, byStep.get(d)?.status === 'approved')),
        )}
        {leaves.map((t) => edge(pos.get(t.step)!.x + W, pos.get(t.step)!.y + H / 2, endX, height / 2, `e-${t.step}`, t.status === 'approved'))}
        <g>
          <rect x={startBox.x} y={startBox.y} width={100} height={H} rx={27} fill="#f6ffed" stroke="#52c41a" />
          <text x={startBox.x + 50} y={startBox.y + H / 2 + 5} textAnchor="middle" fontSize={13}>
            窗口受理
          </text>
        </g>
        {tasks.map((t) => {
          const p = pos.get(t.step)!;
          const st = TASK_STATUS[t.status] ?? TASK_STATUS.waiting!;
          return (
            <g key={t.step} data-step={t.step} data-status={t.status}>
              <title>{`${departmentName(t.department)} · ${t.service} · ${st.text}`}</title>
              <rect x={p.x} y={p.y} width={W} height={H} rx={6} fill={st.fill} stroke={st.stroke} strokeWidth={t.status === 'pending' ? 2 : 1} />
              <text x={p.x + 10} y={p.y + 21} fontSize={13} fontWeight={600}>
                {truncate(departmentName(t.department), t.light ? 8 : 9)}
              </text>
              <text x={p.x + 10} y={p.y + 42} fontSize={12} fill="#595959">
                {truncate(t.service, 7)}
              </text>
              <text x={p.x + W - 8} y={p.y + 42} fontSize={12} textAnchor="end" fill={st.stroke} fontWeight={600}>
                {st.text}
              </text>
              {t.light && <circle cx={p.x + W - 12} cy={p.y + 12} r={6} fill={LIGHTS[t.light]?.color ?? '#bfbfbf'} />}
            </g>
          );
        })}
        <g>
          <rect x={endX} y={height / 2 - H / 2} width={100} height={H} rx={27} fill={closed ? (caseStatus === 'completed' ? '#f6ffed' : '#fff1f0') : '#fafafa'} stroke={closed ? (caseStatus === 'completed' ? '#52c41a' : '#ff4d4f') : '#d9d9d9'} />
          <text x={endX + 50} y={height / 2 + 5} textAnchor="middle" fontSize={13}>
            {caseStatus === 'completed' ? '办结 · 出件' : caseStatus === 'rejected' ? '不予许可' : caseStatus === 'withdrawn' ? '已撤回' : '办结 · 出件'}
          </text>
        </g>
      </svg>
    </div>
  );
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
