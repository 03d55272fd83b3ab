/**
 * The OpenAPI document describes what the main routes answer, and real answers match
 * it: a department system generating a client from /api/v1/openapi.json gets the
 * shapes it will receive, problems included.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';

let t: TestApp;
let spec: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

beforeAll(async () => {
  t = await testApp();
  spec = (await t.app.inject({ url: '/api/v1/openapi.json' })).json();
});
afterAll(() => t.close());

/**
 * Calls the route and checks the answer against the schema the document gives for
 * that path template, method and status (it must give one).
 */
async function call(method: 'GET' | 'POST', template: string, url: string, payload?: unknown): Promise<{ status: number; body: unknown }> {
  const r = await t.app.inject({ method, url: `/api/v1${url}`, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const contentType = String(r.headers['content-type']).split(';')[0]!;
  const documented = spec.paths[`/api/v1${template}`]?.[method.toLowerCase()]?.responses[String(r.statusCode)]?.content?.[contentType]?.schema;
  if (!documented) throw new Error(`${method} ${template} answered ${r.statusCode} ${contentType}, which the OpenAPI document does not describe`);
  const body = r.json();
  const validate = ajv.compile(documented);
  expect(validate(body), `${method} ${url} → ${r.statusCode}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  return { status: r.statusCode, body };
}

const startBody = { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example };

describe('the OpenAPI document', () => {
  it('describes the answers of the case, task, matter and audit routes, and real answers match it', async () => {
    const started = await call('POST', '/cases', '/cases', startBody);
    expect(started.status).toBe(201);
    const id = (started.body as { id: string }).id;
    expect((await call('GET', '/cases/{id}', `/cases/${id}`)).status).toBe(200);
    expect((await call('GET', '/cases', '/cases?limit=5')).status).toBe(200);
    expect((await call('GET', '/cases/{id}/events', `/cases/${id}/events`)).status).toBe(200);
    const decided = await call('POST', '/tasks/{taskId}/decisions', `/tasks/${id}.samr/decisions`, {
      decisionId: 'd-samr',
      decision: 'approved',
      output: enterpriseSetupV1.steps.find((s) => s.id === 'samr')!.outputExample ?? {},
    });
    expect(decided.body).toMatchObject({ duplicate: false, task: { status: 'approved' } });
    expect((await call('GET', '/cases/{id}/verification', `/cases/${id}/verification`)).body).toMatchObject({ intact: true });
    expect((await call('GET', '/cases/{id}/state', `/cases/${id}/state?position=1`)).body).toMatchObject({ revision: 1 });
    expect((await call('GET', '/cases/{id}/timeline', `/cases/${id}/timeline`)).body).toMatchObject({ caseId: id });
    expect((await call('GET', '/audit/anchors', '/audit/anchors')).status).toBe(200);
    expect((await call('GET', '/matters', '/matters')).status).toBe(200);
    expect((await call('POST', '/cases/{id}/withdraw', `/cases/${id}/withdraw`, { reason: '申请人撤回' })).body).toMatchObject({ status: 'withdrawn' });
  });

  it('describes the problems: a bad request names each field, an unknown case is a 404', async () => {
    const bad = await call('POST', '/cases', '/cases', { ...startBody, applicant: { ...startBody.applicant, phone: '12' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [{ path: 'applicant.phone' }] });
    expect((await call('GET', '/cases/{id}', '/cases/no-such-case')).status).toBe(404);
    expect((await call('POST', '/cases/{id}/withdraw', '/cases/no-such-case/withdraw', { reason: '撤回' })).status).toBe(404);
  });
});
