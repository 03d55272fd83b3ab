import { Button, Descriptions, Space, Typography } from 'antd';
import type { CaseView, MatterDetail } from '../types';
import { departmentName, fmtDate, fmtTime, ID_TYPES, maskId, maskPhone } from '../labels';
import { navigate } from '../hooks';

/** 受理回执: what the applicant takes home, with the case number to follow it by. */
export function Receipt({ c, matter, onNew }: { c: CaseView; matter: MatterDetail; onNew: () => void }) {
  const received = matter.materials.filter((m) => c.materials.includes(m.code));
  // Only the steps that apply: a conditional step the form did not ask for (heating, gas) is skipped.
  const departments = [...new Set(c.tasks.filter((t) => t.status !== 'skipped').map((t) => t.department))];
  const rows: [string, string][] = [
    ['办件编号', c.id],
    ['事项名称', `${c.matterName}（第 ${c.matterVersion} 版）`],
    ['申请人', c.applicant.name],
    ['证件', `${ID_TYPES.find((t) => t.value === c.applicant.idType)?.label ?? c.applicant.idType} ${maskId(c.applicant.idNumber)}`],
    ['联系电话', maskPhone(c.applicant.phone)],
    ['受理时间', fmtTime(c.createdAt)],
    [
      '承诺办结时限',
      `${matter.committedDays} 个工作日${c.dueAt ? `（${fmtDate(c.dueAt)} 前${c.provisional ? '，暂定' : ''}）` : ''}；${matter.statutoryDays === null ? '无法定时限' : `法定时限 ${matter.statutoryDays} 个工作日`}` +
        (c.provisional ? '。该日期按法定节假日推算，国务院办公厅公布当年放假安排后可能调整' : ''),
    ],
    ['联办部门', departments.map(departmentName).join('、')],
    ['已收材料', received.map((m) => m.name).join('、') || '—'],
  ];

  const download = () => {
    const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
    const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>受理回执 ${esc(c.id)}</title>
<style>body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:720px;margin:2rem auto;color:#111}
h1{text-align:center;font-size:22px}table{width:100%;border-collapse:collapse}td{border:1px solid #999;padding:8px;vertical-align:top}td:first-child{width:9em;background:#f5f5f5}
p{font-size:13px;color:#444}</style></head><body><h1>${esc(c.matterName)} 受理回执</h1><table>
${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('\n')}
</table><p>凭办件编号可随时查询办理进度；各部门办理结果由综合窗口统一出件。</p><p>受理窗口（盖章）：__________　　日期：${esc(fmtDate(c.createdAt))}</p></body></html>`;
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `受理回执-${c.id}.html`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <div>
      <div className="om-receipt" data-testid="receipt">
        <Typography.Title level={3} style={{ textAlign: 'center' }}>
          {c.matterName} 受理回执
        </Typography.Title>
        <Descriptions bordered column={1} size="small" items={rows.map(([k, v]) => ({ key: k, label: k, children: k === '办件编号' ? <Typography.Text copyable strong data-testid="case-number">{v}</Typography.Text> : v }))} />
        <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>
          凭办件编号可随时查询办理进度；各部门办理结果由综合窗口统一出件。
        </Typography.Paragraph>
      </div>
      <Space className="om-no-print" style={{ marginTop: 16 }}>
        <Button type="primary" onClick={() => window.print()}>
          打印回执
        </Button>
        <Button onClick={download}>下载回执</Button>
        <Button onClick={() => navigate(`/cases/${c.id}`)}>查看办件进度</Button>
        <Button onClick={onNew}>受理下一件</Button>
      </Space>
    </div>
  );
}
