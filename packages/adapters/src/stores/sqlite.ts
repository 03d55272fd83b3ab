/**
 * The embedded default event store: one SQLite file (better-sqlite3), WAL journal,
 * `synchronous=FULL`, so every acknowledged append has been fsynced.
 *
 * Group commit: `append()` only queues the request. On the next turn of the event loop
 * (setImmediate) every queued request is written in ONE transaction, so one fsync
 * covers them all; that is what lets a disk doing ~5,000 fsyncs/s carry thousands of
 * appends per second. Each request is still judged on its own: its expected revision is
 * compared inside the transaction with the stream's revision as written so far (by other
 * processes, earlier batches, or earlier requests in this batch); a conflicting request
 * writes nothing and resolves to a Concurrency error while the others commit. Promises
 * resolve only after COMMIT returned; if the transaction itself fails (disk full, I/O
 * error), every request of the batch rejects.
 *
 * Writers are serialized by SQLite, so global positions become visible in order and
 * `readAll` never has to wait for a gap to close.
 *
 * The outbox keeps only unpublished rows: `markPublished` deletes them, which keeps the
 * table small. Ids come from AUTOINCREMENT, so an id is never reused after a delete and
 * a relay may page by `after` safely.
 */
import Database from 'better-sqlite3';
import type {
  AppendRequest,
  AppendResult,
  EventStore,
  OutboxRecord,
  StoredEvent,
  StoredEventText,
  StreamHead,
  StreamRevision,
} from '@onematter/engine';
import { canonicalText } from '@onematter/engine';
import { assertPage, assertWellFormed, concurrencyError, revisionAccepts, toJsonText } from './appendRules.js';
import { SQLITE_READ_MODEL_TABLES, SqliteReadModels } from './sqliteReadModels.js';

export interface SqliteEventStoreOptions {
  /** Path of the database file, or ':memory:'. */
  file: string;
  /** Most requests written in one transaction; the rest go into the next one. Default 2,000. */
  maxBatch?: number;
  /** How long to wait for another process's write lock before a batch fails. Default 5,000 ms. */
  busyTimeoutMs?: number;
}

/** Versioned schema changes; a version, once released, is never edited. */
const migrations: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE events (
        global_position INTEGER PRIMARY KEY AUTOINCREMENT,
        stream_id       TEXT    NOT NULL,
        position        INTEGER NOT NULL,
        type            TEXT    NOT NULL,
        data            TEXT    NOT NULL, -- JSON
        metadata        TEXT    NOT NULL, -- JSON
        recorded_at     TEXT    NOT NULL,
        prev_hash       TEXT    NOT NULL,
        hash            TEXT    NOT NULL,
        UNIQUE (stream_id, position)
      );
      CREATE TABLE streams (
        stream_id TEXT    PRIMARY KEY,
        revision  INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE outbox (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        topic      TEXT NOT NULL,
        key        TEXT NOT NULL,
        headers    TEXT NOT NULL, -- JSON object of strings
        value      TEXT NOT NULL, -- JSON
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE checkpoints (
        name       TEXT    PRIMARY KEY,
        position   INTEGER NOT NULL,
        updated_at TEXT    NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  { version: 3, sql: SQLITE_READ_MODEL_TABLES },
];

interface OutboxRow {
  id: number;
  topic: string;
  key: string;
  headers: string;
  value: string;
}

/** A request as queued: validated and serialized when `append` was called. */
interface Pending {
  request: AppendRequest;
  events: Array<{ position: number; type: string; data: string; metadata: string; recordedAt: string; prevHash: string; hash: string }>;
  outbox: Array<{ topic: string; key: string; headers: string; value: string }>;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type Statements = ReturnType<typeof prepare>;

function prepare(db: Database.Database) {
  return {
    revision: db.prepare<[string], { revision: number }>('SELECT revision FROM streams WHERE stream_id = ?'),
    lastPosition: db.prepare<[string], { last: number | null }>(
      'SELECT max(position) AS last FROM events WHERE stream_id = ?',
    ),
    setRevision: db.prepare<[string, number]>(
      'INSERT INTO streams (stream_id, revision) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision',
    ),
    insertEvent: db.prepare<[string, number, string, string, string, string, string, string]>(
      `INSERT INTO events (stream_id, position, type, data, metadata, recorded_at, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertOutbox: db.prepare<[string, string, string, string, string]>(
      'INSERT INTO outbox (topic, key, headers, value, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    // Rows as arrays (RAW_COLUMNS order): a third cheaper than row objects, and a full verification reads millions.
    readStream: db
      .prepare<[string, number, number], RawEventRow>(`SELECT ${RAW_COLUMNS} FROM events WHERE stream_id = ? AND position >= ? ORDER BY position LIMIT ?`)
      .raw(true),
    readAll: db
      .prepare<[number, number], RawEventRow>(`SELECT ${RAW_COLUMNS} FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?`)
      .raw(true),
    head: db.prepare<[], { head: number | null }>('SELECT max(global_position) AS head FROM events'),
    // SQLite returns the other columns of the row that holds the max() (a documented bare-column rule).
    streamHeads: db.prepare<[string], { stream_id: string; position: number; hash: string }>(
      'SELECT stream_id, max(position) AS position, hash FROM events WHERE recorded_at < ? GROUP BY stream_id',
    ),
    readOutbox: db.prepare<[number, number], OutboxRow>(
      'SELECT id, topic, key, headers, value FROM outbox WHERE id > ? ORDER BY id LIMIT ?',
    ),
    streamIndex: db.prepare<[], { stream_id: string; revision: number }>('SELECT stream_id, revision FROM streams'),
    deleteOutbox: db.prepare<[number]>('DELETE FROM outbox WHERE id = ?'),
    readCheckpoint: db.prepare<[string], { position: number }>('SELECT position FROM checkpoints WHERE name = ?'),
    saveCheckpoint: db.prepare<[string, number, string]>(
      'INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at',
    ),
  };
}

export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly maxBatch: number;
  private statements: Statements | undefined;
  private queue: Pending[] = [];
  private deletes: { ids: readonly number[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushScheduled = false;
  private closing = false;
  /** One writer at a time and AUTOINCREMENT, undone with a rolled-back append: a gap is a deletion. */
  readonly gaplessGlobalOrder = true;

  constructor(options: SqliteEventStoreOptions) {
    this.db = new Database(options.file);
    this.maxBatch = options.maxBatch ?? 2_000;
    this.db.pragma('journal_mode = WAL');
    // FULL: in WAL mode every commit fsyncs the log, so an acknowledged append survives power loss.
    this.db.pragma('synchronous = FULL');
    // Another process holding the write lock makes us wait, not fail.
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5_000))}`);
  }

  async init(): Promise<void> {
    this.assertOpen();
    if (!this.statements) {
      migrate(this.db);
      this.statements = prepare(this.db);
    }
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.assertOpen();
      this.ready();
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
      this.queue.push({ request, events, outbox, resolve, reject });
      this.scheduleFlush();
    });
  }

  async readStream(streamId: string, options: { fromPosition?: number; maxCount?: number } = {}): Promise<StoredEvent[]> {
    const s = this.ready();
    const limit = options.maxCount ?? -1; // LIMIT -1: no limit
    return s.readStream.all(streamId, options.fromPosition ?? 0, limit).map(fromRawRow);
  }

  async readAll(options: { after: number; limit: number }): Promise<StoredEvent[]> {
    const s = this.ready();
    assertPage(options, 'readAll');
    return s.readAll.all(options.after, options.limit).map(fromRawRow);
  }

  async readAllText(options: { after: number; limit: number }): Promise<StoredEventText[]> {
    const s = this.ready();
    assertPage(options, 'readAllText');
    const rows = s.readAll.all(options.after, options.limit);
    const events = new Array<StoredEventText>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      events[i] = { streamId: r[1], globalPosition: r[0], position: r[2], type: r[3], dataText: r[4], metadataText: r[5], recordedAt: r[6], prevHash: r[7], hash: r[8] };
    }
    return events;
  }

  async headPosition(): Promise<number> {
    return this.ready().head.get()?.head ?? 0;
  }

  async readStreamHeads(options: { before?: string } = {}): Promise<StreamHead[]> {
    // '\uffff' sorts after every ISO time: no bound.
    return this.ready()
      .streamHeads.all(options.before ?? '\uffff')
      .map((r) => ({ streamId: r.stream_id, position: r.position, hash: r.hash }));
  }

  async readStreamIndex(options: { streamId?: string } = {}): Promise<StreamRevision[]> {
    const s = this.ready();
    if (options.streamId !== undefined) {
      // The append's own revision check reads the same row.
      const row = s.revision.get(options.streamId);
      return row ? [{ streamId: options.streamId, revision: row.revision }] : [];
    }
    return s.streamIndex.all().map((r) => ({ streamId: r.stream_id, revision: r.revision }));
  }

  async readOutbox(options: { after: number; limit: number }): Promise<OutboxRecord[]> {
    const s = this.ready();
    assertPage(options, 'readOutbox');
    return s.readOutbox.all(options.after, options.limit).map((r) => ({
      id: r.id,
      topic: r.topic,
      key: r.key,
      headers: JSON.parse(r.headers) as Record<string, string>,
      value: JSON.parse(r.value) as unknown,
    }));
  }

  /**
   * Deletes published rows in the next group commit, sharing its fsync with the
   * appends queued there instead of paying one of its own.
   */
  markPublished(ids: readonly number[]): Promise<void> {
    this.ready();
    if (ids.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.deletes.push({ ids, resolve, reject });
      this.scheduleFlush();
    });
  }

  async readCheckpoint(name: string): Promise<number> {
    return this.ready().readCheckpoint.get(name)?.position ?? 0;
  }

  /** Read models live in this file too (sqliteReadModels.ts), with their checkpoints in `checkpoints`. */
  private models?: SqliteReadModels;
  get readModels(): SqliteReadModels {
    return (this.models ??= new SqliteReadModels(this.db, () => void this.ready()));
  }


  async saveCheckpoint(name: string, position: number): Promise<void> {
    this.ready().saveCheckpoint.run(name, position, new Date().toISOString());
  }

  /** Writes what is queued, then closes the file. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    while (this.queue.length > 0 || this.deletes.length > 0) this.flush();
    this.db.close();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
      if (this.queue.length > 0 || this.deletes.length > 0) this.scheduleFlush();
    });
  }

  /** One transaction for up to `maxBatch` queued requests; see the file comment. */
  private flush(): void {
    if ((this.queue.length === 0 && this.deletes.length === 0) || !this.db.open) return;
    const batch = this.queue.splice(0, this.maxBatch);
    const deletes = this.deletes.splice(0, this.deletes.length);
    const s = this.statements!;
    const now = new Date().toISOString();
    const results: Array<{ ok: AppendResult } | { error: unknown }> = [];

    const writeOne = this.db.transaction((p: Pending): AppendResult => {
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
      for (const m of p.outbox) s.insertOutbox.run(m.topic, m.key, m.headers, m.value, now);
      return { ok: true, nextRevision, lastGlobalPosition: last };
    });

    const writeBatch = this.db.transaction(() => {
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
      writeBatch.immediate();
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

  private ready(): Statements {
    this.assertOpen();
    if (!this.statements) throw new Error('SqliteEventStore: call init() first');
    return this.statements;
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('SqliteEventStore is closed');
  }
}

function migrate(db: Database.Database): void {
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
      version    INTEGER PRIMARY KEY,
      applied_at TEXT NOT NULL
    )`);
    const current = db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_version').get()?.v ?? 0;
    const record = db.prepare<[number, string]>('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)');
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, new Date().toISOString());
    }
  }).immediate(); // two processes opening one file migrate one after the other
}

function isConstraintError(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT');
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

const RAW_COLUMNS = 'global_position, stream_id, position, type, data, metadata, recorded_at, prev_hash, hash';
type RawEventRow = [number, string, number, string, string, string, string, string, string];

function fromRawRow(r: RawEventRow): StoredEvent {
  return {
    streamId: r[1],
    globalPosition: r[0],
    position: r[2],
    type: r[3],
    data: JSON.parse(r[4]) as unknown,
    metadata: JSON.parse(r[5]) as StoredEvent['metadata'],
    recordedAt: r[6],
    prevHash: r[7],
    hash: r[8],
  };
}
