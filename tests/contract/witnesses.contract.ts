/**
 * The witnesses contract (Witnesses in ports.ts): what an auditor checks the hash chain
 * against: stream heads as of a time, the stream index, a global order without gaps.
 */
import { describe, expect, it } from 'vitest';
import { type PreparedEvent } from '@onematter/engine';
import { event, events, task, lastGlobal, settled, storeHarness, type ContractArgs } from './harness.js';

export const witnessesContract = (...[name, open, cleanup, options = {}]: ContractArgs) =>
  describe(`${name} witnesses`, () => {
    const { fresh } = storeHarness(open, cleanup, options);

    it('names every stream\'s head as of a time, for the daily anchors: later events do not move an old head', async () => {
      const store = await fresh();
      const at = (iso: string, e: PreparedEvent): PreparedEvent => ({ ...e, recordedAt: iso });
      // case-1: two events on 1 March, one on 2 March; case-2: one on 2 March only.
      await store.append({ streamId: 'case-1', events: [at('2025-03-01T10:00:00.000Z', event('case-1', 0)), at('2025-03-01T11:00:00.000Z', event('case-1', 1))], expectedRevision: -1 });
      await store.append({ streamId: 'case-2', events: [at('2025-03-02T09:00:00.000Z', event('case-2', 0))], expectedRevision: -1 });
      await store.append({ streamId: 'case-1', events: [at('2025-03-02T10:00:00.000Z', event('case-1', 2))], expectedRevision: 1 });
      const sorted = (heads: { streamId: string }[]) => [...heads].sort((a, b) => a.streamId.localeCompare(b.streamId));
      expect(sorted(await store.readStreamHeads({ before: '2025-03-02T00:00:00.000Z' }))).toEqual([
        { streamId: 'case-1', position: 1, hash: 'case-1#1' },
      ]);
      expect(sorted(await store.readStreamHeads())).toEqual([
        { streamId: 'case-1', position: 2, hash: 'case-1#2' },
        { streamId: 'case-2', position: 0, hash: 'case-2#0' },
      ]);
      expect(await store.readStreamHeads({ before: '2025-01-01T00:00:00.000Z' })).toEqual([]);
    });

    it('lists its stream index, when it keeps one, at each stream\'s last position: a witness for verification', async (ctx) => {
      const store = await fresh();
      if (!store.readStreamIndex) return ctx.skip();
      await store.append({ streamId: 'case-1', events: events('case-1', 0, 3), expectedRevision: -1 });
      await store.append({ streamId: 'case-2', events: events('case-2', 0, 1), expectedRevision: -1 });
      // A refused append leaves the index as it was.
      expect((await store.append({ streamId: 'case-2', events: events('case-2', 0, 1), expectedRevision: -1 })).ok).toBe(false);
      const sorted = (rows: { streamId: string }[]) => [...rows].sort((a, b) => a.streamId.localeCompare(b.streamId));
      expect(sorted(await store.readStreamIndex())).toEqual([
        { streamId: 'case-1', revision: 2 },
        { streamId: 'case-2', revision: 0 },
      ]);
      expect(await store.readStreamIndex({ streamId: 'case-1' })).toEqual([{ streamId: 'case-1', revision: 2 }]);
      expect(await store.readStreamIndex({ streamId: 'case-9' })).toEqual([]);
    });

    it('keeps its global order strictly increasing through refused and concurrent appends, and free of gaps when it says so', async () => {
      const store = await fresh();
      // Many writers race for the same revisions (most are refused), beside appends to fresh streams.
      await Promise.all(
        Array.from({ length: 30 }, (_, w) =>
          Promise.all([
            store.append({ streamId: 'contested', events: events('contested', 0, 2), expectedRevision: -1, outbox: [task('contested', `w${w}`)] }),
            store.append({ streamId: `own-${w}`, events: events(`own-${w}`, 0, 1 + (w % 3)), expectedRevision: -1 }),
          ]),
        ),
      );
      const last = await store.append({ streamId: 'contested', events: events('contested', 2, 1), expectedRevision: 1 });
      const written = 2 + 1 + Array.from({ length: 30 }, (_, w) => 1 + (w % 3)).reduce((a, b) => a + b, 0);
      await settled(store, lastGlobal(last));
      const positions = (await store.readAll({ after: 0, limit: 1_000 })).map((e) => e.globalPosition);
      expect(positions).toHaveLength(written);
      expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!)).toBe(true);
      // Verification reads a gap in such a store as a deletion: there must be none.
      if (store.gaplessGlobalOrder) expect(positions).toEqual(Array.from({ length: written }, (_, i) => i + 1));
    });
  });
