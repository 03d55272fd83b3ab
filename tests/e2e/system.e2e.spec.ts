import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => t.close());

describe('what operators and integrators read', () => {
  it('health says which store and bus run', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'ok', store: 'memory', bus: 'memory' });
    expect(r.json().consumers).toContainEqual(expect.objectContaining({ name: 'decisions', state: 'running', restarts: 0, stuck: [] }));
  });

  it('readiness, for an orchestrator, checks the engine, its store and its consumers', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/health/ready' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ready', checks: { started: true, store: true, consumers: true } });
  });

  it('serves OpenAPI 3.1 describing the case routes, and browsable docs', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/cases', '/api/v1/cases/{id}', '/api/v1/tasks/{taskId}/decisions']));
    expect(spec.paths['/api/v1/cases'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('applicant');
    const docs = await t.app.inject({ method: 'GET', url: '/api/v1/docs' });
    expect([200, 302]).toContain(docs.statusCode);
  });

  it('exposes Prometheus metrics: commands by type and outcome, append latency, cases by status', async () => {
    await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example } });
    await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: { matter: 'nope', applicant: enterpriseSetupV1.exampleApplicant, form: {} } });
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/plain/);
    expect(r.body).toMatch(/onematter_commands_total\{command="StartCase",outcome="ok"\} 1/);
    expect(r.body).toMatch(/onematter_commands_total\{command="StartCase",outcome="Invalid"\} 1/);
    expect(r.body).toMatch(/onematter_append_duration_seconds_count 1/);
    expect(r.body).toMatch(/onematter_cases\{status="in-progress"\} 1/);
    expect(r.body).toMatch(/onematter_outbox_lag \d+/);
  });

  it('answers an unknown route with problem+json 404', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
