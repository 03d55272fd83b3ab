import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore } from '@onematter/engine';
import { SqliteEventStore } from '../../packages/adapters/src/stores/index.js';
import { withoutFsync } from '../../packages/adapters/src/stores/sqlite/schema.js';
import { eventStoreContract, events, task } from './eventStore.contract.js';
import { readModelStoreContract } from './readModelStore.contract.js';

/** Each store's database file, so the suite can reopen it and clean it up. */
const files = new Map<EventStore, { dir: string; file: string }>();

const openAt = (where: { dir: string; file: string }) => {
  const store = new SqliteEventStore({ file: where.file });
  files.set(store, where);
  return store;
};

eventStoreContract(
  'sqlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onematter-sqlite-'));
    return openAt({ dir, file: join(dir, 'onematter.db') });
  },
  async (store) => {
    rmSync(files.get(store)!.dir, { recursive: true, force: true });
  },
  { reopen: async (store) => openAt(files.get(store)!) },
);

readModelStoreContract(
  'sqlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onematter-sqlite-'));
    return openAt({ dir, file: join(dir, 'onematter.db') });
  },
  async (store) => {
    rmSync(files.get(store)!.dir, { recursive: true, force: true });
  },
  { reopen: async (store) => openAt(files.get(store)!) },
);

describe('sqlite group commit', () => {
  let dir: string;
  const stores: SqliteEventStore[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'onematter-sqlite-'));
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  const openStore = async (options: { busyTimeoutMs?: number } = {}) => {
    const store = new SqliteEventStore({ file: join(dir, 'onematter.db'), ...options });
    stores.push(store);
    await store.init();
    return store;
  };

  it('judges each request of a batch on its own, against the revisions written before it in the batch', async () => {
    const store = await openStore();
    // Queued in one tick: one transaction.
    const [opened, followed, stale, other] = await Promise.all([
      store.append({ streamId: 'case-1', events: events('case-1', 0, 2), expectedRevision: -1, outbox: [task('case-1', 'samr')] }),
      store.append({ streamId: 'case-1', events: events('case-1', 2, 1), expectedRevision: 1, outbox: [task('case-1', 'psb')] }),
      store.append({ streamId: 'case-1', events: events('case-1', 2, 1), expectedRevision: 1, outbox: [task('case-1', 'stale')] }),
      store.append({ streamId: 'case-2', events: events('case-2', 0, 1), expectedRevision: -1, outbox: [task('case-2', 'tax')] }),
    ]);
    expect(opened).toMatchObject({ ok: true, nextRevision: 1 });
    expect(followed).toMatchObject({ ok: true, nextRevision: 2 });
    expect(stale).toMatchObject({ ok: false, error: { kind: 'Concurrency', actualRevision: 2 } });
    expect(other).toMatchObject({ ok: true, nextRevision: 0 });
    expect((await store.readStream('case-1')).map((e) => e.position)).toEqual([0, 1, 2]);
    expect((await store.readOutbox({ after: 0, limit: 10 })).map((m) => m.topic)).toEqual([
      'onematter.tasks.samr',
      'onematter.tasks.psb',
      'onematter.tasks.tax',
    ]);
  });

  it('fails every append of a batch, and acknowledges none, when the database cannot be written', async () => {
    const store = await openStore({ busyTimeoutMs: 20 });
    // Another process holds the write lock for longer than the store will wait.
    const other = new Database(join(dir, 'onematter.db'));
    other.exec('BEGIN IMMEDIATE');
    const batch = await Promise.allSettled([
      store.append({ streamId: 'case-1', events: events('case-1', 0, 1), expectedRevision: -1, outbox: [task('case-1', 'samr')] }),
      store.append({ streamId: 'case-2', events: events('case-2', 0, 1), expectedRevision: -1 }),
    ]);
    expect(batch.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    other.exec('ROLLBACK');
    other.close();

    expect(await store.readStream('case-1')).toEqual([]);
    expect(await store.readOutbox({ after: 0, limit: 10 })).toEqual([]);
    expect(await store.append({ streamId: 'case-1', events: events('case-1', 0, 1), expectedRevision: -1 })).toMatchObject({ ok: true });
  });
});

describe('sqlite: derived writes without their own fsync', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'onematter-sqlite-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const FULL = 2;
  const NORMAL = 1;
  const level = (db: Database.Database) => db.pragma('synchronous', { simple: true });

  it('runs a derived write at synchronous=NORMAL and puts FULL back, even when the write fails', () => {
    const db = new Database(join(dir, 'x.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    let during: unknown;
    withoutFsync(db, () => (during = level(db)));
    expect(during).toBe(NORMAL);
    expect(level(db)).toBe(FULL);
    expect(() => withoutFsync(db, () => { throw new Error('disk full'); })).toThrow('disk full');
    expect(level(db)).toBe(FULL);
    db.close();
  });

  it('keeps every append fsynced: after read-model commits and checkpoint saves the connection is back at FULL', async () => {
    const store = new SqliteEventStore({ file: join(dir, 'onematter.db') });
    await store.init();
    const db = (store as unknown as { sqlite: { db: Database.Database } }).sqlite.db;
    expect(await store.readModels.commitReadModel('p', { expected: 0, checkpoint: 1, upserts: [{ key: 'k', position: 1, tags: ['t'], doc: { n: 1 } }], deletes: [] })).toBe(true);
    // A commit refused (stale checkpoint) also restores it.
    expect(await store.readModels.commitReadModel('p', { expected: 0, checkpoint: 2, upserts: [], deletes: [] })).toBe(false);
    await store.saveCheckpoint('event-feed', 7);
    expect(level(db)).toBe(FULL);
    expect(await store.append({ streamId: 'case-1', events: events('case-1', 0, 1), expectedRevision: -1 })).toMatchObject({ ok: true });
    expect(await store.readCheckpoint('event-feed')).toBe(7);
    expect((await store.readModels.getDocuments('p', ['k']))[0]?.doc).toEqual({ n: 1 });
    await store.close();
  });
});
