/**
 * Ports: what the engine needs from the outside world. Adapters (memory, SQLite,
 * PostgreSQL, KurrentDB, in-process bus, Kafka) implement them, and every adapter
 * passes the same contract suite.
 */

/** An event ready to append: positions and the hash chain are computed by the engine. */
export interface PreparedEvent {
  /** 0-based position in its stream (the stream revision after this event). */
  position: number;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

export interface EventMetadata {
  /** Event schema version. */
  v: number;
  /** Who caused it: a role and an identity, when known. */
  actor?: string;
  [key: string]: unknown;
}

/** A stream as the store's index records it: the position of its last event. */
export interface StreamRevision {
  streamId: string;
  revision: number;
}

/** The last event of a stream (up to some time), as the daily anchors record it. */
export interface StreamHead {
  streamId: string;
  position: number;
  hash: string;
}

export interface StoredEvent extends PreparedEvent {
  streamId: string;
  /** 1-based position in the store's global order; subscribers follow it. */
  globalPosition: number;
}

/** A stored event with its data and metadata as stored JSON text (see EventStore.readAllText). */
export interface StoredEventText {
  streamId: string;
  globalPosition: number;
  position: number;
  type: string;
  dataText: string;
  metadataText: string;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

/**
 * A message to publish, written in the same transaction as the events that caused it.
 * `value` is JSON; `headers` are strings (Kafka headers `event-id`, `event-type`).
 */
export interface OutboxMessage {
  topic: string;
  key: string;
  headers: Record<string, string>;
  value: unknown;
}

export interface OutboxRecord extends OutboxMessage {
  /** Increasing id: rows are published in this order. */
  id: number;
}

/** -1: the stream must not exist yet. 'any': no check (used only by tools, never by commands). */
export type ExpectedRevision = number | 'any';

export type AppendResult =
  | {
      ok: true;
      nextRevision: number;
      lastGlobalPosition: number;
      /**
       * The ids the request's outbox rows got, in request order (SQLite, memory, PostgreSQL):
       * the relay of the appending process takes the rows from the request instead of
       * reading back what it just wrote (runtime.ts). Ids need not follow commit order
       * (PostgreSQL's do not); the relay holds a row after a gap until the gap is closed.
       * Absent when there were none, or the store does not say.
       */
      outboxIds?: readonly number[];
    }
  | { ok: false; error: { kind: 'Concurrency'; message: string; actualRevision: number } };

export interface AppendRequest {
  streamId: string;
  events: PreparedEvent[];
  expectedRevision: ExpectedRevision;
  outbox?: OutboxMessage[];
}

/**
 * The event log: append with an expected revision, read a stream, read everything in
 * global order from a position. What the command handler and every follower need.
 */
export interface EventLog {
  /**
   * Appends atomically with the outbox rows: all or nothing. Resolves only when the
   * events are durable. A stale expected revision resolves to a Concurrency error
   * and writes nothing.
   */
  append(request: AppendRequest): Promise<AppendResult>;
  /** The stream in order, from `fromPosition` (inclusive, default 0). Empty if unknown. */
  readStream(streamId: string, options?: { fromPosition?: number; maxCount?: number }): Promise<StoredEvent[]>;
  /**
   * Events in global order strictly after `after`, at most `limit`. Never skips an
   * event that a concurrent transaction commits later with a lower position.
   */
  readAll(options: { after: number; limit: number }): Promise<StoredEvent[]>;
  /** The highest global position a subscriber can safely read up to. */
  headPosition(): Promise<number>;
}

/** The outbox: messages written with their events, published by the relay, and (several processes) its claims. */
export interface Outbox {
  /** Unpublished outbox rows with id greater than `after`, in id order. */
  readOutbox(options: { after: number; limit: number }): Promise<OutboxRecord[]>;
  /** Marks rows as published (the relay calls this only after the bus acknowledged). */
  markPublished(ids: readonly number[]): Promise<void>;
  /**
   * Optional, for several engine processes on one store. Claims up to `limit` unpublished
   * rows for `owner` for `leaseMs` and returns them in id order: rows nobody holds (never
   * claimed, or whose lease ran out: their owner died), never a row whose key has an earlier
   * row still held by another owner (so one key's rows go out in order whoever publishes
   * them). A claimed row is not handed out again until its lease ends, so under normal
   * operation each row is published by one process; `markPublished` still removes it.
   */
  claimOutbox?(options: { owner: string; limit: number; leaseMs: number }): Promise<OutboxRecord[]>;
  /**
   * With `claimOutbox`: extends to `leaseMs` from now the lease of those rows that `owner`
   * still holds (a relay whose publish keeps failing calls it, so nobody else publishes
   * its rows meanwhile). Resolves to how many it still holds; a row another owner claimed
   * after the lease ran out is not taken back.
   */
  extendOutboxClaim?(options: { owner: string; ids: readonly number[]; leaseMs: number }): Promise<number>;
}

/**
 * What followers of the log keep in the store: their checkpoints, and leadership among
 * processes. Their read models are the store's `ReadModelStore` (`Store.readModels`).
 */
export interface Followers {
  /** A follower's saved global position (projections, the event feed); 0 if none. */
  readCheckpoint(name: string): Promise<number>;
  /** Saves a follower's global position; durable enough that a loss only means re-reading. */
  saveCheckpoint(name: string, position: number): Promise<void>;
  /**
   * Optional, for several engine processes on one store: tries to make this process the
   * one that runs `name` (e.g. the event feed). True while this process holds it; the hold
   * ends with `close()` or when the process dies. Call again to check it is still held.
   */
  tryLead?(name: string): Promise<boolean>;
}

/** What an auditor takes as witnesses besides the hash chain: stream heads, the stream index, the raw text. */
export interface Witnesses {
  /**
   * Every stream's head: its event with the highest position, among those recorded
   * (recordedAt, compared as ISO text) before `before` when given. Streams without
   * such an event are left out; order is unspecified. The daily anchors use it.
   */
  readStreamHeads(options?: { before?: string }): Promise<StreamHead[]>;
  /**
   * Optional: the store's own index of streams and their revisions (SQLite and
   * PostgreSQL keep one beside the events, for the revision check of appends), or
   * the one entry of `streamId`. Verification takes it as a witness: a stream it
   * lists whose events are gone, or end before its revision, was deleted or cut
   * off, even on a day no daily anchor covers yet.
   */
  readStreamIndex?(options?: { streamId?: string }): Promise<StreamRevision[]>;
  /**
   * Optional: true when global positions have no gaps by construction (SQLite: one
   * writer at a time, AUTOINCREMENT undone with a rolled-back append). A gap is then
   * a deletion, and verification reports it even when nothing else names the stream.
   */
  readonly gaplessGlobalOrder?: boolean;
  /**
   * Optional: `readAll` with data and metadata as the JSON text the store holds,
   * unparsed. `audit verify --all` hashes that text directly, several times faster
   * than parsing and canonicalising millions of events.
   */
  readAllText?(options: { after: number; limit: number }): Promise<StoredEventText[]>;
}

/**
 * A store: every role on one database, so an append and its outbox rows commit together.
 * A new store can be written and tested one role at a time (tests/contract/<role>.contract.ts).
 */
export interface EventStore extends EventLog, Outbox, Followers, Witnesses {
  /** Creates or migrates the schema; safe to call twice and from two processes. */
  init(): Promise<void>;
  close(): Promise<void>;
}

/** A message as a subscriber sees it. */
export interface BusMessage {
  topic: string;
  key: string;
  headers: Record<string, string>;
  value: unknown;
  /**
   * The value's bytes as received, when the bus has them (Kafka). A message published
   * with `raw` is sent as exactly these bytes: a dead letter reaches its topic unchanged,
   * even one whose value cannot be encoded again (JSON nested too deep to stringify).
   */
  raw?: string;
}

export type MessageHandler = (message: BusMessage) => Promise<void>;

/** A message a consumer has failed to handle again and again (a transient failure that lasts). */
export interface StuckMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  /** Failed attempts so far; it is still being retried. */
  attempts: number;
  /** When the first attempt failed (ISO 8601). */
  since: string;
  /** The last failure. */
  error: string;
}

/**
 * What a subscription's consumer is doing, for /health and metrics.
 * - `starting`: joining its group; `running`: joined and fetching;
 * - `stalled`: joined, but no fetch for a while and no message in hand (the broker is gone);
 * - `restarting`: crashed, a new consumer starts after a backoff (for as long as the process lives);
 * - `closed`: closed by its owner.
 */
export interface ConsumerStatus {
  topics: readonly string[];
  group: string;
  state: 'starting' | 'running' | 'stalled' | 'restarting' | 'closed';
  /** When it entered this state (ISO 8601). */
  since: string;
  /** Why it is not running (the last crash or failed start). */
  reason?: string;
  /** Restarts after a crash, since it was subscribed. */
  restarts: number;
  /** Messages retried past the bus's bound: reported here, and still retried. */
  stuck: readonly StuckMessage[];
}

export interface Subscription {
  close(): Promise<void>;
  /** The consumer's state, when the bus can tell (the in-process bus is always running). */
  status?(): ConsumerStatus;
}

export interface Bus {
  /**
   * Publishes in order; resolves when the bus has taken responsibility for every
   * message (Kafka: acknowledged by the brokers; in-process: handled by every
   * subscriber). Rejects if any could not be delivered.
   */
  publish(messages: readonly BusMessage[]): Promise<void>;
  /**
   * Delivers each message at least once; a handler that throws gets it again.
   * Handlers must be idempotent. `group`: subscribers in one group share messages.
   * Several topics: one consumer for them all (Kafka: one group, named after the first).
   */
  subscribe(topic: string | readonly string[], handler: MessageHandler, options?: { group?: string }): Promise<Subscription>;
  close(): Promise<void>;
}

/**
 * One document of a read model: a projection's state for one key (the case list keeps
 * one per case). Read models are derived from events and can be rebuilt at any time.
 */
export interface ReadModelDocument<T = unknown> {
  key: string;
  /** Order of query results, highest first (the case list: the case's first global position). */
  position: number;
  /** What queries select on, e.g. `status:completed`, `department:tax`. */
  tags: readonly string[];
  /** JSON; stored as JSON, like events. */
  doc: T;
}

/** Documents carrying every tag in `tags` (all if none), position below `before` (if given), highest first, at most `limit`. */
export interface ReadModelQuery {
  tags?: readonly string[];
  before?: number;
  limit: number;
}

export interface ReadModelKey {
  key: string;
  position: number;
}

export interface ReadModelText {
  key: string;
  /** The document's JSON (whitespace and, on some stores, key order as the store keeps it). */
  json: string;
}

export interface ReadModelChange {
  /** The checkpoint these changes were computed on: the commit is refused if it moved. */
  expected: number;
  /** The global position the projection has applied up to, saved with the changes. */
  checkpoint: number;
  upserts: readonly ReadModelDocument[];
  deletes: readonly string[];
}

/**
 * Where projections keep their read models: in the event store's own database (a table
 * in SQLite and PostgreSQL, maps in memory), so they survive restarts and each batch of
 * changes is saved in one transaction with its checkpoint. The checkpoint is the one
 * `EventStore.readCheckpoint(projection)` reports. Every store carries one as its
 * `readModels` (see `Store` in @onematter/adapters), which passes
 * tests/contract/readModelStore.contract.ts.
 */
export interface ReadModelStore {
  /** The global position a projection's documents reflect; 0 if it has none. */
  readModelCheckpoint(projection: string): Promise<number>;
  /**
   * Writes the changes and the new checkpoint atomically, provided the checkpoint is still
   * `expected`; resolves false (writing nothing) if another writer moved it.
   */
  commitReadModel(projection: string, change: ReadModelChange): Promise<boolean>;
  /** The documents with these keys that exist, in no particular order. */
  getDocuments(projection: string, keys: readonly string[]): Promise<ReadModelDocument[]>;
  /**
   * Documents carrying every tag in `tags` (all documents if none), position below
   * `before` (if given), highest position first, at most `limit`. Put the rarest tag
   * first: it drives the index.
   */
  queryDocuments(projection: string, query: ReadModelQuery): Promise<ReadModelDocument[]>;
  /** What `queryDocuments` answers, keys and positions only: the documents are not read. */
  queryKeys(projection: string, query: ReadModelQuery): Promise<ReadModelKey[]>;
  /**
   * The documents with these keys that exist, in no particular order, as JSON text without
   * their top-level fields named in `omit`: to answer as they are, without parsing them.
   */
  getDocumentTexts(projection: string, keys: readonly string[], omit?: readonly string[]): Promise<ReadModelText[]>;
  /** How many documents carry `tag` (all documents if none). */
  countDocuments(projection: string, tag?: string): Promise<number>;
  /** Deletes every document and the checkpoint: a rebuild starts from position 0. */
  resetReadModel(projection: string): Promise<void>;
}

/** The engine never reads the wall clock; tests drive this one. */
export interface Clock {
  now(): Date;
}
