import { createHash } from 'node:crypto';
import { BACKWARDS, END, FORWARDS, NO_STREAM, StreamNotFoundError, WrongExpectedVersionError, jsonEvent, streamNameFilter } from '@kurrent/kurrentdb-client';
import type { AppendRequest, AppendResult, EventLog, EventMetadata, OutboxMessage, StoredEvent } from '@onematter/engine';
import { assertPage, assertWellFormed, concurrencyError, toJsonText } from '../appendRules.js';
import { MESSAGES_PER_EVENT, logPositionOf, type KurrentDbConnection, type Raw, type StoredMetadata } from './schema.js';

/** Global position → log position of events this process returned, to resume a page cut inside an append. */
const REMEMBERED = 10_000;

/**
 * The KurrentDB event log: one stream per case, global positions worked out from log
 * positions (see ./index.ts).
 */
export class KurrentDbEventLog implements EventLog {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly remembered = new Map<number, number>();

  constructor(private readonly kdb: KurrentDbConnection) {}

  append(request: AppendRequest): Promise<AppendResult> {
    if (this.kdb.closed) return Promise.reject(new Error('KurrentDbEventStore is closed'));
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
    const stream = this.kdb.caseStream(streamId);
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
      await this.kdb.client.appendToStream(stream, proposed, { streamState: expected === -1 ? NO_STREAM : BigInt(expected) });
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
    this.kdb.assertOpen();
    return this.readStreamNow(streamId, options);
  }

  /** Also for appends accepted before close(), which read back their last event. */
  private async readStreamNow(streamId: string, options: { fromPosition?: number; maxCount?: number }): Promise<StoredEvent[]> {
    if (options.maxCount === 0) return [];
    const stream = this.kdb.caseStream(streamId);
    const read = (from: bigint, maxCount?: number) =>
      this.kdb.collect(this.kdb.client.readStream(stream, { fromRevision: from, direction: FORWARDS, ...(maxCount !== undefined ? { maxCount } : {}) }));
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
    this.kdb.assertOpen();
    assertPage(options, 'readAll');
    const { after, limit } = options;
    const from = await this.startOf(after);
    if (from === undefined) return this.readBackwardsTo(after, limit);
    const raws = await this.kdb.collect(this.kdb.readAllFrom(from, limit + 1));
    // An append's events are contiguous in the filtered $all: the rest of a cut one follows.
    const events = (await this.globalize(raws, async (last, n) => (await this.kdb.collect(this.kdb.readAllFrom(last.logPosition, n + 1))).slice(1)))
      .filter((e) => e.globalPosition > after)
      .slice(0, limit);
    const last = events[events.length - 1];
    if (last) this.remember(last.globalPosition, raws.find((r) => r.event.streamId === this.kdb.caseStream(last.streamId) && Number(r.event.revision) === last.position)!.logPosition);
    return events;
  }

  async headPosition(): Promise<number> {
    this.kdb.assertOpen();
    const filter = streamNameFilter({ prefixes: [this.kdb.casePrefix] });
    // The newest case event ends its append: its global position is its log position.
    for await (const resolved of this.kdb.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, filter })) {
      return logPositionOf(resolved.event!);
    }
    return 0;
  }

  /** Lets appends already accepted finish (at close). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async revisionOf(stream: string): Promise<number> {
    try {
      for await (const resolved of this.kdb.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        return Number(resolved.event!.revision);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return -1;
      throw error;
    }
    return -1;
  }

  /**
   * Works out global positions (see ./index.ts) for records read forwards: each
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
      const [first] = await this.kdb.collect(this.kdb.readAllFrom(after, 1));
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
    const filter = streamNameFilter({ prefixes: [this.kdb.casePrefix] });
    for await (const resolved of this.kdb.client.readAll({ direction: BACKWARDS, fromPosition: END, filter })) {
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
      streamId: r.event.streamId.slice(this.kdb.casePrefix.length),
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
