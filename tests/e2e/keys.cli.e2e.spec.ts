import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/app.js';
import { BIN, http, ROOT, startServer, type ServerProcess } from '../support/server.js';

const run = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('onematter keys, as an operator uses them against a running server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'onematter-keys-'));
  const store = ['--store', 'sqlite', '--data-dir', dataDir];
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a key printed on the last line, which the server accepts until it is revoked', async () => {
    const created = await run(['keys', 'create', ...store, '--role', 'department', '--department', 'tax', '--name', '税务系统']);
    expect(created.code, created.stderr).toBe(0);
    const lines = created.stdout.trim().split('\n');
    const key = lines[lines.length - 1]!;
    expect(key).toMatch(/^omk_[a-z0-9]{12}_[\w-]{43}$/);
    const id = /access key (k_[a-z0-9]+)/.exec(created.stdout)![1]!;

    const list = await run(['keys', 'list', ...store]);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain('税务系统');
    // The secret: everything after omk_<id>_ (base64url may itself hold '_').
    expect(list.stdout).not.toContain(key.split('_').slice(2).join('_'));

    const server = await startServer(store, { ONEMATTER_NO_AUTH: '' });
    servers.push(server);
    expect((await http(`${server.url}/api/v1/cases`)).status).toBe(401);
    const ok = await http<{ user: { role: string; department: string } }>(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ role: 'department', department: 'tax' });

    const revoked = await run(['keys', 'revoke', ...store, id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    await eventually(async () => (await http(`${server.url}/api/v1/auth/me`, { headers: { 'x-api-key': key } })).status === 401 || undefined, 5000, 'revocation');
    expect((await run(['keys', 'list', ...store])).stdout).toMatch(new RegExp(`${id}\\s+revoked`));
  });

  it('says what to do, with exit code 2, on bad usage', async () => {
    const noDepartment = await run(['keys', 'create', ...store, '--role', 'department', '--name', 'x']);
    expect(noDepartment.code).toBe(2);
    expect(noDepartment.stderr).toMatch(/--department/);
    const unknown = await run(['keys', 'revoke', ...store, 'k_nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/keys list/);
  });

  it('warns loudly when a server runs with --no-auth', async () => {
    const server = await startServer(['--store', 'memory', '--no-auth']);
    servers.push(server);
    expect(server.output()).toMatch(/AUTHENTICATION IS OFF/);
    expect((await http(`${server.url}/api/v1/cases`)).status).toBe(200);
  });
});
