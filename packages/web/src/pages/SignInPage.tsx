import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { messageOf, post, setCsrfToken } from '../api';
import type { Me } from '../types';

/** 登录: user name and password; the session lives in an httpOnly cookie. */
export function SignInPage({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (v: { username: string; password: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await post<{ user: Me; csrfToken: string }>('/api/v1/auth/sign-in', v);
      setCsrfToken(r.csrfToken);
      onSignedIn(r.user);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="om-signin">
      <Card style={{ width: 380, maxWidth: 'calc(100vw - 24px)' }}>
        <Typography.Title level={3} style={{ textAlign: 'center', marginBottom: 4 }}>
          高效办成一件事
        </Typography.Title>
        <Typography.Paragraph type="secondary" style={{ textAlign: 'center' }}>
          政务服务中心工作台 · 请登录
        </Typography.Paragraph>
        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="signin-error" />}
        <Form layout="vertical" name="signin" onFinish={(v) => void submit(v)} requiredMark={false}>
          <Form.Item name="username" label="用户名" rules={[{ required: true, message: '请输入用户名' }]}>
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item name="password" label="密码" rules={[{ required: true, message: '请输入密码' }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="signin-submit">
            登录
          </Button>
        </Form>
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, fontSize: 12 }}>
          系统对接请使用访问密钥（onematter keys create）或统一身份认证令牌。
        </Typography.Paragraph>
      </Card>
    </div>
  );
}
