/**
 * An intruder with write access to the database file edits the record of an access key
 * (and of a sign-in account) to make it an admin's, while the server runs. The server
 * checks the hash chain of the key and account streams: the edited key and account are
 * refused (401), never granted admin, and the refusal is written to the access log.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/app.js';
import { http, runCli, startServer, type ServerProcess } from '../support/server.js';

let dir: string;
let server: ServerProcess | undefined;
let clerkKey: string;
let otherKey: string;
const PASSWORD = 'window-pass-123';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onematter-auth-tamper-'));
  const created = await runCli(['keys', 'create', '--role', 'clerk', '--name', '窗口系统', '--data-dir', dir]);
  expect(created.code, created.stderr).toBe(0);
  clerkKey = created.stdout.trim().split('\n').at(-1)!.trim();
  const other = await runCli(['keys', 'create', '--role', 'clerk', '--name', '另一窗口', '--data-dir', dir]);
  otherKey = other.stdout.trim().split('\n').at(-1)!.trim();
  const account = await runCli(['accounts', 'create', 'zhang', '--role', 'clerk', '--name', '张敏', '--data-dir', dir], { ONEMATTER_PASSWORD: PASSWORD });
  expect(account.code, account.stderr).toBe(0);
});

afterAll(async () => {
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const serve = () => startServer(['--data-dir', dir], { ONEMATTER_NO_AUTH: '' });
const as = async (key: string, path: string) => ({ status: (await fetch(`${server!.url}${path}`, { headers: { authorization: `Bearer ${key}` } })).status });
const signIn = () => http(`${server!.url}/api/v1/auth/sign-in`, { method: 'POST', body: { username: 'zhang', password: PASSWORD } });

/** What an intruder does: one UPDATE on the database file, beside the running server. */
function makeAdmin(streamId: string, match: string) {
  const db = new Database(join(dir, 'onematter.db'));
  try {
    const changed = db
      .prepare("UPDATE events SET data = replace(data, '\"role\":\"clerk\"', '\"role\":\"admin\"') WHERE stream_id = ? AND data LIKE ?")
      .run(streamId, `%${match}%`).changes;
    expect(changed).toBe(1);
  } finally {
    db.close();
  }
}

function accessLog(): { type: string; data: Record<string, unknown> }[] {
  const db = new Database(join(dir, 'onematter.db'), { readonly: true });
  try {
    return db
      .prepare<[], { type: string; data: string }>("SELECT type, data FROM events WHERE stream_id LIKE '$access-log-%' ORDER BY global_position")
      .all()
      .map((r) => ({ type: r.type, data: JSON.parse(r.data) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

describe('a key or account record edited in the store', () => {
  it('is refused on the running server, never granted admin, and the refusal is in the access log', async () => {
    server = await serve();
    expect((await as(clerkKey, '/api/v1/cases')).status).toBe(200);
    expect((await as(clerkKey, '/api/v1/metrics')).status).toBe(403);
    expect((await signIn()).status).toBe(200);

    const keyId = clerkKey.split('_')[1]!;
    makeAdmin('$auth-keys', `k_${keyId}`);
    makeAdmin('$auth-accounts', '"username":"zhang"');

    // The server re-reads the streams within a second; until then the key is still a clerk's.
    await eventually(async () => {
      const r = await as(clerkKey, '/api/v1/metrics');
      expect(r.status, 'the edited key was granted admin').not.toBe(200);
      return r.status === 401 ? r : undefined;
    }, 15_000, 'the edited key to be refused');
    expect((await as(clerkKey, '/api/v1/cases')).status).toBe(401);
    // Accounts are re-read within a second too; until then a sign-in gets the clerk it read before, never an admin.
    await eventually(async () => {
      const r = await signIn();
      if (r.status === 200) expect(JSON.stringify(r.body)).not.toMatch(/"role":"admin"/);
      return r.status === 401 ? r : undefined;
    }, 15_000, 'the edited account to be refused');
    // A key whose record nobody touched still works.
    expect((await as(otherKey, '/api/v1/cases')).status).toBe(200);

    const refusals = accessLog().filter((e) => e.type === 'TamperedRecordRefused');
    expect(refusals.map((e) => e.data.subject)).toEqual(expect.arrayContaining([`key k_${keyId}`, 'account zhang']));
    expect(refusals.find((e) => e.data.subject === `key k_${keyId}`)?.data).toMatchObject({ streamId: '$auth-keys', reason: expect.stringMatching(/altered/) });
    expect(server.output()).toMatch(/does not verify/);
  });

  it('is refused by a server started on the edited store, from the first request', async () => {
    await server?.kill();
    server = await serve();
    const metrics = await as(clerkKey, '/api/v1/metrics');
    expect(metrics.status).toBe(401);
    expect((await as(clerkKey, '/api/v1/cases')).status).toBe(401);
    expect((await signIn()).status).toBe(401);
    expect((await as(otherKey, '/api/v1/cases')).status).toBe(200);
  });

  it('is named by keys list and accounts list, which fail (exit 1)', async () => {
    const keyId = clerkKey.split('_')[1]!;
    const keys = await runCli(['keys', 'list', '--data-dir', dir]);
    expect(keys.code).toBe(1);
    expect(keys.stdout).toMatch(new RegExp(`REFUSED key k_${keyId}: its record does not verify \\(\\$auth-keys position 0: the record was altered`));
    expect(keys.stdout).toContain(`k_${otherKey.split('_')[1]}  active`);
    expect(keys.stderr).toMatch(/1 key refused: the store was edited/);
    const accounts = await runCli(['accounts', 'list', '--data-dir', dir]);
    expect(accounts.code).toBe(1);
    expect(accounts.stdout).toMatch(/REFUSED account zhang: its record does not verify/);
  });
});
