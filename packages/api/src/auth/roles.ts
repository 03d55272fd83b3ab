/**
 * Who may do what. Every route under /api/v1 declares the roles it admits in its
 * config (`config: { roles: [...] }`), or `'public'`; boot fails for a route that
 * declares neither, so a new route cannot be forgotten (see plugin.ts).
 */
import type { DocumentedResponses } from '../routes/responses.js';

export const ROLES = ['clerk', 'department', 'supervisor', 'auditor', 'admin', 'agent', 'applicant'] as const;
export type Role = (typeof ROLES)[number];

/** Chinese names, for everything a user sees. */
export const ROLE_NAMES: Record<Role, string> = {
  clerk: '综合窗口',
  department: '部门',
  supervisor: '督办',
  auditor: '审计',
  admin: '系统管理员',
  agent: '帮办代办员',
  applicant: '申请人',
};

/** What a route admits: roles, or `'public'` (no credentials needed). */
export type RouteAccess = readonly Role[] | 'public';

/** Everyone who is signed in, whatever the role. */
export const ANY_ROLE: readonly Role[] = ROLES;
/** Reading cases: every role (a department sees only the cases that involve it). */
export const CASE_READERS: readonly Role[] = ['clerk', 'department', 'supervisor', 'auditor', 'admin'];
/**
 * Reading one's own cases: the case readers and the applicant, who sees only the cases
 * filed under their own ID number (plugin.ts keeps them there: 404 for any other).
 */
export const OWN_CASE_READERS: readonly Role[] = [...CASE_READERS, 'applicant'];
/** The comprehensive window's actions on a case (start, supplement, withdraw, hand out). */
export const WINDOW: readonly Role[] = ['clerk', 'admin'];
/** Department decisions: only the department the task belongs to. */
export const DEPARTMENT_ONLY: readonly Role[] = ['department'];
/** Supervision (督办): supervisors, and auditors and admins who read everything. */
export const SUPERVISION: readonly Role[] = ['supervisor', 'auditor', 'admin'];
/** Audit reads: auditors, supervisors (电子监察) and admins. */
export const AUDIT: readonly Role[] = ['auditor', 'supervisor', 'admin'];
/** Operations (metrics): supervisors and admins. */
export const OPERATIONS: readonly Role[] = ['supervisor', 'admin'];

/** How a caller proved who they are. */
export type CredentialKind = 'session' | 'key' | 'jwt' | 'none';

/** The authenticated caller of a request. */
export interface Principal {
  /** `user.<name>`, `key.<id>`, `sso.<sub>`: stable, and safe to log and to store in events. */
  id: string;
  role: Role;
  /** The department a `department` principal acts for (a department id). */
  department?: string;
  /** The ID number (居民身份证 or 统一社会信用代码) of an `applicant` principal: their cases are those filed under it. */
  applicantId?: string;
  /** Display name (a person's or a system's). */
  name: string;
  via: CredentialKind;
  /**
   * Only with `--no-auth` (local development and tests): every route is open and no
   * per-department scoping applies.
   */
  unrestricted?: boolean;
}

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);

/**
 * The `actor` recorded in event metadata: a role and an identity, e.g. `clerk:user.wang`,
 * `department:tax/key.k_3f9a`. Without auth, the route's role alone (as before).
 */
export function actorOf(p: Principal | undefined, fallbackRole: string): string {
  if (!p || p.unrestricted) return fallbackRole;
  return p.role === 'department' ? `department:${p.department}/${p.id}` : `${p.role}:${p.id}`;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The roles this route admits, or 'public'. Required for every route under /api/v1. */
    roles?: RouteAccess;
    /** What the route answers, by status: for the OpenAPI document only (routes/responses.ts). */
    responses?: DocumentedResponses;
  }
  interface FastifyRequest {
    /** The authenticated caller; set before any handler of a non-public route runs. */
    principal?: Principal;
  }
}
