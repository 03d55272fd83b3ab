import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { GroupCommit, type PendingDelete } from './groupCommit.js';

/** A store's writer as the group commit sees it: records each batch, settles it when told. */
function recorder(o: { async?: boolean; maxBatch?: number; maxInFlight?: number } = {}) {
  const batches: { requests: number[]; deletes: number[] }[] = [];
  const open: (() => void)[] = [];
  const commit = new GroupCommit<number>({
    maxBatch: o.maxBatch ?? 100,
    ...(o.maxInFlight !== undefined ? { maxInFlight: o.maxInFlight } : {}),
    write: (batch: number[], deletes: PendingDelete[]) => {
      batches.push({ requests: batch, deletes: deletes.flatMap((d) => d.ids) });
      const settle = () => deletes.forEach((d) => d.resolve());
      if (!o.async) return settle();
      return new Promise<void>((resolve) => open.push(() => (settle(), resolve())));
    },
  });
  return { commit, batches, finishOne: () => open.shift()!() };
}

describe('group commit', () => {
  it('writes every request queued in one turn of the event loop as one batch, with the deletes queued meanwhile', async () => {
    const { commit, batches } = recorder();
    for (let i = 1; i <= 5; i++) commit.push(i);
    const deleted = commit.delete([41, 42]);
    expect(batches).toEqual([]); // nothing is written before the turn ends
    await nextTurn();
    expect(batches).toEqual([{ requests: [1, 2, 3, 4, 5], deletes: [41, 42] }]);
    await deleted;
    commit.push(6);
    await nextTurn();
    expect(batches.map((b) => b.requests)).toEqual([[1, 2, 3, 4, 5], [6]]);
  });

  it('splits a queue longer than maxBatch, one synchronous batch per turn, in order', async () => {
    const { commit, batches } = recorder({ maxBatch: 2 });
    for (let i = 1; i <= 5; i++) commit.push(i);
    await nextTurn();
    expect(batches.map((b) => b.requests)).toEqual([[1, 2]]);
    await nextTurn();
    await nextTurn();
    expect(batches.map((b) => b.requests)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('keeps at most maxInFlight asynchronous batches running, and starts the next when one finishes', async () => {
    const { commit, batches, finishOne } = recorder({ async: true, maxBatch: 2, maxInFlight: 2 });
    for (let i = 1; i <= 7; i++) commit.push(i);
    await nextTurn();
    expect(batches.map((b) => b.requests)).toEqual([[1, 2], [3, 4]]);
    commit.push(8); // joins the queue while both slots are busy
    await nextTurn();
    expect(batches).toHaveLength(2);
    finishOne();
    await nextTurn();
    expect(batches.map((b) => b.requests)).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('drain writes everything queued and waits for the batches in flight', async () => {
    const { commit, batches, finishOne } = recorder({ async: true, maxBatch: 2, maxInFlight: 1 });
    for (let i = 1; i <= 5; i++) commit.push(i);
    let drained = false;
    const draining = commit.drain().then(() => (drained = true));
    expect(batches.map((b) => b.requests)).toEqual([[1, 2]]);
    for (let k = 0; k < 2; k++) {
      finishOne();
      await nextTurn();
      expect(drained).toBe(false);
    }
    finishOne();
    await draining;
    expect(batches.map((b) => b.requests)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('drain of a synchronous writer writes the whole queue at once', async () => {
    const { commit, batches } = recorder({ maxBatch: 2 });
    for (let i = 1; i <= 5; i++) commit.push(i);
    await commit.drain();
    expect(batches.map((b) => b.requests)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
