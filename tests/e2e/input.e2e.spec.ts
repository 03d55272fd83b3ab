/**
 * Input at the edge: every JSON body (and every decision on the bus) is bounded in depth,
 * member-name length, string length and size; text a store cannot hold (NUL, lone
 * surrogates) and bytes that are not UTF-8 are refused with a 400 naming the field; a
 * body that is not JSON gets 415, one over the body limit 413. Nothing refused is stored.
 */
import type { RuntimeConfig } from '@onematter/api';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testApp, type TestApp } from '../support/app.js';
import { dropSchema, TEST_PG_URL, whyUnreachable } from '../support/postgres.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => t.close());

const startBody = (over: Record<string, unknown> = {}) => ({
  matter: 'enterprise-setup',
  applicant: enterpriseSetupV1.exampleApplicant,
  form: structuredClone(enterpriseSetupV1.example),
  ...over,
});
const raw = (url: string, payload: string | Buffer, contentType = 'application/json', headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType, ...headers } });
const head = () => t.runtime.store.headPosition();

/** A new case, and its first (samr) task id. */
async function newCase(): Promise<{ id: string; samr: string }> {
  const r = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: startBody() });
  expect(r.statusCode, r.body).toBe(201);
  const c = r.json() as { id: string; tasks: { id: string }[] };
  return { id: c.id, samr: c.tasks[0]!.id };
}

/** Sends a JSON text, expects a problem with this status naming `path`, and that nothing was appended. */
async function refused(url: string, payload: string | Buffer, status: number, path?: RegExp | string, contentType?: string) {
  const before = await head();
  const r = await raw(url, payload, contentType);
  expect(r.statusCode, r.body).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  const p = r.json() as { status: number; detail: string; errors?: { path: string; message: string }[] };
  expect(p.status).toBe(status);
  if (path !== undefined) {
    const paths = (p.errors ?? []).map((e) => e.path);
    if (typeof path === 'string') expect(paths).toContain(path);
    else expect(paths.some((x) => path.test(x)), JSON.stringify(p)).toBe(true);
  }
  expect(await head()).toBe(before);
  return p;
}

/** An approval of samr's task whose output holds the fields samr must return, and `extra` members. */
const decision = (extra: string) =>
  `{"decisionId":"d-${Math.random()}","decision":"approved","output":{"unifiedSocialCreditCode":"91350100M000100Y43","licenceNumber":"L1",${extra}}}`;

describe('JSON bounds: depth, member names, strings, size', () => {
  it('refuses an output nested 10,000 levels deep with 400 naming the path and the bound (not 500), and the task still takes a decision', async () => {
    const c = await newCase();
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const p = await refused(`/api/v1/tasks/${c.samr}/decisions`, decision(`"x":${deep}`), 400, /^output\.x(\.a)+$/);
    expect(JSON.stringify(p.errors)).toMatch(/32 levels/);
    const ok = await t.app.inject({
      method: 'POST',
      url: `/api/v1/tasks/${c.samr}/decisions`,
      payload: { decisionId: 'd-ok', decision: 'approved', output: { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L1' } },
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('refuses a 900 KB member name in an output instead of storing it', async () => {
    const c = await newCase();
    const p = await refused(`/api/v1/tasks/${c.samr}/decisions`, decision(`"${'k'.repeat(900_000)}":1`), 400, 'output');
    expect(JSON.stringify(p.errors)).toMatch(/member name.*200 characters/);
  });

  it('refuses a string longer than the bound, and an output larger than its bound made of small fields', async () => {
    const c = await newCase();
    const long = await refused(`/api/v1/tasks/${c.samr}/decisions`, decision(`"note":"${'x'.repeat(70_000)}"`), 400, 'output.note');
    expect(JSON.stringify(long.errors)).toMatch(/65536 characters/);
    const fields = Array.from({ length: 100 }, (_, i) => `"f${i}":"${'y'.repeat(1_000)}"`).join(',');
    const big = await refused(`/api/v1/tasks/${c.samr}/decisions`, decision(fields), 400, 'output');
    expect(JSON.stringify(big.errors)).toMatch(/65536 characters of JSON/);
  });

  it('refuses a form nested deeper than the bound on POST /cases', async () => {
    const deep = '['.repeat(50) + ']'.repeat(50);
    const body = JSON.stringify(startBody()).replace(/"form":\{/, `"form":{"deep":${deep},`);
    await refused('/api/v1/cases', body, 400, /^form\.deep(\.0)+$/);
  });

  it('answers 413 problem+json to a body over the 1 MiB limit', async () => {
    const p = await refused('/api/v1/cases', JSON.stringify(startBody({ note: 'z'.repeat(1_100_000) })), 413);
    expect(p.detail).toMatch(/1048576 bytes/);
  });
});

describe('text a store cannot hold, and bytes that are not UTF-8', () => {
  const withName = (name: string) => JSON.stringify(startBody()).replace(/"name":"[^"]*"/, `"name":"${name}"`);

  it('refuses a lone surrogate in the applicant name', async () => {
    const p = await refused('/api/v1/cases', withName('\\ud800'), 400, 'applicant.name');
    expect(JSON.stringify(p.errors)).toMatch(/surrogate/);
  });

  it('refuses a NUL inside the applicant name', async () => {
    const p = await refused('/api/v1/cases', withName('张\\u0000三'), 400, 'applicant.name');
    expect(JSON.stringify(p.errors)).toMatch(/NUL/);
  });

  it('refuses NUL and lone surrogates anywhere: deep in a form, in a member name, in a decision reason', async () => {
    const form = JSON.stringify(startBody()).replace(/"form":\{/, '"form":{"extra":{"list":["ok","a\\udc00b"]},');
    await refused('/api/v1/cases', form, 400, 'form.extra.list.1');
    const key = JSON.stringify(startBody()).replace(/"form":\{/, '"form":{"k\\u0000":1,');
    await refused('/api/v1/cases', key, 400, 'form');
    const c = await newCase();
    await refused(`/api/v1/tasks/${c.samr}/decisions`, '{"decisionId":"d1","decision":"rejected","reason":"no\\u0000"}', 400, 'reason');
  });

  it('keeps a well-formed pair of surrogates (an emoji, a rare character) as it is', async () => {
    const r = await raw('/api/v1/cases', withName('张\\ud840\\udc00'));
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().applicant.name).toBe('张\u{20000}');
  });

  it('refuses a body whose bytes are not UTF-8 instead of storing "\uFFFD"', async () => {
    const bytes = Buffer.concat([Buffer.from(withName('X').split('"name":"X"')[0]! + '"name":"'), Buffer.from([0xe5, 0xbc]), Buffer.from('"' + withName('X').split('"name":"X"')[1]!)]);
    const p = await refused('/api/v1/cases', bytes, 400, 'body');
    expect(p.detail).toMatch(/UTF-8/);
  });

  it('refuses NUL in a query parameter', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/cases?matter=a%00b' });
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().errors.map((e: { path: string }) => e.path)).toContain('query.matter');
  });
});

describe('media types', () => {
  it('answers 415 problem+json to text/plain on a JSON route', async () => {
    const p = await refused('/api/v1/cases', JSON.stringify(startBody()), 415, undefined, 'text/plain');
    expect(p.detail).toMatch(/application\/json/);
  });

  it('still takes application/json with a charset', async () => {
    const r = await raw('/api/v1/cases', JSON.stringify(startBody()), 'application/json; charset=utf-8');
    expect(r.statusCode, r.body).toBe(201);
  });
});

describe('Idempotency-Key', () => {
  it('answers 409 naming the key when it is reused with a different body, even for another matter, and stores nothing', async () => {
    const key = 'window-9-20261205-001';
    const a = await raw('/api/v1/cases', JSON.stringify(startBody()), 'application/json', { 'idempotency-key': key });
    expect(a.statusCode, a.body).toBe(201);
    const before = await head();

    const otherApplicant = startBody({ applicant: { ...enterpriseSetupV1.exampleApplicant, name: '李四' } });
    const b = await raw('/api/v1/cases', JSON.stringify(otherApplicant), 'application/json', { 'idempotency-key': key });
    expect(b.statusCode, b.body).toBe(409);
    expect(b.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(b.json().detail).toContain(key);
    expect(b.json().errors.map((e: { path: string }) => e.path)).toEqual(['headers.idempotency-key']);

    const { utilityConnectionV1 } = await import('@onematter/workflows');
    const other = { matter: 'utility-connection', applicant: utilityConnectionV1.exampleApplicant, form: utilityConnectionV1.example };
    const m = await raw('/api/v1/cases', JSON.stringify(other), 'application/json', { 'idempotency-key': key });
    expect(m.statusCode, m.body).toBe(409);
    expect(await head()).toBe(before);
  });

  it('gives the same case for the same key and body, also after the case moved on', async () => {
    const key = 'window-9-20261205-002';
    const body = JSON.stringify(startBody({ materials: undefined }));
    const a = await raw('/api/v1/cases', body, 'application/json', { 'idempotency-key': key });
    expect(a.statusCode, a.body).toBe(201);
    const samr = a.json().tasks[0].id;
    await t.app.inject({ method: 'POST', url: `/api/v1/tasks/${samr}/decisions`, payload: { decisionId: 's1', decision: 'supplement-required', missingMaterials: ['x'] } });
    await t.app.inject({ method: 'POST', url: `/api/v1/cases/${a.json().id}/supplements`, payload: { materials: ['x'] } });
    // The same JSON with its members in another order is the same request.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(body) as object).reverse()));
    const b = await raw('/api/v1/cases', reordered, 'application/json', { 'idempotency-key': key });
    expect(b.statusCode, b.body).toBe(201);
    expect(b.json().id).toBe(a.json().id);
    expect(b.headers['idempotent-replayed']).toBe('true');
  });
});

describe('a decision on the bus is held to the same bounds', () => {
  it('sends a decision with an output nested 10,000 levels deep to the dead-letter topic with the reason', async () => {
    const c = await newCase();
    const dead: { reason: string }[] = [];
    const sub = await t.runtime.bus.subscribe(t.runtime.topics.decisionsDlq, async (m) => {
      dead.push({ reason: String(m.headers['dlq-reason']) });
    }, { group: 'input-test' });
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    await t.runtime.bus.publish([
      { topic: t.runtime.topics.decisions, key: c.id, headers: {}, value: {
          decisionId: 'bus-deep',
          taskId: c.samr,
          department: 'samr',
          decision: 'approved',
          output: { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: 'L1', x: deep },
        }, },
    ]);
    const [first] = await eventually(() => (dead.length > 0 ? dead : undefined), 10_000, 'a dead letter');
    expect(first!.reason).toMatch(/output\.x(\.a)+.*32 levels/);
    await sub.close();
    const state = (await t.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}` })).json();
    expect(state.tasks[0].status).toBe('pending');
  });
});

describe('the API description', () => {
  it('documents the bounds, and 409, 413 and 415 where a route takes a body', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      info: { description: string };
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.info.description).toMatch(/1048576 bytes.*32 levels.*200 characters.*65536.*NUL \(U\+0000\).*lone surrogate/s);
    expect(Object.keys(doc.paths['/api/v1/cases']!.post!.responses)).toEqual(expect.arrayContaining(['201', '400', '409', '413', '415']));
    expect(Object.keys(doc.paths['/api/v1/tasks/{taskId}/decisions']!.post!.responses)).toEqual(expect.arrayContaining(['200', '400', '413', '415']));
    expect(Object.keys(doc.paths['/api/v1/cases']!.get!.responses)).not.toContain('415');
  });
});

const pgDown = await whyUnreachable();

describe.each(['sqlite', 'postgres'] as const)('the same refusal on %s, and the case list goes on', (store) => {
  it('refuses "\\ud800" and "张\\u0000三" as an applicant name; GET /cases still answers', async () => {
    if (store === 'postgres' && pgDown) throw new Error(`PostgreSQL is unreachable at ${TEST_PG_URL} (${pgDown}); CI must run the PostgreSQL tests`);
    const dataDir = mkdtempSync(join(tmpdir(), 'onematter-input-'));
    const schema = `input_${randomBytes(5).toString('hex')}`;
    const config: Partial<RuntimeConfig> = store === 'sqlite' ? { store, dataDir } : { store, pgUrl: TEST_PG_URL, pgSchema: schema };
    const s = await testApp(config);
    try {
      const body = JSON.stringify(startBody());
      for (const name of ['\\ud800', '张\\u0000三']) {
        const r = await s.app.inject({ method: 'POST', url: '/api/v1/cases', payload: body.replace(/"name":"[^"]*"/, `"name":"${name}"`), headers: { 'content-type': 'application/json' } });
        expect(r.statusCode, r.body).toBe(400);
        expect(r.json().errors.map((e: { path: string }) => e.path)).toEqual(['applicant.name']);
      }
      const ok = await s.app.inject({ method: 'POST', url: '/api/v1/cases', payload: startBody() });
      expect(ok.statusCode, ok.body).toBe(201);
      const list = await s.app.inject({ method: 'GET', url: '/api/v1/cases' });
      expect(list.statusCode, list.body).toBe(200);
      expect(list.json().items.map((c: { id: string }) => c.id)).toEqual([ok.json().id]);
    } finally {
      await s.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (store === 'postgres' && !pgDown) await dropSchema(schema);
    }
  });
});
