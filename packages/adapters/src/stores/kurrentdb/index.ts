/**
 * The KurrentDB (EventStoreDB) event store, over gRPC with @kurrent/kurrentdb-client.
 *
 * Streams. One stream per case, `case-<id>` (after an optional `namespace` prefix, which
 * tests use to share one server). The engine's position IS the stream revision (both
 * 0-based, contiguous), so expected revision maps directly: -1 → NO_STREAM, n → n, and
 * 'any' → "where the stream ends" (the first position - 1), as in the other stores.
 * KurrentDB checks the revision and writes the events atomically; a stale one comes back
 * as WrongExpectedVersion and becomes a Concurrency error. Event ids are derived from
 * the stream, position and hash, so an append retried after a lost answer is recognised
 * by the server (idempotent write) instead of conflicting.
 *
 * Global position. $all is ordered by log positions (commit, prepare): byte offsets in
 * the transaction log, not 1..n. Every event KurrentDB writes through gRPC commits itself,
 * so its commit and prepare positions are equal (the server reports (p, p) for it, in
 * stream reads too), unique, and increasing along $all. The port wants more: the events
 * of one append take CONSECUTIVE global positions. So each event records its index `i`
 * in its append and the append's size `n` (in its metadata), and
 *     globalPosition = (log position of the append's last event) - (n - 1 - i).
 * The last event's global position is its own log position; the others count down from
 * it. Records are bytes long, so an append's first event still comes after the previous
 * append's last one: the numbers are unique and increasing along $all, with gaps between
 * appends (which the port allows), and exact in a JavaScript number up to 2^53 (8 PiB of
 * log). `readAll({ after })` reads $all from a log position at or before the event after
 * `after`, filtered server-side to this store's case streams (system events and other
 * streams never arrive): `after` itself when it is an append's last event (its own log
 * position; always so when pages hold whole appends, as with the engine's page sizes),
 * else the log position this process remembered when it returned that event; failing
 * both (a restart after a page cut an append in two), a backwards scan from the end.
 * KurrentDB has one writer, so $all has no holes that fill later: a subscriber never
 * skips an event.
 *
 * Outbox. KurrentDB has no transactions across streams, and needs none here: the event
 * log is the outbox. The messages of an append ride in the metadata of its last event,
 * written atomically with it; `readOutbox` is a catch-up read of $all that takes them out
 * (the relay pages it exactly like an outbox table). A message's id is the event's
 * global position × 1024 + its index (so at most 1,024 messages per append), increasing
 * and never reused. `markPublished` cannot delete from an immutable log: published ids
 * are remembered in memory, and the prefix of the log whose messages are all published
 * (a low-water mark) is saved in a checkpoint stream; after a restart the messages above
 * it are published again, which is the at-least-once the relay promises (consumers
 * deduplicate). Persistent subscriptions were not used: they do not keep per-case order
 * when they retry, and the relay's `ordered` mode depends on that order.
 *
 * Checkpoints. Each follower's checkpoint is a stream `checkpoint-<name>` (maxCount 1,
 * so old values are scavenged); the latest event holds the position.
 *
 * Read models. KurrentDB has no tables to query by tag, so the projections' read models
 * are kept in memory (memory/readModels.ts) with their checkpoints: after a restart they
 * start from 0 and are rebuilt from $all, which is what KurrentDB deployments usually do
 * (or they keep read models in a database of their own).
 *
 * One role per file over one connection (schema.ts): eventLog.ts, outbox.ts, followers.ts,
 * witnesses.ts.
 */
import { BACKWARDS, END } from '@kurrent/kurrentdb-client';
import { RoleStore } from '../roleStore.js';
import { MemoryReadModels } from '../memory/readModels.js';
import { KurrentDbEventLog } from './eventLog.js';
import { KurrentDbFollowers } from './followers.js';
import { KurrentDbOutbox } from './outbox.js';
import { KurrentDbConnection, type KurrentDbEventStoreOptions } from './schema.js';
import { KurrentDbWitnesses } from './witnesses.js';

export type { KurrentDbEventStoreOptions };

export class KurrentDbEventStore extends RoleStore {
  private readonly kdb: KurrentDbConnection;
  protected readonly log: KurrentDbEventLog;
  protected readonly box: KurrentDbOutbox;
  protected readonly followers: KurrentDbFollowers;
  protected readonly witnesses: KurrentDbWitnesses;
  readonly readModels: MemoryReadModels;

  constructor(options: KurrentDbEventStoreOptions) {
    super();
    this.kdb = new KurrentDbConnection(options);
    this.log = new KurrentDbEventLog(this.kdb);
    this.box = new KurrentDbOutbox(this.kdb);
    this.followers = new KurrentDbFollowers(this.kdb);
    this.witnesses = new KurrentDbWitnesses(this.kdb);
    this.readModels = new MemoryReadModels(this.followers.readModelCheckpoints, () => this.kdb.assertOpen());
  }

  /** Checks that the server answers, and loads the outbox's low-water mark. No schema to create. */
  async init(): Promise<void> {
    this.kdb.assertOpen();
    for await (const _ of this.kdb.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) break;
    await this.box.load();
  }

  /** Lets appends already accepted finish, then disconnects. */
  async close(): Promise<void> {
    if (this.kdb.closed) return;
    this.kdb.closed = true;
    await this.log.settle();
    await this.box.settle();
    await this.kdb.client.dispose();
  }
}
