import { Alert, Button, Card, Checkbox, Col, Descriptions, Empty, Form, Input, Result, Row, Select, Space, Spin, Table, Tabs, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { ApiError, get, messageOf } from '../api';
import { CaseStatusTag, LightDot, OutputList, PausedTag, ProvisionalTag, TaskStatusTag } from '../components/bits';
import { FormView } from '../components/FormView';
import { PrintDocs } from '../components/PrintDocs';
import { StepDiagram } from '../components/StepDiagram';
import { CaseModesCard } from '../components/Modes';
import { ActionDialog, useActionDialog, type FormValues } from '../components/ActionDialog';
import { ApplicantActions } from '../components/Applicant';
import { findRoute, navigate, usePeople, usePoll, useRoutes } from '../hooks';
import { actorLabel, DECISIONS, departmentName, EVENT_NAMES, fmtDate, fmtTime, ID_TYPES, ISSUE_CHANNELS, maskId, maskPhone, materialNames, pauseReason, problemKind, RATING_OPTIONS, REVIEW_CHANNELS } from '../labels';
import type { CaseView, Me, MatterDetail, StoredEvent, TaskView } from '../types';

const CLOSED = ['completed', 'rejected', 'withdrawn'];

/** What GET /cases/:id says about the case's own hash chain. */
interface CaseIntegrity {
  intact: boolean;
  problem: { position: number; reason: string } | null;
}

/** The case was edited in the store: what the page shows below cannot be trusted from the position named. */
function IntegrityBanner({ integrity }: { integrity: CaseIntegrity }) {
  const p = integrity.problem;
  const what = p ? `第 ${p.position} 号事件起${problemKind(p.reason)}（${p.reason}）` : '原因未知';
  return (
    <Alert
      type="error"
      showIcon
      data-testid="case-integrity-alert"
      title={`此办件的事件链校验未通过：${what}`}
      description="以下内容可能已被篡改，请勿据此办理，并立即报告审计人员（审计 → 校验）。"
    />
  );
}

/** 办件详情: the steps as a diagram, the timeline, deadlines, outputs, and the window's actions. */
export function CaseDetailPage({ id, me }: { id: string; me: Me }) {
  const routes = useRoutes();
  const issueRoute = findRoute(routes, /^POST \/api\/v1\/cases\/\{id\}\/(results-issued|results|issue|issued|hand-?out|handouts?|deliver(y|ies)?)(\/[a-z-]+)?$/i);
  const reviewRoute = findRoute(routes, /^POST \/api\/v1\/cases\/\{id\}\/reviews$/);
  const [matter, setMatter] = useState<MatterDetail>();
  const people = usePeople();
  const { data, error, reload } = usePoll(
    async () => {
      const c = await get<CaseView & { integrity?: CaseIntegrity }>(`/api/v1/cases/${encodeURIComponent(id)}`);
      // The events, not the auditors' timeline route: every read there is an entry in the access log.
      const events = await get<StoredEvent[]>(`/api/v1/cases/${encodeURIComponent(id)}/events`).catch(() => [] as StoredEvent[]);
      if (!matter || matter.id !== c.matter) void get<MatterDetail>(`/api/v1/matters/${c.matter}?version=${c.matterVersion}`).then(setMatter).catch(() => undefined);
      return { c, events };
    },
    2000,
    [id],
  );

  if (error instanceof ApiError && (error.status === 403 || error.status === 404)) {
    return (
      <Result
        status={error.status === 403 ? '403' : '404'}
        title={error.status === 403 ? '无权查看此办件' : '办件不存在'}
        subTitle={error.status === 403 ? '此办件不涉及您所在的部门。' : `没有编号为 ${id} 的办件。`}
        extra={<Button onClick={() => navigate(me.role === 'applicant' ? '/mine' : '/cases')}>{me.role === 'applicant' ? '返回我的办件' : '返回办件列表'}</Button>}
      />
    );
  }
  if (!data) return error ? <Alert type="error" title={messageOf(error)} /> : <Spin />;
  const { c, events } = data;
  const canAct = me.authDisabled || me.role === 'clerk' || me.role === 'admin';
  const issued = events.some((e) => e.type === 'ResultsIssued') || Boolean(c.resultsIssued);
  const reviewed = events.some((e) => e.type === 'ReviewSubmitted');

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size={12}>
      {c.integrity && !c.integrity.intact && <IntegrityBanner integrity={c.integrity} />}
      <Card
        size="small"
        title={
          <Space wrap>
            <span>{c.matterName}</span>
            <CaseStatusTag status={c.status} />
            <LightDot light={c.light} withText />
            <PausedTag pausedBy={c.pausedBy} missing={missingOf(c, matter)} />
          </Space>
        }
        extra={canAct && <CaseActions c={c} matter={matter} issueRoute={issueRoute} issued={issued} reviewRoute={reviewed ? undefined : reviewRoute} onDone={reload} />}
      >
        <Descriptions
          size="small"
          column={{ xs: 1, sm: 2, lg: 3 }}
          items={[
            { key: 'id', label: '办件编号', children: c.caseNumber ? <Typography.Text copyable strong data-testid="case-number">{c.caseNumber}</Typography.Text> : <Typography.Text copyable={{ text: c.id }}><code>{c.id}</code></Typography.Text> },
            { key: 'applicant', label: '申请人', children: c.applicant.name },
            { key: 'idn', label: ID_TYPES.find((t) => t.value === c.applicant.idType)?.label ?? '证件', children: maskId(c.applicant.idNumber) },
            { key: 'phone', label: '联系电话', children: maskPhone(c.applicant.phone) },
            { key: 'created', label: '受理时间', children: fmtTime(c.createdAt) },
            { key: 'done', label: '办结时间', children: fmtTime(c.completedAt) },
            { key: 'due', label: '承诺时限', children: c.dueAt ? <>{fmtDate(c.dueAt)} <ProvisionalTag provisional={c.provisional} /></> : matter ? `${matter.committedDays} 个工作日` : '—' },
            { key: 'sdue', label: '法定时限', children: <>{statutoryText(c, matter?.statutoryDays)} {c.statutoryDueAt ? <ProvisionalTag provisional={c.provisional} /> : null}</> },
            {
              key: 'used',
              label: '已用 / 暂停',
              children: c.elapsedWorkingDays != null ? `${c.elapsedWorkingDays} / ${c.pausedWorkingDays ?? 0} 个工作日` : '—',
            },
          ]}
        />
        {c.acceptance && c.acceptance.status !== 'accepted' && (
          <Alert
            style={{ marginTop: 8 }}
            type={c.acceptance.light === 'red' ? 'error' : 'warning'}
            title={c.acceptance.status === 'noticed' ? `已一次告知补正材料（${fmtTime(c.acceptance.noticedAt)}），补齐后受理；受理前不计算办理时限` : `待受理：请于 ${c.acceptance.dueAt ? fmtDate(c.acceptance.dueAt) : '5 个工作日内'}前受理或一次告知需要补正的全部材料（行政许可法第三十二条）`}
          />
        )}
        {c.pausedBy?.length ? (
          <Alert
            style={{ marginTop: 8 }}
            type="warning"
            showIcon
            data-testid="case-paused"
            title={`办理时限暂停中：${c.pausedBy.map((p) => `自 ${fmtTime(p.since)} 起${p.step ? `${departmentName(c.tasks.find((t) => t.step === p.step)?.department)}` : ''}${pauseReason(p, p.cause === 'supplement' ? missingOf(c, matter, p.step) : undefined)}`).join('；')}`}
          />
        ) : null}
        {c.reason && <Alert style={{ marginTop: 8 }} type={c.status === 'withdrawn' ? 'info' : 'error'} title={c.reason} />}
      </Card>
      {me.role === 'applicant' && !me.authDisabled && <ApplicantActions c={c} events={events} onDone={reload} />}
      <CaseModesCard c={c} me={me} matter={matter} onDone={reload} />
      <Card size="small" title="打印文书" className="om-no-print">
        <PrintDocs c={c} matter={matter} events={events} />
      </Card>
      <Card size="small" title="办理流程（并联审批）">
        <StepDiagram tasks={c.tasks} caseStatus={c.status} />
      </Card>
      <Row gutter={12}>
        <Col xs={24} xl={15}>
          <Card size="small" title="部门办理情况">
            <Table<TaskView>
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={c.tasks}
              columns={[
                { title: '部门', dataIndex: 'department', render: (d: string) => departmentName(d) },
                { title: '事项', dataIndex: 'service' },
                { title: '状态', dataIndex: 'status', render: (s: string) => <TaskStatusTag status={s} /> },
                { title: '时限', key: 'due', render: (_: unknown, t) => <Space size={4}><LightDot light={t.light} />{t.dueAt ? fmtDate(t.dueAt) : '—'}<ProvisionalTag provisional={t.provisional} /><PausedTag pausedBy={t.pausedBy} missing={materialNames(t.missingMaterials, matter?.materials)} /></Space> },
                { title: '法定时限', key: 'sdue', render: (_: unknown, t) => statutoryText(t) },
                { title: '办结', dataIndex: 'decidedAt', render: (v?: string) => fmtTime(v) },
                {
                  title: '结果',
                  key: 'output',
                  render: (_: unknown, t) =>
                    t.status !== 'approved' && t.reason ? (
                      <span>
                        {t.reason}
                        {t.missingMaterials?.length ? `（缺：${materialNames(t.missingMaterials, matter?.materials)}）` : ''}
                      </span>
                    ) : (
                      <OutputList output={t.output} schema={matter?.steps.find((s) => s.id === t.step)?.outputSchema} />
                    ),
                },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} xl={9}>
          <Card size="small" title="办理时间线" styles={{ body: { maxHeight: 420, overflow: 'auto' } }}>
            <CaseTimeline events={events} matter={matter} people={people} />
          </Card>
        </Col>
      </Row>
      <Tabs
        items={[
          { key: 'form', label: '申请表', children: <FormView form={c.form} schema={matter?.formSchema} /> },
          {
            key: 'materials',
            label: '已收材料',
            children: <div>{(matter?.materials ?? []).map((m) => <div key={m.code}>{c.materials.includes(m.code) ? '☑' : '☐'} {m.name}</div>)}</div>,
          },
        ]}
      />
    </Space>
  );
}

interface TimelineRow {
  at: string;
  title: string;
  detail?: string;
  color?: string;
}

/** The Chinese timeline route when the server has it; otherwise the events, said in Chinese. */
export function CaseTimeline({ events, timeline, matter, people = {} }: { events: StoredEvent[]; timeline?: unknown; matter?: MatterDetail | undefined; people?: Record<string, string> }) {
  const rows: TimelineRow[] = fromTimelineRoute(timeline) ?? events.map((e) => eventRow(e, matter, people));
  if (rows.length === 0) return <Empty description="暂无记录" />;
  return (
    <Timeline
      data-testid="timeline"
      items={rows.map((r, i) => ({
        key: i,
        color: r.color ?? 'blue',
        content: (
          <div>
            <div>
              <strong>{r.title}</strong> <span className="om-muted">{fmtTime(r.at)}</span>
            </div>
            {r.detail && <div className="om-muted">{r.detail}</div>}
          </div>
        ),
      }))}
    />
  );
}

function fromTimelineRoute(t: unknown): TimelineRow[] | undefined {
  const list = Array.isArray(t) ? t : Array.isArray((t as { items?: unknown })?.items) ? (t as { items: unknown[] }).items : Array.isArray((t as { entries?: unknown })?.entries) ? (t as { entries: unknown[] }).entries : undefined;
  if (!list || list.length === 0) return undefined;
  return list.map((x) => {
    const r = x as Record<string, unknown>;
    const str = (...keys: string[]) => keys.map((k) => r[k]).find((v): v is string => typeof v === 'string' && v.length > 0);
    const who = str('who', 'actorName', 'actor');
    const text = str('text', 'summary', 'description', 'detail', 'what');
    return { at: str('at', 'time', 'recordedAt', 'timestamp') ?? '', title: str('title', 'label', 'event') ?? text ?? '', detail: [title2(text, str('title', 'label')), who].filter(Boolean).join(' · ') || undefined };
  });
}
const title2 = (text: string | undefined, title: string | undefined) => (title && text && text !== title ? text : undefined);

/** One event as the clerk reads it: materials by name, outputs under their titles, people by name. */
function eventRow(e: StoredEvent, matter: MatterDetail | undefined, people: Record<string, string>): TimelineRow {
  const d = e.data;
  const dep = typeof d.department === 'string' ? departmentName(d.department) : '';
  const materials = (v: unknown) => materialNames(Array.isArray(v) ? (v as string[]) : [], matter?.materials);
  const withDep = (text: string) => [dep, text].filter(Boolean).join('：');
  let detail = '';
  let color = 'blue';
  switch (e.type) {
    case 'CaseStarted':
      detail = `${String((d.applicant as { name?: string } | undefined)?.name ?? '')}${Array.isArray(d.materials) ? `，收取材料 ${(d.materials as string[]).length} 项` : ''}`;
      break;
    case 'TaskDispatched':
      detail = `${dep}${d.service ? ` · ${String(d.service)}` : ''}`;
      break;
    case 'DecisionRecorded': {
      const asked = d.decision === 'supplement-required' && Array.isArray(d.missingMaterials) ? `，缺：${materials(d.missingMaterials)}` : '';
      detail = withDep(`${DECISIONS[String(d.decision)] ?? '其他决定'}${asked}${d.reason ? `（${String(d.reason)}）` : ''}`);
      color = d.decision === 'approved' ? 'green' : d.decision === 'rejected' ? 'red' : 'orange';
      break;
    }
    case 'TimeLimitExtended':
      detail = `${dep || '办件'}延长 ${String(d.workingDays)} 个工作日（${String(d.basis ?? '')}）· 批准：${String(d.approvedBy ?? '')}`;
      color = 'purple';
      break;
    case 'MaterialsNoticeIssued':
      detail = Array.isArray(d.missingMaterials) ? `缺：${materials(d.missingMaterials)}` : '';
      color = 'orange';
      break;
    case 'SupplementRequested':
      detail = withDep(Array.isArray(d.missingMaterials) ? materials(d.missingMaterials) : '');
      color = 'orange';
      break;
    case 'SupplementProvided':
      detail = Array.isArray(d.materials) ? materials(d.materials) : '';
      break;
    case 'ResultsIssued':
      detail = `${ISSUE_CHANNELS[String(d.channel)] ?? '其他方式'}${d.recipient ? `，收件人：${String(d.recipient)}` : ''}${d.trackingNumber ? `，快递单号 ${String(d.trackingNumber)}` : ''}`;
      color = 'green';
      break;
    case 'ReviewSubmitted':
      detail = `${String(d.rating ?? '')}（${REVIEW_CHANNELS[String(d.channel)] ?? '其他渠道'}）${d.comment ? `：${String(d.comment)}` : ''}`;
      color = d.rating === '不满意' || d.rating === '非常不满意' ? 'red' : 'green';
      break;
    case 'RectificationOpened':
      detail = `限 ${String(d.limitDays ?? '')} 个工作日${d.reason ? `：${String(d.reason)}` : ''}`;
      color = 'orange';
      break;
    case 'RectificationClosed':
      detail = `${String(d.measures ?? '')}；核实：${String(d.verifiedBy ?? '')}`;
      color = 'green';
      break;
    case 'CaseCompleted':
      color = 'green';
      break;
    case 'CaseRejected':
    case 'CaseWithdrawn':
      detail = typeof d.reason === 'string' ? d.reason : '';
      color = e.type === 'CaseRejected' ? 'red' : 'gray';
      break;
    case 'TimeLimitExceeded':
    case 'CaseEscalated':
      detail = dep;
      color = 'red';
      break;
    case 'TimeLimitWarning':
      detail = dep;
      color = 'orange';
      break;
    default:
      detail = dep;
  }
  const actor = typeof e.metadata?.actor === 'string' ? actorLabel(e.metadata.actor, people) : '';
  return { at: e.recordedAt, title: EVENT_NAMES[e.type] ?? '其他事件', detail: [detail, actor && `操作：${actor}`].filter(Boolean).join(' · '), color };
}

/** 补正, 撤回 and 统一出件 (the last only where the server offers it). */
function CaseActions({ c, matter, issueRoute, issued, reviewRoute, onDone }: { c: CaseView; matter: MatterDetail | undefined; issueRoute: string | undefined; issued: boolean; reviewRoute: string | undefined; onDone: () => Promise<void> }) {
  const materialName = (code: string) => matter?.materials.find((m) => m.code === code)?.name ?? code;
  const dialog = useActionDialog<'supplement' | 'withdraw' | 'issue' | 'review'>(onDone);
  const { open, setOpen, form, run } = dialog;
  const routeUrl = (r: string) => r.replace(/^POST /, '').replace('{id}', encodeURIComponent(c.id));
  const channel = Form.useWatch('channel', form) as string | undefined;
  const asked = [...new Set(c.tasks.flatMap((t) => (t.status === 'supplement-required' ? (t.missingMaterials ?? []) : [])))];
  const submit = async (v: FormValues) => {
    const base = `/api/v1/cases/${encodeURIComponent(c.id)}`;
    if (open === 'supplement') await run(`${base}/supplements`, { materials: v.materials, ...(v.note ? { note: v.note } : {}) }, '已记录补正材料，相关部门继续办理');
    if (open === 'withdraw') await run(`${base}/withdraw`, { reason: v.reason }, '已撤回申请');
    if (open === 'issue' && issueRoute) {
      await run(routeUrl(issueRoute), { channel: v.channel, ...(v.recipient ? { recipient: v.recipient } : {}), ...(v.trackingNumber ? { trackingNumber: v.trackingNumber } : {}), ...(v.note ? { note: v.note } : {}) }, '已统一出件');
    }
    if (open === 'review' && reviewRoute) await run(routeUrl(reviewRoute), { rating: v.rating, ...(v.comment ? { comment: v.comment } : {}), channel: 'window' }, '已记录评价');
  };
  return (
    <Space>
      {c.status === 'awaiting-supplement' && (
        <Button type="primary" onClick={() => { form.setFieldsValue({ materials: asked }); setOpen('supplement'); }}>
          补正材料
        </Button>
      )}
      {c.status === 'completed' && issueRoute && !issued && (
        <Button type="primary" onClick={() => setOpen('issue')} data-testid="issue-results">
          统一出件
        </Button>
      )}
      {c.status === 'completed' && issued && reviewRoute && <Button onClick={() => setOpen('review')}>记录评价</Button>}
      {!CLOSED.includes(c.status) && (
        <Button danger onClick={() => setOpen('withdraw')}>
          撤回申请
        </Button>
      )}
      <ActionDialog
        dialog={dialog}
        title={open === 'supplement' ? '记录补正材料' : open === 'withdraw' ? '撤回申请' : open === 'review' ? '记录申请人评价（好差评）' : '统一出件'}
        onSubmit={submit}
      >
        {open === 'supplement' && (
          <>
            <Form.Item name="materials" label="申请人已补交的材料" rules={[{ required: true, message: '至少选择一项补正材料' }]}>
              <Checkbox.Group options={(asked.length ? asked : c.materials).map((m) => ({ value: m, label: materialName(m) }))} />
            </Form.Item>
            <Form.Item name="note" label="备注">
              <Input.TextArea rows={2} />
            </Form.Item>
          </>
        )}
        {open === 'review' && (
          <>
            <Form.Item name="rating" label="评价" rules={[{ required: true, message: '请选择评价' }]}>
              <Select options={RATING_OPTIONS} />
            </Form.Item>
            <Form.Item name="comment" label="意见">
              <Input.TextArea rows={2} />
            </Form.Item>
          </>
        )}
        {open === 'withdraw' && (
          <Form.Item name="reason" label="撤回理由" rules={[{ required: true, whitespace: true, message: '撤回须说明理由' }]}>
            <Input.TextArea rows={3} placeholder="例如：申请人主动撤回" />
          </Form.Item>
        )}
        {open === 'issue' && (
          <>
            <Form.Item name="channel" label="出件方式" initialValue="window" rules={[{ required: true }]}>
              <Select options={[{ value: 'window', label: '窗口领取' }, { value: 'post', label: '邮寄送达' }, { value: 'online', label: '电子证照' }]} />
            </Form.Item>
            {channel === 'post' && (
              <>
                <Form.Item name="recipient" label="收件人及地址" rules={[{ required: true, whitespace: true, message: '邮寄须填写收件人及地址' }]}>
                  <Input />
                </Form.Item>
                <Form.Item name="trackingNumber" label="快递单号">
                  <Input />
                </Form.Item>
              </>
            )}
            <Form.Item name="note" label="备注">
              <Input.TextArea rows={2} />
            </Form.Item>
          </>
        )}
      </ActionDialog>
    </Space>
  );
}

/** The materials a 补正 waits for: those of one step, or of every step asking. */
const missingOf = (c: CaseView, matter: MatterDetail | undefined, step?: string): string =>
  materialNames([...new Set(c.tasks.filter((t) => t.status === 'supplement-required' && (!step || t.step === step)).flatMap((t) => t.missingMaterials ?? []))], matter?.materials);

/** 法定时限 as a clerk reads it: the due date (with any 延长), or 无法定时限 where no law sets one. */
function statutoryText(c: { statutoryDays?: number | null; statutoryDueAt?: string | null; extendedWorkingDays?: number }, fallbackDays?: number | null): string {
  const days = c.statutoryDays !== undefined ? c.statutoryDays : fallbackDays;
  if (days === null) return '无法定时限';
  const extended = c.extendedWorkingDays ? `（已延长 ${c.extendedWorkingDays} 个工作日）` : '';
  if (c.statutoryDueAt) return `${fmtDate(c.statutoryDueAt)}${extended}`;
  return days !== undefined ? `${days} 个工作日` : '—';
}
