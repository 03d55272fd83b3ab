import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EventStore, StoredEvent } from '@onematter/engine';
import { PostgresEventStore } from '../../packages/adapters/src/stores/index.js';
import { eventStoreContract, events } from './eventStore.contract.js';

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
        `SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%"${schema}".streams%'`,
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

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
