import { canonicalText, type AppendRequest, type AppendResult, type EventLog, type StoredEvent } from '@onematter/engine';
import type pg from 'pg';
import { assertWellFormed, concurrencyError, toJsonText } from '../appendRules.js';
import { GroupCommit, type PendingDelete } from '../groupCommit.js';
import { isServerError, isStreamPositionTaken, toStoredEvent, type EventRow, type PostgresDatabase } from './schema.js';
import { Rollback } from './transaction.js';

/** A request as queued: validated and serialized when `append` was called. */
interface Pending {
  request: AppendRequest;
  /** The stream's revision the request expects; 'any' became "where the stream ends". */
  expected: number;
  nextRevision: number;
  data: string[];
  metadata: string[];
  headers: string[];
  values: string[];
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit (../groupCommit.ts): `append()` queues the request (and `markPublished` its
 * deletes); on the next turn of the event loop the queued requests become batches, each
 * written by ONE statement on a connection of its own, up to `maxBatchesInFlight` at once
 * (see ./index.ts).
 */
export type PostgresGroupCommit = GroupCommit<Pending>;

export function postgresGroupCommit(db: PostgresDatabase, maxBatch: number): PostgresGroupCommit {
  const writer = new BatchWriter(db);
  return new GroupCommit<Pending>({ maxBatch, maxInFlight: db.maxBatchesInFlight, write: (batch, deletes) => writer.writeBatch(batch, deletes) });
}

/**
 * Consecutive ids from the first: a request's global positions, or its outbox rows' ids in
 * request order. Outbox ids do NOT follow commit order (batches in flight at once commit in
 * any order), which the relay allows for (OutboxRelay.offer).
 */
function idsFrom(first: number, count: number): number[] {
  const ids = new Array<number>(count);
  for (let i = 0; i < count; i++) ids[i] = first + i;
  return ids;
}

/** Writes the batches the group commit hands over, and the requests of a failed batch one by one. */
class BatchWriter {
  constructor(private readonly db: PostgresDatabase) {}

  /** One statement, one transaction for the batch; see ./index.ts. */
  async writeBatch(batch: Pending[], deletes: PendingDelete[]): Promise<void> {
    // Stable sort by stream: batches lock `streams` rows in one order (no deadlocks).
    const order = batch.map((_, i) => i).sort((a, b) => {
      const x = batch[a]!.request.streamId;
      const y = batch[b]!.request.streamId;
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    const sorted = order.map((i) => batch[i]!);
    let rows: Array<{ accepted: boolean; actual_revision: string; last_position: string | null; first_outbox_id: string | null }>;
    try {
      const events = sorted.flatMap((p) => p.request.events);
      const messages = sorted.flatMap((p) => p.request.outbox ?? []);
      ({ rows } = await this.db.writers.query({
        name: `${this.db.schema}.appendBatch`,
        text: this.db.sql.appendBatch,
        values: [
          sorted.map((p) => p.request.streamId),
          sorted.map((p) => p.expected),
          sorted.map((p) => p.nextRevision),
          sorted.map((p) => p.request.events.length),
          sorted.map((p) => p.request.outbox?.length ?? 0),
          sorted.flatMap((p) => p.request.events.map(() => p.request.streamId)),
          events.map((e) => e.position),
          events.map((e) => e.type),
          // JSON texts spliced into one JSON array each: nothing is escaped a second time.
          `[${sorted.map((p) => p.data.join(',')).filter(Boolean).join(',')}]`,
          `[${sorted.map((p) => p.metadata.join(',')).filter(Boolean).join(',')}]`,
          events.map((e) => e.recordedAt),
          events.map((e) => e.prevHash),
          events.map((e) => e.hash),
          messages.map((m) => m.topic),
          messages.map((m) => m.key),
          `[${sorted.map((p) => p.headers.join(',')).filter(Boolean).join(',')}]`,
          `[${sorted.map((p) => p.values.join(',')).filter(Boolean).join(',')}]`,
          deletes.flatMap((d) => d.ids),
        ],
      }));
    } catch (error) {
      if (!isServerError(error)) {
        // The connection broke: the batch may or may not have committed. Acknowledge nothing.
        for (const p of batch) p.reject(error);
        for (const d of deletes) d.reject(error);
        return;
      }
      // Rolled back for sure: each request on its own, so a bad one fails only itself.
      for (const d of deletes) this.db.writers.query(`DELETE FROM ${this.db.S}.outbox WHERE id = ANY($1::bigint[])`, [d.ids]).then(() => d.resolve(), d.reject);
      for (const p of batch) {
        try {
          p.resolve(await this.appendAlone(p));
        } catch (e) {
          p.reject(e);
        }
      }
      return;
    }
    // COMMIT has happened: the batch is durable.
    for (const d of deletes) d.resolve();
    sorted.forEach((p, k) => {
      const row = rows[k]!;
      const { streamId, expectedRevision } = p.request;
      if (!row.accepted) return p.resolve(concurrencyError(streamId, expectedRevision, Number(row.actual_revision)));
      const lastGlobalPosition = Number(row.last_position);
      if (row.first_outbox_id === null) return p.resolve({ ok: true, nextRevision: p.nextRevision, lastGlobalPosition });
      p.resolve({ ok: true, nextRevision: p.nextRevision, lastGlobalPosition, outboxIds: idsFrom(Number(row.first_outbox_id), p.values.length) });
    });
  }

  /** One request in a transaction of its own: the fallback when its batch failed. */
  private async appendAlone(p: Pending): Promise<AppendResult> {
    const { request, expected, nextRevision, data, metadata, headers, values } = p;
    const { streamId, events, expectedRevision } = request;
    const outbox = request.outbox ?? [];
    // On the writers' pool, as the batches. An error inside reserve_positions could leave
    // the session lock held: `transaction` drops a connection whose body failed.
    try {
      return await this.db.transaction<AppendResult>(async (client) => {
        const reserved = await client.query<{ first_event: string; first_message: string | null }>({
          name: `${this.db.schema}.reserve`,
          text: this.db.sql.reserve,
          values: [events.length, outbox.length],
        });
        const firstGlobal = Number(reserved.rows[0]!.first_event);
        const firstMessage = Number(reserved.rows[0]!.first_message ?? 0);

        // Compare-and-set on the stream row; a concurrent writer of this stream waits here
        // for the other transaction and then finds the revision changed.
        const cas =
          expected === -1
            ? await client.query({ name: `${this.db.schema}.create`, text: this.db.sql.createStream, values: [streamId, nextRevision] })
            : await client.query({
                name: `${this.db.schema}.advance`,
                text: this.db.sql.advanceStream,
                values: [streamId, expected, nextRevision],
              });
        // Nothing written (the comparison took no row lock): read the revision, then roll back.
        if (cas.rowCount !== 1) return new Rollback(concurrencyError(streamId, expectedRevision, await this.revisionOf(client, streamId)));

        await client.query({
          name: `${this.db.schema}.events`,
          text: this.db.sql.insertEvents,
          values: [
            idsFrom(firstGlobal, events.length),
            streamId,
            events.map((e) => e.position),
            events.map((e) => e.type),
            data,
            metadata,
            events.map((e) => e.recordedAt),
            events.map((e) => e.prevHash),
            events.map((e) => e.hash),
          ],
        });
        const lastGlobalPosition = firstGlobal + events.length - 1;
        if (outbox.length === 0) return { ok: true, nextRevision, lastGlobalPosition };
        const outboxIds = idsFrom(firstMessage, outbox.length);
        await client.query({
          name: `${this.db.schema}.outbox`,
          text: this.db.sql.insertOutbox,
          values: [outboxIds, outbox.map((m) => m.topic), outbox.map((m) => m.key), headers, values],
        });
        return { ok: true, nextRevision, lastGlobalPosition, outboxIds };
      }, this.db.writers);
    } catch (error) {
      // The streams row disagreed with the events (a writer that bypassed it): still a conflict.
      if (!isStreamPositionTaken(error)) throw error;
      // The stream's real end is its last event, whatever the streams table says.
      const { rows } = await this.db.writers.query<{ last: string | null }>(`SELECT max(position) AS last FROM ${this.db.S}.events WHERE stream_id = $1`, [streamId]);
      return concurrencyError(streamId, expectedRevision, rows[0]?.last == null ? -1 : Number(rows[0].last));
    }
  }

  private async revisionOf(client: pg.PoolClient, streamId: string): Promise<number> {
    const { rows } = await client.query<{ revision: string }>(`SELECT revision FROM ${this.db.S}.streams WHERE stream_id = $1`, [streamId]);
    return rows.length === 0 ? -1 : Number(rows[0]!.revision);
  }
}

/** The PostgreSQL event log: appends go through the group commit; reads see settled rows only (see ./index.ts). */
export class PostgresEventLog implements EventLog {
  private reads: Array<{ streamId: string; from: number; resolve: (events: StoredEvent[]) => void; reject: (error: unknown) => void }> = [];

  constructor(
    private readonly db: PostgresDatabase,
    private readonly commit: PostgresGroupCommit,
  ) {}

  append(request: AppendRequest): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.db.assertOpen();
      assertWellFormed(request);
      const { events, expectedRevision } = request;
      const outbox = request.outbox ?? [];
      const first = events[0]!.position;
      // Serialized now: unserializable data fails fast, and the caller may reuse its objects.
      this.commit.push({
        request,
        // 'any' skips the comparison, but the positions must still continue the stream.
        expected: expectedRevision === 'any' ? first - 1 : expectedRevision,
        nextRevision: events[events.length - 1]!.position,
        // Canonical text (kept from hashing), so `audit verify` can hash it as stored.
        data: events.map((e) => canonicalText(e.data)),
        metadata: events.map((e) => canonicalText(e.metadata)),
        headers: outbox.map((m) => toJsonText(m.headers)),
        values: outbox.map((m) => toJsonText(m.value)),
        resolve,
        reject,
      });
    });
  }

  /**
   * Whole-stream reads issued in one turn of the event loop share one query (a burst of
   * new cases loads hundreds of streams at once); reads with `maxCount` go alone.
   */
  readStream(streamId: string, options: { fromPosition?: number; maxCount?: number } = {}): Promise<StoredEvent[]> {
    if (options.maxCount !== undefined) return this.readStreamAlone(streamId, options);
    return new Promise<StoredEvent[]>((resolve, reject) => {
      this.reads.push({ streamId, from: options.fromPosition ?? 0, resolve, reject });
      if (this.reads.length > 1) return;
      setImmediate(() => {
        const reads = this.reads.splice(0, this.reads.length);
        if (reads.length === 1) {
          const [r] = reads;
          this.readStreamAlone(r!.streamId, { fromPosition: r!.from }).then(r!.resolve, r!.reject);
          return;
        }
        this.db.pool
          .query<EventRow & { i: string }>({
            name: `${this.db.schema}.readStreams`,
            text: this.db.sql.readStreams,
            values: [reads.map((r) => r.streamId), reads.map((r) => r.from)],
          })
          .then(
            ({ rows }) => {
              const found = reads.map((): StoredEvent[] => []);
              for (const row of rows) found[Number(row.i) - 1]!.push(toStoredEvent(row));
              reads.forEach((r, k) => r.resolve(found[k]!));
            },
            (error: unknown) => {
              for (const r of reads) r.reject(error);
            },
          );
      });
    });
  }

  private async readStreamAlone(streamId: string, options: { fromPosition?: number; maxCount?: number }): Promise<StoredEvent[]> {
    const { rows } = await this.db.pool.query<EventRow>({
      name: `${this.db.schema}.readStream`,
      text: this.db.sql.readStream,
      values: [streamId, options.fromPosition ?? 0, options.maxCount ?? null],
    });
    return rows.map(toStoredEvent);
  }

  async readAll(options: { after: number; limit: number }): Promise<StoredEvent[]> {
    return (await this.db.page<EventRow>('readAll', options)).map(toStoredEvent);
  }

  async headPosition(): Promise<number> {
    const { rows } = await this.db.pool.query<{ global_position: string }>({
      name: `${this.db.schema}.head`,
      text: this.db.sql.head,
    });
    return rows.length === 0 ? 0 : Number(rows[0]!.global_position);
  }
}
