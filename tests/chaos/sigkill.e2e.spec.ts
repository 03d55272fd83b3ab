/**
 * The fault suite's SIGKILL round (`npm run chaos`), reduced so CI runs the harness: two
 * SIGKILLs of `onematter serve` under load on SQLite. One acknowledged decision is removed
 * from the store behind the server's back before the checks, so the test also proves the
 * harness notices a loss: exactly that request is reported lost, and nothing else.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { liveServers } from '../support/server.js';
import { sigkillRound, type AcknowledgedRequest } from './sigkill.js';

describe('npm run chaos: the SIGKILL round, reduced (2 kills on SQLite)', () => {
  afterAll(() => {
    for (const child of liveServers) child.kill('SIGKILL');
  });

  it('finds every acknowledged case start, decision and supplement exactly once, and reports the one removed', async () => {
    let removed: AcknowledgedRequest | undefined;
    const r = await sigkillRound({
      store: 'sqlite',
      kills: 2,
      concurrency: 4,
      upMs: [800, 1500],
      deadlineMs: 100_000,
      sabotage: ({ dataDir, acknowledged }) => {
        removed = acknowledged.find((a) => a.kind === 'decision' && a.id.startsWith('ok-'));
        if (!removed) return;
        const db = new Database(join(dataDir, 'onematter.db'));
        db.prepare("DELETE FROM events WHERE stream_id = ? AND type = 'DecisionRecorded' AND json_extract(data, '$.decisionId') = ?").run(removed.caseId, removed.id);
        db.close();
      },
    });

    expect(r.ran).toBe(true);
    expect(r.notes.join('\n')).toMatch(/^2 SIGKILLs with/m);
    expect(removed, 'an approval was acknowledged').toBeDefined();
    expect(r.tried).toBeGreaterThanOrEqual(8);
    expect(r.duplicated).toBe(0);
    expect(r.lost).toBe(1);
    expect(r.survived).toBe(r.tried - 1);
    const failures = r.failures.join('\n');
    expect(failures).toContain(`lost: decision ${removed!.id}`);
    expect(failures).toMatch(/audit verify --all exited 1/);
    // Nothing else went wrong: every other failure names the case that lost its decision.
    expect(r.failures.filter((f) => !f.includes(removed!.caseId) && !f.startsWith('audit verify'))).toEqual([]);
  }, 120_000);
});
