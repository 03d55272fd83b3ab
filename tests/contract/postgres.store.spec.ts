import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Bus, EventStore, StoredEvent } from '@onematter/engine';
import { OutboxRelay } from '../../packages/adapters/src/relay/outboxRelay.js';
import { PostgresEventStore } from '../../packages/adapters/src/stores/index.js';
import { eventStoreContract, events, task } from './eventStore.contract.js';
import { readModelStoreContract } from './readModelStore.contract.js';

const url = process.env.ONEMATTER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Each store's schema: every test gets its own, dropped afterwards. */
const schemas = new Map<EventStore, string>();
const admin = new pg.Pool({ connectionString: url, max: 2 });
afterAll(() => admin.end());

const openIn = (schema: string) => {
  const store = new PostgresEventStore({ connectionString: url, schema, poolSize: 8 });
  schemas.set(store, schema);
  return store;
};
const freshSchema = () => `test_${randomBytes(6).toString('hex')}`;
const dropSchema = (schema: string) => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);

eventStoreContract(
  'postgres',
  async () => openIn(freshSchema()),
  async (store) => {
    await dropSchema(schemas.get(store)!);
  },
  { reopen: async (store) => openIn(schemas.get(store)!) },
);

readModelStoreContract(
  'postgres',
  async () => openIn(freshSchema()),
  async (store) => {
    await dropSchema(schemas.get(store)!);
  },
  { reopen: async (store) => openIn(schemas.get(store)!) },
);

describe('postgres event store, global order under concurrent transactions', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('does not let a subscriber pass an append that committed after later ones', async () => {
    const schema = freshSchema();
    const store = openIn(schema);
    cleanups.push(() => dropSchema(schema), () => store.close());
    await store.init();
    await store.append({ streamId: 'case-slow', events: events('case-slow', 0, 1), expectedRevision: -1 });

    // Another session holds the slow case's stream row: our append takes its global
    // positions first, then waits on the row while later appends commit around it.
    const blocker = await admin.connect();
    await blocker.query('BEGIN');
    await blocker.query(`SELECT * FROM "${schema}".streams WHERE stream_id = 'case-slow' FOR UPDATE`);
    let released = false;
    cleanups.push(async () => {
      if (!released) await blocker.query('ROLLBACK');
      blocker.release();
    });
    const slow = store.append({ streamId: 'case-slow', events: events('case-slow', 1, 2), expectedRevision: 0 });
    await waitFor(async () => {
      const { rows } = await admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%"${schema}".%'`,
      );
      return Number(rows[0]!.n) === 1;
    });

    const seen: StoredEvent[] = [];
    let checkpoint = 0;
    const poll = async () => {
      const page = await store.readAll({ after: checkpoint, limit: 5 });
      seen.push(...page);
      if (page.length > 0) checkpoint = page[page.length - 1]!.globalPosition;
    };

    const later = await Promise.all(
      Array.from({ length: 12 }, (_, s) =>
        store.append({ streamId: `case-${s}`, events: events(`case-${s}`, 0, 2), expectedRevision: -1 }),
      ),
    );
    for (let i = 0; i < 5; i++) await poll();
    // The later appends are durable and readable per stream, but not yet in the global order.
    expect(await store.readStream('case-0')).toHaveLength(2);
    expect(seen.map((e) => e.streamId)).toEqual(['case-slow']);

    await blocker.query('COMMIT');
    released = true;
    const slowResult = await slow;
    expect(slowResult).toMatchObject({ ok: true, nextRevision: 2 });
    const lastSlow = slowResult.ok ? slowResult.lastGlobalPosition : 0;
    const lastLater = Math.max(...later.map((r) => (r.ok ? r.lastGlobalPosition : 0)));
    // The slow append did take its positions before the later ones.
    expect(lastSlow).toBeLessThan(lastLater);

    await waitFor(async () => {
      await poll();
      return checkpoint >= lastLater;
    });
    expect(seen).toHaveLength(1 + 2 + 12 * 2);
    const positions = seen.map((e) => e.globalPosition);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(new Set(seen.map((e) => `${e.streamId}@${e.position}`)).size).toBe(seen.length);
  });
});

describe('postgres group commit', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const freshStore = async () => {
    const schema = freshSchema();
    const store = openIn(schema);
    cleanups.push(() => dropSchema(schema), () => store.close());
    await store.init();
    return { store, schema };
  };

  it('writes appends issued together in one transaction, judging each against the revisions written before it', async () => {
    const { store } = await freshStore();
    const [opened, followed, stale, other] = await Promise.all([
      store.append({ streamId: 'case-2', events: events('case-2', 0, 1), expectedRevision: -1, outbox: [task('case-2', 'tax')] }),
      store.append({ streamId: 'case-1', events: events('case-1', 0, 2), expectedRevision: -1, outbox: [task('case-1', 'samr')] }),
      store.append({ streamId: 'case-1', events: events('case-1', 2, 1), expectedRevision: 1, outbox: [task('case-1', 'stale')] }),
      store.append({ streamId: 'case-1', events: events('case-1', 2, 1), expectedRevision: 1, outbox: [task('case-1', 'psb')] }),
    ]).then(([a, b, c, d]) => [b, c, d, a]);
    expect(opened).toMatchObject({ ok: true, nextRevision: 1 });
    expect(followed).toMatchObject({ ok: true, nextRevision: 2 });
    expect(stale).toMatchObject({ ok: false, error: { kind: 'Concurrency', actualRevision: 2 } });
    expect(other).toMatchObject({ ok: true, nextRevision: 0 });
    // One reservation for the batch, handed out in stream order to the accepted requests:
    // consecutive positions (a request retried alone would have left the batch's as a gap).
    const positions = [opened, followed, other].map((r) => (r?.ok ? r.lastGlobalPosition : 0));
    expect(positions).toEqual([2, 3, 4]);
    const rows = await store.readOutbox({ after: 0, limit: 10 });
    expect(rows.map((m) => m.topic)).toEqual(['onematter.tasks.samr', 'onematter.tasks.stale', 'onematter.tasks.tax']);
    // Each accepted request is told its rows' ids (for the relay of this process).
    expect([opened, followed, other].map((r) => (r?.ok ? r.outboxIds : undefined))).toEqual(rows.map((m) => [m.id]));
  });

  it('lets one request that breaks a constraint fail alone, not the batch it came in', async () => {
    const { store, schema } = await freshStore();
    // A writer that bypassed the streams table took case-x's first position.
    await admin.query(
      `INSERT INTO "${schema}".events (global_position, stream_id, position, type, data, metadata, recorded_at, prev_hash, hash)
       VALUES (1000, 'case-x', 0, 'Noted', '{}', '{"v":1}', '2025-01-01T00:00:00.000Z', '', 'h')`,
    );
    const [x, y, z, stale] = await Promise.all([
      store.append({ streamId: 'case-x', events: events('case-x', 0, 1), expectedRevision: -1 }),
      store.append({ streamId: 'case-y', events: events('case-y', 0, 2), expectedRevision: -1, outbox: [task('case-y', 'samr')] }),
      store.append({ streamId: 'case-z', events: events('case-z', 0, 1), expectedRevision: -1 }),
      // Retried alone after case-z's: a stale revision is refused and writes nothing.
      store.append({ streamId: 'case-z', events: events('case-z', 4, 1), expectedRevision: 3, outbox: [task('case-z', 'stale')] }),
    ]);
    expect(x).toMatchObject({ ok: false, error: { kind: 'Concurrency', actualRevision: 0 } });
    expect(y).toMatchObject({ ok: true, nextRevision: 1 });
    expect(z).toMatchObject({ ok: true, nextRevision: 0 });
    expect(stale).toMatchObject({ ok: false, error: { kind: 'Concurrency', actualRevision: 0 } });
    expect(await store.readStream('case-y')).toHaveLength(2);
    expect(await store.readStream('case-z')).toHaveLength(1);
    const rows = await store.readOutbox({ after: 0, limit: 10 });
    expect(rows.map((m) => m.key)).toEqual(['case-y']);
    // Retried alone, a request is still told its rows' ids.
    expect(y.ok && y.outboxIds).toEqual([rows[0]!.id]);
  });

  it('deletes published outbox rows with the next batch', async () => {
    const { store } = await freshStore();
    await store.append({ streamId: 'case-1', events: events('case-1', 0, 1), expectedRevision: -1, outbox: [task('case-1', 'samr'), task('case-1', 'psb')] });
    const rows = await store.readOutbox({ after: 0, limit: 10 });
    const [marked, appended] = await Promise.all([
      store.markPublished([rows[0]!.id]),
      store.append({ streamId: 'case-2', events: events('case-2', 0, 1), expectedRevision: -1, outbox: [task('case-2', 'tax')] }),
    ]);
    expect(marked).toBeUndefined();
    expect(appended.ok).toBe(true);
    expect((await store.readOutbox({ after: 0, limit: 10 })).map((m) => m.topic)).toEqual(['onematter.tasks.psb', 'onematter.tasks.tax']);
  });
});

describe('postgres scale-out: outbox claims and leader election', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const twoStores = async () => {
    const schema = freshSchema();
    const a = openIn(schema);
    const b = openIn(schema);
    cleanups.push(() => dropSchema(schema), () => a.close(), () => b.close());
    await Promise.all([a.init(), b.init()]);
    return { a, b, schema };
  };

  it('hands each row to one owner while its lease lasts, keeps one key in order, and frees a dead owner\'s rows', async () => {
    const { a, b, schema } = await twoStores();
    for (const id of ['case-1', 'case-2', 'case-3']) {
      await a.append({ streamId: id, events: events(id, 0, 1), expectedRevision: -1, outbox: [task(id, 'samr'), task(id, 'psb')] });
    }
    // Two claimers at once: no row twice.
    const [x, y] = await Promise.all([a.claimOutbox({ owner: 'x', limit: 2, leaseMs: 60_000 }), b.claimOutbox({ owner: 'y', limit: 2, leaseMs: 60_000 })]);
    const ids = [...x, ...y].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Whoever holds a key's earlier row, nobody else gets its later rows.
    const byOwner = new Map([...x.map((r) => [r.key, 'x'] as const), ...y.map((r) => [r.key, 'y'] as const)]);
    const z = await a.claimOutbox({ owner: 'z', limit: 10, leaseMs: 60_000 });
    for (const r of z) expect(byOwner.has(r.key)).toBe(false);
    const again = await b.claimOutbox({ owner: 'x', limit: 10, leaseMs: 60_000 });
    for (const r of again) expect(byOwner.get(r.key) ?? 'x').toBe('x');
    const claimed = [...x, ...y, ...z, ...again].map((r) => r.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    // A lease that ran out (its owner died): the rows are claimable again.
    await admin.query(`UPDATE "${schema}".outbox SET claimed_until = now() - interval '1 second' WHERE claimed_by = 'y'`);
    const taken = await a.claimOutbox({ owner: 'w', limit: 10, leaseMs: 60_000 });
    expect(taken.map((r) => r.id).sort()).toEqual(expect.arrayContaining(y.map((r) => r.id).sort()));
    // Published rows go away as before.
    await a.markPublished(claimed);
    await waitFor(async () => (await a.readOutbox({ after: 0, limit: 10 })).every((r) => !claimed.includes(r.id)));
  });

  it('keeps a relay\'s claim while its publishes fail for longer than the lease, so no other relay publishes its rows', async () => {
    const { a, b, schema } = await twoStores();
    for (const id of ['case-1', 'case-2', 'case-3']) {
      await a.append({ streamId: id, events: events(id, 0, 1), expectedRevision: -1, outbox: [task(id, 'samr'), task(id, 'psb')] });
    }
    // The broker is down for five leases, then comes back.
    const leaseMs = 300;
    let brokerDownUntil = Number.POSITIVE_INFINITY;
    const published: string[] = [];
    const bus = {
      publish: async (messages: { key: string; headers: Record<string, string> }[]) => {
        if (Date.now() < brokerDownUntil) throw new Error('broker down');
        published.push(...messages.map((m) => `${m.key}/${m.headers['event-id'] ?? ''}/${published.length}`));
      },
      subscribe: async () => ({ close: async () => {} }),
      close: async () => {},
    } as unknown as Bus;
    const relay = new OutboxRelay({ store: a, bus, mode: 'ordered', claimLeaseMs: leaseMs, pollIntervalMs: 20, owner: 'relay-a' });
    relay.start();
    cleanups.push(() => relay.stop());
    await waitFor(async () => (await admin.query(`SELECT count(*)::int AS n FROM "${schema}".outbox WHERE claimed_by = 'relay-a'`)).rows[0].n === 6);
    brokerDownUntil = Date.now() + 5 * leaseMs;
    // Another process's relay polls all the while: it never gets one of those rows.
    while (Date.now() < brokerDownUntil) {
      expect(await b.claimOutbox({ owner: 'relay-b', limit: 10, leaseMs })).toEqual([]);
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor(async () => (await a.readOutbox({ after: 0, limit: 10 })).length === 0);
    expect(published).toHaveLength(6);
  });

  it('lets one store lead a name at a time, until it closes', async () => {
    const { a, b } = await twoStores();
    expect(await a.tryLead('event-feed')).toBe(true);
    expect(await a.tryLead('event-feed')).toBe(true);
    expect(await b.tryLead('event-feed')).toBe(false);
    expect(await b.tryLead('other')).toBe(true);
    await a.close();
    expect(await b.tryLead('event-feed')).toBe(true);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
