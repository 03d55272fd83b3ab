import { Alert, Button, Card, Select, Space, Table, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { get, getIfPresent, messageOf } from '../api';
import { CaseNoLink, CaseStatusTag, LightDot } from '../components/bits';
import { navigate, usePoll, useRoute } from '../hooks';
import { CASE_STATUS, DEPARTMENT_NAMES, departmentName, fmtTime, LIGHTS } from '../labels';
import type { CaseSummary, CaseView, Light, Me, MatterSummary, Page } from '../types';

type Row = CaseSummary & { light?: Light | null };

/** 办件列表: filter by status, matter, department and time-limit light; refreshes itself. */
export function CaseListPage({ me }: { me: Me }) {
  const [matters, setMatters] = useState<MatterSummary[]>([]);
  const [status, setStatus] = useState<string>();
  const [matter, setMatter] = useState<string>();
  const [department, setDepartment] = useState<string>();
  const [light, setLight] = useState<Light>();
  const [limit, setLimit] = useState(20);
  const own = me.role === 'department' && !me.authDisabled ? (me.department ?? undefined) : undefined;
  // Exact search (the header's box): case id, applicant, ID number, credit code or phone.
  const search = useRoute().query.get('q') ?? undefined;

  useEffect(() => {
    void get<MatterSummary[]>('/api/v1/matters').then(setMatters).catch(() => undefined);
  }, []);

  const { data, error } = usePoll(
    async (): Promise<Page<Row>> => {
      const q = new URLSearchParams({ limit: String(light ? 100 : limit) });
      if (status) q.set('status', status);
      if (matter) q.set('matter', matter);
      if (own ?? department) q.set('department', (own ?? department)!);
      if (search) q.set('q', search);
      const page = await get<Page<Row>>(`/api/v1/cases?${q}`);
      if (!light) return page;
      // The list has no clocks: read each open case's light (supervision lists only open cases by light).
      const open = page.items.filter((c) => c.status === 'in-progress' || c.status === 'awaiting-supplement').slice(0, 50);
      const withLight = await Promise.all(
        open.map(async (c) => ({ ...c, light: c.light ?? c.worstLight ?? (await getIfPresent<CaseView>(`/api/v1/cases/${c.id}`))?.light ?? null })),
      );
      return { items: withLight.filter((c) => c.light === light), nextCursor: null };
    },
    3000,
    [status, matter, department, light, limit, own, search],
  );
  const matterName = (id: string) => matters.find((m) => m.id === id)?.name ?? id;

  return (
    <Card
      title="办件列表"
      extra={
        <Space wrap>
          {search && (
            <Tag closable color="blue" onClose={() => navigate('/cases')} data-testid="search-term">
              查找：{search}
            </Tag>
          )}
          <Select allowClear placeholder="办件状态" style={{ width: 120 }} value={status} onChange={setStatus} options={Object.entries(CASE_STATUS).map(([v, s]) => ({ value: v, label: s.text }))} />
          <Select allowClear placeholder="事项" style={{ width: 180 }} value={matter} onChange={setMatter} options={matters.map((m) => ({ value: m.id, label: m.name }))} />
          {!own && (
            <Select allowClear placeholder="部门" style={{ width: 170 }} value={department} onChange={setDepartment} options={Object.entries(DEPARTMENT_NAMES).map(([v, n]) => ({ value: v, label: n }))} />
          )}
          <Select
            allowClear
            placeholder="时限灯"
            style={{ width: 130 }}
            value={light}
            onChange={setLight}
            data-testid="light-filter"
            options={(['green', 'yellow', 'red'] as const).map((l) => ({ value: l, label: <LightLabel l={l} /> }))}
          />
        </Space>
      }
    >
      {error !== undefined && <Alert type="error" title={messageOf(error)} style={{ marginBottom: 8 }} />}
      <Table<Row>
        size="small"
        rowKey="id"
        loading={!data && !error}
        dataSource={data?.items ?? []}
        pagination={false}
        {...(search ? { locale: { emptyText: '未找到匹配的办件：请输入完整的办件编号、申请人姓名、证件号码、统一社会信用代码或电话（精确查找）' } } : {})}
        onRow={(r) => ({ onClick: () => navigate(`/cases/${r.id}`), style: { cursor: 'pointer' } })}
        columns={[
          { title: '办件编号', key: 'id', render: (_: unknown, r: Row) => <CaseNoLink c={r} /> },
          { title: '事项', dataIndex: 'matter', render: matterName },
          { title: '申请人', dataIndex: 'applicantName' },
          { title: '状态', dataIndex: 'status', render: (s: string) => <CaseStatusTag status={s} /> },
          ...(light || data?.items.some((c) => c.light || c.worstLight) ? [{ title: '时限', key: 'light', render: (_: unknown, r: Row) => <LightDot light={r.light ?? r.worstLight} /> }] : []),
          {
            title: '部门进度',
            key: 'tasks',
            render: (_: unknown, r: Row) => {
              const tasks = Object.values(r.tasks);
              const done = tasks.filter((t) => t.status === 'approved').length;
              return (
                <span>
                  {done}/{r.departments.length} 已准予{' '}
                  {tasks.some((t) => t.status === 'pending') && <Tag color="processing">办理中 {tasks.filter((t) => t.status === 'pending').length}</Tag>}
                </span>
              );
            },
          },
          { title: '涉及部门', dataIndex: 'departments', render: (d: string[]) => <span className="om-muted">{d.map(departmentName).join('、')}</span>, ellipsis: true },
          { title: '受理时间', dataIndex: 'createdAt', render: fmtTime },
        ]}
      />
      {data?.nextCursor && (
        <div style={{ textAlign: 'center', marginTop: 12 }}>
          <Button onClick={() => setLimit((l) => Math.min(500, l + 20))}>加载更多</Button>
        </div>
      )}
    </Card>
  );
}

const LightLabel = ({ l }: { l: Light }) => (
  <span>
    <span className="om-dot" style={{ background: LIGHTS[l]!.color }} /> {LIGHTS[l]!.text}
  </span>
);
