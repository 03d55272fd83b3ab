/**
 * An in-process event store for tests and demos. It is deliberately no kinder than
 * the durable stores: stale revisions conflict, global positions are assigned in
 * commit order, the outbox is written with the events or not at all, and data goes
 * through JSON exactly as the databases store it, so nothing a caller holds can
 * change what is stored (and values JSON cannot keep are lost here too).
 */
import type {
  AppendRequest,
  AppendResult,
  EventStore,
  OutboxRecord,
  StoredEvent,
  StreamHead,
} from '@onematter/engine';
import { assertPage, assertWellFormed, concurrencyError, revisionAccepts, toJsonText } from './appendRules.js';
import { MemoryReadModels } from './memoryReadModels.js';

interface Row {
  streamId: string;
  globalPosition: number;
  position: number;
  type: string;
  data: string;
  metadata: string;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

interface OutboxRow {
  id: number;
  topic: string;
  key: string;
  headers: string;
  value: string;
}

export class MemoryEventStore implements EventStore {
  /** Positions are the log's length plus one: a gap is a deletion. */
  readonly gaplessGlobalOrder = true;
  private readonly all: Row[] = [];
  private readonly streams = new Map<string, Row[]>();
  private readonly outbox = new Map<number, OutboxRow>();
  private nextOutboxId = 1;
  private closed = false;

  async init(): Promise<void> {
    this.assertOpen();
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    this.assertOpen();
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
    const stream = this.streams.get(streamId) ?? [];
    const actual = stream.length - 1;
    if (!revisionAccepts(expectedRevision, actual, events[0]!.position)) {
      return concurrencyError(streamId, expectedRevision, actual);
    }
    // The check and every write below happen without yielding: all or nothing.
    for (const e of events) {
      const row: Row = { streamId, globalPosition: this.all.length + 1, ...e };
      this.all.push(row);
      stream.push(row);
    }
    this.streams.set(streamId, stream);
    for (const m of messages) {
      const id = this.nextOutboxId++;
      this.outbox.set(id, { id, ...m });
    }
    return { ok: true, nextRevision: stream.length - 1, lastGlobalPosition: this.all.length };
  }

  async readStream(streamId: string, options: { fromPosition?: number; maxCount?: number } = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const from = options.fromPosition ?? 0;
    const stream = this.streams.get(streamId) ?? [];
    const end = options.maxCount === undefined ? undefined : Math.max(from, 0) + options.maxCount;
    return stream.slice(Math.max(from, 0), end).map(toStoredEvent);
  }

  async readAll(options: { after: number; limit: number }): Promise<StoredEvent[]> {
    this.assertOpen();
    assertPage(options, 'readAll');
    // Global position n is at index n - 1: positions have no gaps here.
    return this.all.slice(options.after, options.after + options.limit).map(toStoredEvent);
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.all.length;
  }

  async readStreamHeads(options: { before?: string } = {}): Promise<StreamHead[]> {
    this.assertOpen();
    const heads: StreamHead[] = [];
    for (const [streamId, rows] of this.streams) {
      let head: Row | undefined;
      for (const r of rows) if ((options.before === undefined || r.recordedAt < options.before) && (!head || r.position > head.position)) head = r;
      if (head) heads.push({ streamId, position: head.position, hash: head.hash });
    }
    return heads;
  }

  async readOutbox(options: { after: number; limit: number }): Promise<OutboxRecord[]> {
    this.assertOpen();
    assertPage(options, 'readOutbox');
    const rows: OutboxRecord[] = [];
    // Map iteration follows insertion order, which is id order.
    for (const row of this.outbox.values()) {
      if (row.id <= options.after) continue;
      rows.push({ id: row.id, topic: row.topic, key: row.key, headers: JSON.parse(row.headers), value: JSON.parse(row.value) });
      if (rows.length === options.limit) break;
    }
    return rows;
  }

  async markPublished(ids: readonly number[]): Promise<void> {
    this.assertOpen();
    for (const id of ids) this.outbox.delete(id);
  }

  private readonly checkpoints = new Map<string, number>();
  /** Read models share the checkpoints: `readCheckpoint(projection)` reports theirs. */
  readonly readModels = new MemoryReadModels(this.checkpoints, () => this.assertOpen());


  async readCheckpoint(name: string): Promise<number> {
    this.assertOpen();
    return this.checkpoints.get(name) ?? 0;
  }

  async saveCheckpoint(name: string, position: number): Promise<void> {
    this.assertOpen();
    this.checkpoints.set(name, position);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryEventStore is closed');
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
