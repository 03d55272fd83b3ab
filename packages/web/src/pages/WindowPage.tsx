import { Alert, Button, Card, Checkbox, Col, Empty, Form, Input, Row, Select, Space, Spin, Tag, Typography, message } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { ApiError, get, messageOf, post } from '../api';
import { formatProblem } from '../checks';
import { compact, SchemaFields } from '../components/SchemaForm';
import { Receipt } from '../components/Receipt';
import { departmentName, ID_TYPES } from '../labels';
import { deferrableMissing, WindowModeFields, windowModeRequest, type WindowModeValues } from '../components/Modes';
import type { CaseView, Me, MatterDetail, MatterSummary } from '../types';

interface Values {
  applicant: { name: string; idType: string; idNumber: string; phone: string };
  form: Record<string, unknown>;
  materials: string[];
  modes?: WindowModeValues;
}

/** 综合窗口: one form (一表申请), materials checked once (一次告知), one receipt. */
export function WindowPage({ me }: { me?: Me } = {}) {
  const [matters, setMatters] = useState<MatterSummary[]>();
  const [matterId, setMatterId] = useState<string>();
  const [matter, setMatter] = useState<MatterDetail>();
  const [receipt, setReceipt] = useState<CaseView>();
  const [submitting, setSubmitting] = useState(false);
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const [form] = Form.useForm<Values>();
  const checked = Form.useWatch('materials', form) as string[] | undefined;
  const idType = Form.useWatch(['applicant', 'idType'], form) as string | undefined;
  const modes = Form.useWatch('modes', form) as WindowModeValues | undefined;
  const agent = me?.role === 'agent';

  useEffect(() => {
    void get<MatterSummary[]>('/api/v1/matters').then((list) => {
      setMatters(list);
      setMatterId((m) => m ?? list[0]?.id);
    });
  }, []);
  useEffect(() => {
    if (!matterId) return;
    setMatter(undefined);
    void get<MatterDetail>(`/api/v1/matters/${encodeURIComponent(matterId)}`).then((m) => {
      setMatter(m);
      form.resetFields();
      form.setFieldsValue({ applicant: { idType: 'resident-id' } as Values['applicant'], materials: [] });
    });
  }, [matterId, form]);

  // 容缺: a deferrable material the clerk chose to accept without is not missing.
  const missing = useMemo(
    () => (matter ? matter.materials.filter((m) => m.required && !(checked ?? []).includes(m.code) && !(modes?.deferred ?? []).includes(m.code)) : []),
    [matter, checked, modes],
  );

  const fillExample = () => {
    if (!matter) return;
    form.setFieldsValue({
      applicant: matter.exampleApplicant ?? { name: '', idType: 'resident-id', idNumber: '', phone: '' },
      form: structuredClone(matter.example),
      materials: matter.materials.filter((m) => m.required).map((m) => m.code),
    });
    void form.validateFields({ validateOnly: true }).catch(() => undefined);
  };

  const submit = async () => {
    if (!matter) return;
    let values: Values;
    try {
      await form.validateFields();
      // Every value in the store, also of groups whose fields are not on screen (a switched-off optional group holds none).
      values = form.getFieldsValue(true) as Values;
    } catch {
      void message.error('表单有误，请按提示修改后再提交');
      return;
    }
    setSubmitting(true);
    try {
      const c = await post<CaseView>(
        '/api/v1/cases',
        { matter: matter.id, applicant: compact(values.applicant), form: compact(values.form ?? {}), materials: values.materials ?? [], ...windowModeRequest(matter, values.modes) },
        { 'idempotency-key': idempotencyKey },
      );
      setReceipt(c);
      void message.success(`受理成功，办件编号 ${c.caseNumber ?? c.id}`);
    } catch (e) {
      if (e instanceof ApiError && e.errors.length) {
        // The server's checks, on the fields they concern (一次告知: all of them at once).
        form.setFields(e.errors.map((x) => ({ name: x.path.split('.'), errors: [x.message.replace(/（[^）]*[a-zA-Z][^）]*）$/, '')] })));
      }
      void message.error(messageOf(e));
    } finally {
      setSubmitting(false);
    }
  };

  const startOver = () => {
    setReceipt(undefined);
    setIdempotencyKey(crypto.randomUUID());
    form.resetFields();
    form.setFieldsValue({ applicant: { idType: 'resident-id' } as Values['applicant'], materials: [] });
  };

  if (receipt && matter) return <Receipt c={receipt} matter={matter} onNew={startOver} />;

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={{ flex: '1 1 0' }} style={{ minWidth: 0 }}>
        <Card
          title="综合窗口 · 一表申请"
          extra={
            <Space>
              <Select
                data-testid="matter-select"
                showSearch={{ optionFilterProp: 'label' }}
                placeholder="选择或搜索事项"
                style={{ width: 260, maxWidth: '100%' }}
                value={matterId}
                onChange={setMatterId}
                loading={!matters}
                options={(matters ?? []).map((m) => ({ value: m.id, label: m.name }))}
              />
              <Button onClick={fillExample} disabled={!matter}>
                填入示例
              </Button>
            </Space>
          }
        >
          {!matter ? (
            <Spin />
          ) : (
            <Form form={form} name="apply" layout="vertical" validateTrigger={['onChange', 'onBlur']} scrollToFirstError requiredMark>
              <Typography.Paragraph type="secondary">{matter.description}</Typography.Paragraph>
              <fieldset className="om-group">
                <legend>申请人</legend>
                <Row gutter={16}>
                  <Col xs={24} sm={12}>
                    <Form.Item name={['applicant', 'name']} label="申请人姓名" rules={[{ required: true, message: '请填写申请人姓名' }, { max: 50 }]}>
                      <Input placeholder="请输入申请人姓名" />
                    </Form.Item>
                  </Col>
                  <Col xs={24} sm={12}>
                    <Form.Item name={['applicant', 'idType']} label="证件类型" rules={[{ required: true, message: '请选择证件类型' }]}>
                      <Select options={ID_TYPES} />
                    </Form.Item>
                  </Col>
                  <Col xs={24} sm={12}>
                    <Form.Item
                      name={['applicant', 'idNumber']}
                      label="证件号码"
                      dependencies={[['applicant', 'idType']]}
                      hasFeedback
                      rules={[
                        { required: true, message: '请填写证件号码' },
                        {
                          validator: async (_r, v) => {
                            const p = idType === 'resident-id' ? formatProblem('cn-resident-id', v) : undefined;
                            if (p) throw new Error(p);
                          },
                        },
                      ]}
                    >
                      <Input placeholder="例如 11010519491231002X" maxLength={30} />
                    </Form.Item>
                  </Col>
                  <Col xs={24} sm={12}>
                    <Form.Item
                      name={['applicant', 'phone']}
                      label="手机号码"
                      hasFeedback
                      rules={[
                        { required: true, message: '请填写手机号码' },
                        {
                          validator: async (_r, v) => {
                            const p = formatProblem('cn-mobile', v);
                            if (p) throw new Error(p);
                          },
                        },
                      ]}
                    >
                      <Input placeholder="11 位手机号码" maxLength={11} />
                    </Form.Item>
                  </Col>
                </Row>
              </fieldset>
              <SchemaFields schema={matter.formSchema} path={['form']} />
              <WindowModeFields matter={matter} checked={checked ?? []} agent={agent} values={modes} />
              <Form.Item name="materials" hidden>
                <Checkbox.Group />
              </Form.Item>
            </Form>
          )}
        </Card>
      </Col>
      <Col xs={24} lg={{ flex: '340px' }}>
        <Card title="材料清单（一次告知）" size="small" style={{ position: 'sticky', top: 0 }}>
          {!matter ? (
            <Empty />
          ) : (
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Checkbox.Group
                data-testid="materials"
                style={{ display: 'flex', flexDirection: 'column', gap: 6 }}
                value={checked ?? []}
                onChange={(v) => form.setFieldValue('materials', v)}
                options={matter.materials.map((m) => ({
                  value: m.code,
                  label: (
                    <span>
                      {m.name} {m.required ? <Tag color="red">必交</Tag> : <Tag>选交</Tag>}
                    </span>
                  ),
                }))}
              />
              {deferrableMissing(matter, checked ?? []).length > 0 && !(modes?.deferred?.length) && (
                <div className="om-muted" data-testid="deferrable-hint">可容缺受理：{deferrableMissing(matter, checked ?? []).map((m) => m.name).join('、')}（见“办理方式”）</div>
              )}
              {missing.length > 0 ? (
                <Alert
                  type="warning"
                  showIcon
                  data-testid="missing-materials"
                  title={`尚缺 ${missing.length} 项必交材料`}
                  description={
                    <>
                      <div>请一次性告知申请人补齐：</div>
                      <ol style={{ margin: '4px 0 0', paddingLeft: 20 }}>
                        {missing.map((m) => (
                          <li key={m.code}>{m.name}</li>
                        ))}
                      </ol>
                    </>
                  }
                />
              ) : (
                <Alert type="success" showIcon title="必交材料已齐全" />
              )}
              <div className="om-muted">
                联办部门：{[...new Set(matter.steps.map((s) => s.department))].map(departmentName).join('、')}
                <br />
                时限：承诺 {matter.committedDays} 个工作日 / {matter.statutoryDays === null ? '无法定时限' : `法定 ${matter.statutoryDays} 个工作日`}
              </div>
              <Button type="primary" block size="large" loading={submitting} disabled={missing.length > 0} onClick={() => void submit()} data-testid="submit">
                受理并提交
              </Button>
            </Space>
          )}
        </Card>
      </Col>
    </Row>
  );
}
