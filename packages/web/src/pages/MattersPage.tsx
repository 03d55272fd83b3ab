import { Alert, Button, Card, Collapse, Form, Input, Popconfirm, Space, Table, Tag, Typography, Upload, message } from 'antd';
import { useState } from 'react';
import { ApiError, get, messageOf, post, postText, type FieldIssue } from '../api';
import { SchemaFields } from '../components/SchemaForm';
import { StepDiagram } from '../components/StepDiagram';
import { usePoll } from '../hooks';
import type { MatterDetail, TaskView } from '../types';

interface VersionInfo {
  version: number;
  source: 'built-in' | 'deployed';
  deployedBy?: string;
  deployedAt?: string;
}

interface MatterRow {
  id: string;
  name: string;
  version: number;
  source: 'built-in' | 'deployed';
  deployedBy?: string;
  deployedAt?: string;
  retired: { by: string; at: string } | null;
  versionHistory: VersionInfo[];
}

type Preview = Omit<MatterDetail, 'steps'> & { mermaid: string; steps: (MatterDetail['steps'][number] & { condition: string | null })[] };

const time = (iso?: string) => (iso ? new Date(iso).toLocaleString('zh-CN') : '');
const who = (v: VersionInfo) => (v.source === 'built-in' ? '内置' : `${v.deployedBy} · ${time(v.deployedAt)}`);

/** Last deployed first (what an admin just deployed is on top), then the built-in catalogue in its order. */
const latestFirst = (rows: readonly MatterRow[]): MatterRow[] =>
  rows
    .map((r, i) => ({ r, i, at: Math.max(0, ...r.versionHistory.map((v) => (v.deployedAt ? Date.parse(v.deployedAt) : 0))) }))
    .sort((a, b) => b.at - a.at || a.i - b.i)
    .map(({ r }) => r);

/** JSON is sent as JSON, anything else as YAML (the lines in the problems count in the text as pasted). */
const send = <T,>(path: string, text: string) => {
  const trimmed = text.trim();
  return postText<T>(path, text, trimmed.startsWith('{') ? 'application/json' : 'application/yaml');
};

/**
 * 事项管理 (admin): paste or upload a matter definition (docs/authoring.md), check it, see the
 * step diagram and the form as a clerk will see it, then deploy; every matter with its
 * versions and who deployed them, and 停办.
 */
export function MattersPage() {
  const { data: matters, reload } = usePoll(() => get<MatterRow[]>('/api/v1/matters?includeRetired=true'), 30_000);
  const [text, setText] = useState('');
  const [preview, setPreview] = useState<Preview>();
  const [problems, setProblems] = useState<FieldIssue[]>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const check = async () => {
    setBusy(true);
    setError(undefined);
    setProblems(undefined);
    setPreview(undefined);
    try {
      const r = await send<{ preview: Preview }>('/api/v1/matters?dryRun=true', text);
      setPreview(r.preview);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.errors.length) setProblems(e.errors);
      else setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const deploy = async () => {
    setBusy(true);
    try {
      const r = await send<{ id: string; version: number; status: string }>('/api/v1/matters', text);
      void message.success(r.status === 'unchanged' ? `${r.id} 与当前版本 v${r.version} 相同，未重复部署` : `已部署 ${r.id} v${r.version}：新申请按 v${r.version} 办理，在办件不受影响`);
      setPreview(undefined);
      setText('');
      await reload();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const retire = async (id: string) => {
    try {
      await post(`/api/v1/matters/${encodeURIComponent(id)}/retirement`);
      void message.success(`已停办 ${id}：不再受理新的申请，在办件照常办理`);
      await reload();
    } catch (e) {
      void message.error(messageOf(e));
    }
  };

  const tasks = (preview?.steps ?? []).map((s) => ({ step: s.id, department: s.department, service: s.service, dependsOn: s.dependsOn, status: 'waiting' })) as unknown as TaskView[];

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Card title="部署事项定义">
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Text type="secondary">
            按《事项定义文件编写说明》（docs/authoring.md）编写 YAML 或 JSON，粘贴到下方或上传文件，先“校验”，核对流程图和窗口表单无误后“部署”。部署后各服务器数秒内生效，无需重启；在办件仍按原版本办理。
          </Typography.Text>
          <Upload
            accept=".yaml,.yml,.json"
            showUploadList={false}
            beforeUpload={(file) => {
              void file.text().then((t) => {
                setText(t);
                setPreview(undefined);
                setProblems(undefined);
              });
              return false;
            }}
          >
            <Button data-testid="matter-upload">上传文件</Button>
          </Upload>
          <Input.TextArea
            rows={14}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setPreview(undefined);
            }}
            placeholder={'id: food-stall\nname: 小餐饮经营一件事\n…'}
            style={{ fontFamily: 'monospace' }}
            data-testid="matter-source"
          />
          <Space>
            <Button onClick={() => void check()} loading={busy} disabled={!text.trim()} data-testid="matter-check">
              校验
            </Button>
            <Button type="primary" onClick={() => void deploy()} loading={busy} disabled={!preview} data-testid="matter-deploy">
              部署
            </Button>
          </Space>
          {error && <Alert type="error" showIcon title={error} data-testid="matter-error" />}
          {problems && (
            <Alert
              type="error"
              showIcon
              data-testid="matter-problems"
              title={`发现 ${problems.length} 个问题，未部署：`}
              description={
                <ol style={{ margin: 0, paddingLeft: 20 }}>
                  {problems.map((p, i) => (
                    <li key={i}>
                      <Typography.Text code>{p.path}</Typography.Text> {p.message}
                    </li>
                  ))}
                </ol>
              }
            />
          )}
          {preview && <Alert type="success" showIcon data-testid="matter-valid" title={`校验通过：${preview.name}（${preview.id}），${preview.steps.length} 个环节，${preview.materials.length} 项材料`} />}
        </Space>
      </Card>
      {preview && (
        <>
          <Card title="流程图" data-testid="matter-diagram">
            <StepDiagram tasks={tasks} caseStatus="preview" />
            <ul style={{ marginTop: 8 }}>
              {preview.steps
                .filter((s) => s.condition)
                .map((s) => (
                  <li key={s.id}>
                    {s.service}：仅当 {s.condition}
                  </li>
                ))}
            </ul>
            <Collapse size="small" items={[{ key: 'm', label: 'Mermaid 源码（可粘贴到任何 Mermaid 查看器）', children: <pre data-testid="matter-mermaid" style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{preview.mermaid}</pre> }]} />
          </Card>
          <Card title="窗口表单预览（综合窗口将看到的表单，已填入示例）" data-testid="matter-form-preview">
            <Form layout="vertical" initialValues={{ form: preview.example }}>
              <SchemaFields schema={preview.formSchema} path={['form']} />
            </Form>
            <Typography.Title level={5}>材料清单（一次告知）</Typography.Title>
            <ul>
              {preview.materials.map((m) => (
                <li key={m.code}>
                  {m.name} {m.required ? <Tag color="blue">必交</Tag> : <Tag>容缺</Tag>}
                </li>
              ))}
            </ul>
          </Card>
        </>
      )}
      <Card title="事项目录">
        <Table
          rowKey="id"
          size="small"
          data-testid="matter-list"
          pagination={{ pageSize: 20 }}
          dataSource={latestFirst(matters ?? [])}
          columns={[
            { title: '事项', dataIndex: 'name' },
            { title: '编号', dataIndex: 'id', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
            { title: '当前版本', dataIndex: 'version', render: (v: number) => `v${v}` },
            {
              title: '版本与部署人',
              key: 'versions',
              render: (_: unknown, r: MatterRow) => (
                <Space direction="vertical" size={0}>
                  {r.versionHistory.map((v) => (
                    <span key={v.version} data-testid={`version-${r.id}-${v.version}`}>
                      v{v.version}：{who(v)}
                    </span>
                  ))}
                </Space>
              ),
            },
            { title: '状态', key: 'status', render: (_: unknown, r: MatterRow) => (r.retired ? <Tag color="default">已停办（{r.retired.by}，{time(r.retired.at)}）</Tag> : <Tag color="green">受理中</Tag>) },
            {
              title: '操作',
              key: 'actions',
              render: (_: unknown, r: MatterRow) =>
                r.retired ? null : (
                  <Popconfirm title={`停办“${r.name}”？停办后不再受理新的申请，在办件照常办理。`} okText="停办" cancelText="取消" onConfirm={() => void retire(r.id)}>
                    <Button size="small" danger data-testid={`retire-${r.id}`}>
                      停办
                    </Button>
                  </Popconfirm>
                ),
            },
          ]}
        />
      </Card>
    </Space>
  );
}
