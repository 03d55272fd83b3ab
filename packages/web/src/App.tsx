import { Alert, Button, Input, Layout, Menu, Space, Spin, Tag, Typography } from 'antd';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { ApiError, get, post, setCsrfToken, UNAUTHORIZED_EVENT } from './api';
import { navigate, usePoll, useRoute } from './hooks';
import { departmentName } from './labels';
import { SignInPage } from './pages/SignInPage';
import type { Me } from './types';

/**
 * Each page is its own chunk, loaded when first shown: the sign-in page and a clerk's
 * 综合窗口 never download the audit or supervision code (see docs/benchmarks.md).
 */
const AuditPage = lazy(() => import('./pages/AuditPage').then((m) => ({ default: m.AuditPage })));
const CaseDetailPage = lazy(() => import('./pages/CaseDetailPage').then((m) => ({ default: m.CaseDetailPage })));
const CalendarPage = lazy(() => import('./pages/CalendarPage').then((m) => ({ default: m.CalendarPage })));
const MattersPage = lazy(() => import('./pages/MattersPage').then((m) => ({ default: m.MattersPage })));
const CaseListPage = lazy(() => import('./pages/CaseListPage').then((m) => ({ default: m.CaseListPage })));
const QueuePage = lazy(() => import('./pages/QueuePage').then((m) => ({ default: m.QueuePage })));
const SupervisionPage = lazy(() => import('./pages/SupervisionPage').then((m) => ({ default: m.SupervisionPage })));
const MyCasesPage = lazy(() => import('./pages/MyCasesPage').then((m) => ({ default: m.MyCasesPage })));
const WindowPage = lazy(() => import('./pages/WindowPage').then((m) => ({ default: m.WindowPage })));

type PageKey = 'window' | 'mine' | 'cases' | 'queue' | 'supervision' | 'audit' | 'calendar' | 'matters';

/** The server's calendar status (GET /api/v1/calendar): `warning` 60 days before the known calendar ends. */
interface CalendarStatus {
  warning: boolean;
  message?: string;
  knownThrough: string;
}

/** 工作日历 warning for those who act on it: the admin imports the notice, the supervisor watches provisional dates. */
function CalendarWarning() {
  const { data } = usePoll(() => get<CalendarStatus>('/api/v1/calendar'), 60_000);
  if (!data?.warning || !data.message) return null;
  return <Alert type="warning" showIcon data-testid="calendar-warning" title={data.message} style={{ marginBottom: 12 }} />;
}

const PAGES: { key: PageKey; label: string; roles: Me['role'][] }[] = [
  { key: 'window', label: '综合窗口', roles: ['clerk', 'admin', 'agent'] },
  { key: 'mine', label: '我的办件', roles: ['applicant'] },
  { key: 'queue', label: '部门待办', roles: ['department', 'admin'] },
  { key: 'cases', label: '办件列表', roles: ['clerk', 'department', 'supervisor', 'auditor', 'admin'] },
  { key: 'supervision', label: '督办看板', roles: ['supervisor', 'auditor', 'admin'] },
  { key: 'audit', label: '审计', roles: ['auditor', 'supervisor', 'admin'] },
  { key: 'calendar', label: '工作日历', roles: ['admin'] },
  { key: 'matters', label: '事项管理', roles: ['admin'] },
];

/** Where each role starts. */
const HOME: Record<Me['role'], PageKey> = { clerk: 'window', department: 'queue', supervisor: 'supervision', auditor: 'audit', admin: 'window', agent: 'window', applicant: 'mine' };

/** Below antd's `md` breakpoint (a phone) the menu folds away behind ☰ in the header. */
const PHONE_QUERY = '(max-width: 767.98px)';

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState<string>();
  const [phone, setPhone] = useState(() => window.matchMedia(PHONE_QUERY).matches);
  const [menuFolded, setMenuFolded] = useState(phone);
  const { path } = useRoute();

  const loadMe = useCallback(async () => {
    try {
      const r = await get<{ user: Me; csrfToken: string | null }>('/api/v1/auth/me');
      setCsrfToken(r.csrfToken);
      setMe(r.user);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setMe(null);
      else setError(e instanceof Error ? e.message : String(e));
    }
  }, []);
  useEffect(() => {
    void loadMe();
    const onUnauthorized = () => setMe(null);
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, [loadMe]);

  if (error) return <Alert type="error" title={`无法连接服务：${error}`} style={{ margin: 24 }} />;
  if (me === undefined) return <Spin fullscreen />;
  if (me === null) return <SignInPage onSignedIn={(u) => setMe(u)} />;

  const allowed = PAGES.filter((p) => me.authDisabled || p.roles.includes(me.role));
  const first = (path[0] ?? HOME[me.role]) as PageKey | undefined;
  const current = first && allowed.some((p) => p.key === first) ? first : allowed[0]?.key;
  const signOut = async () => {
    await post('/api/v1/auth/sign-out').catch(() => undefined);
    setCsrfToken(null);
    setMe(null);
    navigate('/');
  };

  let page: React.ReactNode = null;
  if (first === 'cases' && path[1]) page = <CaseDetailPage id={path[1]} me={me} key={path[1]} />;
  else if (current === 'window') page = <WindowPage me={me} />;
  else if (current === 'mine') page = <MyCasesPage />;
  else if (current === 'queue') page = <QueuePage me={me} />;
  else if (current === 'cases') page = <CaseListPage me={me} />;
  else if (current === 'supervision') page = <SupervisionPage />;
  else if (current === 'audit') page = <AuditPage />;
  else if (current === 'calendar') page = <CalendarPage />;
  else if (current === 'matters') page = <MattersPage />;

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header className="om-header">
        <div className="om-brand">
          {phone && (
            <Button size="small" aria-label="菜单" aria-expanded={!menuFolded} onClick={() => setMenuFolded(!menuFolded)} data-testid="menu-trigger">
              ☰
            </Button>
          )}
          <Typography.Text strong className="om-title" style={{ color: '#fff', fontSize: 17 }}>
            高效办成一件事 · 工作台
          </Typography.Text>
        </div>
        <Space>
          {allowed.some((p) => p.key === 'cases') && (
            <Input.Search
              allowClear
              size="small"
              className="om-search"
              style={{ width: 300 }}
              placeholder="查找办件：编号、申请人、证件号码、信用代码、电话"
              data-testid="header-search"
              onSearch={(v) => v.trim() && navigate(`/cases?q=${encodeURIComponent(v.trim())}`)}
            />
          )}
          {me.authDisabled && <Tag color="red">未启用认证（仅限开发）</Tag>}
          <span className="om-who" style={{ color: '#fff' }} data-testid="who">
            {me.name}
          </span>
          <Tag color="blue">
            {me.roleName}
            {me.department ? ` · ${departmentName(me.department)}` : ''}
          </Tag>
          {!me.authDisabled && (
            <Button size="small" onClick={() => void signOut()} data-testid="sign-out">
              退出
            </Button>
          )}
        </Space>
      </Layout.Header>
      <Layout>
        {/* On a phone the menu folds away; ☰ in the header opens it (antd's own tab would cover the page), a page chosen folds it again. */}
        <Layout.Sider
          width={180}
          theme="light"
          breakpoint="md"
          collapsedWidth={0}
          collapsed={menuFolded}
          onCollapse={setMenuFolded}
          onBreakpoint={setPhone}
          trigger={null}
        >
          <Menu
            mode="inline"
            selectedKeys={current ? [first === 'cases' ? 'cases' : current] : []}
            onClick={(e) => {
              navigate(`/${e.key}`);
              if (phone) setMenuFolded(true);
            }}
            items={allowed.map((p) => ({ key: p.key, label: p.label }))}
            style={{ height: '100%' }}
          />
        </Layout.Sider>
        <Layout.Content style={{ padding: 16, minWidth: 0 }}>
          {(me.authDisabled || me.role === 'admin' || me.role === 'supervisor') && <CalendarWarning />}
          <Suspense fallback={<Spin />}>{page}</Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
