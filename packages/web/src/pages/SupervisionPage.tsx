import { Alert, Card, Col, Empty, Row, Space, Statistic, Table, Typography } from 'antd';
import { get, getIfPresent, messageOf } from '../api';
import { HBarChart, Ring } from '../components/Charts';
import { CaseNoLink, LightDot } from '../components/bits';
import type { ModeNumbers } from '@onematter/engine';
import { ModeNumbersCard } from '../components/Modes';
import { navigate, useMatterNames, usePoll } from '../hooks';
import { CASE_STATUS, departmentName, fmtDate, fmtTime, LIGHTS } from '../labels';
import type { CaseSummary, Light, Page } from '../types';

interface LightCounts {
  green?: number;
  yellow?: number;
  red?: number;
  unknown?: number;
}
interface Overview {
  asOf?: string;
  cases?: { open?: number; byLight?: LightCounts };
  tasks?: { open?: number; byLight?: LightCounts };
  byMatter?: { matter: string; name?: string; open?: number; byLight?: LightCounts }[];
  byDepartment?: { department: string; open?: number; byLight?: LightCounts }[];
  modes?: ModeNumbers;
  /** The fourth group: open cases whose light is unknown, by reason. */
  unknown?: { cases: number; reasons: { reason: string; cases: number; caseIds: string[] }[] };
  /** 好差评 so far. */
  reviews?: { total: number; bad: number; badShare: number | null; byRating?: Record<string, number> };
  /** 整改 of the 差评. */
  rectifications?: { opened: number; open: number; overdue: number; closed: number; closedOnTime?: number; closedLate?: number; rectifiedRate?: number | null };
}
interface StatsRow {
  concluded?: number;
  onTime?: number;
  late?: number;
  onTimeRate?: number | null;
  compressionRatio?: number | null;
  committedCompressionRatio?: number | null;
  avgUsedWorkingDays?: number | null;
  avgStatutoryDays?: number | null;
}
interface Stats {
  overall?: StatsRow;
  byMatter?: ({ matter: string; name?: string } & StatsRow)[];
  byDepartment?: ({ department: string } & StatsRow)[];
}
interface Supervised {
  id: string;
  caseNumber?: string;
  matter: string;
  status: string;
  startedAt?: string;
  worstLight?: Light | null;
  dueAt?: string | null;
  escalations?: number;
  tasks?: { department: string; light?: Light | null; dueAt?: string | null }[];
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const WORST = 10;

/** 督办看板: lights, overdue by department, on-time rate and compression ratio. */
export function SupervisionPage() {
  const matterNames = useMatterNames();
  const { data, error } = usePoll(
    async () => {
      const [overview, stats, red, list] = await Promise.all([
        getIfPresent<Overview>('/api/v1/supervision/overview'),
        getIfPresent<Stats>('/api/v1/supervision/stats'),
        getIfPresent<Page<Supervised>>('/api/v1/supervision/cases?light=red&limit=20'),
        get<Page<CaseSummary>>('/api/v1/cases?limit=500'),
      ]);
      return { overview, stats, red, list };
    },
    5000,
  );
  if (!data) return error ? <Alert type="error" title={messageOf(error)} /> : <Card loading />;
  const { overview, stats, red, list } = data;
  const numbers = new Map(list.items.flatMap((c) => (c.caseNumber ? [[c.id, c.caseNumber] as const] : [])));
  const byStatus = Object.fromEntries(Object.keys(CASE_STATUS).map((s) => [s, list.items.filter((c) => c.status === s).length]));
  const lights = overview?.cases?.byLight ?? {};
  const deps = (overview?.byDepartment ?? []).filter((d) => (d.byLight?.red ?? 0) + (d.byLight?.yellow ?? 0) + (d.byLight?.green ?? 0) > 0);
  // Rows whose rate is unknown (a limit past the calendar's last year) are left out rather than drawn as 0.
  const depStats = (stats?.byDepartment ?? []).filter((d) => (d.concluded ?? 0) > 0 && d.onTimeRate != null);
  const matterStats = (stats?.byMatter ?? []).filter((d) => (d.concluded ?? 0) > 0 && d.onTimeRate != null);

  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      {!overview && <Alert type="info" showIcon title="时限督办接口暂未提供，以下仅显示办件状态统计。" />}
      <Row gutter={[12, 12]}>
        {(['green', 'yellow', 'red'] as const).map((l) => (
          <Col xs={12} sm={8} lg={6} xl={3} key={l}>
            <Card size="small">
              <Statistic title={<Space size={4}><LightDot light={l} />{LIGHTS[l]!.text}</Space>} value={lights[l] ?? 0} suffix="件" valueStyle={{ color: LIGHTS[l]!.color }} data-testid={`count-${l}`} />
              <div className="om-muted">部门任务 {overview?.tasks?.byLight?.[l] ?? 0} 项</div>
            </Card>
          </Col>
        ))}
        {overview && <UnknownLightCard overview={overview} />}
        <Col xs={12} sm={8} lg={6} xl={3}>
          <Card size="small">
            <Statistic title="在办" value={overview?.cases?.open ?? byStatus['in-progress']! + byStatus['awaiting-supplement']!} suffix="件" />
            <div className="om-muted">待补正 {byStatus['awaiting-supplement']} 件</div>
          </Card>
        </Col>
        <Col xs={12} sm={8} lg={6} xl={3}>
          <Card size="small">
            <Statistic title="已办结" value={byStatus.completed} suffix="件" />
            <div className="om-muted">不予许可 {byStatus.rejected} · 撤回 {byStatus.withdrawn}</div>
          </Card>
        </Col>
        <Col xs={12} sm={8} lg={6} xl={3}>
          <Card size="small">
            <Statistic title="按时办结" value={stats?.overall?.onTime ?? '—'} suffix={stats?.overall ? `/ ${stats.overall.concluded ?? 0}` : ''} />
            <div className="om-muted">超期办结 {stats?.overall?.late ?? 0} 件</div>
          </Card>
        </Col>
      </Row>
      {overview && <ServiceLoopCards overview={overview} />}
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={6}>
          <Card size="small" title="按时办结率" style={{ textAlign: 'center' }}>
            <Ring value={stats?.overall?.onTimeRate} label="按时办结率" color="#52c41a" />
            <div className="om-muted">目标 100%</div>
          </Card>
          <Card size="small" title="压缩比率" style={{ textAlign: 'center', marginTop: 12 }}>
            <Ring value={stats?.overall?.compressionRatio} label="压缩比率" color="#1677ff" />
            <div className="om-muted">承诺压缩 {stats?.overall?.committedCompressionRatio != null ? pct(stats.overall.committedCompressionRatio) : '—'}</div>
          </Card>
        </Col>
        <Col xs={24} lg={9}>
          <Card size="small" title="在办任务时限（按部门）">
            {deps.length ? (
              <HBarChart
                stacked
                rows={deps.map((d) => ({ label: departmentName(d.department), values: [d.byLight?.red ?? 0, d.byLight?.yellow ?? 0, d.byLight?.green ?? 0] }))}
                series={[
                  { name: '超期', color: LIGHTS.red!.color },
                  { name: '临期', color: LIGHTS.yellow!.color },
                  { name: '正常', color: LIGHTS.green!.color },
                ]}
              />
            ) : (
              <Empty description="暂无在办任务" />
            )}
          </Card>
        </Col>
        <Col xs={24} lg={9}>
          <Card size="small" title={`按时办结率与压缩比率（按${matterStats.length ? '事项' : '部门'}，最低 ${WORST} 项）`}>
            {matterStats.length + depStats.length ? (
              <HBarChart
                max={1}
                format={pct}
                rows={(matterStats.length
                  ? matterStats.map((m) => ({ label: m.name ?? m.matter, values: [m.onTimeRate ?? 0, m.compressionRatio ?? 0] }))
                  : depStats.map((d) => ({ label: departmentName(d.department), values: [d.onTimeRate ?? 0, d.compressionRatio ?? 0] }))
                )
                  .sort((a, b) => a.values[0]! - b.values[0]! || a.values[1]! - b.values[1]!)
                  .slice(0, WORST)}
                series={[
                  { name: '按时办结率', color: '#52c41a' },
                  { name: '压缩比率', color: '#1677ff' },
                ]}
              />
            ) : (
              <Empty description="暂无办结数据" />
            )}
          </Card>
        </Col>
      </Row>
      <ModeNumbersCard modes={overview?.modes} />
      <Card size="small" title={<span>红灯督办清单 <Typography.Text type="secondary">（{overview?.asOf ? `截至 ${fmtTime(overview.asOf)}` : ''}）</Typography.Text></span>}>
        <Table<Supervised>
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={red?.items ?? []}
          locale={{ emptyText: <Empty description="没有超期办件" /> }}
          onRow={(r) => ({ onClick: () => navigate(`/cases/${r.id}`), style: { cursor: 'pointer' } })}
          columns={[
            { title: '办件编号', key: 'id', render: (_: unknown, r) => <CaseNoLink c={{ id: r.id, caseNumber: r.caseNumber ?? numbers.get(r.id) }} /> },
            { title: '事项', dataIndex: 'matter', render: (m: string) => matterNames[m] ?? m },
            { title: '时限', dataIndex: 'worstLight', render: (l: Light) => <LightDot light={l} withText /> },
            { title: '承诺时限', dataIndex: 'dueAt', render: (v: string) => fmtDate(v) },
            { title: '超期部门', key: 'deps', render: (_: unknown, r) => (r.tasks ?? []).filter((t) => t.light === 'red').map((t) => departmentName(t.department)).join('、') || '—' },
            { title: '督办次数', dataIndex: 'escalations' },
          ]}
        />
      </Card>
    </Space>
  );
}

/** 未知: the fourth group, so that 绿 + 黄 + 红 + 未知 = 在办, with why each is unknown. */
function UnknownLightCard({ overview }: { overview: Overview }) {
  const count = overview.unknown?.cases ?? overview.cases?.byLight?.unknown ?? 0;
  const reasons = overview.unknown?.reasons ?? [];
  return (
    <Col xs={12} sm={8} lg={6} xl={3}>
      <Card size="small" data-testid="unknown-light">
        <Statistic title={<Space size={4}><span className="om-dot" style={{ background: LIGHTS.unknown!.color }} />{LIGHTS.unknown!.text}</Space>} value={count} suffix="件" valueStyle={{ color: '#8c8c8c' }} data-testid="count-unknown" />
        <div className="om-muted" data-testid="unknown-reasons">
          {reasons.length ? reasons.map((r) => `${r.reason} ${r.cases} 件`).join('；') : `部门任务 ${overview.tasks?.byLight?.unknown ?? 0} 项`}
        </div>
      </Card>
    </Col>
  );
}

const pctOrDash = (v: number | null | undefined) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);

/** 好差评 and 整改 beside the lights: reviews, the 差评 rate, rectifications open and overdue. */
function ServiceLoopCards({ overview }: { overview: Overview }) {
  const r = overview.reviews;
  const x = overview.rectifications;
  if (!r && !x) return null;
  return (
    <Row gutter={[12, 12]} data-testid="service-loops">
      <Col xs={12} sm={6}>
        <Card size="small">
          <Statistic title="好差评" value={r?.total ?? 0} suffix="条" data-testid="reviews-total" />
          <div className="om-muted">好评（满意及以上） {(r?.byRating?.['非常满意'] ?? 0) + (r?.byRating?.['满意'] ?? 0)} 条</div>
        </Card>
      </Col>
      <Col xs={12} sm={6}>
        <Card size="small">
          <Statistic title="差评率" value={pctOrDash(r?.badShare)} valueStyle={{ color: (r?.bad ?? 0) > 0 ? '#ff4d4f' : undefined }} data-testid="reviews-bad-share" />
          <div className="om-muted">差评 {r?.bad ?? 0} 条</div>
        </Card>
      </Col>
      <Col xs={12} sm={6}>
        <Card size="small">
          <Statistic title="整改中" value={x?.open ?? 0} suffix="件" data-testid="rectifications-open" />
          <div className="om-muted">已立项 {x?.opened ?? 0} · 已办结 {x?.closed ?? 0}（整改率 {pctOrDash(x?.rectifiedRate)}）</div>
        </Card>
      </Col>
      <Col xs={12} sm={6}>
        <Card size="small">
          <Statistic title="整改超期" value={x?.overdue ?? 0} suffix="件" valueStyle={{ color: (x?.overdue ?? 0) > 0 ? '#ff4d4f' : undefined }} data-testid="rectifications-overdue" />
          <div className="om-muted">超期办结 {x?.closedLate ?? 0} 件</div>
        </Card>
      </Col>
    </Row>
  );
}
