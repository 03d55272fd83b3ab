import { DEPARTMENT_NAMES, eventTypeName, type CaseVerification, type StoredEvent, type Timeline } from '@onematter/engine';

/**
 * The dossier's report.html: one self-contained page in Chinese (inline CSS and an
 * inline SVG, no script, nothing fetched), readable offline years later: the case,
 * a diagram of the matter's steps as this case ran them, the timeline, and the
 * hash chain.
 */

export interface ReportStep {
  id: string;
  department: string;
  service: string;
  dependsOn: readonly string[];
  /** The task's status at export, if the case got that far. */
  status?: string;
}

export interface ReportInput {
  caseId: string;
  matter: { id: string; version: number; name: string };
  status: string;
  applicantName: string;
  applicantId: string;
  createdAt: string;
  completedAt?: string;
  steps: readonly ReportStep[];
  timeline: Timeline;
  events: readonly StoredEvent[];
  verification: CaseVerification;
  exportedAt: string;
  exportedBy: string;
  reason?: string;
  anchor?: { day: string; root: string };
}

const CASE_STATUS: Record<string, string> = {
  'in-progress': '办理中',
  'awaiting-supplement': '待补正',
  completed: '已办结',
  rejected: '不予许可',
  withdrawn: '已撤回',
};

const TASK_STATUS: Record<string, { label: string; fill: string; stroke: string }> = {
  waiting: { label: '等待前置环节', fill: '#ffffff', stroke: '#bfbfbf' },
  pending: { label: '办理中', fill: '#fff7e6', stroke: '#fa8c16' },
  approved: { label: '准予办理', fill: '#f6ffed', stroke: '#52c41a' },
  rejected: { label: '不予许可', fill: '#fff1f0', stroke: '#f5222d' },
  'supplement-required': { label: '待补正', fill: '#e6f4ff', stroke: '#1677ff' },
  cancelled: { label: '已撤销', fill: '#f5f5f5', stroke: '#8c8c8c' },
};

export const escapeHtml = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const department = (id: string): string => (DEPARTMENT_NAMES as Record<string, string>)[id] ?? id;

const beijing = (iso: string | undefined): string =>
  iso ? new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ') : '—';

/** Keeps the first and last characters of an identity number. */
export const maskId = (id: string): string => (id.length > 6 ? `${id.slice(0, 4)}${'*'.repeat(id.length - 6)}${id.slice(-2)}` : '****');

/**
 * The steps as a layered graph, left to right: 受理, then each step in the column
 * of its depth (steps that run in parallel share a column), then 办结. Edges follow
 * `dependsOn`.
 */
export function stepDiagram(steps: readonly ReportStep[]): string {
  const depth = new Map<string, number>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const depthOf = (id: string, seen = new Set<string>()): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const deps = byId.get(id)?.dependsOn ?? [];
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((x) => depthOf(x, seen)));
    depth.set(id, d);
    return d;
  };
  steps.forEach((s) => depthOf(s.id));
  const columns: ReportStep[][] = [];
  for (const s of steps) (columns[depth.get(s.id)!] ??= []).push(s);

  const W = 176;
  const H = 62;
  const GX = 64;
  const GY = 18;
  const PAD = 24;
  const TOP = 34;
  const rows = Math.max(1, ...columns.map((c) => c.length));
  const height = TOP + rows * H + (rows - 1) * GY + PAD;
  const colX = (c: number) => PAD + c * (W + GX);
  const totalCols = columns.length + 2;
  const width = colX(totalCols - 1) + W + PAD;
  const yOf = (count: number, i: number) => TOP + ((rows - count) * (H + GY)) / 2 + i * (H + GY);

  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => col.forEach((s, i) => pos.set(s.id, { x: colX(c + 1), y: yOf(col.length, i) })));
  const start = { x: colX(0), y: yOf(1, 0) };
  const end = { x: colX(totalCols - 1), y: yOf(1, 0) };

  const edge = (a: { x: number; y: number }, b: { x: number; y: number }) => {
    const x1 = a.x + W;
    const y1 = a.y + H / 2;
    const x2 = b.x - 4;
    const y2 = b.y + H / 2;
    const mx = (x1 + x2) / 2;
    return `<path d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" fill="none" stroke="#8c8c8c" stroke-width="1.5" marker-end="url(#arrow)"/>`;
  };
  const edges: string[] = [];
  const dependents = new Set(steps.flatMap((s) => s.dependsOn));
  for (const s of steps) {
    const p = pos.get(s.id)!;
    if (s.dependsOn.length === 0) edges.push(edge(start, p));
    for (const d of s.dependsOn) if (pos.has(d)) edges.push(edge(pos.get(d)!, p));
    if (!dependents.has(s.id)) edges.push(edge(p, end));
  }

  const box = (x: number, y: number, lines: string[], fill: string, stroke: string, dashed = false) =>
    `<g><rect x="${x}" y="${y}" width="${W}" height="${H}" rx="8" fill="${fill}" stroke="${stroke}" stroke-width="1.5"${dashed ? ' stroke-dasharray="5 3"' : ''}/>` +
    lines
      .map((l, i) => `<text x="${x + W / 2}" y="${y + 20 + i * 17}" text-anchor="middle" font-size="${i === 0 ? 13 : 11.5}"${i === 0 ? ' font-weight="600"' : ''}>${escapeHtml(l.length > 15 ? `${l.slice(0, 14)}…` : l)}</text>`)
      .join('') +
    '</g>';
  const nodes: string[] = [box(start.x, start.y, ['综合窗口受理', '一窗受理 · 一表申请'], '#f0f5ff', '#2f54eb')];
  for (const s of steps) {
    const p = pos.get(s.id)!;
    const st = TASK_STATUS[s.status ?? 'waiting'] ?? TASK_STATUS.waiting!;
    nodes.push(box(p.x, p.y, [department(s.department), s.service, st.label], st.fill, st.stroke, s.status === undefined || s.status === 'waiting'));
  }
  nodes.push(box(end.x, end.y, ['统一出件', '办结'], '#f0f5ff', '#2f54eb'));
  const labels = columns
    .map((col, c) => (col.length > 1 ? `<text x="${colX(c + 1) + W / 2}" y="${TOP - 12}" text-anchor="middle" font-size="12" fill="#595959">并联办理（${col.length} 个部门）</text>` : ''))
    .join('');

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="办理流程图" font-family="'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8c8c8c"/></marker></defs>' +
    edges.join('') +
    nodes.join('') +
    labels +
    '</svg>'
  );
}

export function renderReport(r: ReportInput): string {
  const v = r.verification;
  const verdict = v.problem
    ? `<span class="bad">未通过：位置 ${v.problem.position}，${escapeHtml(v.problem.reason)}</span>`
    : `<span class="good">通过：哈希链完整${v.anchored > 0 ? `，与 ${v.anchored} 个每日锚点一致` : ''}</span>`;
  const head = r.events[r.events.length - 1];
  const row = (k: string, val: string) => `<tr><th>${k}</th><td>${val}</td></tr>`;
  const timelineRows = r.timeline.entries
    .map(
      (e) =>
        `<tr><td class="num">${e.position}</td><td class="nowrap">${escapeHtml(e.time)}</td><td>${escapeHtml(e.who)}</td><td>${escapeHtml(e.what)}</td><td class="clock">${escapeHtml(e.clock)}</td></tr>`,
    )
    .join('\n');
  const chainRows = r.events
    .map((e) => `<tr><td class="num">${e.position}</td><td>${escapeHtml(eventTypeName(e.type))}</td><td class="hash">${escapeHtml(e.prevHash)}</td><td class="hash">${escapeHtml(e.hash)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>办件审计报告 ${escapeHtml(r.caseId)}</title>
<style>
  body { font-family: 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif; color: #1f1f1f; margin: 32px auto; max-width: 1200px; padding: 0 24px; line-height: 1.6; }
  h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-left: 4px solid #2f54eb; padding-left: 8px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; } th, td { border: 1px solid #e8e8e8; padding: 6px 8px; text-align: left; vertical-align: top; }
  th { background: #fafafa; width: 160px; } thead th { width: auto; }
  .num { text-align: right; width: 40px; } .nowrap { white-space: nowrap; } .clock { color: #595959; width: 260px; }
  .hash { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11px; word-break: break-all; }
  .good { color: #389e0d; font-weight: 600; } .bad { color: #cf1322; font-weight: 600; }
  .diagram { overflow-x: auto; border: 1px solid #f0f0f0; border-radius: 8px; padding: 8px; }
  .muted { color: #8c8c8c; font-size: 12px; } code { background: #f5f5f5; padding: 1px 4px; border-radius: 3px; }
</style>
</head>
<body>
<h1>办件审计报告</h1>
<div class="muted">OneMatter 一件事 · 导出于 ${escapeHtml(beijing(r.exportedAt))}（北京时间） · 导出人 ${escapeHtml(r.exportedBy)}${r.reason ? ` · 事由：${escapeHtml(r.reason)}` : ''}</div>

<h2>基本信息</h2>
<table>
${row('办件编号', `<code>${escapeHtml(r.caseId)}</code>`)}
${row('事项', `${escapeHtml(r.matter.name)}（<code>${escapeHtml(r.matter.id)}</code>，定义版本 v${r.matter.version}）`)}
${row('办件状态', escapeHtml(CASE_STATUS[r.status] ?? r.status))}
${row('申请人', `${escapeHtml(r.applicantName)}（证件号 ${escapeHtml(maskId(r.applicantId))}）`)}
${row('受理时间', escapeHtml(beijing(r.createdAt)))}
${row('办结时间', escapeHtml(beijing(r.completedAt)))}
${row('事件数', String(r.events.length))}
${row('链头哈希', `<span class="hash">${escapeHtml(head?.hash ?? '')}</span>（位置 ${head?.position ?? '—'}）`)}
${row('导出时校验', verdict)}
${row('每日锚点', r.anchor ? `${escapeHtml(r.anchor.day)} 根 <span class="hash">${escapeHtml(r.anchor.root)}</span>` : '导出时尚未被每日锚点覆盖')}
</table>

<h2>办理流程图</h2>
<p class="muted">按事项定义 v${r.matter.version} 绘制：同一列的部门并联办理，箭头表示前置依赖；颜色为导出时各部门任务的状态。</p>
<div class="diagram">${stepDiagram(r.steps)}</div>

<h2>时间线</h2>
<table>
<thead><tr><th>位置</th><th>时间（北京）</th><th>操作人</th><th>事项</th><th>计时状态</th></tr></thead>
<tbody>
${timelineRows}
</tbody>
</table>

<h2>哈希链</h2>
<p class="muted">每个事件的哈希 = SHA-256（RFC 8785 规范化 JSON：data、metadata、position、prevHash、recordedAt、streamId、type），第一个事件的 prevHash = SHA-256("onematter:" + 办件编号)。</p>
<table>
<thead><tr><th>位置</th><th>事件类型</th><th>prevHash</th><th>hash</th></tr></thead>
<tbody>
${chainRows}
</tbody>
</table>

<h2>如何独立校验</h2>
<p>本档案可由任何人在不依赖本系统的情况下校验，只需安装 Node.js：解压后在档案目录中运行 <code>node verify.mjs</code>。脚本重新计算每个事件的哈希并核对链接、清单与锚点证明；输出“校验通过”且退出码为 0 即表示档案自导出后未被改动。如档案含锚点证明，请将其中的锚点根与公布的根核对。</p>
</body>
</html>
`;
}
