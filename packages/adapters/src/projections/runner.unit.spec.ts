import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '@onematter/engine';
import { MemoryEventStore } from '../stores/memory/index.js';
import { write } from './noted.test.js';
import { ProjectionRunner, type Projection } from './runner.js';

/** Counts each stream's events, and tags streams by parity of the count. */
const counter: Projection<{ stream: string; count: number; seen: number[] }> = {
  name: 'counter',
  apply(e: StoredEvent, docs) {
    const current = docs.get(e.streamId)?.doc ?? { stream: e.streamId, count: 0, seen: [] };
    current.count++;
    current.seen.push(e.globalPosition);
    docs.put({ key: e.streamId, position: current.seen[0]!, tags: [current.count % 2 ? 'odd' : 'even'], doc: current });
  },
};

const counts = async (store: MemoryEventStore) =>
  Object.fromEntries((await store.readModels.queryDocuments('counter', { limit: 100 })).map((d) => [d.key, (d.doc as { count: number }).count]));

describe('a projection runner', () => {
  it('applies every event once, in batches, each committed with its checkpoint', async () => {
    const store = new MemoryEventStore();
    await write(store, 'a', 0, 5);
    await write(store, 'b', 0, 3);
    await write(store, 'a', 5, 2);
    const runner = new ProjectionRunner({ store, readModels: store.readModels, projection: counter, batchSize: 3 });
    await runner.catchUp();
    expect(await counts(store)).toEqual({ a: 7, b: 3 });
    expect(runner.position).toBe(10);
    expect(await store.readCheckpoint('counter')).toBe(10);
    expect((await store.readModels.queryDocuments('counter', { tags: ['odd'], limit: 10 })).map((d) => d.key)).toEqual(['b', 'a']);
  });

  it('resumes from its checkpoint after a restart, without applying an event twice', async () => {
    const store = new MemoryEventStore();
    await write(store, 'a', 0, 4);
    await new ProjectionRunner({ store, readModels: store.readModels, projection: counter }).catchUp();
    await write(store, 'a', 4, 2);
    await write(store, 'b', 0, 1);
    // A new process: nothing in memory, the read model and its checkpoint in the store.
    const again = new ProjectionRunner({ store, readModels: store.readModels, projection: counter });
    await again.catchUp();
    const [a] = await store.readModels.getDocuments('counter', ['a']);
    expect((a!.doc as { seen: number[] }).seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await counts(store)).toEqual({ a: 6, b: 1 });
  });

  it('lets two runners on one database share the work: each event applied exactly once', async () => {
    const store = new MemoryEventStore();
    const one = new ProjectionRunner({ store, readModels: store.readModels, projection: counter, batchSize: 2 });
    const two = new ProjectionRunner({ store, readModels: store.readModels, projection: counter, batchSize: 3 });
    for (let round = 0; round < 5; round++) {
      await write(store, 'a', round * 3, 3);
      await write(store, `s${round}`, 0, 1);
      await Promise.all([one.catchUp(), two.catchUp(), one.catchUp()]);
    }
    const [a] = await store.readModels.getDocuments('counter', ['a']);
    expect((a!.doc as { seen: number[] }).seen).toEqual([1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15, 17, 18, 19]);
    expect(await counts(store)).toEqual({ a: 15, s0: 1, s1: 1, s2: 1, s3: 1, s4: 1 });
  });

  it('rebuilds the same read model from scratch, while another runner follows it', async () => {
    const store = new MemoryEventStore();
    for (let i = 0; i < 6; i++) await write(store, `s${i % 3}`, Math.floor(i / 3), 1);
    const follower = new ProjectionRunner({ store, readModels: store.readModels, projection: counter });
    await follower.catchUp();
    const before = await store.readModels.queryDocuments('counter', { limit: 100 });
    const rebuilt = await new ProjectionRunner({ store, readModels: store.readModels, projection: counter }).rebuild();
    expect(rebuilt).toEqual({ position: 6, documents: 3 });
    expect(await store.readModels.queryDocuments('counter', { limit: 100 })).toEqual(before);
    // The follower's cache is stale now; its next commit is refused and it picks up from the rebuilt checkpoint.
    await write(store, 's0', 2, 1);
    await follower.catchUp();
    expect(await counts(store)).toEqual({ s0: 3, s1: 2, s2: 2 });
  });

  it('waits for a target position it cannot read yet, then gives up after the timeout', async () => {
    const store = new MemoryEventStore();
    const runner = new ProjectionRunner({ store, readModels: store.readModels, projection: counter });
    const waiting = runner.catchUp(1, 2_000);
    setTimeout(() => void write(store, 'late', 0, 1), 30);
    await waiting;
    expect(await counts(store)).toEqual({ late: 1 });
    const t0 = Date.now();
    await runner.catchUp(99, 50);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('sets aside an event it cannot apply, records why, and applies every other event; a store that is down is retried, not skipped', async () => {
    const store = new MemoryEventStore();
    await write(store, 'a', 0, 3);
    await write(store, 'b', 0, 2);
    await write(store, 'a', 3, 1);
    // Event 2 (a's second) breaks the fold, as a document the store refuses would.
    const fragile: Projection<{ stream: string; count: number; seen: number[] }> = {
      name: 'counter',
      apply(e, docs) {
        if (e.globalPosition === 2) throw new Error('cannot fold event 2');
        counter.apply(e, docs);
      },
    };
    const errors: unknown[] = [];
    const runner = new ProjectionRunner({ store, readModels: store.readModels, projection: fragile, batchSize: 4, onError: (e) => errors.push(e) });
    await runner.catchUp();
    expect(await counts(store)).toEqual({ a: 3, b: 2 });
    expect(runner.position).toBe(6);
    expect(runner.failedCount).toBe(1);
    expect(await runner.failedEvents()).toEqual([
      { projection: 'counter', globalPosition: 2, streamId: 'a', type: 'Noted', recordedAt: '2025-03-03T09:00:00.000Z', error: 'apply: cannot fold event 2' },
    ]);
    expect(String(errors[0])).toMatch(/event 2 .* set aside/);
    // A new process counts what is recorded; a rebuild meets the event again, once.
    const again = new ProjectionRunner({ store, readModels: store.readModels, projection: fragile });
    await again.catchUp();
    expect(again.failedCount).toBe(1);
    await again.rebuild();
    expect(again.failedCount).toBe(1);
    expect(await again.failedEvents()).toHaveLength(1);

    // The store failing is not the event's fault: nothing is set aside, the next pass retries.
    await write(store, 'b', 2, 1);
    const commit = store.readModels.commitReadModel.bind(store.readModels);
    store.readModels.commitReadModel = async () => {
      throw new Error('connection refused');
    };
    await expect(again.catchUp()).rejects.toThrow('connection refused');
    store.readModels.commitReadModel = commit;
    await again.catchUp();
    expect(again.position).toBe(7);
    expect(again.failedCount).toBe(1);
    expect(await counts(store)).toEqual({ a: 3, b: 3 });
  });
});
