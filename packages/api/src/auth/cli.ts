import { DEPARTMENT_NAMES, type Clock, type DepartmentId, type EventStore } from '@onematter/engine';
import { Option, type Command } from 'commander';
import type { Logger } from 'pino';
import { UsageError } from '../runtime.js';
import { AuthDirectory } from './directory.js';
import { parseRoleMap } from './jwt.js';
import type { AuthOptions } from './plugin.js';
import { ROLE_NAMES, type Role } from './roles.js';

/** The auth flags of `serve` and `demo`; each also as an environment variable. */
export interface AuthFlags {
  /** false with `--no-auth` (or ONEMATTER_NO_AUTH=1). */
  auth: boolean;
  jwksUrl?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  jwtRoleClaim: string;
  jwtDepartmentClaim: string;
  jwtNameClaim: string;
  jwtRoleMap?: string;
}

export const addAuthOptions = (cmd: Command): Command =>
  cmd
    .addOption(new Option('--no-auth', 'LOCAL DEVELOPMENT AND TESTS ONLY: no sign-in, every route open to anyone who reaches the port (also ONEMATTER_NO_AUTH=1)'))
    .addOption(new Option('--jwks-url <url>', 'accept bearer JWTs from the identity provider whose key set is at this URL').env('ONEMATTER_JWKS_URL'))
    .addOption(new Option('--jwt-issuer <iss>', 'the identity provider\'s issuer (iss), required with --jwks-url').env('ONEMATTER_JWT_ISSUER'))
    .addOption(new Option('--jwt-audience <aud>', 'the audience (aud) tokens must name, required with --jwks-url').env('ONEMATTER_JWT_AUDIENCE'))
    .addOption(new Option('--jwt-role-claim <claim>', 'claim with the role (string or array; dotted path allowed)').env('ONEMATTER_JWT_ROLE_CLAIM').default('role'))
    .addOption(new Option('--jwt-department-claim <claim>', 'claim with the department id, for the department role').env('ONEMATTER_JWT_DEPARTMENT_CLAIM').default('department'))
    .addOption(new Option('--jwt-name-claim <claim>', 'claim with the display name').env('ONEMATTER_JWT_NAME_CLAIM').default('name'))
    .addOption(new Option('--jwt-role-map <map>', 'provider role names to ours: "window_staff=clerk,inspector=supervisor"').env('ONEMATTER_JWT_ROLE_MAP'));

const truthy = (v: string | undefined) => v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase());

/** Turns the flags into build options; warns loudly when auth is off. */
export function authOptionsFrom(f: AuthFlags, log: Logger): AuthOptions {
  if (f.auth === false || truthy(process.env.ONEMATTER_NO_AUTH)) {
    log.warn(
      '!!! AUTHENTICATION IS OFF (--no-auth / ONEMATTER_NO_AUTH): anyone who can reach this port can start, decide and withdraw cases. ' +
        'For local development and tests only; never run a service centre like this. !!!',
    );
    return { enabled: false };
  }
  if (!f.jwksUrl) return { enabled: true };
  if (!f.jwtIssuer || !f.jwtAudience) throw new UsageError('--jwks-url needs --jwt-issuer and --jwt-audience, so that only tokens meant for OneMatter are accepted');
  try {
    new URL(f.jwksUrl);
  } catch {
    throw new UsageError(`--jwks-url "${f.jwksUrl}" is not a URL`);
  }
  let roleMap: Record<string, Role> | undefined;
  try {
    roleMap = f.jwtRoleMap ? parseRoleMap(f.jwtRoleMap) : undefined;
  } catch (error) {
    throw new UsageError(`--jwt-role-map: ${(error as Error).message}`);
  }
  return {
    enabled: true,
    jwt: {
      jwksUrl: f.jwksUrl,
      issuer: f.jwtIssuer,
      audience: f.jwtAudience,
      roleClaim: f.jwtRoleClaim,
      departmentClaim: f.jwtDepartmentClaim,
      nameClaim: f.jwtNameClaim,
      ...(roleMap ? { roleMap } : {}),
    },
  };
}

/** One account per role for `onematter demo`; the passwords are published, so demo only. */
export const DEMO_ACCOUNTS: readonly { username: string; password: string; role: Role; department?: DepartmentId; applicantId?: string; displayName: string }[] = [
  { username: 'clerk', password: 'clerk@demo', role: 'clerk', displayName: '王芳（综合窗口）' },
  { username: 'tax', password: 'tax@demo', role: 'department', department: 'tax', displayName: '李明（税务局）' },
  { username: 'supervisor', password: 'supervisor@demo', role: 'supervisor', displayName: '赵强（督办）' },
  { username: 'auditor', password: 'auditor@demo', role: 'auditor', displayName: '陈静（审计）' },
  { username: 'admin', password: 'admin@demo', role: 'admin', displayName: '系统管理员' },
  // The applicant of the catalogue's example applications (张三, enterprise-setup and others): 我的办件.
  { username: 'applicant', password: 'applicant@demo', role: 'applicant', applicantId: '11010519491231002X', displayName: '张三（申请人）' },
];

/** Creates the demo accounts that do not exist yet (idempotent). */
export async function ensureDemoAccounts(store: EventStore, clock: Clock): Promise<number> {
  const directory = new AuthDirectory(store, clock);
  let created = 0;
  for (const a of DEMO_ACCOUNTS) {
    if (await directory.ensureAccount({ ...a, demo: true }, 'demo')) created++;
  }
  return created;
}

/** The banner lines that say how to sign in as each role. */
export function demoSignInLines(): string[] {
  return [
    '  Sign in 登录 (demo accounts 演示账号, user / password):',
    ...DEMO_ACCOUNTS.map((a) => {
      const role = a.department ? `${ROLE_NAMES[a.role]}（${DEPARTMENT_NAMES[a.department]}）` : ROLE_NAMES[a.role];
      return `    ${`${a.username} / ${a.password}`.padEnd(30)} ${role}`;
    }),
  ];
}
