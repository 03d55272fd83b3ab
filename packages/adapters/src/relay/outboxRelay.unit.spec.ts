import { afterEach, describe, expect, it } from 'vitest';
import type { AppendRequest, BusMessage, OutboxMessage } from '@onematter/engine';
import { InProcessBus } from '../bus/inProcessBus.js';
import { trackAppends } from '../projections/caseList.js';
import { noted } from '../projections/noted.test.js';
import { MemoryEventStore } from '../stores/memory/index.js';
import { PostgresEventStore } from '../stores/postgres/index.js';
import { SqliteEventStore } from '../stores/sqlite/index.js';
import { OutboxRelay } from './outboxRelay.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const pgUrl = process.env.ONEMATTER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const task = (caseId: string, n: number): OutboxMessage => ({ topic: 'tasks', key: caseId, headers: { 'event-id': `${caseId}:${n}` }, value: { caseId, n } });

/** Waits until `check` holds (the relay publishes in the background). */
async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

for (const kind of ['memory', 'sqlite', 'postgres'] as const) {
  describe(`the outbox relay on the in-process bus (${kind} store)`, () => {
    async function setUp() {
      let store: MemoryEventStore | SqliteEventStore | PostgresEventStore;
      if (kind === 'memory') store = new MemoryEventStore();
      else if (kind === 'postgres') {
        // A schema of its own, dropped afterwards. Ids of PostgreSQL rows do not follow commit order.
        const schema = `test_relay_${randomBytes(6).toString('hex')}`;
        store = new PostgresEventStore({ connectionString: pgUrl, schema, poolSize: 4 });
        cleanups.push(async () => {
          const admin = new pg.Client({ connectionString: pgUrl });
          await admin.connect();
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await admin.end();
        });
      } else {
        const dir = mkdtempSync(join(tmpdir(), 'onematter-relay-'));
        store = new SqliteEventStore({ file: join(dir, 'store.db') });
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      }
      await store.init();
      cleanups.push(() => store.close());
      const bus = new InProcessBus();
      const received: BusMessage[] = [];
      await bus.subscribe('tasks', async (m) => void received.push(m), { group: 'departments' });
      // Each row a poll read returns, and whether it had been handed to the relay before the read
      // began. On PostgreSQL a read may return a row whose append committed meanwhile, before the
      // append's answer reached this process: the relay got it from the table first, which is not
      // reading it back.
      const offered = new Set<number>();
      const readRows: Array<{ id: number; handedOverBefore: boolean }> = [];
      const readOutbox = store.readOutbox.bind(store);
      store.readOutbox = async (options) => {
        const before = new Set(offered);
        const rows = await readOutbox(options);
        for (const r of rows) readRows.push({ id: r.id, handedOverBefore: before.has(r.id) });
        return rows;
      };
      const relay = new OutboxRelay({ store, bus, mode: 'concurrent', pollIntervalMs: 20 });
      // As the runtime wires it: each append of this process hands its rows over.
      const tracked = trackAppends(store, (request, result) => {
        if (!result.outboxIds) return;
        for (const id of result.outboxIds) offered.add(id);
        relay.offer(request.outbox!.map((m, i) => ({ id: result.outboxIds![i]!, ...m })));
      }).store;
      cleanups.push(() => relay.stop());
      const revisions = new Map<string, number>();
      const offerOf = (request: AppendRequest) => tracked.append(request);
      const append = async (via: 'tracked' | 'other', caseId: string, n: number) => {
        const rev = revisions.get(caseId) ?? -1;
        const request: AppendRequest = { streamId: caseId, events: [noted(rev + 1)], expectedRevision: rev, outbox: [task(caseId, n)] };
        const r = await (via === 'tracked' ? tracked : store).append(request);
        if (!r.ok) throw new Error(r.error.message);
        revisions.set(caseId, rev + 1);
      };
      const unpublished = () => readOutbox({ after: 0, limit: 1000 });
      const readBack = () => readRows.filter((r) => r.handedOverBefore).length;
      const readNeverHandedOver = () => new Set(readRows.filter((r) => !offered.has(r.id)).map((r) => r.id)).size;
      return { relay, received, append, offerOf, readBack, readNeverHandedOver, unpublished };
    }

    it('publishes the rows handed over by this process once each, without reading them back', async () => {
      const { relay, received, append, readBack, readNeverHandedOver, unpublished } = await setUp();
      await append('other', 'case-0', 0); // left by an earlier run: read at start
      relay.start();
      await until(() => received.length === 1);
      for (let i = 1; i <= 50; i++) await append('tracked', `case-${i % 5}`, i);
      await until(() => received.length === 51);
      await new Promise((r) => setTimeout(r, 60)); // a few poll intervals: nothing more
      expect(received.map((m) => (m.value as { n: number }).n).sort((a, b) => a - b)).toEqual(Array.from({ length: 51 }, (_, i) => i));
      // No row handed over was read back from the table; the row left before the start was read
      // (it was never handed over); every row is marked published.
      expect(readBack()).toBe(0);
      expect(readNeverHandedOver()).toBe(1);
      expect(await unpublished()).toEqual([]);
    });

    it('also publishes, once each and in order per case, rows another writer appends between the handed-over ones', async () => {
      const { relay, received, append } = await setUp();
      relay.start();
      const writes: Promise<void>[] = [];
      for (let c = 0; c < 4; c++) {
        writes.push(
          (async () => {
            for (let n = 0; n < 25; n++) await append(n % 3 === 0 ? 'other' : 'tracked', `case-${c}`, n);
          })(),
        );
      }
      await Promise.all(writes);
      await until(() => received.length >= 100);
      await relay.drain();
      await new Promise((r) => setTimeout(r, 60));
      expect(received).toHaveLength(100);
      for (let c = 0; c < 4; c++) {
        expect(received.filter((m) => m.key === `case-${c}`).map((m) => (m.value as { n: number }).n)).toEqual(Array.from({ length: 25 }, (_, n) => n));
      }
    });

    it('publishes every accepted row once when refused appends in the same batches leave ids unused', async () => {
      const { relay, received, offerOf, unpublished } = await setUp();
      relay.start();
      // Two appends race for each revision of each case: one is accepted, one refused (on
      // PostgreSQL the refused one's reserved id is never used: a gap the relay must pass).
      let accepted = 0;
      for (let rev = 0; rev < 5; rev++) {
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, k) =>
            offerOf({ streamId: `case-${k % 4}`, events: [noted(rev)], expectedRevision: rev - 1, outbox: [task(`case-${k % 4}`, rev * 10 + k)] }),
          ),
        );
        accepted += results.filter((r) => r.ok).length;
      }
      expect(accepted).toBe(20);
      await until(() => received.length >= 20);
      await relay.drain();
      await new Promise((r) => setTimeout(r, 60));
      expect(received).toHaveLength(20);
      for (let c = 0; c < 4; c++) {
        const revs = received.filter((m) => m.key === `case-${c}`).map((m) => Math.floor((m.value as { n: number }).n / 10));
        expect(revs).toEqual([0, 1, 2, 3, 4]);
      }
      expect(await unpublished()).toEqual([]);
    });
  });
}
