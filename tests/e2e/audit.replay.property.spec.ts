/**
 * Replay is the live engine's fold over a prefix of the stream, so it must show
 * exactly what the engine showed then. Over randomly generated histories of a small
 * matter (random decisions, 补正, withdrawals, some refused by the engine):
 *  - replay at the last position equals the live state;
 *  - replay as of a moment between two commands equals the live state after the
 *    first of them: the same tasks pending, the same statuses, the same outputs;
 *  - replay from the case snapshots the engine took along the way (one every few
 *    events here) equals the replay of every event, at every position and moment.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../packages/adapters/src/stores/index.js';
import { CaseSnapshots, CommandHandler, DEFAULT_TOPICS, canonicalize, replayCase, replayFromStore, snapshotOf, toCaseView, verifyCase, type CaseCommand, type CaseView, type StartedCase } from '@onematter/engine';
import { manualClock, smallCatalogue, startSmall } from '../support/audit.js';

type Action =
  | { kind: 'decide'; step: 'samr' | 'tax' | 'bank'; decision: 'approved' | 'rejected' | 'supplement-required' }
  | { kind: 'supplement' }
  | { kind: 'withdraw' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('decide' as const), step: fc.constantFrom('samr' as const, 'tax' as const, 'bank' as const), decision: fc.constantFrom('approved' as const, 'approved' as const, 'rejected' as const, 'supplement-required' as const) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'supplement' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'withdraw' as const }) },
);

const commandOf = (caseId: string, a: Action, i: number) => (now: string): CaseCommand => {
  switch (a.kind) {
    case 'decide':
      return {
        type: 'RecordDecision',
        data: {
          taskId: `${caseId}.${a.step}`,
          decisionId: `d${i}`,
          decision: a.decision,
          ...(a.decision === 'approved' ? { output: { number: `${a.step}-${i}` } } : {}),
          ...(a.decision === 'rejected' ? { reason: '材料不符合法定形式' } : {}),
          ...(a.decision === 'supplement-required' ? { missingMaterials: ['licence'] } : {}),
        },
        now,
      };
    case 'supplement':
      return { type: 'ProvideSupplement', data: { materials: ['licence'] }, now };
    case 'withdraw':
      return { type: 'WithdrawCase', data: { reason: '申请人主动撤回' }, now };
  }
};

const pending = (v: CaseView) => v.tasks.filter((t) => t.status === 'pending').map((t) => t.step).sort();

describe('an auditor replays randomly generated case histories', () => {
  it('sees at the last position exactly the live state, and between two commands exactly the state after the first', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), fc.constantFrom(1 as const, 2 as const), async (actions, version) => {
        const catalogue = smallCatalogue(...(version === 1 ? [1 as const] : [1 as const, 2 as const]));
        const store = new MemoryEventStore();
        const clock = manualClock('2026-03-02T09:00:00+08:00');
        const handler = new CommandHandler({ store, catalogue, clock, topics: DEFAULT_TOPICS });
        const caseId = 'case-prop';
        const started = await handler.execute(caseId, (now) => startSmall(caseId, now), 'clerk');
        expect(started.ok).toBe(true);
        // What the live engine showed after each command that changed something.
        const seen: { at: number; view: CaseView }[] = [{ at: clock.now().getTime(), view: toCaseView(started.ok ? started.value.state : (undefined as never)) }];
        for (const [i, a] of actions.entries()) {
          clock.advance(60_000);
          const r = await handler.execute(caseId, commandOf(caseId, a, i), a.kind === 'decide' ? `department:${a.step}` : 'clerk');
          if (r.ok && r.value.appended > 0) seen.push({ at: clock.now().getTime(), view: toCaseView(r.value.state) });
        }
        const events = await store.readStream(caseId);
        const live = await handler.loadLatest(caseId);
        if (live.kind !== 'started') throw new Error('no case');

        const last = replayCase(catalogue, events, { position: events[events.length - 1]!.position });
        expect(last.ok && toCaseView(last.value)).toEqual(toCaseView(live));

        for (const s of seen) {
          const between = replayCase(catalogue, events, { asOf: new Date(s.at + 30_000).toISOString() });
          if (!between.ok) throw new Error(between.error.message);
          const view = toCaseView(between.value);
          expect(pending(view)).toEqual(pending(s.view));
          expect(view).toEqual(s.view);
        }
      }),
      { numRuns: 120 },
    );
  });
});

describe('replays of long cases start from case snapshots', () => {
  it('gives the same state from a snapshot as from the first event, at every position and moment', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 4 }), async (actions, every) => {
        const catalogue = smallCatalogue(1);
        const store = new MemoryEventStore();
        const snapshots = new CaseSnapshots(store.readModels, every);
        const clock = manualClock('2026-03-02T09:00:00+08:00');
        const handler = new CommandHandler({ store, catalogue, clock, topics: DEFAULT_TOPICS, snapshots });
        const caseId = 'case-snap';
        expect((await handler.execute(caseId, (now) => startSmall(caseId, now), 'clerk')).ok).toBe(true);
        for (const [i, a] of actions.entries()) {
          clock.advance(60_000);
          await handler.execute(caseId, commandOf(caseId, a, i), a.kind === 'decide' ? `department:${a.step}` : 'clerk');
        }
        const events = await store.readStream(caseId);
        const taken = await snapshots.all(caseId);
        // At most one snapshot per multiple of `every` events passed (a command appends one or more), and one once any was passed.
        expect(taken.length).toBeLessThanOrEqual(Math.floor(events.length / every));
        expect(taken.length > 0).toBe(events.length >= every);
        // The whole state (tasks, clocks, machine state), not only the view.
        const whole = (state: StartedCase) => canonicalize(snapshotOf(state, ''));
        let fromSnapshots = 0;
        for (const e of events) {
          for (const at of [{ position: e.position }, { asOf: e.recordedAt }]) {
            const quick = await replayFromStore({ store, catalogue, snapshots }, caseId, at);
            const full = replayCase(catalogue, events, at);
            if (!quick.ok || !full.ok) throw new Error('replay failed');
            if (quick.value.fromSnapshot !== null) fromSnapshots++;
            expect(whole(quick.value.state)).toEqual(whole(full.value));
            expect(toCaseView(quick.value.state)).toEqual(toCaseView(full.value));
          }
        }
        expect(fromSnapshots > 0).toBe(taken.length > 0);
        const v = await verifyCase(store, caseId, { catalogue, snapshots });
        expect(v).toMatchObject({ problem: null, snapshotsChecked: taken.length, badSnapshots: [] });
      }),
      { numRuns: 60 },
    );
  });

  it('names a case snapshot that was altered, while the events verify intact', async () => {
    const catalogue = smallCatalogue(1);
    const store = new MemoryEventStore();
    const snapshots = new CaseSnapshots(store.readModels, 2);
    const clock = manualClock('2026-03-02T09:00:00+08:00');
    const handler = new CommandHandler({ store, catalogue, clock, topics: DEFAULT_TOPICS, snapshots });
    const caseId = 'case-snap-tamper';
    await handler.execute(caseId, (now) => startSmall(caseId, now), 'clerk');
    for (const [i, step] of (['samr', 'tax'] as const).entries()) {
      clock.advance(60_000);
      await handler.execute(caseId, commandOf(caseId, { kind: 'decide', step, decision: 'approved' }, i), `department:${step}`);
    }
    const taken = await snapshots.all(caseId);
    expect(taken.length).toBeGreaterThan(0);
    const victim = taken[taken.length - 1]!;
    // Someone edits the snapshot document: the replay from it would show another status.
    const forged = { ...victim, state: { ...victim.state, status: 'rejected' as const } };
    const checkpoint = await store.readModels.readModelCheckpoint('case-snapshots');
    await store.readModels.commitReadModel('case-snapshots', { expected: checkpoint, checkpoint, upserts: [{ key: `${caseId}@${victim.revision}`, position: victim.revision, tags: [`case:${caseId}`], doc: forged }], deletes: [] });
    const v = await verifyCase(store, caseId, { catalogue, snapshots });
    expect(v.problem).toBeNull();
    expect(v.badSnapshots).toEqual([victim.revision]);
  });
});
