import { verifyChain } from '@onematter/engine';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/app.js';
import { http, startServer, type ServerProcess } from '../support/server.js';

interface EventRow { position: number; type: string; data: { step?: string; decisionId?: string }; hash: string; prevHash: string; recordedAt: string; metadata: unknown }

describe('a case survives the server being killed mid-case (SQLite, same data dir)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'onematter-restart-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('goes on after SIGKILL and completes with no event lost or duplicated', async () => {
    const args = ['--store', 'sqlite', '--data-dir', dataDir, '--simulate-departments', '--simulate-delay-ms', '200,1200'];
    server = await startServer(args);
    const body = { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example };
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await http<{ id: string }>(`${server.url}/api/v1/cases`, { method: 'POST', body });
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    // Kill once some departments have answered and others have not.
    await eventually(async () => {
      const r = await http<{ items: { tasks: Record<string, { status: string }> }[] }>(`${server!.url}/api/v1/cases?limit=100`);
      const decided = r.body.items.flatMap((c) => Object.values(c.tasks)).filter((t) => t.status === 'approved').length;
      return decided >= 10 ? true : undefined;
    }, 15_000, 'some decisions');
    await server.kill('SIGKILL');
    const before = await Promise.resolve(ids.length);

    server = await startServer(args);
    for (const id of ids) {
      const view = await eventually(async () => {
        const r = await http<{ status: string }>(`${server!.url}/api/v1/cases/${id}`);
        return r.body.status === 'completed' ? r.body : undefined;
      }, 30_000, `case ${id} to complete after the restart`);
      expect(view.status).toBe('completed');
      const events = (await http<EventRow[]>(`${server.url}/api/v1/cases/${id}/events`)).body;
      const steps = events.filter((e) => e.type === 'DecisionRecorded').map((e) => e.data.step);
      expect(steps.sort()).toEqual(['bank', 'hpf', 'hrss', 'nhsa', 'psb', 'samr', 'tax']);
      expect(events.filter((e) => e.type === 'CaseCompleted')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'TaskDispatched')).toHaveLength(7);
      expect(verifyChain(id, events)).toBeUndefined();
    }
    expect(before).toBe(20);
  });
});
