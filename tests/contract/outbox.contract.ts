/**
 * The outbox contract (Outbox in ports.ts): messages committed with their events, read in
 * order until marked published. (Claims are specified beside the stores that have them.)
 */
import { describe, expect, it } from 'vitest';
import { events, task, lastGlobal, settled, storeHarness, type ContractArgs } from './harness.js';

export const outboxContract = (...[name, open, cleanup, options = {}]: ContractArgs) =>
  describe(`${name} outbox`, () => {
    const { fresh } = storeHarness(open, cleanup, options);

    it('writes outbox messages with their events, in order, until they are marked published', async () => {
      const store = await fresh();
      const opened = await store.append({
        streamId: 'case-1',
        events: events('case-1', 0, 2),
        expectedRevision: -1,
        outbox: [task('case-1', 'samr'), task('case-1', 'psb'), task('case-1', 'tax')],
      });
      const refused = await store.append({
        streamId: 'case-1',
        events: events('case-1', 1, 1),
        expectedRevision: 0,
        outbox: [task('case-1', 'refused')],
      });
      expect(refused.ok).toBe(false);
      const second = await store.append({
        streamId: 'case-2',
        events: events('case-2', 0, 1),
        expectedRevision: -1,
        outbox: [task('case-2', 'hrss')],
      });
      await settled(store, Math.max(lastGlobal(opened), lastGlobal(second)));

      const rows = await store.readOutbox({ after: 0, limit: 10 });
      expect(rows.map(({ id: _id, ...m }) => m)).toEqual([
        task('case-1', 'samr'),
        task('case-1', 'psb'),
        task('case-1', 'tax'),
        task('case-2', 'hrss'),
      ]);
      const ids = rows.map((r) => r.id);
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
      // A store that tells the appender its rows' ids (AppendResult.outboxIds) tells the ids read.
      if (opened.ok && opened.outboxIds) expect(opened.outboxIds).toEqual(ids.slice(0, 3));
      if (second.ok && second.outboxIds) expect(second.outboxIds).toEqual([ids[3]]);
      expect(await store.readOutbox({ after: ids[1]!, limit: 1 })).toEqual([rows[2]]);

      await store.markPublished([ids[0]!, ids[2]!]);
      expect(await store.readOutbox({ after: 0, limit: 10 })).toEqual([rows[1], rows[3]]);
      await store.markPublished([ids[1]!, ids[3]!]);
      expect(await store.readOutbox({ after: 0, limit: 10 })).toEqual([]);

      // Ids are never reused, so a relay paging by id cannot skip a new message.
      const third = await store.append({
        streamId: 'case-1',
        events: events('case-1', 2, 1),
        expectedRevision: 1,
        outbox: [task('case-1', 'nhsa')],
      });
      await settled(store, lastGlobal(third));
      const [next] = await store.readOutbox({ after: 0, limit: 10 });
      expect(next!.id).toBeGreaterThan(ids[3]!);
    });
  });
