import { Button, Descriptions, QRCode, Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import type { CaseView, MatterDetail } from '../types';
import { departmentName, fmtDate, fmtTime, ID_TYPES, maskId, maskPhone } from '../labels';
import { navigate } from '../hooks';

/** The number printed and encoded on every document: the 办件编号, or the id of a case from before numbers. */
export const printedNumber = (c: CaseView): string => c.caseNumber ?? c.id;

/**
 * An A4 document (受理回执, 补正告知书, 出件单): a title, a table, notes, the window's
 * stamp line and a QR code of the 办件编号; printed alone (styles.css @media print).
 */
export function PrintedDocument({ title, c, rows, notes, testId, date }: { title: string; c: CaseView; rows: [string, ReactNode][]; notes: string[]; testId: string; date?: string | undefined }) {
  return (
    <div className="om-receipt om-print-doc" data-testid={testId}>
      <div className="om-doc-head">
        <Typography.Title level={3} style={{ textAlign: 'center', margin: 0 }}>
          {title}
        </Typography.Title>
        <QRCode value={printedNumber(c)} type="svg" size={96} bordered={false} data-testid={`${testId}-qr`} className="om-doc-qr" />
      </div>
      <Descriptions
        bordered
        column={1}
        size="small"
        items={rows.map(([k, v]) => ({
          key: k,
          label: k,
          children: k === '办件编号' ? <Typography.Text copyable strong data-testid="case-number">{v}</Typography.Text> : v,
        }))}
      />
      {notes.map((n) => (
        <Typography.Paragraph key={n} type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
          {n}
        </Typography.Paragraph>
      ))}
      <Typography.Paragraph style={{ marginTop: 24 }}>受理窗口（盖章）：__________　　日期：{fmtDate(date ?? new Date().toISOString())}</Typography.Paragraph>
    </div>
  );
}

/** The receipt's rows: what the applicant takes home, with the number to follow the case by. */
export function receiptRows(c: CaseView, matter: MatterDetail): [string, string][] {
  const received = matter.materials.filter((m) => c.materials.includes(m.code));
  // Only the steps that apply: a conditional step the form did not ask for (heating, gas) is skipped.
  const departments = [...new Set(c.tasks.filter((t) => t.status !== 'skipped').map((t) => t.department))];
  return [
    ['办件编号', printedNumber(c)],
    ['事项名称', `${c.matterName}（第 ${c.matterVersion} 版）`],
    ['申请人', c.applicant.name],
    ['证件', `${ID_TYPES.find((t) => t.value === c.applicant.idType)?.label ?? '证件'} ${maskId(c.applicant.idNumber)}`],
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
}

export const RECEIPT_NOTES = ['凭办件编号（或扫描二维码）可随时查询办理进度；各部门办理结果由综合窗口统一出件。'];

/** 受理回执 right after 受理: print, download, follow the case, or take the next one. */
export function Receipt({ c, matter, onNew }: { c: CaseView; matter: MatterDetail; onNew: () => void }) {
  const rows = receiptRows(c, matter);
  const download = () => {
    const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
    const qr = document.querySelector('[data-testid=receipt-qr] svg')?.outerHTML ?? '';
    const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>受理回执 ${esc(printedNumber(c))}</title>
<style>@page{size:A4;margin:18mm}body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:720px;margin:2rem auto;color:#111}
h1{text-align:center;font-size:22px}.qr{text-align:right}table{width:100%;border-collapse:collapse}td{border:1px solid #999;padding:8px;vertical-align:top}td:first-child{width:9em;background:#f5f5f5}
p{font-size:13px;color:#444}</style></head><body><h1>${esc(c.matterName)} 受理回执</h1><div class="qr">${qr}</div><table>
${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('\n')}
</table>${RECEIPT_NOTES.map((n) => `<p>${esc(n)}</p>`).join('')}<p>受理窗口（盖章）：__________　　日期：${esc(fmtDate(c.createdAt))}</p></body></html>`;
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `受理回执-${printedNumber(c)}.html`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <div>
      <PrintedDocument title={`${c.matterName} 受理回执`} c={c} rows={rows} notes={RECEIPT_NOTES} testId="receipt" date={c.createdAt} />
      <Space className="om-no-print" style={{ marginTop: 16 }} wrap>
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
