import { Alert, Card, Table } from 'antd';
import { useEffect, useState } from 'react';
import { get, messageOf } from '../api';
import { CaseNoLink, CaseStatusTag } from '../components/bits';
import { navigate, usePoll } from '../hooks';
import { fmtTime } from '../labels';
import type { CaseSummary, MatterSummary, Page } from '../types';

/** 我的办件: an applicant's own cases (the server lists only those filed under their ID number). */
export function MyCasesPage() {
  const [matters, setMatters] = useState<MatterSummary[]>([]);
  useEffect(() => {
    void get<MatterSummary[]>('/api/v1/matters').then(setMatters).catch(() => undefined);
  }, []);
  const { data, error } = usePoll(() => get<Page<CaseSummary>>('/api/v1/cases?limit=100'), 5000, []);
  const matterName = (id: string) => matters.find((m) => m.id === id)?.name ?? id;
  return (
    <Card title="我的办件" data-testid="my-cases">
      {error !== undefined && <Alert type="error" title={messageOf(error)} style={{ marginBottom: 8 }} />}
      <Table<CaseSummary>
        size="small"
        rowKey="id"
        loading={!data && !error}
        dataSource={data?.items ?? []}
        pagination={false}
        locale={{ emptyText: '暂无以您的证件号码申请的办件' }}
        onRow={(r) => ({ onClick: () => navigate(`/cases/${r.id}`), style: { cursor: 'pointer' } })}
        columns={[
          { title: '办件编号', key: 'id', render: (_: unknown, r: CaseSummary) => <CaseNoLink c={r} /> },
          { title: '事项', dataIndex: 'matter', render: matterName },
          { title: '状态', dataIndex: 'status', render: (s: string) => <CaseStatusTag status={s} /> },
          { title: '申请时间', dataIndex: 'createdAt', render: fmtTime },
          { title: '办结时间', dataIndex: 'completedAt', render: (v?: string) => fmtTime(v) },
        ]}
      />
    </Card>
  );
}
