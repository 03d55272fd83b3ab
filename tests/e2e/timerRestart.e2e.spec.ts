import { enterpriseSetupV1 } from '@onematter/workflows';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/app.js';
import { http, startServer, type ServerProcess } from '../support/server.js';

interface EventRow { type: string; data: Record<string, unknown>; recordedAt: string }
interface Overview { scheduler: { armed: number; nextAt: string | null; passes: number; rebuild: { cases: number } | null } }

/**
 * Durable timers across kills (SQLite, same data dir), with the clock set by
 * --clock-start so that "after the deadline" is a restart away. Enterprise setup
 * started Monday 22 September 2025, 09:00: samr's committed day ends Tuesday 23
 * (23:59:59.999 +08:00); the whole case's warning falls at the end of Wednesday 24.
 */
describe('a timer armed when the server is killed fires once after restarts', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'onematter-timers-'));
  const args = ['--store', 'sqlite', '--data-dir', dataDir];
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const overview = async () => (await http<Overview>(`${server!.url}/api/v1/supervision/overview`)).body;
  const events = async (id: string) => (await http<EventRow[]>(`${server!.url}/api/v1/cases/${id}/events`)).body;
  const count = (rows: EventRow[], type: string) => rows.filter((e) => e.type === type).length;

  it('records exactly one TimeLimitExceeded and one CaseEscalated, late, and no duplicate on a second restart', async () => {
    // 1. Monday 09:00: start a case; samr's warning (end of Monday) is armed; kill -9.
    server = await startServer([...args, '--clock-start', '2025-09-22T09:00:00+08:00']);
    const started = await http<{ id: string; tasks: { dueAt: string }[] }>(`${server.url}/api/v1/cases`, {
      method: 'POST',
      body: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example },
    });
    expect(started.status).toBe(201);
    const id = started.body.id;
    expect(started.body.tasks[0]!.dueAt).toBe('2025-09-23T15:59:59.999Z');
    const armed = await eventually(async () => {
      const o = await overview();
      return o.scheduler.armed >= 1 ? o : undefined;
    }, 10_000, 'the timer to be armed');
    expect(armed.scheduler.nextAt).toBe('2025-09-22T16:00:00.000Z');
    await server.kill('SIGKILL');

    // 2. Restart on Wednesday 10:00, after samr's limit: the schedule is rebuilt from the events and fires late.
    server = await startServer([...args, '--clock-start', '2025-09-24T10:00:00+08:00']);
    const afterFirst = await eventually(async () => {
      const rows = await events(id);
      return count(rows, 'CaseEscalated') >= 1 ? rows : undefined;
    }, 10_000, 'the exceedance after the restart');
    expect(count(afterFirst, 'TimeLimitExceeded')).toBe(1);
    expect(count(afterFirst, 'CaseEscalated')).toBe(1);
    // Already red when it fired: no late yellow for samr.
    expect(count(afterFirst, 'TimeLimitWarning')).toBe(0);
    const exceeded = afterFirst.find((e) => e.type === 'TimeLimitExceeded')!;
    expect(exceeded.data).toMatchObject({ scope: 'task', department: 'samr', limit: 'committed', dueAt: '2025-09-23T15:59:59.999Z' });
    expect(exceeded.recordedAt.startsWith('2025-09-24T02:00')).toBe(true);
    await server.kill('SIGKILL');

    // 3. Restart again, Wednesday 23:00 at 3600× (an hour a second): samr stays recorded once,
    //    and the case's own warning fires live at midnight.
    server = await startServer([...args, '--clock-start', '2025-09-24T23:00:00+08:00', '--clock-speed', '3600']);
    const afterSecond = await eventually(async () => {
      const rows = await events(id);
      return count(rows, 'TimeLimitWarning') >= 1 ? rows : undefined;
    }, 15_000, 'the case warning at midnight (accelerated clock)');
    expect(afterSecond.find((e) => e.type === 'TimeLimitWarning')!.data).toMatchObject({ scope: 'case', limit: 'committed', dueAt: '2025-09-25T15:59:59.999Z' });
    await eventually(async () => ((await overview()).scheduler.passes >= 2 ? true : undefined), 10_000, 'another scheduler pass');
    const final = await events(id);
    expect(count(final, 'TimeLimitExceeded')).toBe(1);
    expect(count(final, 'CaseEscalated')).toBe(1);
    expect(count(final, 'TimeLimitWarning')).toBe(1);
  });
});
