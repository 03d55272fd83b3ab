import { AuthDirectory, authOf, DEMO_ACCOUNTS, demoSignInLines, ensureDemoAccounts, KEYS_STREAM, ACCOUNTS_STREAM, logRedaction, type BuildOptions } from '@onematter/api';
import { verifyChain } from '@onematter/engine';
import { enterpriseSetupV1, utilityConnectionV1 } from '@onematter/workflows';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';

const authOn = (extra: Partial<NonNullable<BuildOptions['auth']>> = {}): BuildOptions => ({
  auth: { enabled: true, signInRateLimit: { max: 1000, timeWindowMs: 60_000 }, ...extra },
});

const startBody = (matter: 'enterprise-setup' | 'utility-connection' = 'enterprise-setup') => {
  const m = matter === 'enterprise-setup' ? enterpriseSetupV1 : utilityConnectionV1;
  return { matter, applicant: m.exampleApplicant, form: structuredClone(m.example) };
};
const SAMR_OUTPUT = { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L1' };

interface Keys {
  clerk: string;
  samr: string;
  tax: string;
  water: string;
  supervisor: string;
  auditor: string;
  admin: string;
}

async function keysFor(t: TestApp): Promise<Keys> {
  const d = authOf(t.app).directory;
  const k = async (role: string, department?: string) => (await d.createKey({ role, name: `${role} ${department ?? ''}`.trim(), ...(department ? { department } : {}) })).key;
  return {
    clerk: await k('clerk'),
    samr: await k('department', 'samr'),
    tax: await k('department', 'tax'),
    water: await k('department', 'water'),
    supervisor: await k('supervisor'),
    auditor: await k('auditor'),
    admin: await k('admin'),
  };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('without credentials', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({}, authOn());
  });
  afterAll(async () => t.close());

  it('answers 401 problem+json with WWW-Authenticate on every protected route', async () => {
    for (const url of ['/api/v1/matters', '/api/v1/cases', '/api/v1/metrics', '/api/v1/auth/me']) {
      const r = await t.app.inject({ url });
      expect(r.statusCode, url).toBe(401);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: startBody() })).statusCode).toBe(401);
  });

  it('leaves health, the OpenAPI document, the docs and the workbench open', async () => {
    for (const url of ['/api/v1/health', '/api/v1/openapi.json', '/api/v1/docs', '/']) {
      expect([200, 302], url).toContain((await t.app.inject({ url })).statusCode);
    }
  });

  it('sends security headers on every response, with a CSP that allows no inline script', async () => {
    for (const url of ['/', '/api/v1/health', '/api/v1/cases']) {
      const h = (await t.app.inject({ url })).headers;
      expect(h['content-security-policy'], url).toMatch(/script-src 'self'(;|$)/);
      expect(h['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(h['x-content-type-options']).toBe('nosniff');
      expect(h['x-frame-options']).toBeDefined();
      expect(h['referrer-policy']).toBe('no-referrer');
    }
  });

  it('refuses to boot a route under /api/v1 that declares no roles', async () => {
    const fresh = await testApp({}, authOn());
    try {
      expect(() => fresh.app.get('/api/v1/forgotten', async () => 'oops')).toThrow(/declares no roles/);
      expect(() => fresh.app.get('/api/v1/typo', { config: { roles: ['clark' as 'clerk'] } }, async () => 'oops')).toThrow(/config.roles/);
      expect(() => fresh.app.get('/api/v1/empty', { config: { roles: [] } }, async () => 'oops')).toThrow(/config.roles/);
    } finally {
      await fresh.close();
    }
  });
});

describe('access keys', () => {
  let t: TestApp;
  let keys: Keys;
  beforeAll(async () => {
    t = await testApp({}, authOn());
    keys = await keysFor(t);
  });
  afterAll(async () => t.close());

  it('work as a Bearer token and as X-Api-Key', async () => {
    expect((await t.app.inject({ url: '/api/v1/matters', headers: bearer(keys.clerk) })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/v1/matters', headers: { 'x-api-key': keys.clerk } })).statusCode).toBe(200);
    const me = (await t.app.inject({ url: '/api/v1/auth/me', headers: bearer(keys.samr) })).json();
    expect(me.user).toMatchObject({ role: 'department', department: 'samr', via: 'key' });
  });

  it('are kept only as SHA-256 hashes, in their own hash-chained stream', async () => {
    const events = await t.runtime.store.readStream(KEYS_STREAM);
    const text = JSON.stringify(events);
    for (const k of Object.values(keys)) {
      expect(text).not.toContain(k);
      // The secret part (after omk_<id>_) may itself contain '_': take all of it.
      expect(text).not.toContain(k.slice('omk_'.length + 12 + 1));
      expect(text).toContain(createHash('sha256').update(k).digest('hex'));
    }
    expect(verifyChain(KEYS_STREAM, events)).toBeUndefined();
  });

  it('stop working when revoked, and a made-up or malformed key never works', async () => {
    const d = authOf(t.app).directory;
    const { record, key } = await d.createKey({ role: 'auditor', name: '审计系统' });
    expect((await t.app.inject({ url: '/api/v1/cases', headers: bearer(key) })).statusCode).toBe(200);
    await d.revokeKey(record.id, 'test');
    expect((await t.app.inject({ url: '/api/v1/cases', headers: bearer(key) })).statusCode).toBe(401);
    const forged = key.slice(0, -4) + 'AAAA';
    expect((await t.app.inject({ url: '/api/v1/cases', headers: bearer(forged) })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/v1/cases', headers: bearer('not-a-key') })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/v1/cases', headers: { authorization: 'Basic abc' } })).statusCode).toBe(401);
  });

  it('refuse a department key without a known department', async () => {
    const d = authOf(t.app).directory;
    await expect(d.createKey({ role: 'department', name: 'x' })).rejects.toThrow(/--department/);
    await expect(d.createKey({ role: 'department', department: 'mars', name: 'x' })).rejects.toThrow(/unknown department/);
    await expect(d.createKey({ role: 'clerk', department: 'tax', name: 'x' })).rejects.toThrow(/only the department role/);
  });
});

describe('what each role may do', () => {
  let t: TestApp;
  let keys: Keys;
  let es: { id: string; tasks: { id: string; department: string }[] };
  let uc: { id: string; tasks: { id: string; department: string }[] };
  const as = (key: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: bearer(key), ...(payload !== undefined ? { payload: payload as object } : {}) });

  beforeAll(async () => {
    t = await testApp({}, authOn());
    keys = await keysFor(t);
    es = (await as(keys.clerk, 'POST', '/api/v1/cases', startBody('enterprise-setup'))).json();
    uc = (await as(keys.clerk, 'POST', '/api/v1/cases', startBody('utility-connection'))).json();
  });
  afterAll(async () => t.close());

  it('a department sees only the cases that involve it', async () => {
    const samrList = (await as(keys.samr, 'GET', '/api/v1/cases')).json();
    expect(samrList.items.map((c: { id: string }) => c.id)).toEqual([es.id]);
    const waterList = (await as(keys.water, 'GET', '/api/v1/cases')).json();
    expect(waterList.items.map((c: { id: string }) => c.id)).toEqual([uc.id]);
    expect((await as(keys.samr, 'GET', '/api/v1/cases?department=water')).statusCode).toBe(403);
    expect((await as(keys.samr, 'GET', `/api/v1/cases/${es.id}`)).statusCode).toBe(200);
    expect((await as(keys.samr, 'GET', `/api/v1/cases/${uc.id}`)).statusCode).toBe(403);
    expect((await as(keys.samr, 'GET', `/api/v1/cases/${uc.id}/events`)).statusCode).toBe(403);
    expect((await as(keys.clerk, 'GET', '/api/v1/cases')).json().items).toHaveLength(2);
  });

  it('a department decides its own task, recorded with its identity, and not another department\'s', async () => {
    const samrTask = es.tasks.find((x) => x.department === 'samr')!.id;
    const r = await as(keys.samr, 'POST', `/api/v1/tasks/${samrTask}/decisions`, { decisionId: 'd-samr', decision: 'approved', output: SAMR_OUTPUT });
    expect(r.statusCode, r.body).toBe(200);
    const events = (await as(keys.auditor, 'GET', `/api/v1/cases/${es.id}/events`)).json() as { type: string; metadata: { actor: string } }[];
    expect(events[0]!.metadata.actor).toMatch(/^clerk:key\.k_/);
    expect(events.find((e) => e.type === 'DecisionRecorded')!.metadata.actor).toMatch(/^department:samr\/key\.k_/);

    const taxTask = `${es.id}.tax`;
    const other = await as(keys.samr, 'POST', `/api/v1/tasks/${taxTask}/decisions`, { decisionId: 'd-x', decision: 'approved', output: { taxpayerId: '91350100M000100Y43' } });
    expect(other.statusCode).toBe(403);
    const own = await as(keys.tax, 'POST', `/api/v1/tasks/${taxTask}/decisions`, { decisionId: 'd-tax', decision: 'approved', output: { taxpayerId: '91350100M000100Y43' } });
    expect(own.statusCode, own.body).toBe(200);
  });

  it('the decider itself refuses a decision whose department does not match the task (defence in depth)', async () => {
    const r = await t.runtime.handler.execute(es.id, (now) => ({
      type: 'RecordDecision',
      data: { taskId: `${es.id}.bank`, decisionId: 'd-bank', decision: 'approved', department: 'water', output: { accountNumber: '622202020012345678' } },
      now,
    }));
    expect(r).toMatchObject({ ok: false, error: { kind: 'Forbidden' } });
  });

  it('a clerk cannot decide department tasks; an auditor and a supervisor only read', async () => {
    const bank = `${es.id}.bank`;
    const decision = { decisionId: 'd-c', decision: 'approved', output: { accountNumber: '622202020012345678' } };
    expect((await as(keys.clerk, 'POST', `/api/v1/tasks/${bank}/decisions`, decision)).statusCode).toBe(403);
    expect((await as(keys.admin, 'POST', `/api/v1/tasks/${bank}/decisions`, decision)).statusCode).toBe(403);
    for (const key of [keys.auditor, keys.supervisor]) {
      expect((await as(key, 'GET', `/api/v1/cases/${es.id}`)).statusCode).toBe(200);
      expect((await as(key, 'GET', `/api/v1/cases/${es.id}/events`)).statusCode).toBe(200);
      expect((await as(key, 'POST', '/api/v1/cases', startBody())).statusCode).toBe(403);
      expect((await as(key, 'POST', `/api/v1/cases/${es.id}/withdraw`, { reason: 'x' })).statusCode).toBe(403);
      expect((await as(key, 'POST', `/api/v1/tasks/${bank}/decisions`, decision)).statusCode).toBe(403);
    }
    expect((await as(keys.samr, 'POST', '/api/v1/cases', startBody())).statusCode).toBe(403);
  });
});

describe('browser sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({}, { ...authOn(), trustProxy: true });
    await authOf(t.app).directory.ensureAccount({ username: 'wang', displayName: '王芳', role: 'clerk', password: 'correct horse battery' });
  });
  afterAll(async () => t.close());

  const signIn = (password = 'correct horse battery', headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'wang', password }, headers });

  it('sets an httpOnly, SameSite=Strict cookie, Secure only over HTTPS, and returns a CSRF token', async () => {
    const r = await signIn();
    expect(r.statusCode).toBe(200);
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/^onematter_session=[\w-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);
    expect(r.json()).toMatchObject({ user: { role: 'clerk', name: '王芳', via: 'session' }, csrfToken: expect.any(String) });
    const https = await signIn(undefined, { 'x-forwarded-proto': 'https' });
    expect(String(https.headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('needs the CSRF token for every change, and ends at sign-out', async () => {
    const r = await signIn();
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    const csrf = r.json().csrfToken as string;
    expect((await t.app.inject({ url: '/api/v1/cases', headers: { cookie } })).statusCode).toBe(200);
    const noToken = await t.app.inject({ method: 'POST', url: '/api/v1/cases', headers: { cookie }, payload: startBody() });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().detail).toMatch(/CSRF/);
    const wrong = await t.app.inject({ method: 'POST', url: '/api/v1/cases', headers: { cookie, 'x-csrf-token': 'x'.repeat(43) }, payload: startBody() });
    expect(wrong.statusCode).toBe(403);
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/cases', headers: { cookie, 'x-csrf-token': csrf }, payload: startBody() });
    expect(ok.statusCode, ok.body).toBe(201);
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).json().csrfToken).toBe(csrf);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-out', headers: { cookie, 'x-csrf-token': csrf } })).statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/v1/cases', headers: { cookie } })).statusCode).toBe(401);
  });

  it('refuses a wrong password or an unknown user with the same Chinese message', async () => {
    const wrong = await signIn('wrong password');
    const unknown = await t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'nobody', password: 'whatever1' } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().detail).toBe(unknown.json().detail);
    expect(wrong.json().detail).toMatch(/用户名或密码错误/);
  });

  it('keeps passwords only as scrypt hashes', async () => {
    const text = JSON.stringify(await t.runtime.store.readStream(ACCOUNTS_STREAM));
    expect(text).not.toContain('correct horse battery');
    expect(text).toMatch(/"passwordHash":"scrypt\$32768\$8\$1\$/);
  });
});

describe('sign-in rate limit', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('answers 429 after the allowed attempts from one address', async () => {
    t = await testApp({}, { auth: { enabled: true, signInRateLimit: { max: 3, timeWindowMs: 60_000 } } });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push((await t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'x', password: 'guess' + i } })).statusCode);
    }
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    const last = await t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'x', password: 'y' } });
    expect(last.headers['content-type']).toMatch(/problem\+json/);
    expect(last.json().detail).toMatch(/登录尝试过于频繁/);
  });
});

describe('sign-in rate limit behind a proxy (--trust-proxy)', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  const signIn = (username: string, password: string, forwardedFor: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { 'x-forwarded-for': forwardedFor }, payload: { username, password } });

  it('locks an account after repeated wrong passwords from ever-new addresses, with Retry-After, and leaves other accounts alone', async () => {
    t = await testApp({}, { auth: { enabled: true }, trustProxy: 'loopback' });
    const d = authOf(t.app).directory;
    await d.ensureAccount({ username: 'wang', displayName: '王芳', role: 'clerk', password: 'right-password-1' });
    await d.ensureAccount({ username: 'li', displayName: '李明', role: 'clerk', password: 'right-password-2' });
    const codes: number[] = [];
    for (let i = 0; i < 14; i++) codes.push((await signIn('wang', `guess-${i}`, `203.0.113.${i + 1}`)).statusCode);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes.at(-1), codes.join(',')).toBe(429);
    // While locked, the right password is refused too, from yet another address.
    const locked = await signIn('wang', 'right-password-1', '198.51.100.77');
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.headers['content-type']).toMatch(/problem\+json/);
    expect(locked.json().detail).toMatch(/登录/);
    expect(locked.headers['set-cookie']).toBeUndefined();
    // Another account signs in as ever.
    const other = await signIn('li', 'right-password-2', '198.51.100.78');
    expect(other.statusCode, other.body).toBe(200);
  });

  it('believes X-Forwarded-For only from the configured proxies: a client that is not one cannot rotate its address', async () => {
    t = await testApp({}, { auth: { enabled: true }, trustProxy: '10.9.9.9' });
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) codes.push((await signIn(`nobody${i}`, 'guess', `203.0.113.${i + 1}`)).statusCode);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(codes.slice(10)).toEqual([429, 429]);
  });
});

describe('tokens from an external identity provider (JWKS)', () => {
  let idp: FastifyInstance;
  let t: TestApp;
  let sign: (claims: Record<string, unknown>, o?: { audience?: string; issuer?: string; expiresIn?: string }) => Promise<string>;
  let foreign: (claims: Record<string, unknown>) => Promise<string>;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    idp = Fastify();
    idp.get('/jwks.json', async () => ({ keys: [jwk] }));
    const address = await idp.listen({ port: 0, host: '127.0.0.1' });
    sign = (claims, o = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(o.issuer ?? 'https://sso.example.gov.cn')
        .setAudience(o.audience ?? 'onematter')
        .setSubject(String(claims.sub ?? 'u1'))
        .setIssuedAt()
        .setExpirationTime(o.expiresIn ?? '5m')
        .sign(privateKey);
    const other = await generateKeyPair('RS256');
    foreign = (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://sso.example.gov.cn').setAudience('onematter').setExpirationTime('5m').sign(other.privateKey);
    t = await testApp(
      {},
      authOn({
        jwt: {
          jwksUrl: `${address}/jwks.json`,
          issuer: 'https://sso.example.gov.cn',
          audience: 'onematter',
          roleClaim: 'realm_access.roles',
          departmentClaim: 'org',
          roleMap: { window_staff: 'clerk', inspector: 'supervisor' },
        },
      }),
    );
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  const me = async (token: string) => t.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) });

  it('maps the provider\'s role and department claims onto our roles', async () => {
    const clerk = await me(await sign({ sub: 'u-1', name: '张敏', realm_access: { roles: ['offline_access', 'window_staff'] } }));
    expect(clerk.statusCode, clerk.body).toBe(200);
    expect(clerk.json().user).toMatchObject({ role: 'clerk', name: '张敏', via: 'jwt', id: 'sso.u-1' });
    const dep = await me(await sign({ sub: 'u-2', realm_access: { roles: ['department'] }, org: 'tax' }));
    expect(dep.json().user).toMatchObject({ role: 'department', department: 'tax' });
    const sup = await sign({ sub: 'u-3', realm_access: { roles: ['inspector'] } });
    expect((await t.app.inject({ url: '/api/v1/cases', headers: bearer(sup) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/cases', headers: bearer(sup), payload: startBody() })).statusCode).toBe(403);
  });

  it('refuses a wrong audience or issuer, an expired token, a foreign signature, no role, or a department without its id', async () => {
    const roles = { realm_access: { roles: ['window_staff'] } };
    expect((await me(await sign(roles, { audience: 'someone-else' }))).statusCode).toBe(401);
    expect((await me(await sign(roles, { issuer: 'https://evil.example' }))).statusCode).toBe(401);
    expect((await me(await sign(roles, { expiresIn: '-10m' }))).statusCode).toBe(401);
    expect((await me(await foreign(roles))).statusCode).toBe(401);
    expect((await me(await sign({ realm_access: { roles: ['nobody'] } }))).statusCode).toBe(401);
    expect((await me(await sign({ realm_access: { roles: ['department'] } }))).statusCode).toBe(401);
    expect((await me(await sign({ realm_access: { roles: ['department'] }, org: 'mars' }))).statusCode).toBe(401);
  });

  it('treats a role claim named after a property of every object (constructor, __proto__, …) as no role: 401', async () => {
    for (const role of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      for (const claim of [{ realm_access: { roles: [role] } }, { realm_access: { roles: role } }]) {
        const r = await me(await sign(claim));
        expect(r.statusCode, `${role}: ${r.body}`).toBe(401);
        expect(r.json().detail).toMatch(/carries no OneMatter role/);
      }
    }
  });

  it('is refused by a server with no provider configured', async () => {
    const plain = await testApp({}, authOn());
    try {
      const r = await plain.app.inject({ url: '/api/v1/auth/me', headers: bearer(await sign({ realm_access: { roles: ['clerk'] } })) });
      expect(r.statusCode).toBe(401);
      expect(r.json().detail).toMatch(/no JWKS URL/);
    } finally {
      await plain.close();
    }
  });
});

describe('logs', () => {
  it('never show a key, a password or a session token, and mask the applicant\'s ID number and phone', async () => {
    let text = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    });
    const log = pino({ level: 'trace', redact: logRedaction }, sink);
    const t = await testApp({}, { ...authOn(), loggerInstance: log });
    try {
      const d = authOf(t.app).directory;
      const { key } = await d.createKey({ role: 'clerk', name: '综窗系统' });
      await d.ensureAccount({ username: 'li', displayName: '李', role: 'clerk', password: 'secret-pass-123' });
      const s = await t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'li', password: 'secret-pass-123' } });
      const cookie = String(s.headers['set-cookie']).split(';')[0]!;
      const c = await t.app.inject({ method: 'POST', url: '/api/v1/cases', headers: { 'x-api-key': key }, payload: startBody() });
      expect(c.statusCode).toBe(201);
      await t.app.inject({ url: '/api/v1/cases', headers: { cookie, authorization: `Bearer ${key}` } });
      // Whatever logs a case's data: the applicant and the form's people are masked.
      const a = enterpriseSetupV1.exampleApplicant!;
      log.info({ applicant: a, case: { applicant: a, form: enterpriseSetupV1.example } }, 'case data');
      log.info({ req: { headers: { authorization: `Bearer ${key}`, 'x-api-key': key, cookie }, body: { password: 'secret-pass-123' } } }, 'request');

      expect(text).toContain('signed in');
      expect(text).toContain('case data');
      // The key's secret is everything after omk_<id>_ (base64url, which may itself hold '_').
      const keySecret = key.split('_').slice(2).join('_');
      for (const secret of [key, keySecret, 'secret-pass-123', cookie.split('=')[1]!, s.json().csrfToken as string]) expect(text).not.toContain(secret);
      expect(text).not.toContain(a.idNumber);
      expect(text).not.toContain(a.phone);
      expect(text).not.toContain((enterpriseSetupV1.example as { legalRepresentative: { idNumber: string } }).legalRepresentative.idNumber);
      expect(text).toContain(`${a.idNumber.slice(0, 4)}************${a.idNumber.slice(-2)}`);
      expect(text).toContain(`${a.phone.slice(0, 3)}****${a.phone.slice(-4)}`);
    } finally {
      await t.close();
    }
  });
});

describe('demo accounts', () => {
  it('are created once per role, idempotently, and sign in with the printed passwords', async () => {
    const t = await testApp({}, authOn());
    try {
      expect(await ensureDemoAccounts(t.runtime.store, t.runtime.clock)).toBe(6);
      expect(await ensureDemoAccounts(t.runtime.store, t.runtime.clock)).toBe(0);
      expect(new Set(DEMO_ACCOUNTS.map((a) => a.role))).toEqual(new Set(['clerk', 'department', 'supervisor', 'auditor', 'admin', 'applicant']));
      const lines = demoSignInLines().join('\n');
      for (const a of DEMO_ACCOUNTS) {
        expect(lines).toContain(`${a.username} / ${a.password}`);
        const r = await t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: a.username, password: a.password } });
        expect(r.statusCode, a.username).toBe(200);
        expect(r.json().user.role).toBe(a.role);
        // The demo applicant is the catalogue's example applicant: 我的办件 holds the example cases.
        if (a.role === 'applicant') expect(r.json().user.applicantId).toBe('11010519491231002X');
      }
      const accounts = await new AuthDirectory(t.runtime.store).listAccounts();
      expect(accounts.every((a) => a.demo)).toBe(true);
    } finally {
      await t.close();
    }
  });
});
