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
 * One role per file over one connection (schema.ts): eventLog.ts (writing the batches of ../groupCommit.ts),
 * outbox.ts, followers.ts, witnesses.ts; the read models in readModels.ts.
 */
import type { EventStore } from '@onematter/engine';
import { RoleStore } from '../roleStore.js';
import { SqliteEventLog, sqliteGroupCommit, type SqliteGroupCommit } from './eventLog.js';
import { SqliteFollowers } from './followers.js';
import { SqliteOutbox } from './outbox.js';
import { SqliteReadModels } from './readModels.js';
import { SqliteDatabase, type SqliteEventStoreOptions } from './schema.js';
import { SqliteWitnesses } from './witnesses.js';

export type { SqliteEventStoreOptions };

export class SqliteEventStore extends RoleStore {
  private readonly sqlite: SqliteDatabase;
  private readonly commit: SqliteGroupCommit;
  protected readonly log: SqliteEventLog;
  protected readonly box: SqliteOutbox;
  protected readonly followers: SqliteFollowers;
  protected readonly witnesses: SqliteWitnesses;
  /** One writer at a time and AUTOINCREMENT, undone with a rolled-back append: a gap is a deletion. */
  readonly gaplessGlobalOrder = true;

  constructor(options: SqliteEventStoreOptions) {
    super();
    this.sqlite = new SqliteDatabase(options);
    this.commit = sqliteGroupCommit(this.sqlite, options.maxBatch ?? 2_000);
    this.log = new SqliteEventLog(this.sqlite, this.commit);
    this.box = new SqliteOutbox(this.sqlite, this.commit);
    this.followers = new SqliteFollowers(this.sqlite);
    this.witnesses = new SqliteWitnesses(this.sqlite);
  }

  async init(): Promise<void> {
    this.sqlite.init();
  }

  readAllText: NonNullable<EventStore['readAllText']> = (options) => this.witnesses.readAllText(options);
  readStreamIndex: NonNullable<EventStore['readStreamIndex']> = (options) => this.witnesses.readStreamIndex(options);

  /** Read models live in this file too (readModels.ts), with their checkpoints in `checkpoints`. */
  private models?: SqliteReadModels;
  get readModels(): SqliteReadModels {
    return (this.models ??= new SqliteReadModels(this.sqlite.db, () => void this.sqlite.ready()));
  }

  /** Writes what is queued, then closes the file. */
  async close(): Promise<void> {
    if (this.sqlite.closing) return;
    this.sqlite.closing = true;
    await this.commit.drain();
    this.sqlite.db.close();
  }
}
