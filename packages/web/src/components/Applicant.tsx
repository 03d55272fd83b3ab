import { Alert, Button, Card, Form, Input, Select, Space } from 'antd';
import type { CaseView, StoredEvent } from '../types';
import { ActionDialog, useActionDialog, type FormValues } from './ActionDialog';
import { RATING_OPTIONS } from '../labels';

/**
 * 申请人 on their own case: confirm or object to what a 代办员 submitted for them
 * (POST /cases/:id/applicant-review), and rate the service once it is done (好差评,
 * POST /cases/:id/reviews, recorded as given online).
 */
export function ApplicantActions({ c, events, onDone }: { c: CaseView; events: StoredEvent[]; onDone: () => Promise<void> }) {
  const dialog = useActionDialog<'confirm' | 'object' | 'rate'>(onDone);
  const { open, setOpen, run } = dialog;
  const base = `/api/v1/cases/${encodeURIComponent(c.id)}`;
  const agent = c.modes.agent;
  const review = c.modes.applicantReview;
  const rated = events.some((e) => e.type === 'ReviewSubmitted');
  const canRate = c.status === 'completed' && !rated;
  if (!agent && !canRate) return null;
  const submit = async (v: FormValues) => {
    const comment = v.comment ? { comment: v.comment } : {};
    if (open === 'rate') await run(`${base}/reviews`, { rating: v.rating, ...comment, channel: 'online' }, '感谢您的评价');
    else await run(`${base}/applicant-review`, { agreed: open === 'confirm', ...comment }, open === 'confirm' ? '已确认代办内容' : '已提交异议，窗口将与您联系');
  };
  return (
    <Card size="small" title="我的确认与评价" data-testid="applicant-actions">
      {agent && (
        <Alert
          type={review ? (review.agreed ? 'success' : 'warning') : 'info'}
          showIcon
          title={`本件由代办员 ${agent.name} 受您委托代为申请（授权委托书 ${agent.authorisation}）`}
          description={
            review
              ? `${review.agreed ? '您已确认代办内容' : '您已对代办内容提出异议'}${review.comment ? `：${review.comment}` : ''}`
              : '请核对申请表、材料与办理进度，确认代办内容无误，或提出异议。'
          }
          action={
            !review && (
              <Space orientation="vertical">
                <Button size="small" type="primary" onClick={() => setOpen('confirm')} data-testid="applicant-confirm">确认无误</Button>
                <Button size="small" danger onClick={() => setOpen('object')} data-testid="applicant-object">提出异议</Button>
              </Space>
            )
          }
        />
      )}
      {canRate && (
        <Button style={{ marginTop: agent ? 8 : 0 }} onClick={() => setOpen('rate')} data-testid="applicant-rate">
          评价本次服务（好差评）
        </Button>
      )}
      <ActionDialog dialog={dialog} title={open === 'rate' ? '评价本次服务' : open === 'confirm' ? '确认代办内容' : '对代办内容提出异议'} okText="提交" onSubmit={submit}>
        {open === 'rate' && (
          <Form.Item name="rating" label="评价" rules={[{ required: true, message: '请选择评价' }]}>
            <Select options={RATING_OPTIONS} />
          </Form.Item>
        )}
        <Form.Item
          name="comment"
          label={open === 'object' ? '异议理由' : '意见（选填）'}
          rules={open === 'object' ? [{ required: true, whitespace: true, message: '提出异议须说明理由' }] : []}
        >
          <Input.TextArea rows={3} />
        </Form.Item>
      </ActionDialog>
    </Card>
  );
}
