/**
 * Someone tries the demo as the README says (`onematter demo`, sign-in on): the banner
 * says which department is left to a person, its officer finds tasks waiting in the
 * queue, and the curl command the banner suggests works as printed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/app.js';
import { startServer, type ServerProcess } from '../support/server.js';

const sh = (command: string) => promisify(execFile)('sh', ['-c', command], { cwd: tmpdir(), timeout: 60_000 });
const dirs: string[] = [];
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function demo(args: string[] = []): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'onematter-demo-'));
  dirs.push(dir);
  const s = await startServer(['--data-dir', dir, '--simulate-delay-ms', '0', '--simulate-supplement-rate', '0', ...args], { ONEMATTER_NO_AUTH: '' }, 30_000, 'demo');
  servers.push(s);
  return s;
}

/** Signs in as a demo account; the session cookie and CSRF token for later calls. */
async function signIn(url: string, username: string, password: string) {
  const r = await fetch(`${url}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  expect(r.status).toBe(200);
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken } = (await r.json()) as { csrfToken: string };
  return { cookie, 'x-csrf-token': csrfToken };
}

describe('onematter demo', () => {
  it('leaves the tax office to a person by default, says so, and tax@demo finds its task waiting', { timeout: 120_000 }, async () => {
    const s = await demo();
    const banner = s.output();
    expect(banner).toContain('Left to people 由人办理');
    expect(banner).toContain('税务局 (tax): sign in as tax / tax@demo and decide its tasks in 部门待办');

    const clerk = await signIn(s.url, 'clerk', 'clerk@demo');
    const started = await fetch(`${s.url}/api/v1/cases`, {
      method: 'POST',
      headers: { ...clerk, 'content-type': 'application/json' },
      body: JSON.stringify({ matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example }),
    });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };

    // Market regulation is simulated and answers; the tax task then waits for the tax officer.
    const tax = await signIn(s.url, 'tax', 'tax@demo');
    const queue = await eventually(async () => {
      const page = (await (await fetch(`${s.url}/api/v1/cases?department=tax&taskStatus=pending`, { headers: tax })).json()) as { items: { id: string }[] };
      return page.items.some((c) => c.id === id) ? page : undefined;
    }, 60_000);
    expect(queue.items.map((c) => c.id)).toContain(id);
    const c = (await (await fetch(`${s.url}/api/v1/cases/${id}`, { headers: tax })).json()) as { tasks: { step: string; status: string }[] };
    expect(c.tasks.find((t) => t.step === 'tax')!.status).toBe('pending');
    expect(c.tasks.find((t) => t.step === 'samr')!.status).toBe('approved');
  });

  it('prints a first curl command that works as printed, with sign-in on', { timeout: 120_000 }, async () => {
    const s = await demo(['--manual-departments', 'none']);
    expect(s.output()).not.toContain('由人办理');
    const command = /^ {4}(curl .*\/api\/v1\/matters)$/m.exec(s.output())?.[1];
    expect(command, s.output()).toBeDefined();
    const { stdout } = await sh(command!);
    const matters = JSON.parse(stdout) as { id: string; name: string }[];
    expect(matters.map((m) => m.name)).toContain('企业开办');
  });

  it('serve with sign-in on prints a command that creates a key and calls the API with it', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onematter-serve-'));
    dirs.push(dir);
    const s = await startServer(['--data-dir', dir], { ONEMATTER_NO_AUTH: '' }, 30_000);
    servers.push(s);
    const command = /^ {4}(KEY=.*\/api\/v1\/matters)$/m.exec(s.output())?.[1];
    expect(command, s.output()).toBeDefined();
    const { stdout } = await promisify(execFile)('sh', ['-c', command!], { cwd: join(import.meta.dirname, '../..'), timeout: 90_000 });
    expect((JSON.parse(stdout) as { name: string }[]).map((m) => m.name)).toContain('企业开办');
  });
});
