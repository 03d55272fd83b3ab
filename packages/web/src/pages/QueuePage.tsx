import { Alert, App, Button, Card, Checkbox, Descriptions, Drawer, Empty, Form, Input, Radio, Select, Space, Table, Typography, message } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { get, messageOf, post } from '../api';
import { CaseNoLink, LightDot, OutputList, ProvisionalTag } from '../components/bits';
import { FormView } from '../components/FormView';
import { compact, SchemaFields } from '../components/SchemaForm';
import { ComplianceChecksCard } from '../components/Modes';
import { usePoll } from '../hooks';
import { caseNo, DEPARTMENT_NAMES, departmentName, fmtDate, fmtTime } from '../labels';
import type { JsonSchema } from '../types';
import type { CaseSummary, CaseView, Me, MatterDetail, Page, TaskView } from '../types';

interface QueueRow {
  task: TaskView;
  c: CaseView;
}

const caseCache = new Map<string, { updatedAt: string; c: CaseView }>();
const matterCache = new Map<string, Promise<MatterDetail>>();
const matterOf = (c: CaseView) => {
  const key = `${c.matter}@${c.matterVersion}`;
  if (!matterCache.has(key)) matterCache.set(key, get<MatterDetail>(`/api/v1/matters/${c.matter}?version=${c.matterVersion}`));
  return matterCache.get(key)!;
};

/** 部门待办: this department's pending tasks, each approved, rejected (with a reason) or sent back for materials. */
export function QueuePage({ me }: { me: Me }) {
  const bound = me.role === 'department' && !me.authDisabled ? me.department : null;
  const [picked, setPicked] = useState<string>('samr');
  const department = bound ?? picked;
  const [open, setOpen] = useState<QueueRow>();

  const { data, error, reload } = usePoll(
    async (): Promise<QueueRow[]> => {
      const page = await get<Page<CaseSummary>>(`/api/v1/cases?department=${department}&taskStatus=pending&limit=100`);
      const cases = await Promise.all(
        page.items.map(async (s) => {
          const hit = caseCache.get(s.id);
          if (hit && hit.updatedAt === s.updatedAt && !hit.c.light) return hit.c;
          const c = await get<CaseView>(`/api/v1/cases/${s.id}`);
          caseCache.set(s.id, { updatedAt: s.updatedAt, c });
          return c;
        }),
      );
      return cases.flatMap((c) => c.tasks.filter((t) => t.department === department && t.status === 'pending').map((task) => ({ task, c })));
    },
    3000,
    [department],
  );

  const checks = usePoll(
    () => get<{ items: Parameters<typeof ComplianceChecksCard>[0]['items'] }>(`/api/v1/compliance-checks?department=${department}`).catch(() => ({ items: [] })),
    10_000,
    [department],
  );

  return (
    <Card
      title={`部门待办 · ${departmentName(department)}`}
      extra={
        !bound && (
          <Space>
            <span className="om-muted">查看部门</span>
            <Select style={{ width: 180 }} value={picked} onChange={setPicked} options={Object.entries(DEPARTMENT_NAMES).map(([v, n]) => ({ value: v, label: n }))} />
          </Space>
        )
      }
    >
      {me.role === 'admin' && !me.authDisabled && <Alert type="info" showIcon style={{ marginBottom: 8 }} title="系统管理员可查看各部门待办，决定须由部门账号或部门系统作出。" />}
      {error !== undefined && <Alert type="error" title={messageOf(error)} style={{ marginBottom: 8 }} />}
      <Table<QueueRow>
        size="small"
        rowKey={(r) => r.task.id}
        loading={!data && !error}
        dataSource={data ?? []}
        pagination={false}
        locale={{ emptyText: <Empty description="暂无待办任务" /> }}
        columns={[
          { title: '办件编号', key: 'case', render: (_: unknown, r) => <CaseNoLink c={r.c} /> },
          { title: '事项', key: 'matter', render: (_: unknown, r) => r.c.matterName },
          { title: '办理事项', key: 'service', render: (_: unknown, r) => r.task.service },
          { title: '申请人', key: 'applicant', render: (_: unknown, r) => r.c.applicant.name },
          { title: '派发时间', key: 'at', render: (_: unknown, r) => fmtTime(r.task.dispatchedAt) },
          { title: '办理时限', key: 'due', render: (_: unknown, r) => <Space size={4}><LightDot light={r.task.light} />{r.task.dueAt ? fmtDate(r.task.dueAt) : '—'}<ProvisionalTag provisional={r.task.provisional} /></Space> },
          {
            title: '操作',
            key: 'act',
            render: (_: unknown, r) => (
              <Button type="primary" size="small" onClick={() => setOpen(r)} data-testid={`handle-${r.task.step}`} data-case={r.c.id}>
                办理
              </Button>
            ),
          },
        ]}
      />
      {/* A department records its own checks here; an admin looks on (decisions are the department's). */}
      <ComplianceChecksCard items={checks.data?.items} canRecord={me.authDisabled || me.role === 'department'} onDone={checks.reload} />
      {open && <DecisionDrawer row={open} onClose={() => setOpen(undefined)} onDone={async () => { setOpen(undefined); await reload(); }} />}
    </Card>
  );
}

/**
 * The values of a step's output this case already knows: a field whose schema names a case
 * output (`x-prefill: 'samr.unifiedSocialCreditCode'`), or one named like a field an upstream
 * step gave (the same name, the same thing).
 */
export function prefilledOutput(schema: JsonSchema | null | undefined, outputs: Record<string, Record<string, unknown> | undefined>, dependsOn: string[]): Record<string, unknown> {
  const known: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(schema?.properties ?? {})) {
    const from = s['x-prefill'];
    if (from) {
      const dot = from.indexOf('.');
      const v = outputs[from.slice(0, dot)]?.[from.slice(dot + 1)];
      if (v !== undefined && v !== null && v !== '') known[key] = v;
      continue;
    }
    for (const d of dependsOn) {
      const v = outputs[d]?.[key];
      if (v !== undefined && v !== null && v !== '' && typeof v !== 'object') known[key] = v;
    }
  }
  return known;
}

const DECISION_NAMES = { approved: '准予', rejected: '不予许可', 'supplement-required': '要求补正' } as const;

function DecisionDrawer({ row, onClose, onDone }: { row: QueueRow; onClose: () => void; onDone: () => Promise<void> }) {
  const { task, c } = row;
  const [matter, setMatter] = useState<MatterDetail>();
  const [decision, setDecision] = useState<'approved' | 'rejected' | 'supplement-required'>('approved');
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm();
  const { modal } = App.useApp();
  const decisionId = useRef(crypto.randomUUID());
  useEffect(() => {
    void matterOf(c).then(setMatter);
  }, [c]);
  const step = matter?.steps.find((s) => s.id === task.step);
  const upstream = Object.entries(c.outputs).filter(([d]) => d !== task.step && task.dependsOn.includes(d));
  const known = prefilledOutput(step?.outputSchema, c.outputs, task.dependsOn);
  // This case's own values (its credit code as taxpayer id) from the start, and over the example.
  useEffect(() => {
    if (step && Object.keys(known).length > 0) form.setFieldsValue({ output: { ...(form.getFieldValue('output') as object | undefined), ...known } });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [step, decision]);

  /** What will be recorded, for the confirmation: a decision cannot be taken back. */
  const summary = (v: { output?: Record<string, unknown>; reason?: string; missingMaterials?: string[]; onCommitment?: boolean }) => {
    const labelOf = (k: string) => step?.outputSchema?.properties?.[k]?.title ?? k;
    const nameOf = (code: string) => matter?.materials.find((m) => m.code === code)?.name ?? code;
    const rows: [string, string][] = [
      ['办件', `${c.matterName} · ${c.applicant.name}`],
      ['办理事项', task.service],
      ['办理决定', `${DECISION_NAMES[decision]}${decision === 'approved' && step?.commitment && v.onCommitment ? '（告知承诺制）' : ''}`],
      ...(decision === 'approved' ? Object.entries((compact(v.output ?? {}) ?? {}) as Record<string, unknown>).map(([k, x]): [string, string] => [labelOf(k), Array.isArray(x) ? x.join('、') : String(x)]) : []),
      ...(decision === 'supplement-required' ? [['需补正的材料', (v.missingMaterials ?? []).map(nameOf).join('、')] as [string, string]] : []),
      ...(v.reason ? [[decision === 'rejected' ? '不予许可理由' : '补正说明', v.reason] as [string, string]] : []),
    ];
    return (
      <div data-testid="decision-confirm">
        <Descriptions size="small" column={1} bordered items={rows.map(([k, x], i) => ({ key: String(i), label: k, children: x }))} />
        <Typography.Paragraph type="warning" style={{ marginTop: 12, marginBottom: 0 }}>
          决定提交后即记录在案，不可撤回或修改。
        </Typography.Paragraph>
      </div>
    );
  };

  const confirmThenSubmit = async () => {
    await form.validateFields();
    const ok = await modal.confirm({
      title: `确认提交「${DECISION_NAMES[decision]}」决定？`,
      width: 560,
      content: summary(form.getFieldsValue(true)),
      okText: '确认提交',
      cancelText: '返回修改',
      okButtonProps: { danger: decision !== 'approved', ...{ 'data-testid': 'confirm-decision' } },
    });
    if (ok) await submit();
  };

  const submit = async () => {
    const v = form.getFieldsValue(true);
    setBusy(true);
    try {
      await post(`/api/v1/tasks/${encodeURIComponent(task.id)}/decisions`, {
        decisionId: decisionId.current,
        decision,
        ...(decision === 'approved' && step?.outputSchema ? { output: compact(v.output ?? {}) } : {}),
        ...(v.reason ? { reason: v.reason } : {}),
        ...(decision === 'supplement-required' ? { missingMaterials: v.missingMaterials } : {}),
        ...(decision === 'approved' && step?.commitment && v.onCommitment ? { onCommitment: true } : {}),
      });
      void message.success(decision === 'approved' ? '已准予' : decision === 'rejected' ? '已作出不予许可决定' : '已要求补正，等待申请人补交材料');
      await onDone();
    } catch (e) {
      decisionId.current = crypto.randomUUID();
      void message.error(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Drawer
      open
      size={620}
      title={`${task.service} · ${c.matterName}`}
      onClose={onClose}
      extra={
        <Button type="primary" loading={busy} onClick={() => void confirmThenSubmit().catch(() => undefined)} data-testid="submit-decision">
          提交决定
        </Button>
      }
    >
      <Descriptions
        size="small"
        column={1}
        bordered
        items={[
          { key: 'id', label: '办件编号', children: caseNo(c) },
          { key: 'app', label: '申请人', children: c.applicant.name },
          { key: 'due', label: '办理时限', children: task.dueAt ? <>{fmtDate(task.dueAt)} <ProvisionalTag provisional={task.provisional} /></> : '—' },
          ...upstream.map(([d, o]) => ({ key: d, label: `${departmentName(d)}结果`, children: <OutputList output={o} schema={matter?.steps.find((s) => s.id === d)?.outputSchema} /> })),
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        申请表
      </Typography.Title>
      <div style={{ maxHeight: 240, overflow: 'auto' }}>
        <FormView form={c.form} schema={matter?.formSchema} columns={1} />
      </div>
      <Typography.Title level={5}>办理决定</Typography.Title>
      <Radio.Group
        value={decision}
        onChange={(e) => setDecision(e.target.value as typeof decision)}
        optionType="button"
        buttonStyle="solid"
        options={[
          { value: 'approved', label: '准予' },
          { value: 'rejected', label: '不予许可' },
          { value: 'supplement-required', label: '要求补正' },
        ]}
        style={{ marginBottom: 12 }}
      />
      <Form form={form} layout="vertical" name="decision">
        {decision === 'approved' && step?.commitment && (
          <Form.Item name="onCommitment" valuePropName="checked" extra={`审批后 ${step.commitment.checkDays} 个工作日内事中事后核查，承诺不实的撤销（${step.commitment.basis}）`}>
            <Checkbox data-testid="on-commitment">告知承诺制：依申请人书面承诺当场审批</Checkbox>
          </Form.Item>
        )}
        {decision === 'approved' && step?.outputSchema && (
          <>
            <Space style={{ marginBottom: 8 }}>
              <span className="om-muted">办理结果（将交综合窗口统一出件）</span>
              {step.outputExample && (
                <Button size="small" onClick={() => form.setFieldsValue({ output: { ...step.outputExample, ...known } })}>
                  填入示例
                </Button>
              )}
            </Space>
            <SchemaFields schema={step.outputSchema} path={['output']} columns={1} />
          </>
        )}
        {decision === 'rejected' && (
          <Form.Item name="reason" label="不予许可理由" rules={[{ required: true, whitespace: true, message: '不予许可须说明理由' }]}>
            <Input.TextArea rows={3} data-testid="reject-reason" />
          </Form.Item>
        )}
        {decision === 'supplement-required' && (
          <>
            <Form.Item name="missingMaterials" label="需补正的材料" rules={[{ required: true, message: '请选择需补正的材料' }]}>
              <Checkbox.Group options={(matter?.materials ?? []).map((m) => ({ value: m.code, label: m.name }))} />
            </Form.Item>
            <Form.Item name="reason" label="补正说明">
              <Input.TextArea rows={2} />
            </Form.Item>
          </>
        )}
      </Form>
    </Drawer>
  );
}
