/**
 * A matter changes while its cases run: version 2 of 小型许可 adds a step (bank
 * account opening, after market registration). The server is redeployed with both
 * versions; a case started under v1 finishes under v1 (two steps), live and in
 * replay, and a new case takes v2 (three steps); both complete.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { manualClock, smallCatalogue, smallPermitV1 } from '../support/audit.js';

let dataDir: string;
const clock = manualClock('2026-03-02T09:00:00+08:00');
const open = (...versions: (1 | 2)[]) => testApp({ store: 'sqlite', dataDir, catalogue: smallCatalogue(...versions), clock, timeLimits: { scheduler: false } });
const body = { matter: 'small-permit', applicant: smallPermitV1.exampleApplicant, form: smallPermitV1.example };

async function decide(t: TestApp, caseId: string, step: string) {
  clock.advance(60_000);
  const r = await t.app.inject({ method: 'POST', url: `/api/v1/tasks/${caseId}.${step}/decisions`, payload: { decisionId: `${caseId}-${step}`, decision: 'approved', output: { number: step.toUpperCase() } } });
  expect(r.statusCode, r.body).toBe(200);
  return r.json().case;
}

const steps = (c: { tasks: { step: string; status: string }[] }) => c.tasks.map((x) => `${x.step}:${x.status}`);

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'onematter-versioning-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('a matter gets a new version while cases of the old one are running', () => {
  it('finishes the v1 case under v1 and runs a new case under v2, live and in replay', async () => {
    // Before the change: only v1 exists. A case starts and one department decides.
    const before = await open(1);
    const started = await before.app.inject({ method: 'POST', url: '/api/v1/cases', payload: body });
    expect(started.statusCode, started.body).toBe(201);
    const old = started.json();
    expect(old.matterVersion).toBe(1);
    await decide(before, old.id, 'samr');
    await before.close();

    // Redeployed with v2, which adds the bank step after samr.
    const after = await open(1, 2);
    const matter = (await after.app.inject({ method: 'GET', url: '/api/v1/matters/small-permit' })).json();
    expect(matter).toMatchObject({ version: 2, versions: [1, 2] });
    expect(matter.steps.map((s: { id: string }) => s.id)).toEqual(['samr', 'tax', 'bank']);

    const oldNow = (await after.app.inject({ method: 'GET', url: `/api/v1/cases/${old.id}` })).json();
    expect(oldNow.matterVersion).toBe(1);
    expect(steps(oldNow)).toEqual(['samr:approved', 'tax:pending']);

    const fresh = (await after.app.inject({ method: 'POST', url: '/api/v1/cases', payload: body })).json();
    expect(fresh.matterVersion).toBe(2);
    expect(steps(fresh)).toEqual(['samr:pending', 'tax:pending', 'bank:waiting']);

    // Both finish: the old one with its two steps, the new one with three.
    const oldDone = await decide(after, old.id, 'tax');
    expect(oldDone.status).toBe('completed');
    expect(steps(oldDone)).toEqual(['samr:approved', 'tax:approved']);
    const mid = await decide(after, fresh.id, 'samr');
    expect(steps(mid)).toEqual(['samr:approved', 'tax:pending', 'bank:pending']);
    await decide(after, fresh.id, 'tax');
    const freshDone = await decide(after, fresh.id, 'bank');
    expect(freshDone.status).toBe('completed');
    expect(Object.keys(freshDone.outputs).sort()).toEqual(['bank', 'samr', 'tax']);

    // The auditor's replay of the old case, just before the redeploy: v1, one step approved.
    const asOfRedeploy = (await after.app.inject({ method: 'GET', url: `/api/v1/cases/${old.id}/state?position=4` })).json();
    expect(asOfRedeploy).toMatchObject({ matterVersion: 1, status: 'in-progress' });
    expect(steps(asOfRedeploy)).toEqual(['samr:approved', 'tax:pending']);
    const timeline = (await after.app.inject({ method: 'GET', url: `/api/v1/cases/${old.id}/timeline` })).json();
    expect(timeline).toMatchObject({ matter: 'small-permit', matterVersion: 1, matterName: '小型许可' });
    await after.close();

    // A third process, from the store alone: both replay to completion under their own versions.
    const later = await open(1, 2);
    for (const [id, version, n] of [[old.id, 1, 2], [fresh.id, 2, 3]] as const) {
      const c = (await later.app.inject({ method: 'GET', url: `/api/v1/cases/${id}/state` })).json();
      expect(c).toMatchObject({ matterVersion: version, status: 'completed' });
      expect(c.tasks).toHaveLength(n);
    }
    await later.close();
  });
});
