import { Alert, Button, Card, Checkbox, Col, Descriptions, Form, Input, Radio, Row, Select, Space, Statistic, Table, Tag } from 'antd';
import type { ModeRow } from '@onematter/engine';
import { CHANNELS, channelName, DELIVERY_CHANNELS, departmentName, fmtDate, fmtTime, VISIT_PURPOSES } from '../labels';
import type { CaseView, Me, MatterDetail } from '../types';
import { ActionDialog, useActionDialog, type FormValues } from './ActionDialog';
import { LightDot } from './bits';

/**
 * The service modes (issue 15) in the workbench: what the window chooses when it starts a
 * case, what a case shows and lets each role do, and the supervisor's numbers. Kept apart
 * from the pages they sit in.
 */

type Modes = CaseView['modes'];

// ---------------------------------------------------------------------------------------------
// 综合窗口: channel, 即办, 容缺, 帮办代办 on the application

export interface WindowModeValues {
  channel?: string;
  onTheSpot?: boolean;
  officer?: string;
  deferred?: string[];
  signedBy?: string;
  statement?: string;
  agentName?: string;
  authorisation?: string;
}

/** Materials the window may accept without (容缺): required, deferrable and not ticked. */
export const deferrableMissing = (matter: MatterDetail, checked: readonly string[]) => matter.materials.filter((m) => m.required && m.deferrable && !checked.includes(m.code));

/** The mode fields of the application form (inside the window page's Form, under `modes`). */
export function WindowModeFields({ matter, checked, agent, values }: { matter: MatterDetail; checked: readonly string[]; agent: boolean; values: WindowModeValues | undefined }) {
  const deferrable = deferrableMissing(matter, checked);
  const spotPossible = matter.onTheSpot != null || matter.steps.some((s) => s.onTheSpot != null);
  return (
    <fieldset className="om-group" data-testid="window-modes">
      <legend>办理方式</legend>
      <Row gutter={16}>
        <Col xs={24} sm={12}>
          <Form.Item name={['modes', 'channel']} label="办理渠道" initialValue={agent ? 'home-visit' : 'window'}>
            <Select options={CHANNELS} />
          </Form.Item>
        </Col>
        {spotPossible && (
          <Col xs={24} sm={12}>
            <Form.Item name={['modes', 'onTheSpot']} label="即办件" valuePropName="checked">
              <Checkbox data-testid="on-the-spot">窗口当场办结（符合即办条件的环节不再派发部门）</Checkbox>
            </Form.Item>
          </Col>
        )}
        {values?.onTheSpot && (
          <Col xs={24} sm={12}>
            <Form.Item name={['modes', 'officer']} label="当场办结的窗口人员" rules={[{ required: true, whitespace: true, message: '请填写窗口人员' }]}>
              <Input />
            </Form.Item>
          </Col>
        )}
      </Row>
      {deferrable.length > 0 && (
        <>
          <Form.Item name={['modes', 'deferred']} label="容缺受理（申请人承诺限期补交）">
            <Checkbox.Group data-testid="deferred" options={deferrable.map((m) => ({ value: m.code, label: `${m.name}（${m.promiseDays} 个工作日内补交）` }))} />
          </Form.Item>
          {(values?.deferred?.length ?? 0) > 0 && (
            <Row gutter={16}>
              <Col xs={24} sm={8}>
                <Form.Item name={['modes', 'signedBy']} label="承诺人（签字）" rules={[{ required: true, whitespace: true, message: '容缺受理须申请人签署承诺书' }]}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={24} sm={16}>
                <Form.Item name={['modes', 'statement']} label="承诺内容" initialValue="本人承诺在期限内补交上述材料，逾期未补交的，同意撤销受理；补齐前不领取办理结果。" rules={[{ required: true, whitespace: true }]}>
                  <Input.TextArea rows={2} />
                </Form.Item>
              </Col>
            </Row>
          )}
        </>
      )}
      {agent && (
        <Row gutter={16}>
          <Col xs={24} sm={12}>
            <Form.Item name={['modes', 'agentName']} label="代办员姓名" rules={[{ required: true, whitespace: true, message: '请填写代办员姓名' }]}>
              <Input />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name={['modes', 'authorisation']} label="授权委托书编号" rules={[{ required: true, whitespace: true, message: '代办须提交申请人的授权委托书' }]}>
              <Input />
            </Form.Item>
          </Col>
        </Row>
      )}
    </fieldset>
  );
}

/** The request members the mode fields add to POST /cases (即办 takes each step's example output as its result). */
export function windowModeRequest(matter: MatterDetail, v: WindowModeValues | undefined): Record<string, unknown> {
  if (!v) return {};
  const outputs = Object.fromEntries(matter.steps.filter((s) => s.outputExample).map((s) => [s.id, s.outputExample]));
  return {
    ...(v.channel ? { channel: v.channel } : {}),
    ...(v.onTheSpot ? { onTheSpot: { officer: v.officer ?? '', outputs } } : {}),
    ...(v.deferred?.length ? { deferred: { materials: v.deferred, signedBy: v.signedBy ?? '', statement: v.statement ?? '' } } : {}),
    ...(v.agentName || v.authorisation ? { agent: { name: v.agentName ?? '', authorisation: v.authorisation ?? '' } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// 办件详情: the modes of a case, and their actions

const CHECK_STATE: Record<string, { text: string; color: string }> = {
  due: { text: '待核查', color: 'processing' },
  passed: { text: '核查通过', color: 'success' },
  failed: { text: '核查不实，已撤销', color: 'error' },
};
const PROMISE_STATE: Record<string, { text: string; color: string }> = {
  open: { text: '待补交', color: 'warning' },
  kept: { text: '已补齐', color: 'success' },
  revoked: { text: '逾期，已撤销受理', color: 'error' },
};

/** Whether a case has anything to show under 办理方式. */
const hasModes = (m: Modes | undefined): m is Modes =>
  Boolean(m && (m.onTheSpotSteps.length || m.channel || m.agent || m.trigger || m.visits.length || m.deferred || m.checks.length || m.deliveries.length));

export function CaseModesCard({ c, me, matter, onDone }: { c: CaseView; me: Me; matter: MatterDetail | undefined; onDone: () => Promise<void> }) {
  const m = c.modes;
  const dialog = useActionDialog<'visit' | 'deferred' | { check: string }>(onDone);
  const { open, setOpen, form, run } = dialog;
  if (!hasModes(m)) return null;
  const atWindow = me.authDisabled || me.role === 'clerk' || me.role === 'admin';
  const checker = me.authDisabled || me.role === 'department' || me.role === 'supervisor' || me.role === 'admin';
  const base = `/api/v1/cases/${encodeURIComponent(c.id)}`;
  const materialName = (code: string) => matter?.materials.find((x) => x.code === code)?.name ?? code;
  const serviceOf = (step: string) => c.tasks.find((t) => t.step === step)?.service ?? step;
  const submit = async (v: FormValues) => {
    if (open === 'visit') await run(`${base}/visits`, { purpose: v.purpose, ...(v.note ? { note: v.note } : {}) }, '已登记跑动');
    else if (open === 'deferred') await run(`${base}/deferred-materials`, { materials: v.materials }, '已记录补交的容缺材料');
    else if (open) await run(`${base}/compliance-checks/${encodeURIComponent(open.check)}`, { outcome: v.outcome, findings: v.findings, checkedBy: v.checkedBy }, '已记录核查结果');
  };
  const d = m.deferred;
  return (
    <Card
      size="small"
      title="办理方式"
      data-testid="case-modes"
      extra={
        atWindow && (
          <Space>
            <Button size="small" onClick={() => setOpen('visit')}>登记跑动</Button>
            {d?.state === 'open' && <Button size="small" type="primary" onClick={() => { form.setFieldsValue({ materials: d.outstanding }); setOpen('deferred'); }}>补交容缺材料</Button>}
          </Space>
        )
      }
    >
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 2, lg: 3 }}
        items={[
          { key: 'channel', label: '办理渠道', children: channelName(m.channel) },
          { key: 'spot', label: '即办件', children: m.onTheSpot ? <Tag color="success">窗口当场办结（{m.onTheSpotSteps.length} 个环节）</Tag> : m.onTheSpotSteps.length ? `当场办结 ${m.onTheSpotSteps.map(serviceOf).join('、')}` : '否（承诺件）' },
          { key: 'visits', label: '跑动次数', children: `${m.visits.length} 次` },
          ...(m.agent ? [{ key: 'agent', label: '帮办代办', children: `${m.agent.name}（授权委托书 ${m.agent.authorisation}）` }] : []),
          ...(m.agent ? [{ key: 'review', label: '申请人确认', children: m.applicantReview ? `${m.applicantReview.agreed ? '已确认' : '有异议'}${m.applicantReview.comment ? `：${m.applicantReview.comment}` : ''}` : '待申请人确认' }] : []),
          ...(m.trigger ? [{ key: 'trigger', label: '免申即办', children: `由数据事件 ${m.trigger.eventId} 自动发起` }] : []),
        ]}
      />
      {d && (
        <Alert
          style={{ marginTop: 8 }}
          type={d.state === 'kept' ? 'success' : d.state === 'revoked' || d.light === 'red' ? 'error' : 'warning'}
          showIcon
          title={
            <Space wrap>
              <span>容缺受理：{d.materials.map(materialName).join('、')}</span>
              <Tag color={PROMISE_STATE[d.state]!.color}>{PROMISE_STATE[d.state]!.text}</Tag>
              {d.state === 'open' && <span><LightDot light={d.light ?? null} /> 承诺 {fmtDate(d.dueAt ?? undefined)} 前补交</span>}
            </Space>
          }
          description={`承诺人 ${d.signedBy}：${d.statement}${m.resultsHeld ? '（补齐前办理结果暂不发放）' : ''}`}
        />
      )}
      {m.checks.length > 0 && (
        <Table
          style={{ marginTop: 8 }}
          size="small"
          rowKey="checkId"
          pagination={false}
          dataSource={m.checks}
          columns={[
            { title: '告知承诺事项', key: 'service', render: (_: unknown, k) => `${departmentName(k.department)} · ${k.service}` },
            { title: '核查期限', key: 'due', render: (_: unknown, k) => <Space size={4}>{k.state === 'due' && <LightDot light={k.light ?? null} />}{fmtDate(k.dueAt ?? undefined)}</Space> },
            { title: '状态', key: 'state', render: (_: unknown, k) => <Tag color={CHECK_STATE[k.state]!.color}>{CHECK_STATE[k.state]!.text}</Tag> },
            { title: '核查情况', key: 'findings', render: (_: unknown, k) => (k.findings ? `${k.findings}（${k.checkedBy}，${fmtTime(k.checkedAt)}）` : '—') },
            {
              title: '',
              key: 'act',
              render: (_: unknown, k) => checker && k.state === 'due' && (me.authDisabled || me.role !== 'department' || me.department === k.department) && (
                <Button size="small" onClick={() => setOpen({ check: k.checkId })}>记录核查结果</Button>
              ),
            },
          ]}
        />
      )}
      {m.deliveries.length > 0 && (
        <div style={{ marginTop: 8 }} className="om-muted">
          出件：
          {m.deliveries.map((x) => `${serviceOf(x.step)} ${DELIVERY_CHANNELS[x.channel] ?? x.channel}${x.post ? `（${x.post.carrier} ${x.post.trackingNumber}${x.confirmedAt ? '，已签收' : ''}）` : ''}${x.licence ? `（${x.licence.number}）` : ''}`).join('；')}
        </div>
      )}
      <ActionDialog dialog={dialog} title={open === 'visit' ? '登记申请人跑动' : open === 'deferred' ? '补交容缺材料' : '记录事中事后核查结果'} onSubmit={submit}>
        {open === 'visit' && (
          <>
            <Form.Item name="purpose" label="事由" initialValue="supplement" rules={[{ required: true }]}>
              <Select options={VISIT_PURPOSES} />
            </Form.Item>
            <Form.Item name="note" label="备注">
              <Input />
            </Form.Item>
          </>
        )}
        {open === 'deferred' && d && (
          <Form.Item name="materials" label="申请人补交的容缺材料" rules={[{ required: true, message: '至少选择一项' }]}>
            <Checkbox.Group options={d.outstanding.map((code) => ({ value: code, label: materialName(code) }))} />
          </Form.Item>
        )}
        {typeof open === 'object' && <CheckFields />}
      </ActionDialog>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// 督办看板: the modes' numbers

const share = (v: number | null) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);

/** 即办件占比, 跑动, 容缺, 告知承诺, 帮办代办, 免申即办 and 出件方式 at a glance (docs/supervision.md). */
export function ModeNumbersCard({ modes }: { modes: ModeRow | undefined }) {
  if (!modes) return null;
  const r = modes.resultsByChannel;
  const tiles: { key: string; title: string; value: string | number; note: string; warn?: boolean }[] = [
    { key: 'spot', title: '即办件占比', value: share(modes.onTheSpotShare), note: `${modes.onTheSpot} / ${modes.cases} 件（目标 ≥ 40%）` },
    { key: 'visits', title: '平均跑动次数', value: modes.avgVisitsPerCase == null ? '—' : modes.avgVisitsPerCase.toFixed(2), note: `共 ${modes.visits} 次（目标 ≤ 0.1）`, warn: (modes.avgVisitsPerCase ?? 0) > 0.1 },
    { key: 'deferred', title: '容缺承诺', value: `${modes.deferred.open} 待补`, note: `逾期 ${modes.deferred.overdue} · 已兑现 ${modes.deferred.kept} · 撤销 ${modes.deferred.revoked}`, warn: modes.deferred.overdue > 0 },
    { key: 'checks', title: '告知承诺核查', value: `${modes.checks.due} 待核查`, note: `逾期 ${modes.checks.overdue} · 不实撤销 ${modes.checks.failed} · 通过 ${modes.checks.passed}`, warn: modes.checks.overdue > 0 },
    { key: 'proxy', title: '帮办代办 / 免申即办', value: `${modes.proxy} / ${modes.noApplication}`, note: '件' },
    { key: 'zero', title: '零跑动 / 全程网办', value: `${modes.zeroVisit} / ${modes.fullyOnline}`, note: '件（未到窗口 / 网上申请且未到窗口）' },
    { key: 'results', title: '出件方式', value: `${r['e-licence'] + r.post} 件免到窗口`, note: `电子证照 ${r['e-licence']} · 邮寄 ${r.post}（签收 ${r.postDelivered}）· 窗口 ${r.window}` },
  ];
  return (
    <Card size="small" title="办理模式指标" data-testid="mode-numbers">
      <Row gutter={[12, 12]}>
        {tiles.map((t) => (
          <Col xs={12} sm={8} lg={4} key={t.key}>
            <Statistic title={t.title} value={t.value} valueStyle={t.warn ? { color: '#ff4d4f' } : undefined} data-testid={`mode-${t.key}`} />
            <div className="om-muted">{t.note}</div>
          </Col>
        ))}
      </Row>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// 部门待办: the department's 告知承诺 checks

interface CheckItem {
  caseId: string;
  checkId: string;
  service: string;
  approvedAt: string;
  dueAt: string | null;
  light: 'green' | 'yellow' | 'red' | null;
}

/** 事中事后核查's result: passed, or failed (the approval is revoked and its result withdrawn). */
function CheckFields() {
  return (
    <>
      <Form.Item name="outcome" label="核查结论" rules={[{ required: true, message: '请选择核查结论' }]}>
        <Radio.Group options={[{ value: 'passed', label: '核查通过' }, { value: 'failed', label: '承诺不实（撤销审批，收回结果）' }]} />
      </Form.Item>
      <Form.Item name="findings" label="核查情况" rules={[{ required: true, whitespace: true, message: '请填写核查情况' }]}>
        <Input.TextArea rows={3} />
      </Form.Item>
      <Form.Item name="checkedBy" label="核查人" rules={[{ required: true, whitespace: true, message: '请填写核查人' }]}>
        <Input />
      </Form.Item>
    </>
  );
}

/**
 * 核查待办: the checks this department still owes, oldest limit first, each with its limit
 * and light; a department records the result here (or on the case page).
 */
export function ComplianceChecksCard({ items, canRecord, onDone }: { items: CheckItem[] | undefined; canRecord: boolean; onDone: () => Promise<void> }) {
  const dialog = useActionDialog<CheckItem>(onDone);
  const { open, setOpen, run } = dialog;
  if (!items || items.length === 0) return null;
  const submit = async (v: FormValues, item: CheckItem) => {
    await run(
      `/api/v1/cases/${encodeURIComponent(item.caseId)}/compliance-checks/${encodeURIComponent(item.checkId)}`,
      { outcome: v.outcome, findings: v.findings, checkedBy: v.checkedBy },
      v.outcome === 'passed' ? '已记录：核查通过' : '已记录：承诺不实，审批已撤销、结果已收回',
    );
  };
  return (
    <Card size="small" title={`事中事后核查待办（告知承诺，${items.length} 项）`} style={{ marginTop: 12 }} data-testid="check-queue">
      <Table<CheckItem>
        size="small"
        rowKey={(r) => `${r.caseId}/${r.checkId}`}
        pagination={false}
        dataSource={items}
        columns={[
          { title: '办件编号', dataIndex: 'caseId', render: (id: string) => <a href={`#/cases/${id}`}>{id.slice(0, 8)}</a> },
          { title: '告知承诺事项', dataIndex: 'service' },
          { title: '审批时间', dataIndex: 'approvedAt', render: (v: string) => fmtTime(v) },
          { title: '核查期限', key: 'due', render: (_: unknown, r) => <Space size={4}><LightDot light={r.light} />{fmtDate(r.dueAt)}</Space> },
          ...(canRecord
            ? [{ title: '操作', key: 'act', render: (_: unknown, r: CheckItem) => <Button size="small" type="primary" onClick={() => setOpen(r)} data-testid={`record-check-${r.checkId}`} data-case={r.caseId}>记录核查结果</Button> }]
            : []),
        ]}
      />
      <ActionDialog dialog={dialog} title={open ? `记录事中事后核查结果 · ${open.service}` : ''} name="check" onSubmit={submit}>
        <CheckFields />
      </ActionDialog>
    </Card>
  );
}
