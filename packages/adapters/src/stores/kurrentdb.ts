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
 */
import { createHash } from 'node:crypto';
import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import type {
  AppendRequest,
  AppendResult,
  EventMetadata,
  EventStore,
  OutboxMessage,
  OutboxRecord,
  StoredEvent,
  StreamHead,
} from '@onematter/engine';
import { assertPage, assertWellFormed, concurrencyError, toJsonText } from './appendRules.js';
import { MemoryReadModels } from './memory/readModels.js';

export interface KurrentDbEventStoreOptions {
  /** e.g. `kurrentdb://127.0.0.1:2113?tls=false` (esdb:// works too). */
  connectionString: string;
  /** Prefix of every stream this store writes, e.g. `t1a2b3-`; default none. */
  namespace?: string;
}

/** Messages per append: a message id is (global position × 1024 + index). */
const MESSAGES_PER_EVENT = 1024;

/** What the event's KurrentDB metadata holds besides the engine's metadata. */
interface StoredMetadata {
  metadata: EventMetadata;
  recordedAt: string;
  prevHash: string;
  hash: string;
  /** Index of the event in its append, and the append's size: see the file comment. */
  index: number;
  count: number;
  outbox?: OutboxMessage[];
}

/** A record as read, before its global position is worked out. */
interface Raw {
  event: RecordedEvent;
  /** Its own log position. */
  logPosition: number;
  meta: StoredMetadata;
}

/** Global position → log position of events this process returned, to resume a page cut inside an append. */
const REMEMBERED = 10_000;

type Resolved = ResolvedEvent | AllStreamResolvedEvent;
type RecordedEvent = NonNullable<Resolved['event']>;

export class KurrentDbEventStore implements EventStore {
  private readonly client: KurrentDBClient;
  private readonly casePrefix: string;
  private readonly checkpointPrefix: string;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly published = new Set<number>();
  private readonly readModelCheckpoints = new Map<string, number>();
  readonly readModels = new MemoryReadModels(this.readModelCheckpoints, () => this.assertOpen());
  private readonly cappedCheckpoints = new Set<string>();
  private readonly remembered = new Map<number, number>();
  /** Every message with an id up to this one has been published (saved in a checkpoint stream). */
  private publishedUpTo = 0;
  private advancing?: Promise<void>;
  private closed = false;

  constructor(options: KurrentDbEventStoreOptions) {
    const ns = options.namespace ?? '';
    this.casePrefix = `${ns}case-`;
    this.checkpointPrefix = `${ns}checkpoint-`;
    this.client = KurrentDBClient.connectionString(options.connectionString);
  }

  /** Checks that the server answers, and loads the outbox's low-water mark. No schema to create. */
  async init(): Promise<void> {
    this.assertOpen();
    for await (const _ of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) break;
    this.publishedUpTo = Math.max(this.publishedUpTo, await this.readCheckpointStream('$outbox'));
  }

  append(request: AppendRequest): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('KurrentDbEventStore is closed'));
    const appending = this.appendNow(request);
    this.inFlight.add(appending);
    const forget = () => void this.inFlight.delete(appending);
    appending.then(forget, forget);
    return appending;
  }

  private async appendNow(request: AppendRequest): Promise<AppendResult> {
    assertWellFormed(request);
    const { streamId, events, expectedRevision } = request;
    const outbox = request.outbox ?? [];
    if (outbox.length > MESSAGES_PER_EVENT) throw new TypeError(`append to ${streamId}: at most ${MESSAGES_PER_EVENT} outbox messages per append`);
    const first = events[0]!.position;
    const expected = expectedRevision === 'any' ? first - 1 : expectedRevision;
    const nextRevision = events[events.length - 1]!.position;
    const stream = this.caseStream(streamId);
    // Copies through JSON (as the other stores store them): key order kept, nothing shared with the caller.
    const data = events.map((e) => JSON.parse(toJsonText(e.data)) as unknown);
    const copiedOutbox = outbox.map((m) => JSON.parse(toJsonText(m)) as OutboxMessage);
    const proposed = events.map((e, i) => {
      const meta: StoredMetadata = {
        metadata: JSON.parse(toJsonText(e.metadata)) as EventMetadata,
        recordedAt: e.recordedAt,
        prevHash: e.prevHash,
        hash: e.hash,
        index: i,
        count: events.length,
        ...(i === events.length - 1 && copiedOutbox.length > 0 ? { outbox: copiedOutbox } : {}),
      };
      return jsonEvent({ id: eventId(stream, e.position, e.hash), type: e.type, data: data[i] as never, metadata: meta as never });
    });
    try {
      await this.client.appendToStream(stream, proposed, { streamState: expected === -1 ? NO_STREAM : BigInt(expected) });
    } catch (error) {
      if (!isWrongExpectedVersion(error)) throw error;
      return concurrencyError(streamId, expectedRevision, await this.revisionOf(stream));
    }
    // The last event's log position: read back (the append's answer does not say which event's it is).
    const [last] = await this.readStreamNow(streamId, { fromPosition: nextRevision, maxCount: 1 });
    if (!last) throw new Error(`append to ${streamId}: revision ${nextRevision} not readable after the write`);
    this.remember(last.globalPosition, last.globalPosition);
    return { ok: true, nextRevision, lastGlobalPosition: last.globalPosition };
  }

  async readStream(streamId: string, options: { fromPosition?: number; maxCount?: number } = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    return this.readStreamNow(streamId, options);
  }

  /** Also for appends accepted before close(), which read back their last event. */
  private async readStreamNow(streamId: string, options: { fromPosition?: number; maxCount?: number }): Promise<StoredEvent[]> {
    if (options.maxCount === 0) return [];
    const stream = this.caseStream(streamId);
    const read = (from: bigint, maxCount?: number) =>
      this.collect(this.client.readStream(stream, { fromRevision: from, direction: FORWARDS, ...(maxCount !== undefined ? { maxCount } : {}) }));
    try {
      const raws = await read(BigInt(Math.max(0, options.fromPosition ?? 0)), options.maxCount);
      // The rest of a cut append follows in the same stream.
      return await this.globalize(raws, (last, n) => read(last.event.revision + 1n, n));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  async readAll(options: { after: number; limit: number }): Promise<StoredEvent[]> {
    this.assertOpen();
    assertPage(options, 'readAll');
    const { after, limit } = options;
    const from = await this.startOf(after);
    if (from === undefined) return this.readBackwardsTo(after, limit);
    const raws = await this.collect(this.readAllFrom(from, limit + 1));
    // An append's events are contiguous in the filtered $all: the rest of a cut one follows.
    const events = (await this.globalize(raws, async (last, n) => (await this.collect(this.readAllFrom(last.logPosition, n + 1))).slice(1)))
      .filter((e) => e.globalPosition > after)
      .slice(0, limit);
    const last = events[events.length - 1];
    if (last) this.remember(last.globalPosition, raws.find((r) => r.event.streamId === this.caseStream(last.streamId) && Number(r.event.revision) === last.position)!.logPosition);
    return events;
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    const filter = streamNameFilter({ prefixes: [this.casePrefix] });
    // The newest case event ends its append: its global position is its log position.
    for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, filter })) {
      return logPositionOf(resolved.event!);
    }
    return 0;
  }

  /** A scan of $all: KurrentDB has no index of stream heads by time. */
  async readStreamHeads(options: { before?: string } = {}): Promise<StreamHead[]> {
    this.assertOpen();
    const heads = new Map<string, StreamHead>();
    for await (const resolved of this.readAllFrom(0)) {
      const e = resolved.event!;
      const meta = e.metadata as unknown as StoredMetadata;
      if (options.before !== undefined && !(meta.recordedAt < options.before)) continue;
      const streamId = e.streamId.slice(this.casePrefix.length);
      const position = Number(e.revision);
      const known = heads.get(streamId);
      if (!known || position > known.position) heads.set(streamId, { streamId, position, hash: meta.hash });
    }
    return [...heads.values()];
  }

  async readOutbox(options: { after: number; limit: number }): Promise<OutboxRecord[]> {
    this.assertOpen();
    assertPage(options, 'readOutbox');
    const after = Math.max(options.after, this.publishedUpTo);
    const from = Math.floor(after / MESSAGES_PER_EVENT);
    const out: OutboxRecord[] = [];
    for await (const resolved of this.readAllFrom(from)) {
      const e = resolved.event!;
      const globalPosition = logPositionOf(e); // messages ride on an append's last event
      const outbox = (e.metadata as unknown as StoredMetadata | undefined)?.outbox ?? [];
      for (let i = 0; i < outbox.length; i++) {
        const id = globalPosition * MESSAGES_PER_EVENT + i;
        if (id <= after || this.published.has(id)) continue;
        const m = outbox[i]!;
        out.push({ id, topic: m.topic, key: m.key, headers: m.headers, value: m.value });
        if (out.length === options.limit) return out;
      }
    }
    return out;
  }

  async markPublished(ids: readonly number[]): Promise<void> {
    this.assertOpen();
    for (const id of ids) if (id > this.publishedUpTo) this.published.add(id);
    if (ids.length > 0) await this.advancePublished();
  }

  async readCheckpoint(name: string): Promise<number> {
    this.assertOpen();
    // A read model's checkpoint lives with its documents (in memory, see the file comment).
    const model = this.readModelCheckpoints.get(name);
    if (model !== undefined) return model;
    return this.readCheckpointStream(name);
  }

  async saveCheckpoint(name: string, position: number): Promise<void> {
    this.assertOpen();
    await this.writeCheckpointStream(name, position);
  }


  /** Lets appends already accepted finish, then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.advancing?.catch(() => {});
    await this.client.dispose();
  }

  private caseStream(streamId: string): string {
    return `${this.casePrefix}${streamId}`;
  }

  /** This store's case events in $all order, from a log position (inclusive; 0: the start). */
  private readAllFrom(position: number, maxCount?: number): AsyncIterableIterator<AllStreamResolvedEvent> {
    return this.client.readAll({
      direction: FORWARDS,
      fromPosition: position === 0 ? START : { commit: BigInt(position), prepare: BigInt(position) },
      filter: streamNameFilter({ prefixes: [this.casePrefix] }),
      ...(maxCount !== undefined ? { maxCount } : {}),
    });
  }

  /**
   * Moves the low-water mark over every message published in order since it, and saves
   * it; ids above it stay in memory. One pass at a time; calls meanwhile join the next.
   */
  private advancePublished(): Promise<void> {
    const run = async (): Promise<void> => {
      let mark = this.publishedUpTo;
      scan: for await (const resolved of this.readAllFrom(Math.floor(mark / MESSAGES_PER_EVENT))) {
        const e = resolved.event!;
        const outbox = (e.metadata as unknown as StoredMetadata | undefined)?.outbox ?? [];
        for (let i = 0; i < outbox.length; i++) {
          const id = logPositionOf(e) * MESSAGES_PER_EVENT + i;
          if (id <= mark) continue;
          if (!this.published.has(id)) break scan;
          mark = id;
        }
      }
      if (mark === this.publishedUpTo) return;
      await this.writeCheckpointStream('$outbox', mark);
      this.publishedUpTo = mark;
      for (const id of this.published) if (id <= mark) this.published.delete(id);
    };
    const next = (this.advancing ?? Promise.resolve()).catch(() => {}).then(run);
    this.advancing = next;
    return next;
  }

  private async readCheckpointStream(name: string): Promise<number> {
    try {
      for await (const resolved of this.client.readStream(`${this.checkpointPrefix}${name}`, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        return (resolved.event!.data as { position: number }).position;
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return 0;
      throw error;
    }
    return 0;
  }

  private async writeCheckpointStream(name: string, position: number): Promise<void> {
    const stream = `${this.checkpointPrefix}${name}`;
    if (!this.cappedCheckpoints.has(stream)) {
      // Only the latest value matters: older ones may be scavenged.
      await this.client.setStreamMetadata(stream, { maxCount: 1 });
      this.cappedCheckpoints.add(stream);
    }
    await this.client.appendToStream(stream, jsonEvent({ type: 'CheckpointSaved', data: { position } }));
  }

  private async revisionOf(stream: string): Promise<number> {
    try {
      for await (const resolved of this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        return Number(resolved.event!.revision);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return -1;
      throw error;
    }
    return -1;
  }

  private async collect(reading: AsyncIterableIterator<Resolved>): Promise<Raw[]> {
    const raws: Raw[] = [];
    for await (const resolved of reading) {
      const event = resolved.event!;
      raws.push({ event, logPosition: logPositionOf(event), meta: event.metadata as unknown as StoredMetadata });
    }
    return raws;
  }

  /**
   * Works out global positions (see the file comment) for records read forwards: each
   * needs the log position of its append's last event, which follows it; `more(last, n)`
   * reads the n records after `last` when the read stopped inside an append.
   */
  private async globalize(raws: Raw[], more: (last: Raw, n: number) => Promise<Raw[]>): Promise<StoredEvent[]> {
    const tail = raws[raws.length - 1];
    const all = tail && tail.meta.index < tail.meta.count - 1 ? [...raws, ...(await more(tail, tail.meta.count - 1 - tail.meta.index))] : raws;
    const out: StoredEvent[] = new Array(raws.length);
    let endOfAppend: number | undefined;
    for (let k = all.length - 1; k >= 0; k--) {
      const r = all[k]!;
      if (r.meta.index === r.meta.count - 1) endOfAppend = r.logPosition;
      if (endOfAppend === undefined) throw new Error(`KurrentDB: the append of ${r.event.streamId}@${r.event.revision} is incomplete`);
      if (k < raws.length) out[k] = this.toStoredEvent(r, endOfAppend - (r.meta.count - 1 - r.meta.index));
    }
    return out;
  }

  /** Where to read $all from to get the events after `after`; undefined if no valid log position is known. */
  private async startOf(after: number): Promise<number | undefined> {
    if (after === 0) return 0;
    const remembered = this.remembered.get(after);
    if (remembered !== undefined) return remembered;
    // An append's last event: its global position is its own log position.
    try {
      const [first] = await this.collect(this.readAllFrom(after, 1));
      if (first && first.logPosition === after && first.meta.index === first.meta.count - 1) return after;
    } catch {
      // Not a record's position: fall through.
    }
    return undefined;
  }

  /** The first `limit` events after `after`, found by reading $all backwards from its end. */
  private async readBackwardsTo(after: number, limit: number): Promise<StoredEvent[]> {
    const window: StoredEvent[] = [];
    let endOfAppend = 0;
    const filter = streamNameFilter({ prefixes: [this.casePrefix] });
    for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, filter })) {
      const event = resolved.event!;
      const meta = event.metadata as unknown as StoredMetadata;
      const logPosition = logPositionOf(event);
      if (meta.index === meta.count - 1) endOfAppend = logPosition;
      const e = this.toStoredEvent({ event, logPosition, meta }, endOfAppend - (meta.count - 1 - meta.index));
      if (e.globalPosition <= after) break;
      window.push(e);
      if (window.length > limit) window.shift();
      this.remember(e.globalPosition, logPosition);
    }
    return window.reverse();
  }

  private remember(globalPosition: number, logPosition: number): void {
    this.remembered.delete(globalPosition);
    this.remembered.set(globalPosition, logPosition);
    if (this.remembered.size > REMEMBERED) this.remembered.delete(this.remembered.keys().next().value!);
  }

  private toStoredEvent(r: Raw, globalPosition: number): StoredEvent {
    return {
      streamId: r.event.streamId.slice(this.casePrefix.length),
      globalPosition,
      position: Number(r.event.revision),
      type: r.event.type,
      data: r.event.data,
      metadata: r.meta.metadata,
      recordedAt: r.meta.recordedAt,
      prevHash: r.meta.prevHash,
      hash: r.meta.hash,
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('KurrentDbEventStore is closed');
  }
}

/** The event's own place in $all (commit = prepare): see the file comment. */
function logPositionOf(e: RecordedEvent): number {
  const p = e.position;
  if (!p) throw new Error(`KurrentDB returned ${e.streamId}@${e.revision} without a log position; this store needs KurrentDB or EventStoreDB 20 or later`);
  if (p.commit !== p.prepare) {
    throw new Error(`KurrentDB event ${e.streamId}@${e.revision} has commit ${p.commit} and prepare ${p.prepare}; only self-committed events (gRPC appends) are supported`);
  }
  if (p.prepare > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`KurrentDB log position ${p.prepare} exceeds 2^53`);
  return Number(p.prepare);
}

/** A UUID derived from the event: the same append retried carries the same ids. */
function eventId(stream: string, position: number, hash: string): string {
  const h = createHash('sha256').update(`${stream}\n${position}\n${hash}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50; // version 5-style (name-based)
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function isWrongExpectedVersion(error: unknown): boolean {
  return error instanceof WrongExpectedVersionError || (error as { type?: unknown } | null)?.type === 'wrong-expected-version';
}
