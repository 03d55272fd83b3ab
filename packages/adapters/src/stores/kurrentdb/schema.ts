/**
 * KurrentDB has no schema to create: this file holds what every role of the store shares
 * (see ./index.ts): the connection, the stream names, the shape of the metadata each
 * event carries, and the reads of $all and of checkpoint streams.
 */
import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  START,
  StreamNotFoundError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import type { EventMetadata, OutboxMessage } from '@onematter/engine';

export interface KurrentDbEventStoreOptions {
  /** e.g. `kurrentdb://127.0.0.1:2113?tls=false` (esdb:// works too). */
  connectionString: string;
  /** Prefix of every stream this store writes, e.g. `t1a2b3-`; default none. */
  namespace?: string;
}

/** Messages per append: a message id is (global position × 1024 + index). */
export const MESSAGES_PER_EVENT = 1024;

/** What the event's KurrentDB metadata holds besides the engine's metadata. */
export interface StoredMetadata {
  metadata: EventMetadata;
  recordedAt: string;
  prevHash: string;
  hash: string;
  /** Index of the event in its append, and the append's size: see ./index.ts. */
  index: number;
  count: number;
  outbox?: OutboxMessage[];
}

/** A record as read, before its global position is worked out. */
export interface Raw {
  event: RecordedEvent;
  /** Its own log position. */
  logPosition: number;
  meta: StoredMetadata;
}

export type Resolved = ResolvedEvent | AllStreamResolvedEvent;
export type RecordedEvent = NonNullable<Resolved['event']>;

/** The client and this store's stream names, shared by the store's roles. */
export class KurrentDbConnection {
  readonly client: KurrentDBClient;
  readonly casePrefix: string;
  readonly checkpointPrefix: string;
  private readonly cappedCheckpoints = new Set<string>();
  closed = false;

  constructor(options: KurrentDbEventStoreOptions) {
    const ns = options.namespace ?? '';
    this.casePrefix = `${ns}case-`;
    this.checkpointPrefix = `${ns}checkpoint-`;
    this.client = KurrentDBClient.connectionString(options.connectionString);
  }

  assertOpen(): void {
    if (this.closed) throw new Error('KurrentDbEventStore is closed');
  }

  caseStream(streamId: string): string {
    return `${this.casePrefix}${streamId}`;
  }

  /** This store's case events in $all order, from a log position (inclusive; 0: the start). */
  readAllFrom(position: number, maxCount?: number): AsyncIterableIterator<AllStreamResolvedEvent> {
    return this.client.readAll({
      direction: FORWARDS,
      fromPosition: position === 0 ? START : { commit: BigInt(position), prepare: BigInt(position) },
      filter: streamNameFilter({ prefixes: [this.casePrefix] }),
      ...(maxCount !== undefined ? { maxCount } : {}),
    });
  }

  async readCheckpointStream(name: string): Promise<number> {
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

  async writeCheckpointStream(name: string, position: number): Promise<void> {
    const stream = `${this.checkpointPrefix}${name}`;
    if (!this.cappedCheckpoints.has(stream)) {
      // Only the latest value matters: older ones may be scavenged.
      await this.client.setStreamMetadata(stream, { maxCount: 1 });
      this.cappedCheckpoints.add(stream);
    }
    await this.client.appendToStream(stream, jsonEvent({ type: 'CheckpointSaved', data: { position } }));
  }

  async collect(reading: AsyncIterableIterator<Resolved>): Promise<Raw[]> {
    const raws: Raw[] = [];
    for await (const resolved of reading) {
      const event = resolved.event!;
      raws.push({ event, logPosition: logPositionOf(event), meta: event.metadata as unknown as StoredMetadata });
    }
    return raws;
  }
}

/** The event's own place in $all (commit = prepare): see ./index.ts. */
export function logPositionOf(e: RecordedEvent): number {
  const p = e.position;
  if (!p) throw new Error(`KurrentDB returned ${e.streamId}@${e.revision} without a log position; this store needs KurrentDB or EventStoreDB 20 or later`);
  if (p.commit !== p.prepare) {
    throw new Error(`KurrentDB event ${e.streamId}@${e.revision} has commit ${p.commit} and prepare ${p.prepare}; only self-committed events (gRPC appends) are supported`);
  }
  if (p.prepare > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`KurrentDB log position ${p.prepare} exceeds 2^53`);
  return Number(p.prepare);
}

