import { DEPARTMENT_NAMES, type DepartmentId } from '@onematter/engine';
import type { Runtime } from './runtime.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The start page until the workbench lands: what runs here and where to go, in Chinese first. */
export function landingPage(runtime: Runtime): string {
  const rows = runtime.catalogue
    .list()
    .map(
      (m) =>
        `<tr><td>${escape(m.name)}</td><td><code>${m.id}</code> v${m.version}</td><td>${m.steps
          .map((s) => escape(DEPARTMENT_NAMES[s.department as DepartmentId] ?? s.department))
          .join('、')}</td><td>${m.statutoryDays} / ${m.committedDays}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>一件事 OneMatter</title>
<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2937}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e5e7eb;padding:.4rem;text-align:left}code{background:#f3f4f6;padding:0 .2rem}</style></head>
<body><h1>高效办成一件事 · OneMatter</h1>
<p>事件溯源的“一件事”集成办理引擎。存储：<code>${runtime.config.store}</code>，消息总线：<code>${runtime.config.bus}</code>，模拟部门：${runtime.config.simulateDepartments ? '已启用' : '未启用'}。</p>
<p>工作台（workbench）尚未构建：运行 <code>npm run build</code> 后刷新本页。</p>
<ul><li><a href="/api/v1/docs">接口文档（API docs）</a></li><li><a href="/api/v1/matters">事项目录（JSON）</a></li><li><a href="/api/v1/cases">办件列表（JSON）</a></li><li><a href="/api/v1/metrics">运行指标（Prometheus）</a></li></ul>
<h2>事项目录</h2><table><thead><tr><th>事项</th><th>编码</th><th>办理部门</th><th>法定/承诺时限（工作日）</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>`;
}
