/**
 * The PostgreSQL event store (`pg` pool). All tables live in one schema (default
 * `onematter`), created and migrated by `init()` under an advisory lock, so two
 * processes starting at once migrate one after the other.
 *
 * Group commit. `append()` queues the request; on the next turn of the event loop the
 * queued requests (up to `maxBatch`) are written by ONE statement, `append_batch`, in one
 * autocommit transaction: one round trip and one WAL flush for all of them. Up to
 * `maxBatchesInFlight` batches run at once on connections of their own, so the next
 * batch fills while the previous one commits. Inside the batch each request is judged
 * on its own, in order: compare-and-set of its stream's revision in `streams` (a
 * request later in the batch sees the revision an earlier one wrote); a request whose
 * revision is stale writes nothing and comes back as a Concurrency error while the
 * others are written. That check comes before any of the request's writes, so no
 * savepoint is needed for a conflict. Requests are sorted by stream id inside a batch
 * (stable, so one stream keeps its order): two batches lock `streams` rows in the same
 * order and cannot deadlock. Promises resolve only after COMMIT (the server answers an
 * autocommit statement after committing it). If the statement fails with an error the
 * server reported (the transaction is then surely rolled back: a constraint broken by a
 * writer that bypassed `streams`, a deadlock with a foreign transaction), every request
 * of the batch is retried alone in its own transaction, so one bad request fails only
 * itself; if the connection broke (outcome unknown), every request of the batch rejects.
 * Two appends to one stream in different batches meet on the `streams` row: the later
 * waits for the earlier to commit, then sees the changed revision.
 *
 * Global order without skips. With concurrent transactions, a sequence alone is not
 * enough: a transaction can take position 5, stay open, and commit after another one
 * committed position 6; a subscriber that already moved its checkpoint to 6 would never
 * see 5. So:
 *  1. Every event and outbox row records its transaction id (`xid8`).
 *  2. A transaction takes its transaction id and ALL its global positions (and outbox
 *     ids) at once, as its first act, inside `reserve_positions`, which holds a session
 *     advisory lock for those few microseconds (not until commit). Hence a transaction
 *     with a lower id always holds lower positions.
 *  3. Readers return only rows whose transaction id is below `pg_snapshot_xmin` of their
 *     snapshot: every such transaction has finished, and every transaction that may
 *     still commit has a higher id, hence higher positions. What a reader sees is thus
 *     always a prefix of the final order, and `after` checkpoints are safe.
 * Emmett and Marten filter on `pg_snapshot_xmin` too; step 2 is what makes ordering by
 * global position (not by transaction id) safe, because a sequence value taken late by
 * an old transaction would otherwise slip below a checkpoint. Positions of rolled-back
 * appends are simply never used (gaps are allowed); a batch reserves for all its
 * requests at once and hands the positions out to the accepted ones in order. The price:
 * any long transaction in the cluster holds back what `readAll`/`readOutbox` return until
 * it ends, never what `readStream` returns; so this store never keeps a transaction open
 * across round trips on the hot path (appends and read-model commits are one statement).
 *
 * The outbox keeps only unpublished rows; `markPublished` deletes them, piggybacked on
 * the next batch (no transaction of their own).
 *
 * Several engine processes on one schema (scale-out): `claimOutbox` leases rows to one
 * relay at a time (claims are serialized by an advisory transaction lock, rows being
 * deleted are skipped with FOR UPDATE SKIP LOCKED), so no row is published twice while
 * every process lives; a dead process's rows come back when its lease ends. `tryLead`
 * elects one process for the jobs that must run once (the event feed) with a session
 * advisory lock held on a connection of its own: it frees itself when that process dies.
 *
 * One role per file over the shared pools (schema.ts): eventLog.ts (writing the batches of ../groupCommit.ts),
 * outbox.ts, followers.ts, witnesses.ts; the read models in readModels.ts; every transaction of several
 * statements through transaction.ts.
 */
import type { EventStore } from '@onematter/engine';
import { RoleStore } from '../roleStore.js';
import { PostgresEventLog, postgresGroupCommit, type PostgresGroupCommit } from './eventLog.js';
import { PostgresFollowers } from './followers.js';
import { PostgresOutbox } from './outbox.js';
import { PostgresReadModels } from './readModels.js';
import { PostgresDatabase, type PostgresEventStoreOptions } from './schema.js';
import { PostgresWitnesses } from './witnesses.js';

export type { PostgresEventStoreOptions };

export class PostgresEventStore extends RoleStore {
  private readonly db: PostgresDatabase;
  private readonly commit: PostgresGroupCommit;
  protected readonly log: PostgresEventLog;
  protected readonly box: PostgresOutbox;
  protected readonly followers: PostgresFollowers;
  protected readonly witnesses: PostgresWitnesses;

  constructor(options: PostgresEventStoreOptions) {
    super();
    this.db = new PostgresDatabase(options);
    this.commit = postgresGroupCommit(this.db, options.maxBatch ?? 1_000);
    this.log = new PostgresEventLog(this.db, this.commit);
    this.box = new PostgresOutbox(this.db, this.commit);
    this.followers = new PostgresFollowers(this.db);
    this.witnesses = new PostgresWitnesses(this.db);
  }

  init(): Promise<void> {
    return this.db.init();
  }

  claimOutbox: NonNullable<EventStore['claimOutbox']> = (options) => this.box.claimOutbox(options);
  extendOutboxClaim: NonNullable<EventStore['extendOutboxClaim']> = (options) => this.box.extendOutboxClaim(options);
  tryLead: NonNullable<EventStore['tryLead']> = (name) => this.followers.tryLead(name);
  readAllText: NonNullable<EventStore['readAllText']> = (options) => this.witnesses.readAllText(options);
  readStreamIndex: NonNullable<EventStore['readStreamIndex']> = (options) => this.witnesses.readStreamIndex(options);

  /** Read models live in this schema too (readModels.ts), with their checkpoints in `checkpoints`. */
  private models?: PostgresReadModels;
  get readModels(): PostgresReadModels {
    return (this.models ??= new PostgresReadModels(this.db.pool, this.db.S, () => this.db.assertOpen()));
  }

  /** Writes what is queued and lets batches in flight finish, then closes the pools. */
  async close(): Promise<void> {
    if (this.db.closed) return;
    this.db.closed = true;
    await this.commit.drain();
    await this.followers.release();
    await Promise.all([this.db.pool.end(), this.db.writers.end()]);
  }
}
