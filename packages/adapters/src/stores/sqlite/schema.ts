/**
 * The SQLite store's schema (versioned migrations), its prepared statements and the
 * connection every role of the store shares (see ./index.ts).
 */
import Database from 'better-sqlite3';
import type { StoredEvent } from '@onematter/engine';
import type { OutboxRow } from '../appendRules.js';
import { SQLITE_READ_MODEL_TABLES } from './readModels.js';

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

/** The store's prepared statements. */
export interface Statements {
  revision: Database.Statement<[string], { revision: number }>;
  lastPosition: Database.Statement<[string], { last: number | null }>;
  setRevision: Database.Statement<[string, number]>;
  insertEvent: Database.Statement<[string, number, string, string, string, string, string, string]>;
  insertOutbox: Database.Statement<[string, string, string, string, string]>;
  readStream: Database.Statement<[string, number, number], RawEventRow>;
  readAll: Database.Statement<[number, number], RawEventRow>;
  head: Database.Statement<[], { head: number | null }>;
  streamHeads: Database.Statement<[string], { stream_id: string; position: number; hash: string }>;
  readOutbox: Database.Statement<[number, number], OutboxRow>;
  streamIndex: Database.Statement<[], { stream_id: string; revision: number }>;
  deleteOutbox: Database.Statement<[number]>;
  readCheckpoint: Database.Statement<[string], { position: number }>;
  saveCheckpoint: Database.Statement<[string, number, string]>;
}

export function prepare(db: Database.Database): Statements {
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

/**
 * Runs `write` (one transaction) without waiting for its fsync: for data derived from the
 * log (read models with their checkpoint, follower checkpoints), never for events or the
 * outbox. In WAL mode a commit under `synchronous = NORMAL` is atomic and ordered like
 * any other; power loss can lose only the last such commits, and the next FULL commit
 * (every append) fsyncs the log with them. A lost derived commit is redone from the log
 * (its checkpoint is lost with it), so nothing acknowledged to a user depends on it.
 */
export function withoutFsync<T>(db: Database.Database, write: () => T): T {
  db.pragma('synchronous = NORMAL');
  try {
    return write();
  } finally {
    db.pragma('synchronous = FULL');
  }
}

/** The connection and statements, shared by the store's roles. */
export class SqliteDatabase {
  readonly db: Database.Database;
  statements: Statements | undefined;
  closing = false;

  constructor(options: SqliteEventStoreOptions) {
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    // FULL: in WAL mode every commit fsyncs the log, so an acknowledged append survives power loss.
    this.db.pragma('synchronous = FULL');
    // Another process holding the write lock makes us wait, not fail.
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5_000))}`);
    // 64 MiB of page cache instead of SQLite's 2 MiB default: with a million events the
    // indexes an append and a read-model commit walk no longer fit in 2 MiB, and each miss
    // is a read from the OS (docs/benchmarks.md, "Flat as the store grows").
    this.db.pragma('cache_size = -65536');
  }

  init(): void {
    this.assertOpen();
    if (!this.statements) {
      migrate(this.db);
      this.statements = prepare(this.db);
    }
  }

  ready(): Statements {
    this.assertOpen();
    if (!this.statements) throw new Error('SqliteEventStore: call init() first');
    return this.statements;
  }

  assertOpen(): void {
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

export const RAW_COLUMNS = 'global_position, stream_id, position, type, data, metadata, recorded_at, prev_hash, hash';
export type RawEventRow = [number, string, number, string, string, string, string, string, string];

export function fromRawRow(r: RawEventRow): StoredEvent {
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
