import { Alert, Button, Card, Col, Input, Row, Space, Table, Tag, Typography, message } from 'antd';
import { useState } from 'react';
import { api, get, messageOf } from '../api';
import { usePoll } from '../hooks';

interface YearDays {
  year: number;
  holidays: string[];
  workdays: string[];
  recorded?: boolean;
}

interface CalendarOverview {
  knownThrough: string;
  warning: boolean;
  message?: string;
  years: { year: number; provisional: boolean; source: string; title?: string; recordedAt?: string }[];
}

const SOURCE: Record<string, string> = { 'built-in': '内置数据', notice: '已导入通知', region: '本地区调整', predicted: '暂定（按法定节假日推算）' };
const WEEK = ['日', '一', '二', '三', '四', '五', '六'];

/** One month as a grid: 休 for a day off, 班 for a make-up working day. */
function Month({ year, month, days }: { year: number; month: number; days: YearDays }) {
  const first = new Date(Date.UTC(year, month - 1, 1));
  const count = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const cells: (number | null)[] = [...Array<null>(first.getUTCDay()).fill(null), ...Array.from({ length: count }, (_, i) => i + 1)];
  const iso = (d: number) => `${year}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return (
    <Card size="small" title={`${month} 月`} data-testid={`month-${month}`}>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(7, 1fr)', gap: 2, textAlign: 'center', fontSize: 12 }}>
        {WEEK.map((w) => (
          <div key={w} style={{ color: '#888' }}>
            {w}
          </div>
        ))}
        {cells.map((d, i) => {
          if (d === null) return <div key={`x${i}`} />;
          const off = days.holidays.includes(iso(d));
          const work = days.workdays.includes(iso(d));
          const weekend = (first.getUTCDay() + d - 1) % 7 === 0 || (first.getUTCDay() + d - 1) % 7 === 6;
          return (
            <div key={d} title={off ? '休' : work ? '班' : undefined} style={{ padding: 2, borderRadius: 3, background: off ? '#fff1f0' : work ? '#e6f4ff' : undefined, color: off ? '#cf1322' : work ? '#0958d9' : weekend ? '#999' : undefined }}>
              {d}
              {off ? '休' : work ? '班' : ''}
            </div>
          );
        })}
      </div>
    </Card>
  );
}

/** 工作日历 (admin): paste next year's notice, see the days read on a month grid, confirm the import. */
export function CalendarPage() {
  const { data: overview, reload } = usePoll(() => get<CalendarOverview>('/api/v1/calendar'), 30_000);
  const nextYear = overview ? Number(overview.knownThrough.slice(0, 4)) + 1 : new Date().getFullYear() + 1;
  const [year, setYear] = useState<number | undefined>();
  const [text, setText] = useState('');
  const [parsed, setParsed] = useState<YearDays>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const target = year ?? nextYear;

  const send = async (dryRun: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<YearDays>('PUT', `/api/v1/calendar/years/${target}${dryRun ? '?dryRun=true' : ''}`, { notice: text });
      if (dryRun) setParsed(r);
      else {
        setParsed(undefined);
        setText('');
        void message.success(`已导入 ${r.year} 年放假安排，各办件期限已重新计算`);
        await reload();
      }
    } catch (e) {
      setParsed(undefined);
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Card title="导入国务院办公厅放假安排通知">
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Text type="secondary">
            从中国政府网复制《国务院办公厅关于{target}年部分节假日安排的通知》全文粘贴到下方，先“解析”核对每月放假、上班日期，无误后“确认导入”。
          </Typography.Text>
          <Space>
            年份
            <Input style={{ width: 100 }} value={target} onChange={(e) => setYear(Number(e.target.value) || undefined)} data-testid="calendar-year" />
          </Space>
          <Input.TextArea rows={10} value={text} onChange={(e) => setText(e.target.value)} placeholder="一、元旦：1月1日至3日放假，共3天。……" data-testid="calendar-notice" />
          <Space>
            <Button onClick={() => void send(true)} loading={busy} disabled={!text.trim()} data-testid="calendar-parse">
              解析
            </Button>
            <Button type="primary" onClick={() => void send(false)} loading={busy} disabled={!parsed} data-testid="calendar-confirm">
              确认导入
            </Button>
          </Space>
          {error && <Alert type="error" showIcon title={`无法解析：${error}`} data-testid="calendar-error" />}
        </Space>
      </Card>
      {parsed && (
        <Card title={`${parsed.year} 年：放假 ${parsed.holidays.length} 天，调休上班 ${parsed.workdays.length} 天`} data-testid="calendar-preview">
          <Row gutter={[8, 8]}>
            {Array.from({ length: 12 }, (_, i) => (
              <Col key={i} xs={24} sm={12} md={8} lg={6}>
                <Month year={parsed.year} month={i + 1} days={parsed} />
              </Col>
            ))}
          </Row>
        </Card>
      )}
      <Card title="已有工作日历">
        <Table
          rowKey="year"
          size="small"
          pagination={false}
          dataSource={overview?.years ?? []}
          columns={[
            { title: '年份', dataIndex: 'year' },
            { title: '来源', key: 'source', render: (_: unknown, r) => (r.provisional ? <Tag color="orange">{SOURCE.predicted}</Tag> : <Tag>{SOURCE[r.source] ?? r.source}</Tag>) },
            { title: '通知', dataIndex: 'title', render: (v?: string) => v ?? '—' },
            { title: '导入时间', dataIndex: 'recordedAt', render: (v?: string) => (v ? new Date(v).toLocaleString('zh-CN') : '—') },
          ]}
        />
      </Card>
    </Space>
  );
}
