import fastifyCookie from '@fastify/cookie';
import helmet from 'helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import { AccessLog, parseTaskId } from '@onematter/engine';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { problem, sendProblem } from '../problem.js';
import type { Runtime } from '../runtime.js';
import { AuthDirectory, type TamperedRecord } from './directory.js';
import { JwtVerifier, type JwtOptions } from './jwt.js';
import { isRole, ROLES, type Principal, type RouteAccess } from './roles.js';
import { sameString } from './secrets.js';
import { SessionStore, type SessionOptions } from './sessions.js';

export const SESSION_COOKIE = 'onematter_session';

export const DEFAULT_SIGN_IN_LIMIT = { max: 10, timeWindowMs: 60_000 } as const;
export const DEFAULT_ACCOUNT_LOCKOUT = { max: 10, timeWindowMs: 15 * 60_000 } as const;

export interface AuthOptions {
  /**
   * false only for local development and tests (`onematter serve --no-auth`): every
   * route is open and no department scoping applies.
   */
  enabled: boolean;
  /** Bearer JWTs from an external identity provider. */
  jwt?: JwtOptions;
  /** Sign-in attempts per client address (default 10 a minute). The address is the peer's, or what a trusted proxy says (--trust-proxy). */
  signInRateLimit?: { max: number; timeWindowMs: number };
  /** Failed sign-ins per account before it is locked for the rest of the window (default 10 in 15 minutes). */
  accountLockout?: { max: number; timeWindowMs: number };
  sessions?: SessionOptions;
  /** Where keys and accounts live (default: the runtime's store). */
  directory?: AuthDirectory;
}

/** One route as the authorisation matrix sees it. */
export interface RouteEntry {
  method: string;
  url: string;
  access: RouteAccess;
}

export interface AuthContext {
  options: AuthOptions;
  directory: AuthDirectory;
  sessions: SessionStore;
  jwt?: JwtVerifier;
  /** Every route the app registered, with what it admits. */
  routes: RouteEntry[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const UNRESTRICTED: Principal = { id: 'no-auth', role: 'admin', name: '开发模式（未启用认证）', via: 'none', unrestricted: true };

const contexts = new WeakMap<FastifyInstance, AuthContext>();
/** The auth context of an app built by `build()` (routes for the authorisation matrix, the directory). */
export const authOf = (app: FastifyInstance): AuthContext => {
  const c = contexts.get(app);
  if (!c) throw new Error('authOf: this app was not built by build()');
  return c;
};

/**
 * Installs authentication and authorisation on the root instance, before any route:
 * - security headers on every response (helmet, with a CSP the workbench passes);
 * - an onRoute hook that records every route and fails the boot when a route under
 *   the API prefix declares no roles (`config: { roles }`);
 * - an onRequest hook that authenticates (access key, JWT, or session cookie with a
 *   CSRF token on state-changing requests) and checks the route's roles: 401, 403;
 * - a preHandler hook that keeps a department inside its own cases and tasks, for
 *   every route under /cases/:id and /tasks/:taskId, present or added later.
 */
export async function installAuth(app: FastifyInstance, runtime: Runtime, options: AuthOptions, apiPrefix: string): Promise<AuthContext> {
  const ctx: AuthContext = {
    options,
    directory: options.directory ?? new AuthDirectory(runtime.store, runtime.clock, { onTampered: tamperReporter(app, runtime) }),
    sessions: new SessionStore(options.sessions),
    ...(options.jwt ? { jwt: new JwtVerifier(options.jwt) } : {}),
    routes: [],
  };
  contexts.set(app, ctx);

  // Made once: @fastify/helmet made helmet's middleware (parsing the CSP) anew for every request.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        // antd writes its styles at run time (CSS-in-JS); no inline script is allowed.
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (req, reply, done) => securityHeaders(req.raw, reply.raw, (error) => done(error as Error | undefined)));
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });

  const underApi = (url: string) => url === apiPrefix || url.startsWith(`${apiPrefix}/`);
  // Swagger UI's own routes (the docs and their assets) are public by the rule.
  const isDocs = (url: string) => url === `${apiPrefix}/docs` || url.startsWith(`${apiPrefix}/docs/`);

  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = [route.method].flat().map(String);
    const declared = route.config?.roles;
    let access: RouteAccess;
    if (declared !== undefined) {
      if (declared !== 'public' && (!Array.isArray(declared) || declared.length === 0 || !declared.every(isRole))) {
        throw new Error(`route ${methods.join(',')} ${route.url}: config.roles must be 'public' or a non-empty list of ${ROLES.join(', ')}`);
      }
      access = declared;
    } else if (!underApi(route.url) || isDocs(route.url)) {
      access = 'public';
    } else {
      throw new Error(
        `route ${methods.join(',')} ${route.url} declares no roles: add config: { roles: [...] } (see packages/api/src/auth/roles.ts), or 'public'`,
      );
    }
    for (const method of methods) ctx.routes.push({ method, url: route.url, access });
    // The OpenAPI document says who may call each operation (the swagger plugin reads the schema after this hook).
    if (underApi(route.url) && route.schema && !route.schema.hide && !isDocs(route.url)) {
      const who = access === 'public' ? 'Public: no credentials needed.' : `Roles: ${access.join(', ')}.`;
      const description = typeof route.schema.description === 'string' ? `${route.schema.description}\n\n${who}` : who;
      route.schema = { ...route.schema, description, ...(access === 'public' ? { security: [] } : {}) };
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    const access = accessOf(req, underApi, isDocs);
    if (access === 'public') return;
    if (!options.enabled) {
      req.principal = UNRESTRICTED;
      return;
    }
    const who = await authenticate(ctx, req);
    if (!who.ok) {
      void reply.header('www-authenticate', 'Bearer realm="onematter"');
      return deny(reply, req, 401, who.reason);
    }
    if (!access.includes(who.principal.role)) {
      return deny(reply, req, 403, `the ${who.principal.role} role may not ${req.method} ${req.routeOptions.url}`);
    }
    if (who.csrfToken !== undefined && !SAFE_METHODS.has(req.method)) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !sameString(sent, who.csrfToken)) {
        return deny(reply, req, 403, 'missing or wrong X-CSRF-Token: a signed-in browser sends the token it got at sign-in with every change');
      }
    }
    req.principal = who.principal;
  });

  app.addHook('preHandler', async (req, reply) => {
    const p = req.principal;
    if (!p || p.unrestricted || (p.role !== 'department' && p.role !== 'applicant')) return;
    const url = req.routeOptions.url ?? '';
    const params = (req.params ?? {}) as Record<string, unknown>;
    if (p.role === 'applicant') {
      // An applicant sees only the cases filed under their own ID number; any other is "not found", never "forbidden".
      if (url.startsWith(`${apiPrefix}/cases/:id`) && typeof params.id === 'string' && !(await isApplicantOf(runtime, params.id, p))) {
        return sendProblem(reply, problem(404, `case ${params.id} not found`, undefined, req.url));
      }
      return;
    }
    if (url.startsWith(`${apiPrefix}/cases/:id`) && typeof params.id === 'string') {
      const departments = await caseDepartments(runtime, params.id);
      if (departments && !departments.has(p.department!)) {
        return deny(reply, req, 403, `case ${params.id} does not involve department ${p.department}`);
      }
    }
    if (url.startsWith(`${apiPrefix}/tasks/:taskId`) && typeof params.taskId === 'string') {
      const ids = parseTaskId(params.taskId);
      const state = ids ? await runtime.handler.loadLatest(ids.caseId) : undefined;
      const task = state?.kind === 'started' && ids ? state.tasks[ids.step] : undefined;
      if (task && task.department !== p.department) {
        return deny(reply, req, 403, `task ${params.taskId} belongs to department ${task.department}, not ${p.department}`);
      }
    }
  });

  return ctx;
}

/**
 * A key or account refused because its record does not verify: someone edited the store.
 * Logged at every refusal; written to the access log ($access-log-<day>) once per record
 * and problem, so that a client that keeps trying cannot flood it.
 */
function tamperReporter(app: FastifyInstance, runtime: Runtime): (t: TamperedRecord) => void {
  const accessLog = new AccessLog(runtime.store, runtime.clock);
  const recorded = new Set<string>();
  return ({ subject, problem, where }) => {
    app.log.error({ subject, stream: problem.streamId, position: problem.position, reason: problem.reason, route: where }, `refused ${subject}: its record does not verify (edited in the store?)`);
    const once = `${subject}|${problem.streamId}|${problem.position}|${problem.reason}`;
    if (recorded.has(once)) return;
    recorded.add(once);
    accessLog
      .recordTampered({ subject, streamId: problem.streamId, position: problem.position, reason: problem.reason, route: where ?? 'authentication', actor: 'system:onematter' })
      .catch((error: unknown) => {
        recorded.delete(once);
        app.log.error({ err: error, subject }, 'could not record a refused tampered record in the access log');
      });
  };
}

function accessOf(req: FastifyRequest, underApi: (u: string) => boolean, isDocs: (u: string) => boolean): RouteAccess {
  const url = req.routeOptions.url;
  // No route matched: the not-found handler answers, with nothing to protect.
  if (url === undefined) return 'public';
  const declared = req.routeOptions.config?.roles;
  if (declared !== undefined) return declared;
  return !underApi(url) || isDocs(url) ? 'public' : [];
}

type Authenticated = { ok: true; principal: Principal; csrfToken?: string } | { ok: false; reason: string };

async function authenticate(ctx: AuthContext, req: FastifyRequest): Promise<Authenticated> {
  const apiKey = req.headers['x-api-key'];
  const authorization = req.headers.authorization;
  const where = `${req.method} ${req.routeOptions.url ?? req.url}`;
  if (typeof apiKey === 'string' && apiKey) return byKey(ctx, apiKey.trim(), where);
  if (typeof authorization === 'string' && authorization) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return { ok: false, reason: 'the Authorization header must be "Bearer <access key or token>"' };
    const token = m[1]!;
    if (token.split('.').length === 3) {
      if (!ctx.jwt) return { ok: false, reason: 'this server accepts no identity-provider tokens (no JWKS URL is configured)' };
      const r = await ctx.jwt.verify(token);
      return r.ok ? { ok: true, principal: r.principal } : r;
    }
    return byKey(ctx, token, where);
  }
  const cookie = req.cookies?.[SESSION_COOKIE];
  if (cookie) {
    const s = ctx.sessions.get(cookie);
    if (!s) return { ok: false, reason: 'the session has ended; sign in again' };
    return { ok: true, principal: s.principal, csrfToken: s.csrfToken };
  }
  return { ok: false, reason: 'credentials required: sign in, or send an access key (Authorization: Bearer … or X-Api-Key) or an identity-provider token' };
}

async function byKey(ctx: AuthContext, key: string, where: string): Promise<Authenticated> {
  const k = await ctx.directory.verifyKey(key, where);
  if (!k) return { ok: false, reason: 'unknown or revoked access key' };
  return {
    ok: true,
    principal: {
      id: `key.${k.id}`,
      role: k.role,
      ...(k.department ? { department: k.department } : {}),
      ...(k.applicantId ? { applicantId: k.applicantId } : {}),
      name: k.name,
      via: 'key',
    },
  };
}

async function caseDepartments(runtime: Runtime, caseId: string): Promise<Set<string> | undefined> {
  const state = await runtime.handler.loadLatest(caseId);
  if (state.kind !== 'started') return undefined;
  return new Set(Object.values(state.tasks).map((t) => t.department));
}

/** Whether the case was filed under the applicant principal's ID number. */
async function isApplicantOf(runtime: Runtime, caseId: string, p: Principal): Promise<boolean> {
  const state = await runtime.handler.loadLatest(caseId);
  return state.kind === 'started' && p.applicantId !== undefined && sameIdNumber(state.applicant.idNumber, p.applicantId);
}

/** ID numbers compared as written on a form: spaces dropped, upper case (a final x of an ID card is X). */
export const sameIdNumber = (a: string, b: string): boolean => a.replace(/\s+/g, '').toUpperCase() === b.replace(/\s+/g, '').toUpperCase();

function deny(reply: FastifyReply, req: FastifyRequest, status: 401 | 403, detail: string): FastifyReply {
  return sendProblem(reply, problem(status, detail, undefined, req.url));
}

/** The department a request is confined to, if its caller is a department. */
export function departmentScope(req: FastifyRequest): string | undefined {
  const p = req.principal;
  return p && !p.unrestricted && p.role === 'department' ? p.department : undefined;
}

/** The ID number a request is confined to, if its caller is an applicant (申请人). */
export function applicantScope(req: FastifyRequest): string | undefined {
  const p = req.principal;
  return p && !p.unrestricted && p.role === 'applicant' ? (p.applicantId ?? '-') : undefined;
}
