import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problem, sendProblem } from '../problem.js';
import { DEFAULT_ACCOUNT_LOCKOUT, DEFAULT_SIGN_IN_LIMIT, SESSION_COOKIE, type AuthContext } from './plugin.js';
import { ANY_ROLE, ROLE_NAMES, type Principal } from './roles.js';

const SignInBody = z.object({
  username: z.string().trim().min(1, '请输入用户名（user name is required）').max(64),
  password: z.string().min(1, '请输入密码（password is required）').max(256),
});

const whoView = (p: Principal) => ({
  id: p.id,
  role: p.role,
  roleName: ROLE_NAMES[p.role],
  name: p.name,
  department: p.department ?? null,
  applicantId: p.applicantId ?? null,
  via: p.via,
  authDisabled: Boolean(p.unrestricted),
});

/**
 * Browser sign-in: a session cookie (httpOnly, SameSite=Strict, Secure over HTTPS) and
 * a CSRF token the workbench echoes in X-CSRF-Token on every change. Systems use
 * access keys or identity-provider tokens instead and never sign in.
 */
export const authRoutes: FastifyPluginAsyncZod<{ auth: AuthContext }> = async (app, { auth }) => {
  const limit = auth.options.signInRateLimit ?? DEFAULT_SIGN_IN_LIMIT;
  const perAccount = auth.options.accountLockout ?? DEFAULT_ACCOUNT_LOCKOUT;
  // Failed sign-ins per account, whatever address they come from: a guesser who rotates
  // addresses (or forges X-Forwarded-For) still runs out of tries on the account.
  const accountFailures = app.createRateLimit({
    max: perAccount.max,
    timeWindow: perAccount.timeWindowMs,
    keyGenerator: (req) => `account:${(req.body as { username: string }).username.toLowerCase()}`,
  });

  app.post(
    '/auth/sign-in',
    {
      schema: {
        tags: ['auth'],
        summary: '登录: sign in with a user name and password (workbench)',
        description:
          `Sets the session cookie and returns the CSRF token. At most ${limit.max} attempts per ${Math.round(limit.timeWindowMs / 1000)} s per client address, ` +
          `and ${perAccount.max} failed attempts per ${Math.round(perAccount.timeWindowMs / 60_000)} min per account, after which the account is locked for the rest of that time, ` +
          'even for the right password (429 with Retry-After).',
        body: SignInBody,
      },
      config: {
        roles: 'public',
        rateLimit: {
          max: limit.max,
          timeWindow: limit.timeWindowMs,
          errorResponseBuilder: (_req, ctx) => ({
            statusCode: 429,
            message: `登录尝试过于频繁，请 ${Math.ceil(ctx.ttl / 1000)} 秒后再试（too many sign-in attempts; retry in ${Math.ceil(ctx.ttl / 1000)} s）`,
          }),
        },
      },
    },
    async (req, reply) => {
      const lock = await accountFailures(req, { increment: false });
      if (!lock.isAllowed && lock.remaining === 0) {
        req.log.warn({ username: req.body.username }, 'sign-in refused: the account is locked after repeated failures');
        const seconds = Math.max(1, lock.ttlInSeconds);
        void reply.header('retry-after', seconds);
        return sendProblem(
          reply,
          problem(429, `该账号登录失败次数过多，已暂时锁定，请 ${seconds} 秒后再试（too many failed sign-ins for this account; retry in ${seconds} s）`, undefined, req.url),
        );
      }
      const account = await auth.directory.verifyPassword(req.body.username, req.body.password, `${req.method} ${req.routeOptions.url}`);
      if (!account) {
        await accountFailures(req);
        req.log.info({ username: req.body.username }, 'sign-in refused');
        return sendProblem(reply, problem(401, '用户名或密码错误（wrong user name or password）', undefined, req.url));
      }
      const principal: Principal = {
        id: `user.${account.username}`,
        role: account.role,
        ...(account.department ? { department: account.department } : {}),
        ...(account.applicantId ? { applicantId: account.applicantId } : {}),
        name: account.displayName,
        via: 'session',
      };
      const { token, session } = auth.sessions.create(principal);
      req.log.info({ username: account.username, role: account.role }, 'signed in');
      void reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https' });
      return { user: whoView(principal), csrfToken: session.csrfToken };
    },
  );

  app.post(
    '/auth/sign-out',
    { schema: { tags: ['auth'], summary: '退出: end the browser session' }, config: { roles: ANY_ROLE } },
    async (req, reply) => {
      const token = req.cookies[SESSION_COOKIE];
      if (token) auth.sessions.delete(token);
      void reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https' });
      return reply.code(204).send();
    },
  );

  app.get(
    '/auth/people',
    { schema: { tags: ['auth'], summary: 'Display names of the people and systems an event\'s actor names (user.wang → 王芳), for timelines' }, config: { roles: ANY_ROLE } },
    async () => ({ people: await auth.directory.people() }),
  );

  app.get(
    '/auth/me',
    { schema: { tags: ['auth'], summary: 'Who is calling: role, department, and the CSRF token of a browser session' }, config: { roles: ANY_ROLE } },
    async (req) => {
      const token = req.cookies[SESSION_COOKIE];
      const session = token ? auth.sessions.get(token) : undefined;
      return { user: whoView(req.principal!), csrfToken: req.principal?.via === 'session' ? (session?.csrfToken ?? null) : null };
    },
  );
};
