import { describe, expect, it, vi } from 'vitest';
import type { StoredEvent } from '@onematter/engine';
import { MemoryEventStore } from '../stores/memory/index.js';
import { freezesByDefault, LogFollower, type LogSubscriber } from './logFollower.js';
import { write as writeNoted } from './noted.test.js';
import { ProjectionRunner, type Projection } from './runner.js';

const write = (store: MemoryEventStore, stream: string, from: number, count: number) => writeNoted(store, stream, from, count, (position) => ({ position, tags: ['x'] }));

/** A store that counts the reads of the global order. */
function spied(store: MemoryEventStore) {
  const reads: { after: number; limit: number; count: number }[] = [];
  const readAll = store.readAll.bind(store);
  store.readAll = async (options) => {
    const events = await readAll(options);
    reads.push({ ...options, count: events.length });
    return events;
  };
  return reads;
}

/** Remembers every position it handled; `failing` makes its next handles throw. */
class Recorder implements LogSubscriber {
  position = 0;
  seen: number[] = [];
  failing = 0;
  constructor(readonly name: string) {}
  async handle(events: readonly StoredEvent[]) {
    if (this.failing > 0) {
      this.failing--;
      throw new Error(`${this.name} is down`);
    }
    for (const e of events) this.seen.push(e.globalPosition);
    this.position = events[events.length - 1]!.globalPosition;
  }
}

const counter: Projection<{ count: number }> = {
  name: 'counter',
  apply(e, docs) {
    const doc = docs.get(e.streamId)?.doc ?? { count: 0 };
    doc.count++;
    docs.put({ key: e.streamId, position: e.globalPosition, tags: [], doc });
  },
};

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('the log follower', () => {
  it('reads each batch once for every subscriber, a projection included', async () => {
    const store = new MemoryEventStore();
    const reads = spied(store);
    const follower = new LogFollower({ store, batchSize: 4 });
    const feed = new Recorder('feed');
    const clocks = new Recorder('clocks');
    const runner = new ProjectionRunner({ store, readModels: store.readModels, projection: counter, follower });
    follower.add(feed);
    follower.add(clocks);
    await runner.catchUp();
    reads.length = 0;

    await write(store, 'a', 0, 6);
    await write(store, 'b', 0, 4);
    await runner.catchUp();
    await follower.catchUp(feed);
    await follower.catchUp(clocks);
    // 10 events in batches of 4: each read once, after 0, 4 and 8 (other reads only found nothing new).
    expect(reads.filter((r) => r.count > 0).map((r) => [r.after, r.count])).toEqual([[0, 4], [4, 4], [8, 2]]);
    expect(feed.seen).toEqual(range(1, 10));
    expect(clocks.seen).toEqual(range(1, 10));
    expect(runner.position).toBe(10);
    const [a] = await store.readModels.getDocuments('counter', ['a']);
    expect(a!.doc).toEqual({ count: 6 });
  });

  it('hands out frozen events: a subscriber cannot change what another sees', async () => {
    const store = new MemoryEventStore();
    await write(store, 'a', 0, 1);
    const follower = new LogFollower({ store });
    const vandal: LogSubscriber & { position: number; error?: unknown } = {
      name: 'vandal',
      position: 0,
      async handle(events) {
        try {
          (events[0]!.data as { tags: string[] }).tags.push('changed');
        } catch (error) {
          this.error = error;
        }
        this.position = events[events.length - 1]!.globalPosition;
      },
    };
    const reader = new Recorder('reader');
    const seen: unknown[] = [];
    reader.handle = async (events) => {
      seen.push(...events.map((e) => e.data));
      reader.position = events[events.length - 1]!.globalPosition;
    };
    follower.add(vandal);
    follower.add(reader);
    await follower.catchUp(vandal);
    await follower.catchUp(reader);
    expect(vandal.error).toBeInstanceOf(TypeError);
    expect(seen).toEqual([{ position: 0, tags: ['x'] }]);
  });

  it('freezes events everywhere but production, where the freezing CPU is saved (NODE_ENV=production)', async () => {
    expect(process.env.NODE_ENV).not.toBe('production'); // the mode the test above ran in
    expect(freezesByDefault()).toBe(true);
    vi.stubEnv('NODE_ENV', 'production');
    try {
      expect(freezesByDefault()).toBe(false);
      const store = new MemoryEventStore();
      await write(store, 'a', 0, 1);
      const follower = new LogFollower({ store });
      const reader = new Recorder('reader');
      let frozen: boolean | undefined;
      reader.handle = async (events) => {
        frozen = Object.isFrozen(events[0]) || Object.isFrozen(events[0]!.data);
        reader.position = events[events.length - 1]!.globalPosition;
      };
      follower.add(reader);
      await follower.catchUp(reader);
      expect(frozen).toBe(false);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('a subscriber that fails loses nothing and holds nobody back: it catches up on its own, then joins the shared reads again', async () => {
    const store = new MemoryEventStore();
    const reads = spied(store);
    const follower = new LogFollower({ store, batchSize: 5, retryMs: 60_000 });
    const steady = new Recorder('steady');
    const flaky = new Recorder('flaky');
    follower.add(steady);
    follower.add(flaky);
    await write(store, 'a', 0, 3);
    flaky.failing = 1;
    await follower.poll();
    await follower.catchUp(steady);
    expect(steady.seen).toEqual([1, 2, 3]);
    expect(flaky.seen).toEqual([]);

    await write(store, 'a', 3, 4);
    await follower.catchUp(steady);
    expect(steady.seen).toEqual(range(1, 7));
    expect(flaky.seen).toEqual([]);
    // Waiting for it retries it at once.
    await follower.catchUp(flaky);
    expect(flaky.seen).toEqual(range(1, 7));

    // Both at the front again: one read per batch.
    reads.length = 0;
    await write(store, 'b', 0, 2);
    await follower.catchUp(steady);
    await follower.catchUp(flaky);
    expect(reads.filter((r) => r.count > 0).map((r) => r.after)).toEqual([7]);
    expect(flaky.seen).toEqual(range(1, 9));
    expect(steady.seen).toEqual(range(1, 9));
  });

  it('rethrows a projection failure to the one who waits for it, and applies every event once the store is back', async () => {
    const store = new MemoryEventStore();
    const follower = new LogFollower({ store });
    const feed = new Recorder('feed');
    follower.add(feed);
    const runner = new ProjectionRunner({ store, readModels: store.readModels, projection: counter, follower });
    await write(store, 'a', 0, 3);
    const commit = store.readModels.commitReadModel.bind(store.readModels);
    store.readModels.commitReadModel = async () => {
      throw new Error('connection refused');
    };
    await expect(runner.catchUp()).rejects.toThrow('connection refused');
    await follower.catchUp(feed);
    expect(feed.seen).toEqual([1, 2, 3]);
    store.readModels.commitReadModel = commit;
    await write(store, 'a', 3, 1);
    await runner.catchUp();
    const [a] = await store.readModels.getDocuments('counter', ['a']);
    expect(a!.doc).toEqual({ count: 4 });
  });

  it('after a restart, projections resume from their checkpoints, a new one catches up from the start, and a rebuild gives the same read model', async () => {
    const store = new MemoryEventStore();
    const first = new LogFollower({ store, batchSize: 3 });
    const runner = new ProjectionRunner({ store, readModels: store.readModels, projection: counter, follower: first });
    await write(store, 'a', 0, 5);
    await runner.catchUp();
    await runner.stop();
    await first.stop();

    // A new process: the counter resumes at 5; a projection added since starts from 0.
    await write(store, 'b', 0, 4);
    const reads = spied(store);
    const follower = new LogFollower({ store, batchSize: 3 });
    const again = new ProjectionRunner({ store, readModels: store.readModels, projection: counter, follower });
    const fresh = new ProjectionRunner({ store, readModels: store.readModels, projection: { ...counter, name: 'fresh' }, follower });
    follower.start();
    again.start();
    fresh.start();
    await Promise.all([again.catchUp(9), fresh.catchUp(9)]);
    expect(reads.every((r) => r.after >= 0)).toBe(true);
    const docs = async (name: string) => Object.fromEntries((await store.readModels.queryDocuments(name, { limit: 10 })).map((d) => [d.key, d.doc]));
    expect(await docs('counter')).toEqual({ a: { count: 5 }, b: { count: 4 } });
    expect(await docs('fresh')).toEqual({ a: { count: 5 }, b: { count: 4 } });
    // The one at the front never re-read what it had: no read of the front started before 5.
    expect(reads.filter((r) => r.after < 5).every((r) => r.limit === 2_000)).toBe(true);

    expect(await again.rebuild()).toEqual({ position: 9, documents: 2 });
    expect(await docs('counter')).toEqual({ a: { count: 5 }, b: { count: 4 } });
    await write(store, 'a', 5, 1);
    await again.catchUp();
    expect(await docs('counter')).toEqual({ a: { count: 6 }, b: { count: 4 } });
    await Promise.all([again.stop(), fresh.stop()]);
    await follower.stop();
  });
  it('a lazy subscriber that waits for an append held back a moment (PostgreSQL: a transaction still open) gets it as soon as it shows', async () => {
    const store = new MemoryEventStore();
    await write(store, 'a', 0, 3);
    // The newest event is not readable for the first reads after it is acknowledged.
    let hiddenReads = 3;
    const readAll = store.readAll.bind(store);
    store.readAll = async (options) => {
      const events = await readAll(options);
      if (hiddenReads > 0 && events.some((e) => e.globalPosition === 3)) {
        hiddenReads--;
        return events.filter((e) => e.globalPosition < 3);
      }
      return events;
    };
    const follower = new LogFollower({ store });
    const caseList = new Recorder('case-list');
    // As the case list follows: lazily, its own events at most every 30 s unless a query asks.
    follower.add(caseList, { delayMs: 30_000 });
    await follower.catchUp(caseList, 3, 2_000);
    // All three: the held-back one as soon as it showed (it used to wait out the 2 s and answer [1, 2]).
    expect(caseList.seen).toEqual([1, 2, 3]);
    expect(caseList.position).toBe(3);
  });
});
