/**
 * Someone edits a case in the store of a running server (one UPDATE on the SQLite file).
 * A clerk who opens the case is told, in the case itself, that its chain does not
 * verify: GET /cases/:id carries `integrity: { intact: false, problem }`, not only the
 * auditors' verification route.
 */
import Database from 'better-sqlite3';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startServer, type ServerProcess } from '../support/server.js';

let dir: string;
let server: ServerProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onematter-case-integrity-'));
  server = await startServer(['--data-dir', dir]);
});

afterAll(async () => {
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

interface Integrity {
  intact: boolean;
  problem: { streamId: string; position: number; reason: string } | null;
}

const start = async () =>
  (await http<{ id: string }>(`${server.url}/api/v1/cases`, {
    method: 'POST',
    body: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example },
  })).body.id;

describe('a case edited in the store', () => {
  it('is shown with integrity intact while nobody touched it', async () => {
    const id = await start();
    const r = await http<{ integrity: Integrity }>(`${server.url}/api/v1/cases/${id}`);
    expect(r.status).toBe(200);
    expect(r.body.integrity).toEqual({ intact: true, problem: null });
  });

  it('says on the case view that its chain does not verify, naming the position and why', async () => {
    const id = await start();
    const db = new Database(join(dir, 'onematter.db'));
    try {
      const name = enterpriseSetupV1.exampleApplicant!.name;
      const changed = db.prepare('UPDATE events SET data = replace(data, ?, ?) WHERE stream_id = ? AND position = 0').run(`"name":"${name}"`, '"name":"冒名顶替"', id).changes;
      expect(changed).toBe(1);
    } finally {
      db.close();
    }
    const r = await http<{ id: string; integrity: Integrity }>(`${server.url}/api/v1/cases/${id}`);
    expect(r.status).toBe(200);
    expect(r.body.integrity.intact).toBe(false);
    expect(r.body.integrity.problem).toMatchObject({ streamId: id, position: 0, reason: expect.stringMatching(/altered/) });
    // Another case is unaffected.
    const other = await start();
    expect((await http<{ integrity: Integrity }>(`${server.url}/api/v1/cases/${other}`)).body.integrity.intact).toBe(true);
  });
});
