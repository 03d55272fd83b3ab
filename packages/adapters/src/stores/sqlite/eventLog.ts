import Database from 'better-sqlite3';
import { canonicalText, type AppendRequest, type AppendResult, type EventLog, type StoredEvent } from '@onematter/engine';
import { assertPage, assertWellFormed, concurrencyError, revisionAccepts, toJsonText } from '../appendRules.js';
import { GroupCommit, type PendingDelete } from '../groupCommit.js';
import { fromRawRow, type SqliteDatabase } from './schema.js';

/** A request as queued: validated and serialized when `append` was called. */
interface Pending {
  request: AppendRequest;
  events: Array<{ position: number; type: string; data: string; metadata: string; recordedAt: string; prevHash: string; hash: string }>;
  outbox: Array<{ topic: string; key: string; headers: string; value: string }>;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit (../groupCommit.ts): `append()` only queues the request (and `markPublished`
 * its deletes); on the next turn of the event loop up to `maxBatch` queued requests are
 * written in ONE transaction, so one fsync covers them all (see ./index.ts).
 */
export type SqliteGroupCommit = GroupCommit<Pending>;

export function sqliteGroupCommit(sqlite: SqliteDatabase, maxBatch: number): SqliteGroupCommit {
  return new GroupCommit<Pending>({ maxBatch, write: (batch, deletes) => writeBatch(sqlite, batch, deletes), canWrite: () => sqlite.db.open });
}

/** One transaction for a batch of queued requests and deletes; see ./index.ts. */
function writeBatch(sqlite: SqliteDatabase, batch: Pending[], deletes: PendingDelete[]): void {
  const s = sqlite.statements!;
  const now = new Date().toISOString();
  const results: Array<{ ok: AppendResult } | { error: unknown }> = [];

  const writeOne = sqlite.db.transaction((p: Pending): AppendResult => {
    const { streamId, expectedRevision } = p.request;
    // Read inside the transaction: earlier requests of this batch and other processes count.
    const actual = s.revision.get(streamId)?.revision ?? -1;
    if (!revisionAccepts(expectedRevision, actual, p.events[0]!.position)) {
      return concurrencyError(streamId, expectedRevision, actual);
    }
    let last = 0;
    for (const e of p.events) {
      last = Number(
        s.insertEvent.run(streamId, e.position, e.type, e.data, e.metadata, e.recordedAt, e.prevHash, e.hash)
          .lastInsertRowid,
      );
    }
    const nextRevision = p.events[p.events.length - 1]!.position;
    s.setRevision.run(streamId, nextRevision);
    if (p.outbox.length === 0) return { ok: true, nextRevision, lastGlobalPosition: last };
    const outboxIds = p.outbox.map((m) => Number(s.insertOutbox.run(m.topic, m.key, m.headers, m.value, now).lastInsertRowid));
    return { ok: true, nextRevision, lastGlobalPosition: last, outboxIds };
  });

  const writeAll = sqlite.db.transaction(() => {
    for (const d of deletes) for (const id of d.ids) s.deleteOutbox.run(id);
    for (const p of batch) {
      try {
        // Nested: a savepoint, so a request that breaks a constraint undoes only itself.
        results.push({ ok: writeOne(p) });
      } catch (error) {
        if (!isConstraintError(error)) throw error; // disk trouble: the whole batch fails
        // The positions are taken although the streams table did not say so (a writer
        // that bypassed it): still a conflict, and the stream's real end is the revision.
        if (isUniqueViolation(error)) {
          const { streamId, expectedRevision } = p.request;
          results.push({ ok: concurrencyError(streamId, expectedRevision, s.lastPosition.get(streamId)?.last ?? -1) });
        } else {
          results.push({ error });
        }
      }
    }
  });

  try {
    // IMMEDIATE takes the write lock up front, so the revision reads cannot go stale.
    writeAll.immediate();
  } catch (error) {
    for (const p of batch) p.reject(error);
    for (const d of deletes) d.reject(error);
    return;
  }
  for (const d of deletes) d.resolve();
  // COMMIT has returned: the batch is durable.
  batch.forEach((p, i) => {
    const r = results[i]!;
    if ('ok' in r) p.resolve(r.ok);
    else p.reject(r.error);
  });
}

/** The SQLite event log: appends through the group commit, reads by stream and in global order. */
export class SqliteEventLog implements EventLog {
  constructor(
    private readonly sqlite: SqliteDatabase,
    private readonly commit: SqliteGroupCommit,
  ) {}

  append(request: AppendRequest): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.sqlite.assertOpen();
      this.sqlite.ready();
      assertWellFormed(request);
      // Serialized now: the caller may reuse its objects as soon as append returns.
      const events = request.events.map((e) => ({
        position: e.position,
        type: e.type,
        // Canonical text (kept from hashing), so `audit verify` can hash it as stored.
        data: canonicalText(e.data),
        metadata: canonicalText(e.metadata),
        recordedAt: e.recordedAt,
        prevHash: e.prevHash,
        hash: e.hash,
      }));
      const outbox = (request.outbox ?? []).map((m) => ({
        topic: m.topic,
        key: m.key,
        headers: toJsonText(m.headers),
        value: toJsonText(m.value),
      }));
      this.commit.push({ request, events, outbox, resolve, reject });
    });
  }

  async readStream(streamId: string, options: { fromPosition?: number; maxCount?: number } = {}): Promise<StoredEvent[]> {
    const s = this.sqlite.ready();
    const limit = options.maxCount ?? -1; // LIMIT -1: no limit
    return s.readStream.all(streamId, options.fromPosition ?? 0, limit).map(fromRawRow);
  }

  async readAll(options: { after: number; limit: number }): Promise<StoredEvent[]> {
    const s = this.sqlite.ready();
    assertPage(options, 'readAll');
    return s.readAll.all(options.after, options.limit).map(fromRawRow);
  }

  async headPosition(): Promise<number> {
    return this.sqlite.ready().head.get()?.head ?? 0;
  }
}

function isConstraintError(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT');
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

