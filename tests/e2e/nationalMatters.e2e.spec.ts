/**
 * Issue 16 item 5: a national key matter written as a file (packages/workflows/matters/national)
 * is built in (every file under packages/workflows/matters is), its file deploys into a running
 * server through the REST API as the same definition, and cases of it complete end to end:
 * 企业注销登记 (税务注销 → 企业注销登记 → the other three in parallel), once with every step and
 * once with the conditional steps skipped.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseMatterText } from '@onematter/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, ROOT, startServer, type ServerProcess } from '../support/server.js';

const FILE = resolve(ROOT, 'packages/workflows/matters/national/enterprise-deregistration.yaml');
const text = readFileSync(FILE, 'utf8');
const file = parseMatterText(text).value as { example: Record<string, unknown>; otherExamples: { form: Record<string, unknown> }[]; exampleApplicant: Record<string, unknown> };

let dataDir: string;
let server: ServerProcess;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'onematter-national-'));
  server = await startServer(['--data-dir', dataDir, '--store', 'sqlite']);
});
afterAll(async () => {
  await server?.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

interface CaseView {
  id: string;
  status: string;
  matterVersion: number;
  tasks: { step: string; status: string }[];
}

const tasks = (c: CaseView) => c.tasks.map((t) => `${t.step}:${t.status}`);
const startCase = (form: Record<string, unknown>) => http<CaseView>(`${server.url}/api/v1/cases`, { method: 'POST', body: { matter: 'enterprise-deregistration', applicant: file.exampleApplicant, form } });
const decide = async (caseId: string, step: string, output: Record<string, unknown> = {}) => {
  const r = await http<{ case: CaseView }>(`${server.url}/api/v1/tasks/${caseId}.${step}/decisions`, { method: 'POST', body: { decisionId: `${caseId}-${step}`, decision: 'approved', output } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.case;
};

describe('企业注销登记, a national key matter file, deployed into a running server', () => {
  it('is built in as version 1 (deploying its file records nothing), and a case completes in the order of the official guide', { timeout: 60_000 }, async () => {
    const deployed = await fetch(`${server.url}/api/v1/matters`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: text });
    expect(deployed.status, await deployed.clone().text()).toBe(200);
    expect(await deployed.json()).toMatchObject({ id: 'enterprise-deregistration', version: 1, status: 'unchanged' });

    const matter = await http<{ name: string; committedDays: number }>(`${server.url}/api/v1/matters/enterprise-deregistration`);
    expect(matter.body).toMatchObject({ name: '企业注销登记', committedDays: 12 });

    const started = await startCase(file.example);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const c = started.body;
    expect(tasks(c)).toEqual(['tax:pending', 'registration:waiting', 'social-insurance:waiting', 'bank:waiting', 'seal:waiting']);
    // The registration authority waits for the tax clearance; it needs its output to fit.
    const afterTax = await decide(c.id, 'tax', { clearanceDocument: '冀税 兴清〔2026〕00123 号' });
    expect(tasks(afterTax)).toEqual(['tax:approved', 'registration:pending', 'social-insurance:waiting', 'bank:waiting', 'seal:waiting']);
    const noNotice = await http(`${server.url}/api/v1/tasks/${c.id}.registration/decisions`, { method: 'POST', body: { decisionId: 'x', decision: 'approved', output: {} } });
    expect(noNotice.status).toBe(400);
    const afterRegistration = await decide(c.id, 'registration', { noticeNumber: '（兴）登记企销字〔2026〕第 000321 号' });
    expect(tasks(afterRegistration)).toEqual(['tax:approved', 'registration:approved', 'social-insurance:pending', 'bank:pending', 'seal:pending']);
    await decide(c.id, 'social-insurance');
    await decide(c.id, 'bank');
    const done = await decide(c.id, 'seal');
    expect(done.status).toBe('completed');
  });

  it('skips the social-insurance, bank and seal steps when the form says there is nothing to close', { timeout: 60_000 }, async () => {
    const started = await startCase(file.otherExamples[0]!.form);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const c = started.body;
    expect(tasks(c)).toEqual(['tax:pending', 'registration:waiting', 'social-insurance:skipped', 'bank:skipped', 'seal:skipped']);
    await decide(c.id, 'tax', { clearanceDocument: '冀税 兴清〔2026〕00124 号' });
    const done = await decide(c.id, 'registration', { noticeNumber: '（兴）登记企销字〔2026〕第 000322 号' });
    expect(done.status).toBe('completed');
  });
});
