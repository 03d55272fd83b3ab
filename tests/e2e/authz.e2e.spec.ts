import { API_PREFIX, authOf, ROLES, type Role, type RouteEntry } from '@onematter/api';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterAll, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.js';

/**
 * The authorisation matrix: every route the app registered × every role and no
 * credentials, generated from the roles each route declares (the app's own route
 * table, collected by its onRoute hook). A new route is in this matrix the moment it
 * is registered; one that declares no roles does not even boot.
 *
 * Expected: a role the route admits gets past auth (2xx, or 400/404/409 where the
 * request is only a probe: an empty body, a made-up id); any other role gets 403;
 * no credentials get 401; a public route is open to all.
 */

/** The only routes anyone may call without credentials. Adding one is a decision: change this list with it. */
const PUBLIC = [
  /^\/api\/v1\/health(\/ready)?$/,
  /^\/api\/v1\/openapi\.json$/,
  // The matter file format, like the OpenAPI document: editors fetch it from a file's `$schema`.
  /^\/api\/v1\/matters\/schema$/,
  /^\/api\/v1\/docs(\/.*)?$/,
  /^\/api\/v1\/auth\/sign-in$/,
];

const t = await testApp({}, { auth: { enabled: true, signInRateLimit: { max: 10_000, timeWindowMs: 60_000 } } });
const directory = authOf(t.app).directory;
const keyOf = {} as Record<Role, string>;
for (const role of ROLES) {
  // The department key is samr's, and the probe case involves samr: scoping lets it through.
  // The applicant key is the probe case's applicant's: scoping lets it through to that case.
  const scope = role === 'department' ? { department: 'samr' } : role === 'applicant' ? { applicantId: enterpriseSetupV1.exampleApplicant!.idNumber } : {};
  keyOf[role] = (await directory.createKey({ role, name: `matrix ${role}`, ...scope })).key;
}
await t.app.ready();
const started = await t.app.inject({
  method: 'POST',
  url: '/api/v1/cases',
  headers: { authorization: `Bearer ${keyOf.clerk}` },
  payload: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example },
});
const caseId = (started.json() as { id: string }).id;
const params: Record<string, string> = { id: caseId, taskId: `${caseId}.samr`, caseId, matter: 'enterprise-setup', department: 'samr' };

const routes = authOf(t.app).routes.filter((r) => r.url === API_PREFIX || r.url.startsWith(`${API_PREFIX}/`));
const urlOf = (r: RouteEntry) =>
  r.url
    .replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? 'probe'))
    .replace(/\*$/, 'probe');
const identities: (Role | 'none')[] = ['none', ...ROLES];

afterAll(async () => t.close());

describe('authorisation matrix: every route × every role, from the declared roles', () => {
  it('covers every route under /api/v1, and each declares roles or is on the public list', () => {
    expect(routes.length).toBeGreaterThan(15);
    for (const r of routes) {
      if (r.access === 'public') expect(PUBLIC.some((p) => p.test(r.url)), `${r.method} ${r.url} is public but not on the public list`).toBe(true);
      else expect(r.access.length, `${r.method} ${r.url}`).toBeGreaterThan(0);
    }
  });

  for (const r of routes) {
    const admitted = (who: Role | 'none') => r.access === 'public' || (who !== 'none' && r.access.includes(who));
    it(`${r.method} ${r.url}  [${r.access === 'public' ? 'public' : r.access.join(', ')}]`, async () => {
      const outcome: Record<string, number> = {};
      for (const who of identities) {
        const res = await t.app.inject({
          method: r.method as 'GET',
          url: urlOf(r),
          headers: who === 'none' ? {} : { authorization: `Bearer ${keyOf[who]}` },
          ...(['POST', 'PUT', 'PATCH'].includes(r.method) ? { payload: {} } : {}),
        });
        outcome[who] = res.statusCode;
      }
      const expected = Object.fromEntries(identities.map((who) => [who, admitted(who) ? 'allowed' : who === 'none' ? 401 : 403]));
      const seen = Object.fromEntries(
        identities.map((who) => {
          const s = outcome[who]!;
          return [who, admitted(who) ? (s !== 401 && s !== 403 && s < 500 ? 'allowed' : s) : s];
        }),
      );
      expect(seen, `${r.method} ${r.url}: statuses ${JSON.stringify(outcome)}`).toEqual(expected);
    });
  }
});
