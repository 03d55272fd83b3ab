/**
 * The case list and the department work queues are read models kept in the store's
 * database: they survive a restart (resuming from their checkpoints, not replaying), and
 * `onematter projections rebuild` rebuilds them from the events to the same pages.
 * Runs on SQLite, and on PostgreSQL where it answers (under CI it must).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeConfig } from '@onematter/api';
import type { Applicant } from '@onematter/engine';
import { enterpriseSetupV1 } from '@onematter/workflows';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { BIN, ROOT } from '../support/server.js';
import { dropSchema, whyUnreachable } from '../support/postgres.js';

const pgUrl = process.env.ONEMATTER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgDown = await whyUnreachable(pgUrl);

interface Backend {
  name: string;
  config: Partial<RuntimeConfig>;
  cliFlags: string[];
  cleanup(): Promise<void>;
}

const dataDir = mkdtempSync(join(tmpdir(), 'onematter-projections-'));
const schema = `projections_${randomBytes(5).toString('hex')}`;
const backends: Backend[] = [
  { name: 'sqlite', config: { store: 'sqlite', dataDir }, cliFlags: ['--store', 'sqlite', '--data-dir', dataDir], cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) },
];
if (!pgDown || process.env.CI) {
  backends.push({
    name: 'postgres',
    config: { store: 'postgres', pgUrl, pgSchema: schema },
    cliFlags: ['--store', 'postgres', '--pg-url', pgUrl, '--pg-schema', schema],
    cleanup: async () => {
      if (pgDown) return;
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  });
}
afterAll(async () => {
  for (const b of backends) await b.cleanup();
});

for (const backend of backends) {
  describe(`read models on ${backend.name}`, () => {
    it('keeps the case list and the work queues across a restart, and rebuilds them to the same pages', async () => {
      if (backend.name === 'postgres' && pgDown) throw new Error(`PostgreSQL is unreachable at ${pgUrl} (${pgDown}); CI must run the PostgreSQL tests`);
      let t: TestApp = await testApp(backend.config);
      const body = { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example };
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: body });
        expect(r.statusCode).toBe(201);
        const c = r.json() as { id: string; tasks: { id: string; department: string }[] };
        ids.push(c.id);
        if (i % 2 === 0) {
          const samr = c.tasks.find((x) => x.department === 'samr')!;
          const d = await t.app.inject({
            method: 'POST',
            url: `/api/v1/tasks/${samr.id}/decisions`,
            payload: { decisionId: `d-${i}`, decision: 'approved', output: { unifiedSocialCreditCode: '91350100M000100Y43', licenceNumber: `L${i}` } },
          });
          expect(d.statusCode, d.body).toBe(200);
        }
      }
      const newestFirst = [...ids].reverse();
      const samrWaiting = newestFirst.filter((_, k) => (ids.length - 1 - k) % 2 === 1);
      const taxWaiting = newestFirst.filter((_, k) => (ids.length - 1 - k) % 2 === 0);

      const pages = async () => {
        const get = async (q: string) => {
          const r = await t.app.inject({ method: 'GET', url: `/api/v1/cases?${q}` });
          expect(r.statusCode, r.body).toBe(200);
          return r.json() as { items: { id: string; status: string; tasks: Record<string, { status: string }> }[]; nextCursor: string | null };
        };
        const firstTwo = await get('limit=2');
        return {
          samrQueue: (await get('department=samr&taskStatus=pending')).items.map((c) => c.id),
          taxQueue: (await get('department=tax&taskStatus=pending')).items.map((c) => c.id),
          // The same question through the case list's own tags, not the work queue.
          taxByTags: (await get('department=tax&taskStatus=pending&status=in-progress')).items.map((c) => c.id),
          firstTwo: firstTwo.items,
          next: (await get(`limit=2&cursor=${firstTwo.nextCursor}`)).items.map((c) => c.id),
          all: (await get('limit=100')).items,
        };
      };
      const before = await pages();
      expect(before.samrQueue).toEqual(samrWaiting);
      expect(before.taxQueue).toEqual(taxWaiting);
      expect(before.taxByTags).toEqual(taxWaiting);
      expect(before.firstTwo.map((c) => c.id)).toEqual(newestFirst.slice(0, 2));
      expect(before.next).toEqual(newestFirst.slice(2, 4));
      expect(before.all).toHaveLength(6);
      await t.close();

      // A restart: the read models are there, at their checkpoints, before any catch-up.
      t = await testApp(backend.config);
      const head = await t.runtime.store.headPosition();
      expect(await t.runtime.store.readCheckpoint('case-list')).toBe(head);
      expect(await t.runtime.store.readCheckpoint('work-queue')).toBe(head);
      expect(await pages()).toEqual(before);
      await t.close();

      const rebuilt = spawnSync(process.execPath, [BIN, 'projections', 'rebuild', ...backend.cliFlags], { cwd: ROOT, encoding: 'utf8' });
      expect(rebuilt.status, rebuilt.stderr).toBe(0);
      expect(rebuilt.stdout).toContain(`case-list: rebuilt from the events up to global position ${head}: 6 documents`);
      expect(rebuilt.stdout).toContain(`work-queue: rebuilt from the events up to global position ${head}: 6 documents`);
      const status = spawnSync(process.execPath, [BIN, 'projections', 'status', ...backend.cliFlags], { cwd: ROOT, encoding: 'utf8' });
      expect(status.stdout).toContain(`case-list: at ${head} of ${head} (6 documents)`);

      t = await testApp(backend.config);
      expect(await pages()).toEqual(before);
      await t.close();
    });
  });
}


/**
 * An event a read model cannot hold (text PostgreSQL refuses, written past the API's checks
 * by an older version or straight into the store) is set aside with its error, recorded
 * and reported; the read model goes on with every other event, across restarts and rebuilds.
 */
describe('an event a read model cannot hold, on postgres', () => {
  const poisonSchema = `projections_poison_${randomBytes(5).toString('hex')}`;
  const config: Partial<RuntimeConfig> = { store: 'postgres', pgUrl, pgSchema: poisonSchema };
  const cliFlags = ['--store', 'postgres', '--pg-url', pgUrl, '--pg-schema', poisonSchema];
  afterAll(async () => {
    if (!pgDown) await dropSchema(poisonSchema, pgUrl);
  });

  it('lists the other cases, and reports the failed events in /health, /metrics and the projections commands', async () => {
    if (pgDown) throw new Error(`PostgreSQL is unreachable at ${pgUrl} (${pgDown}); CI must run the PostgreSQL tests`);
    let t: TestApp = await testApp(config);
    const body = { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example };
    const start = async () => {
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: body });
      expect(r.statusCode, r.body).toBe(201);
      return (r.json() as { id: string }).id;
    };
    const good = [await start(), await start()];
    // Straight to the command handler, past the API's checks of input.
    const bad: string[] = [];
    for (const name of ['\ud800', '张\u0000三']) {
      const caseId = randomUUID();
      const r = await t.runtime.handler.execute(caseId, (now) => ({
        type: 'StartCase',
        data: { caseId, matter: 'enterprise-setup', applicant: { ...(enterpriseSetupV1.exampleApplicant as Applicant), name }, form: enterpriseSetupV1.example },
        now,
      }));
      expect(r.ok, JSON.stringify(r)).toBe(true);
      bad.push(caseId);
    }
    good.push(await start());

    const listed = async () => {
      const r = await t.app.inject({ method: 'GET', url: '/api/v1/cases?limit=100' });
      expect(r.statusCode, r.body).toBe(200);
      return (r.json() as { items: { id: string }[] }).items.map((c) => c.id);
    };
    expect(await listed()).toEqual([...good].reverse());
    const samrQueue = await t.app.inject({ method: 'GET', url: '/api/v1/cases?department=samr&taskStatus=pending' });
    expect(samrQueue.statusCode, samrQueue.body).toBe(200);

    const health = (await t.app.inject({ method: 'GET', url: '/api/v1/health' })).json() as { readModels: Record<string, { failedEvents: number }> };
    expect(health.readModels['case-list']!.failedEvents).toBe(2);
    const metrics = await t.app.inject({ method: 'GET', url: '/api/v1/metrics' });
    expect(metrics.body).toMatch(/onematter_projection_failed_events\{projection="case-list"\} 2/);
    await t.close();

    // A restart does not stop at them again.
    t = await testApp(config);
    expect(await listed()).toEqual([...good].reverse());
    await t.close();

    const status = spawnSync(process.execPath, [BIN, 'projections', 'status', ...cliFlags], { cwd: ROOT, encoding: 'utf8' });
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/case-list: .*2 events could not be applied/);
    for (const id of bad) expect(status.stdout).toContain(`CaseStarted of ${id}`);

    const rebuilt = spawnSync(process.execPath, [BIN, 'projections', 'rebuild', ...cliFlags], { cwd: ROOT, encoding: 'utf8' });
    expect(rebuilt.status, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toMatch(/case-list: rebuilt from the events up to global position \d+: 3 documents/);
    expect(rebuilt.stdout).toMatch(/case-list: 2 events could not be applied/);
    for (const id of bad) expect(rebuilt.stdout).toContain(`CaseStarted of ${id}`);

    t = await testApp(config);
    expect(await listed()).toEqual([...good].reverse());
    await t.close();
  });
});
