import { Alert, Card, Col, Descriptions, Empty, Row, Select, Slider, Space, Spin, Table, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { get, getIfPresent, messageOf } from '../api';
import { CaseStatusTag, TaskStatusTag } from '../components/bits';
import { StepDiagram } from '../components/StepDiagram';
import { findRoute, navigate, usePeople, useRoute, useRoutes } from '../hooks';
import { actorLabel, caseNo, departmentName, EVENT_NAMES, fmtTime, problemKind } from '../labels';
import type { CaseSummary, CaseVerification, CaseView, MatterDetail, MatterStep, Page, StoredEvent, TaskView } from '../types';
import { verifyChain, type ChainCheck } from '../verify';

/** 审计: a case's history, replayed as of any event, and its hash chain verified. */
export function AuditPage() {
  const { query } = useRoute();
  const caseId = query.get('case') ?? undefined;
  const routes = useRoutes();
  const people = usePeople();
  const stateRoute = findRoute(routes, /^GET \/api\/v1\/cases\/\{id\}\/state$/);
  const timelineRoute = findRoute(routes, /^GET \/api\/v1\/cases\/\{id\}\/timeline$/);
  const verifyRoute = findRoute(routes, /^GET \/api\/v1\/(cases\/\{id\}\/verif(y|ication)|audit\/cases\/\{id\}\/verify|audit\/verify\/\{id\})$/);
  const [recent, setRecent] = useState<CaseSummary[]>([]);
  const [events, setEvents] = useState<StoredEvent[]>();
  const [error, setError] = useState<unknown>();
  const [position, setPosition] = useState(0);
  const [replayed, setReplayed] = useState<{ view?: CaseView; source: 'server' | 'browser' }>();
  const [check, setCheck] = useState<ChainCheck>();
  const [serverCheck, setServerCheck] = useState<CaseVerification>();
  const [steps, setSteps] = useState<MatterStep[]>([]);
  const [notes, setNotes] = useState<Map<number, string>>(new Map());

  useEffect(() => {
    void get<Page<CaseSummary>>('/api/v1/cases?limit=100').then((p) => setRecent(p.items)).catch(() => undefined);
  }, []);
  useEffect(() => {
    setEvents(undefined);
    setCheck(undefined);
    setServerCheck(undefined);
    setError(undefined);
    if (!caseId) return;
    void get<StoredEvent[]>(`/api/v1/cases/${encodeURIComponent(caseId)}/events`)
      .then(async (es) => {
        const started = es[0]?.data as { matter?: string; matterVersion?: number } | undefined;
        if (started?.matter) {
          const m = await get<MatterDetail>(`/api/v1/matters/${started.matter}?version=${started.matterVersion ?? 1}`).catch(() => undefined);
          setSteps(m?.steps ?? []);
        }
        setEvents(es);
        setPosition(es.length - 1);
        setCheck(await verifyChain(caseId, es));
      })
      .catch(setError);
  }, [caseId]);
  useEffect(() => {
    if (!caseId || !verifyRoute) return;
    void getIfPresent<CaseVerification>(verifyRoute.replace(/^GET /, '').replace('{id}', encodeURIComponent(caseId)) + REASON)
      .then(setServerCheck)
      .catch(() => undefined);
  }, [caseId, verifyRoute]);
  useEffect(() => {
    setNotes(new Map());
    if (!caseId || !timelineRoute) return;
    void getIfPresent<{ entries?: { position: number; text: string }[] }>(`/api/v1/cases/${encodeURIComponent(caseId)}/timeline${REASON}`)
      .then((t) => setNotes(new Map((t?.entries ?? []).map((e) => [e.position, e.text]))))
      .catch(() => undefined);
  }, [caseId, timelineRoute]);
  useEffect(() => {
    if (!caseId || !events?.length) return;
    let cancelled = false;
    const t = setTimeout(async () => {
      if (stateRoute) {
        const s = await getIfPresent<Record<string, unknown>>(`/api/v1/cases/${encodeURIComponent(caseId)}/state${REASON}&position=${position}`).catch(() => undefined);
        const view = (s && ((s.state as CaseView) ?? (s.case as CaseView) ?? (s as unknown as CaseView))) || undefined;
        if (!cancelled && view?.tasks) return setReplayed({ view, source: 'server' });
      }
      if (!cancelled) setReplayed({ view: foldInBrowser(events.slice(0, position + 1), steps), source: 'browser' });
    }, 150);
    return () => {
      cancelled = true;
      clearTimeout(t);
    };
  }, [caseId, events, position, stateRoute, steps]);

  const options = useMemo(() => recent.map((c) => ({ value: c.id, label: `${caseNo(c)} · ${c.applicantName}` })), [recent]);
  const at = events?.[position];

  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      <Card size="small" title="审计 · 办件历史回放">
        <Space wrap>
          <span>办件</span>
          <Select
            showSearch
            style={{ width: 420, maxWidth: 'calc(100vw - 96px)' }}
            placeholder="选择或输入办件编号"
            value={caseId}
            options={caseId && !options.some((o) => o.value === caseId) ? [{ value: caseId, label: caseId }, ...options] : options}
            onChange={(v: string) => navigate(`/audit?case=${encodeURIComponent(v)}`)}
            onSearch={(v) => /^[0-9a-f-]{36}$/i.test(v.trim()) && navigate(`/audit?case=${v.trim()}`)}
            filterOption={(input, o) => String(o?.label ?? '').toLowerCase().includes(input.toLowerCase()) || String(o?.value).includes(input)}
            data-testid="audit-case"
          />
        </Space>
      </Card>
      {error !== undefined && <Alert type="error" title={messageOf(error)} />}
      {/* A case whose events are gone: the server's verification still says what the store's records show. */}
      {serverCheck !== undefined && !events?.length && (error !== undefined || events) && <ServerVerify result={serverCheck} />}
      {!caseId && <Empty description="请选择一个办件" />}
      {caseId && !events && !error && <Spin />}
      {events && events.length > 0 && (
        <>
          <Card size="small" title="哈希链校验">
            <Space orientation="vertical">
              {check ? (
                <Alert
                  data-testid="verify-result"
                  type={check.ok ? 'success' : 'error'}
                  showIcon
                  title={check.ok ? `校验通过：${check.checked} 个事件的哈希链完整，未被篡改或删除（浏览器独立校验）` : `校验失败：第 ${check.badPosition} 号事件 — ${check.reason}`}
                />
              ) : (
                <Spin size="small" />
              )}
              {serverCheck !== undefined && <ServerVerify result={serverCheck} />}
            </Space>
          </Card>
          <Card size="small" title={`回放至第 ${position} 号事件：${at ? (EVENT_NAMES[at.type] ?? '其他事件') : ''}（${fmtTime(at?.recordedAt)}）`}>
            <Slider min={0} max={events.length - 1} value={position} onChange={(v: number) => setPosition(v)} marks={{ 0: '受理', [events.length - 1]: '最新' }} data-testid="replay-slider" />
            {replayed?.view ? (
              <>
                <Descriptions
                  size="small"
                  column={{ xs: 1, sm: 2, lg: 3 }}
                  items={[
                    { key: 's', label: '当时状态', children: <CaseStatusTag status={replayed.view.status} /> },
                    { key: 'r', label: '版本', children: `第 ${position + 1} / ${events.length} 个事件` },
                    { key: 'src', label: '回放方式', children: replayed.source === 'server' ? '服务端引擎回放（与实时处理同一折叠）' : '浏览器端简易回放' },
                  ]}
                />
                <StepDiagram tasks={replayed.view.tasks} caseStatus={replayed.view.status} />
              </>
            ) : (
              <Spin />
            )}
          </Card>
          <Card size="small" title="事件记录">
            <Table<StoredEvent>
              size="small"
              rowKey="position"
              pagination={false}
              dataSource={events}
              rowClassName={(e) => (e.position > position ? 'om-future' : e.position === position ? 'om-current' : '')}
              onRow={(e) => ({ onClick: () => setPosition(e.position), style: { cursor: 'pointer' } })}
              columns={[
                { title: '#', dataIndex: 'position', width: 50 },
                { title: '时间', dataIndex: 'recordedAt', render: fmtTime, width: 170 },
                // The note is the one column that wraps (at least 16 characters wide, three lines; the event replayed to shows all of it).
                { title: '事件', dataIndex: 'type', className: 'om-nowrap', render: (t: string) => EVENT_NAMES[t] ?? '其他事件' },
                ...(notes.size ? [{ title: '说明', key: 'n', render: (_: unknown, e: StoredEvent) => <span className="om-muted om-note" title={notes.get(e.position)}>{notes.get(e.position) ?? ''}</span> }] : []),
                { title: '部门', key: 'd', className: 'om-nowrap', render: (_: unknown, e) => (typeof e.data.department === 'string' ? departmentName(e.data.department) : '') },
                { title: '操作方', key: 'a', className: 'om-nowrap', render: (_: unknown, e) => <Typography.Text type="secondary">{actorLabel(String(e.metadata?.actor ?? ''), people)}</Typography.Text> },
                { title: '哈希', dataIndex: 'hash', render: (h: string) => <code title={h} style={{ whiteSpace: 'nowrap' }}>{h.slice(0, 12)}…</code> },
              ]}
            />
          </Card>
        </>
      )}
    </Space>
  );
}

/** Every read on the audit routes is logged with a reason (审计事由). */
const REASON = `?reason=${encodeURIComponent('工作台审计回放')}`;

function ServerVerify({ result: v }: { result: CaseVerification }) {
  if (v.intact) {
    return <Alert type="success" showIcon data-testid="server-verify-result" title={`服务端校验通过：${v.events} 个事件的哈希链完整${v.anchored > 0 ? `，与 ${v.anchored} 个每日锚点一致` : '，尚无每日锚点覆盖'}`} />;
  }
  const p = v.problem;
  const kind = p ? problemKind(p.reason) : undefined;
  const title = p
    ? `服务端校验失败：第 ${p.position} 号事件起${kind}（${p.reason}）`
    : `服务端校验失败：第 ${v.badSnapshots.join('、')} 号事件处的案件快照与事件不一致`;
  return <Alert type="error" showIcon title={title} data-testid="server-verify-result" />;
}

/** A display-only replay of what the events say (the server's /state route is the authority where present). */
function foldInBrowser(events: StoredEvent[], steps: MatterStep[]): CaseView | undefined {
  const first = events[0];
  if (!first || first.type !== 'CaseStarted') return undefined;
  const d = first.data as Record<string, unknown>;
  const tasks = new Map<string, TaskView>();
  for (const s of steps) tasks.set(s.id, { id: `${first.data.caseId}.${s.id}`, step: s.id, department: s.department, service: s.service, status: 'waiting', dependsOn: s.dependsOn ?? [], attempts: 0 });
  let status: CaseView['status'] = 'in-progress';
  for (const e of events.slice(1)) {
    const x = e.data as Record<string, string>;
    const step = x.step ?? '';
    const t = tasks.get(step) ?? (step ? { id: x.taskId ?? step, step, department: x.department ?? '', service: x.service ?? '', status: 'waiting', dependsOn: [], attempts: 0 } : undefined);
    if (t && step) tasks.set(step, t);
    if (e.type === 'TaskDispatched' && t) t.status = 'pending';
    if (e.type === 'DecisionRecorded' && t) t.status = (x.decision as TaskView['status'] | undefined) ?? t.status;
    if (e.type === 'TaskCancelled' && t) t.status = 'cancelled';
    if (e.type === 'SupplementRequested') status = 'awaiting-supplement';
    if (e.type === 'SupplementProvided') {
      status = 'in-progress';
      for (const tt of tasks.values()) if (tt.status === 'supplement-required') tt.status = 'pending';
    }
    if (e.type === 'CaseCompleted') status = 'completed';
    if (e.type === 'CaseRejected') status = 'rejected';
    if (e.type === 'CaseWithdrawn') status = 'withdrawn';
  }
  return { id: String(d.caseId ?? ''), matter: String(d.matter ?? ''), matterName: '', matterVersion: Number(d.matterVersion ?? 1), status, applicant: d.applicant as CaseView['applicant'], form: {}, materials: [], createdAt: first.recordedAt, updatedAt: first.recordedAt, revision: events.length - 1, tasks: [...tasks.values()], outputs: {}, reviews: [], rectifications: [], modes: { onTheSpot: false, onTheSpotSteps: [], channel: null, agent: null, applicantReview: null, trigger: null, visits: [], deferred: null, resultsHeld: false, checks: [], deliveries: [] } };
}
