import { Button, Modal, Space } from 'antd';
import { useState, type ReactNode } from 'react';
import { departmentName, fmtTime, ISSUE_CHANNELS, materialNames } from '../labels';
import type { CaseView, MatterDetail, StoredEvent } from '../types';
import { OutputList } from './bits';
import { PrintedDocument, printedNumber, RECEIPT_NOTES, receiptRows } from './Receipt';

type Kind = 'receipt' | 'notice' | 'handover';

/** What every document starts with: the number, the matter, the applicant. */
const caseRows = (c: CaseView): [string, string][] => [
  ['办件编号', printedNumber(c)],
  ['事项名称', c.matterName],
  ['申请人', c.applicant.name],
];

/**
 * 打印文书 on the case page, at any time: the 受理回执 again, the 补正告知书 (every
 * material asked for, told once) and the 出件单 of the results handed out.
 */
export function PrintDocs({ c, matter, events }: { c: CaseView; matter: MatterDetail | undefined; events: StoredEvent[] }) {
  const [open, setOpen] = useState<Kind>();
  const asked = supplementAsked(c, events);
  const issued = [...events].reverse().find((e) => e.type === 'ResultsIssued');
  if (!matter) return null;
  const doc = open === 'receipt' ? (
    <PrintedDocument title={`${c.matterName} 受理回执`} c={c} rows={receiptRows(c, matter)} notes={RECEIPT_NOTES} testId="receipt" date={c.createdAt} />
  ) : open === 'notice' ? (
    <PrintedDocument
      title="补正材料告知书"
      c={c}
      testId="supplement-notice"
      rows={[
        ...caseRows(c),
        ['需补正的材料', materialNames(asked.materials, matter.materials) || '—'],
        ['提出部门及理由', asked.reasons.join('；') || '—'],
        ['告知时间', fmtTime(asked.at)],
      ]}
      notes={['以上为需要补正的全部材料，一次性告知。请携带上述材料到综合窗口补正；补正期间办理时限暂停计算，补齐后恢复。']}
      date={asked.at}
    />
  ) : open === 'handover' && issued ? (
    <PrintedDocument
      title="办理结果领取单（统一出件）"
      c={c}
      testId="handover-slip"
      rows={[
        ...caseRows(c),
        ['出件方式', ISSUE_CHANNELS[String(issued.data.channel)] ?? '其他方式'],
        ...(issued.data.recipient ? [['收件人', String(issued.data.recipient)] as [string, string]] : []),
        ...(issued.data.trackingNumber ? [['快递单号', String(issued.data.trackingNumber)] as [string, string]] : []),
        ...((issued.data.results as { step: string; department: string; output: Record<string, unknown> }[] | undefined) ?? []).map(
          (r) => [`${departmentName(r.department)}结果`, <OutputList key={r.step} output={r.output} schema={matter.steps.find((s) => s.id === r.step)?.outputSchema} />] as [string, ReactNode],
        ),
        ['出件时间', fmtTime(issued.recordedAt)],
      ]}
      notes={['申请人已领取（或签收）以上全部办理结果。申请人签字：__________']}
      date={issued.recordedAt}
    />
  ) : null;
  return (
    <>
      <Space wrap className="om-no-print" data-testid="print-docs">
        <Button onClick={() => setOpen('receipt')} data-testid="reprint-receipt">
          打印受理回执
        </Button>
        {asked.materials.length > 0 && (
          <Button onClick={() => setOpen('notice')} data-testid="print-notice">
            打印补正告知书
          </Button>
        )}
        {issued && (
          <Button onClick={() => setOpen('handover')} data-testid="print-handover">
            打印出件单
          </Button>
        )}
      </Space>
      <Modal open={open !== undefined} width={760} onCancel={() => setOpen(undefined)} okText="打印" cancelText="关闭" onOk={() => window.print()} destroyOnHidden title="打印预览">
        {doc}
      </Modal>
    </>
  );
}

/** Every material the case was asked for (the latest 补正 round or 一次告知), with who asked and why. */
function supplementAsked(c: CaseView, events: StoredEvent[]): { materials: string[]; reasons: string[]; at: string | undefined } {
  const materials = new Set<string>();
  const reasons: string[] = [];
  let at: string | undefined;
  // A round ends when the materials are handed in; the last round stays reprintable.
  let roundOver = false;
  for (const e of events) {
    if (e.type === 'SupplementProvided' || e.type === 'CaseAccepted') roundOver = true;
    const asked = e.type === 'MaterialsNoticeIssued' || (e.type === 'DecisionRecorded' && e.data.decision === 'supplement-required');
    if (!asked) continue;
    if (roundOver) {
      materials.clear();
      reasons.length = 0;
      roundOver = false;
    }
    for (const m of (e.data.missingMaterials as string[] | undefined) ?? []) materials.add(m);
    const who = typeof e.data.department === 'string' ? departmentName(e.data.department) : '综合窗口';
    if (e.data.reason) reasons.push(`${who}：${String(e.data.reason)}`);
    else reasons.push(who);
    at = e.recordedAt;
  }
  if (materials.size === 0) for (const t of c.tasks) for (const m of t.missingMaterials ?? []) materials.add(m);
  return { materials: [...materials], reasons, at };
}
