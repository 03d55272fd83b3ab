/**
 * Replay is the live engine's fold over a prefix of the stream, so it must show
 * exactly what the engine showed then. Over randomly generated histories of a small
 * matter (random decisions, 补正, withdrawals, some refused by the engine):
 *  - replay at the last position equals the live state;
 *  - replay as of a moment between two commands equals the live state after the
 *    first of them: the same tasks pending, the same statuses, the same outputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../packages/adapters/src/stores/index.js';
import { CommandHandler, DEFAULT_TOPICS, replayCase, toCaseView, type CaseCommand, type CaseView } from '@onematter/engine';
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
