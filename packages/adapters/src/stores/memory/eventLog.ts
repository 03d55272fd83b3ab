import type { AppendRequest, AppendResult, EventLog, StoredEvent } from '@onematter/engine';
import { assertPage, assertWellFormed, concurrencyError, revisionAccepts, toJsonText } from '../appendRules.js';
import type { MemoryDatabase, Row } from './schema.js';

/** The memory store's event log: appends (with their outbox rows, all or nothing) and reads. */
export class MemoryEventLog implements EventLog {
  constructor(private readonly db: MemoryDatabase) {}

  async append(request: AppendRequest): Promise<AppendResult> {
    const { db } = this;
    db.assertOpen();
    assertWellFormed(request);
    // Serialize before yielding: a caller mutating its objects afterwards changes nothing.
    const events = request.events.map((e) => ({
      position: e.position,
      type: e.type,
      data: toJsonText(e.data),
      metadata: toJsonText(e.metadata),
      recordedAt: e.recordedAt,
      prevHash: e.prevHash,
      hash: e.hash,
    }));
    const messages = (request.outbox ?? []).map((m) => ({
      topic: m.topic,
      key: m.key,
      headers: toJsonText(m.headers),
      value: toJsonText(m.value),
    }));
    // Like a database round trip, concurrent appends interleave before the check. An
    // append accepted before close() still completes, as in the durable stores.
    await Promise.resolve();

    const { streamId, expectedRevision } = request;
    const stream = db.streams.get(streamId) ?? [];
    const actual = stream.length - 1;
    if (!revisionAccepts(expectedRevision, actual, events[0]!.position)) {
      return concurrencyError(streamId, expectedRevision, actual);
    }
    // The check and every write below happen without yielding: all or nothing.
    for (const e of events) {
      const row: Row = { streamId, globalPosition: db.all.length + 1, ...e };
      db.all.push(row);
      stream.push(row);
    }
    db.streams.set(streamId, stream);
    if (messages.length === 0) return { ok: true, nextRevision: stream.length - 1, lastGlobalPosition: db.all.length };
    const outboxIds = messages.map((m) => {
      const id = db.nextOutboxId++;
      db.outbox.set(id, { id, ...m });
      return id;
    });
    return { ok: true, nextRevision: stream.length - 1, lastGlobalPosition: db.all.length, outboxIds };
  }

  async readStream(streamId: string, options: { fromPosition?: number; maxCount?: number } = {}): Promise<StoredEvent[]> {
    this.db.assertOpen();
    const from = options.fromPosition ?? 0;
    const stream = this.db.streams.get(streamId) ?? [];
    const end = options.maxCount === undefined ? undefined : Math.max(from, 0) + options.maxCount;
    return stream.slice(Math.max(from, 0), end).map(toStoredEvent);
  }

  async readAll(options: { after: number; limit: number }): Promise<StoredEvent[]> {
    this.db.assertOpen();
    assertPage(options, 'readAll');
    // Global position n is at index n - 1: positions have no gaps here.
    return this.db.all.slice(options.after, options.after + options.limit).map(toStoredEvent);
  }

  async headPosition(): Promise<number> {
    this.db.assertOpen();
    return this.db.all.length;
  }
}

function toStoredEvent(row: Row): StoredEvent {
  return {
    streamId: row.streamId,
    globalPosition: row.globalPosition,
    position: row.position,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    recordedAt: row.recordedAt,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}
