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
 */
import pg from 'pg';
import type {
  AppendRequest,
  AppendResult,
  EventStore,
  OutboxRecord,
  StoredEvent,
  StoredEventText,
  StreamHead,
  StreamRevision,
} from '@onematter/engine';
import { canonicalText } from '@onematter/engine';
import { assertPage, assertWellFormed, concurrencyError, toJsonText } from './appendRules.js';
import { PostgresReadModels, postgresReadModelTables } from './postgresReadModels.js';

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Schema holding the tables; created if missing. Default 'onematter'. */
  schema?: string;
  /** Connections for reads (and appends that are retried alone). Default 10. */
  poolSize?: number;
  /** Most append requests written in one transaction; the rest go into the next. Default 1,000. */
  maxBatch?: number;
  /** Batches written at once, each on a connection of its own (besides the pool). Default 4. */
  maxBatchesInFlight?: number;
}

/** Second key of the two-part advisory locks; the first is hashtext(schema). */
const MIGRATION_LOCK = 1;
const POSITION_LOCK = 2;
const CLAIM_LOCK = 3;

/** Versioned schema changes; a version, once released, is never edited. `S` is the quoted schema. */
const migrations: ReadonlyArray<{ version: number; sql: (S: string, schemaLiteral: string) => string }> = [
  {
    version: 1,
    sql: (S, schemaLiteral) => `
      CREATE SEQUENCE ${S}.global_position_seq;
      CREATE SEQUENCE ${S}.outbox_id_seq;
      CREATE TABLE ${S}.streams (
        stream_id text   PRIMARY KEY,
        revision  bigint NOT NULL
      );
      CREATE TABLE ${S}.events (
        global_position bigint PRIMARY KEY,
        stream_id       text   NOT NULL,
        position        bigint NOT NULL,
        type            text   NOT NULL,
        data            json   NOT NULL, -- json, not jsonb: key order and text kept as hashed
        metadata        json   NOT NULL,
        recorded_at     text   NOT NULL, -- exactly as the engine wrote it
        prev_hash       text   NOT NULL,
        hash            text   NOT NULL,
        transaction_id  xid8   NOT NULL DEFAULT pg_current_xact_id(),
        CONSTRAINT events_stream_position UNIQUE (stream_id, position)
      );
      CREATE TABLE ${S}.outbox (
        id             bigint      PRIMARY KEY,
        topic          text        NOT NULL,
        key            text        NOT NULL,
        headers        json        NOT NULL,
        value          json        NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id()
      );
      -- Must be the first statement of an append transaction: see the file comment.
      CREATE FUNCTION ${S}.reserve_positions(
        event_count integer, message_count integer,
        OUT first_event bigint, OUT first_message bigint
      ) LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_advisory_lock(hashtext(${schemaLiteral}), ${POSITION_LOCK});
        PERFORM pg_current_xact_id(); -- assigns this transaction's id under the lock
        IF event_count > 0 THEN
          first_event := nextval('${S}.global_position_seq');
          PERFORM setval('${S}.global_position_seq', first_event + event_count - 1);
        END IF;
        IF message_count > 0 THEN
          first_message := nextval('${S}.outbox_id_seq');
          PERFORM setval('${S}.outbox_id_seq', first_message + message_count - 1);
        END IF;
        PERFORM pg_advisory_unlock(hashtext(${schemaLiteral}), ${POSITION_LOCK});
      END
      $fn$;
    `,
  },
  {
    version: 2,
    sql: (S) => `
      CREATE TABLE ${S}.checkpoints (
        name       text        PRIMARY KEY,
        position   bigint      NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 3,
    // Group commit: see the file comment. The r_* arrays describe the requests (sorted by
    // the caller), e_* their events and m_* their outbox rows, back to back; data, metadata,
    // headers and values come as JSON arrays of the texts the engine made (the json type,
    // not jsonb, keeps each text exactly as it was hashed). `published`: outbox ids to delete.
    sql: (S) => `
      CREATE FUNCTION ${S}.append_batch(
        r_stream text[], r_expected bigint[], r_next bigint[], r_events integer[], r_messages integer[],
        e_stream text[], e_position bigint[], e_type text[], e_data json, e_metadata json,
        e_recorded_at text[], e_prev_hash text[], e_hash text[],
        m_topic text[], m_key text[], m_headers json, m_value json,
        published bigint[]
      ) RETURNS TABLE (accepted boolean, actual_revision bigint, last_position bigint)
      LANGUAGE plpgsql AS $fn$
      DECLARE
        v_requests integer := coalesce(array_length(r_stream, 1), 0);
        v_event_count integer := coalesce(array_length(e_position, 1), 0);
        v_message_count integer := coalesce(array_length(m_topic, 1), 0);
        v_next_event bigint;
        v_next_message bigint;
        v_globals bigint[];
        v_ids bigint[];
        v_event_at integer := 0;
        v_message_at integer := 0;
        v_changed integer;
        v_current bigint;
      BEGIN
        -- First, before any write: the transaction id and all positions, under the lock.
        SELECT rp.first_event, rp.first_message INTO v_next_event, v_next_message
          FROM ${S}.reserve_positions(v_event_count, v_message_count) rp;
        -- One slot per event and per outbox row; those of refused requests stay NULL.
        v_globals := array_fill(NULL::bigint, ARRAY[v_event_count]);
        v_ids := array_fill(NULL::bigint, ARRAY[v_message_count]);
        IF cardinality(published) > 0 THEN
          DELETE FROM ${S}.outbox WHERE id = ANY(published);
        END IF;
        FOR i IN 1..v_requests LOOP
          IF r_expected[i] = -1 THEN
            INSERT INTO ${S}.streams (stream_id, revision) VALUES (r_stream[i], r_next[i])
              ON CONFLICT (stream_id) DO NOTHING;
          ELSE
            UPDATE ${S}.streams SET revision = r_next[i] WHERE stream_id = r_stream[i] AND revision = r_expected[i];
          END IF;
          GET DIAGNOSTICS v_changed = ROW_COUNT;
          IF v_changed = 1 THEN
            FOR j IN 1..r_events[i] LOOP
              v_globals[v_event_at + j] := v_next_event;
              v_next_event := v_next_event + 1;
            END LOOP;
            FOR j IN 1..r_messages[i] LOOP
              v_ids[v_message_at + j] := v_next_message;
              v_next_message := v_next_message + 1;
            END LOOP;
            accepted := true; actual_revision := r_next[i]; last_position := v_next_event - 1;
          ELSE
            SELECT s.revision INTO v_current FROM ${S}.streams s WHERE s.stream_id = r_stream[i];
            accepted := false; actual_revision := coalesce(v_current, -1); last_position := NULL;
          END IF;
          RETURN NEXT;
          v_event_at := v_event_at + r_events[i];
          v_message_at := v_message_at + r_messages[i];
        END LOOP;
        IF v_event_count > 0 THEN
          INSERT INTO ${S}.events (global_position, stream_id, position, type, data, metadata, recorded_at, prev_hash, hash)
            SELECT g, s, p, t, d, m, r, ph, h
            FROM ROWS FROM (unnest(v_globals), unnest(e_stream), unnest(e_position), unnest(e_type),
                            json_array_elements(e_data), json_array_elements(e_metadata),
                            unnest(e_recorded_at), unnest(e_prev_hash), unnest(e_hash))
              AS u(g, s, p, t, d, m, r, ph, h)
            WHERE g IS NOT NULL;
        END IF;
        IF v_message_count > 0 THEN
          INSERT INTO ${S}.outbox (id, topic, key, headers, value)
            SELECT i, t, k, h, v
            FROM ROWS FROM (unnest(v_ids), unnest(m_topic), unnest(m_key), json_array_elements(m_headers), json_array_elements(m_value))
              AS u(i, t, k, h, v)
            WHERE i IS NOT NULL;
        END IF;
      END
      $fn$;
    `,
  },
  { version: 4, sql: (S) => postgresReadModelTables(S) },
  {
    version: 5,
    // Outbox leases for several relays (claimOutbox); the index serves its per-key order check.
    sql: (S) => `
      ALTER TABLE ${S}.outbox ADD COLUMN claimed_by text, ADD COLUMN claimed_until timestamptz;
      CREATE INDEX outbox_key_id ON ${S}.outbox (key, id);
    `,
  },
];

interface EventRow {
  global_position: string;
  stream_id: string;
  position: string;
  type: string;
  data: unknown;
  metadata: StoredEvent['metadata'];
  recorded_at: string;
  prev_hash: string;
  hash: string;
}

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

interface PendingDelete {
  ids: readonly number[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

const EVENT_COLUMNS = 'global_position, stream_id, position, type, data, metadata, recorded_at, prev_hash, hash';
/** Rows of transactions that may still commit are not shown: see the file comment. */
const SETTLED = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

export class PostgresEventStore implements EventStore {
  private readonly pool: pg.Pool;
  private readonly writers: pg.Pool;
  private readonly schema: string;
  private readonly S: string;
  private readonly sql: ReturnType<typeof statements>;
  private readonly maxBatch: number;
  private readonly maxBatchesInFlight: number;
  private queue: Pending[] = [];
  private deletes: PendingDelete[] = [];
  private flushScheduled = false;
  private reads: Array<{ streamId: string; from: number; resolve: (events: StoredEvent[]) => void; reject: (error: unknown) => void }> = [];
  private readonly batches = new Set<Promise<void>>();
  private closed = false;
  private readonly connectionString: string;
  /** Connections holding (or trying for) a leader lock, by name: see tryLead. */
  private readonly leads = new Map<string, { client: pg.Client; held: boolean }>();

  constructor(options: PostgresEventStoreOptions) {
    this.schema = options.schema ?? 'onematter';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(this.schema)) {
      throw new TypeError(`PostgresEventStore: schema name ${JSON.stringify(this.schema)} is not a plain identifier`);
    }
    this.S = `"${this.schema}"`;
    this.sql = statements(this.S);
    this.connectionString = options.connectionString;
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
    this.maxBatch = options.maxBatch ?? 1_000;
    this.maxBatchesInFlight = Math.max(1, options.maxBatchesInFlight ?? 4);
    // Batches have connections of their own: a burst of reads (loads of new cases) must
    // not keep the writes that would end it waiting, nor the other way round.
    this.writers = new pg.Pool({ connectionString: options.connectionString, max: this.maxBatchesInFlight });
    // An idle connection that dies (server restart) is dropped by the pool; without a
    // listener the 'error' event would crash the process.
    this.pool.on('error', () => {});
    this.writers.on('error', () => {});
  }

  async init(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Taken before looking at the schema: two processes migrate one after the other.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1), $2)', [this.schema, MIGRATION_LOCK]);
      // Checked first: an application role may use a schema it has no right to create.
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${this.S}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.S}.schema_version (
        version    integer     PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${this.S}.schema_version`);
      const current = rows[0]?.v ?? 0;
      for (const m of migrations) {
        if (m.version <= current) continue;
        await client.query(m.sql(this.S, `'${this.schema}'`));
        await client.query(`INSERT INTO ${this.S}.schema_version (version) VALUES ($1)`, [m.version]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      if (this.closed) throw new Error('PostgresEventStore is closed');
      assertWellFormed(request);
      const { events, expectedRevision } = request;
      const outbox = request.outbox ?? [];
      const first = events[0]!.position;
      // Serialized now: unserializable data fails fast, and the caller may reuse its objects.
      this.queue.push({
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
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // The next turn of the event loop: every append queued in this one joins the batch.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Starts batches while there is work and a free slot; a finished batch calls it again. */
  private flush(): void {
    while ((this.queue.length > 0 || this.deletes.length > 0) && this.batches.size < this.maxBatchesInFlight) {
      const batch = this.queue.splice(0, this.maxBatch);
      const deletes = this.deletes.splice(0, this.deletes.length);
      const writing: Promise<void> = this.writeBatch(batch, deletes).finally(() => {
        this.batches.delete(writing);
        this.flush();
      });
      this.batches.add(writing);
    }
  }

  /** One statement, one transaction for the batch; see the file comment. */
  private async writeBatch(batch: Pending[], deletes: PendingDelete[]): Promise<void> {
    // Stable sort by stream: batches lock `streams` rows in one order (no deadlocks).
    const order = batch.map((_, i) => i).sort((a, b) => {
      const x = batch[a]!.request.streamId;
      const y = batch[b]!.request.streamId;
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    const sorted = order.map((i) => batch[i]!);
    let rows: Array<{ accepted: boolean; actual_revision: string; last_position: string | null }>;
    try {
      const events = sorted.flatMap((p) => p.request.events);
      const messages = sorted.flatMap((p) => p.request.outbox ?? []);
      ({ rows } = await this.writers.query({
        name: `${this.schema}.appendBatch`,
        text: this.sql.appendBatch,
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
      for (const d of deletes) this.writers.query(`DELETE FROM ${this.S}.outbox WHERE id = ANY($1::bigint[])`, [d.ids]).then(() => d.resolve(), d.reject);
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
      p.resolve(
        row.accepted
          ? { ok: true, nextRevision: p.nextRevision, lastGlobalPosition: Number(row.last_position) }
          : concurrencyError(streamId, expectedRevision, Number(row.actual_revision)),
      );
    });
  }

  /** One request in a transaction of its own: the fallback when its batch failed. */
  private async appendAlone(p: Pending): Promise<AppendResult> {
    const { request, expected, nextRevision, data, metadata, headers, values } = p;
    const { streamId, events, expectedRevision } = request;
    const outbox = request.outbox ?? [];

    const client = await this.writers.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const reserved = await client.query<{ first_event: string; first_message: string | null }>({
        name: `${this.schema}.reserve`,
        text: this.sql.reserve,
        values: [events.length, outbox.length],
      });
      const firstGlobal = Number(reserved.rows[0]!.first_event);
      const firstMessage = Number(reserved.rows[0]!.first_message ?? 0);

      // Compare-and-set on the stream row; a concurrent writer of this stream waits here
      // for the other transaction and then finds the revision changed.
      const cas =
        expected === -1
          ? await client.query({ name: `${this.schema}.create`, text: this.sql.createStream, values: [streamId, nextRevision] })
          : await client.query({
              name: `${this.schema}.advance`,
              text: this.sql.advanceStream,
              values: [streamId, expected, nextRevision],
            });
      if (cas.rowCount !== 1) {
        await client.query('ROLLBACK');
        return concurrencyError(streamId, expectedRevision, await this.revisionOf(client, streamId));
      }

      await client.query({
        name: `${this.schema}.events`,
        text: this.sql.insertEvents,
        values: [
          events.map((_, i) => firstGlobal + i),
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
      if (outbox.length > 0) {
        await client.query({
          name: `${this.schema}.outbox`,
          text: this.sql.insertOutbox,
          values: [outbox.map((_, i) => firstMessage + i), outbox.map((m) => m.topic), outbox.map((m) => m.key), headers, values],
        });
      }
      await client.query('COMMIT');
      return { ok: true, nextRevision, lastGlobalPosition: firstGlobal + events.length - 1 };
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = error instanceof Error ? error : new Error(String(error));
      }
      // The streams row disagreed with the events (a writer that bypassed it): still a conflict.
      if (!broken && isStreamPositionTaken(error)) {
        // The stream's real end is its last event, whatever the streams table says.
        const { rows } = await client.query<{ last: string | null }>(`SELECT max(position) AS last FROM ${this.S}.events WHERE stream_id = $1`, [streamId]);
        return concurrencyError(streamId, expectedRevision, rows[0]?.last == null ? -1 : Number(rows[0].last));
      }
      // An error inside reserve_positions could leave the session lock held: drop the
      // connection rather than return it to the pool.
      broken ??= error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(broken);
    }
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
        this.pool
          .query<EventRow & { i: string }>({
            name: `${this.schema}.readStreams`,
            text: this.sql.readStreams,
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
    const { rows } = await this.pool.query<EventRow>({
      name: `${this.schema}.readStream`,
      text: this.sql.readStream,
      values: [streamId, options.fromPosition ?? 0, options.maxCount ?? null],
    });
    return rows.map(toStoredEvent);
  }

  async readAll(options: { after: number; limit: number }): Promise<StoredEvent[]> {
    return (await this.page<EventRow>('readAll', options)).map(toStoredEvent);
  }

  async readAllText(options: { after: number; limit: number }): Promise<StoredEventText[]> {
    return (await this.page<EventTextRow>('readAllText', options)).map((row) => ({
      streamId: row.stream_id,
      globalPosition: Number(row.global_position),
      position: Number(row.position),
      type: row.type,
      dataText: row.data,
      metadataText: row.metadata,
      recordedAt: row.recorded_at,
      prevHash: row.prev_hash,
      hash: row.hash,
    }));
  }

  async readStreamHeads(options: { before?: string } = {}): Promise<StreamHead[]> {
    const { rows } = await this.pool.query<{ stream_id: string; position: string; hash: string }>({
      name: `${this.schema}.streamHeads`,
      text: this.sql.streamHeads,
      values: [options.before ?? null],
    });
    return rows.map((r) => ({ streamId: r.stream_id, position: Number(r.position), hash: r.hash }));
  }

  async readStreamIndex(options: { streamId?: string } = {}): Promise<StreamRevision[]> {
    const { rows } = await this.pool.query<{ stream_id: string; revision: string }>({
      name: `${this.schema}.streamIndex`,
      text: this.sql.streamIndex,
      values: [options.streamId ?? null],
    });
    return rows.map((r) => ({ streamId: r.stream_id, revision: Number(r.revision) }));
  }

  async headPosition(): Promise<number> {
    const { rows } = await this.pool.query<{ global_position: string }>({
      name: `${this.schema}.head`,
      text: this.sql.head,
    });
    return rows.length === 0 ? 0 : Number(rows[0]!.global_position);
  }

  async readOutbox(options: { after: number; limit: number }): Promise<OutboxRecord[]> {
    const rows = await this.page<{ id: string; topic: string; key: string; headers: Record<string, string>; value: unknown }>('readOutbox', options);
    return rows.map((r) => ({ id: Number(r.id), topic: r.topic, key: r.key, headers: r.headers, value: r.value }));
  }

  /** One page of a read in settled order (`after`, `limit`), by its prepared statement. */
  private async page<Row extends pg.QueryResultRow>(statement: 'readAll' | 'readAllText' | 'readOutbox', options: { after: number; limit: number }): Promise<Row[]> {
    assertPage(options, statement);
    const { rows } = await this.pool.query<Row>({ name: `${this.schema}.${statement}`, text: this.sql[statement], values: [options.after, options.limit] });
    return rows;
  }

  /**
   * Leases rows to `owner` (see the file comment and EventStore.claimOutbox). One short
   * transaction: the claim lock, then one UPDATE whose snapshot sees every earlier claim.
   */
  async claimOutbox(options: { owner: string; limit: number; leaseMs: number }): Promise<OutboxRecord[]> {
    if (this.closed) throw new Error('PostgresEventStore is closed');
    assertPage({ after: 0, limit: options.limit }, 'claimOutbox');
    if (!(options.leaseMs > 0)) throw new TypeError('claimOutbox: leaseMs must be positive');
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1), $2)', [this.schema, CLAIM_LOCK]);
      const { rows } = await client.query<{ id: string; topic: string; key: string; headers: Record<string, string>; value: unknown }>({
        name: `${this.schema}.claimOutbox`,
        text: this.sql.claimOutbox,
        values: [options.owner, options.limit, options.leaseMs],
      });
      await client.query('COMMIT');
      return rows
        .map((r) => ({ id: Number(r.id), topic: r.topic, key: r.key, headers: r.headers, value: r.value }))
        .sort((a, b) => a.id - b.id);
    } catch (error) {
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async extendOutboxClaim(options: { owner: string; ids: readonly number[]; leaseMs: number }): Promise<number> {
    if (this.closed) throw new Error('PostgresEventStore is closed');
    if (!(options.leaseMs > 0)) throw new TypeError('extendOutboxClaim: leaseMs must be positive');
    if (options.ids.length === 0) return 0;
    const r = await this.pool.query({
      name: `${this.schema}.extendOutboxClaim`,
      text: this.sql.extendOutboxClaim,
      values: [options.owner, options.ids, options.leaseMs],
    });
    return r.rowCount ?? 0;
  }

  /**
   * A session advisory lock on a connection of its own (not the pool's), kept while held:
   * it ends with `close()`, or with the connection when the process dies. While held, a
   * call checks that the connection still answers (if it broke, the lock is gone).
   */
  async tryLead(name: string): Promise<boolean> {
    if (this.closed) return false;
    let lead = this.leads.get(name);
    if (!lead) {
      const client = new pg.Client({ connectionString: this.connectionString });
      client.on('error', () => {
        if (this.leads.get(name)?.client === client) this.leads.delete(name);
        client.end().catch(() => {});
      });
      lead = { client, held: false };
      this.leads.set(name, lead);
      try {
        await client.connect();
      } catch {
        this.leads.delete(name);
        await client.end().catch(() => {});
        return false;
      }
    }
    try {
      if (lead.held) {
        await lead.client.query('SELECT 1');
        return true;
      }
      const { rows } = await lead.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [
        `${this.schema}:lead:${name}`,
      ]);
      lead.held = rows[0]?.ok === true;
      return lead.held && !this.closed;
    } catch {
      if (this.leads.get(name) === lead) this.leads.delete(name);
      await lead.client.end().catch(() => {});
      return false;
    }
  }

  /** Deletes the rows in the next batch, sharing its transaction instead of paying one of its own. */
  markPublished(ids: readonly number[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('PostgresEventStore is closed'));
    if (ids.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.deletes.push({ ids: [...ids], resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Read models live in this schema too (postgresReadModels.ts), with their checkpoints in `checkpoints`. */
  private models?: PostgresReadModels;
  get readModels(): PostgresReadModels {
    return (this.models ??= new PostgresReadModels(this.pool, this.S, () => {
      if (this.closed) throw new Error('PostgresEventStore is closed');
    }));
  }


  async readCheckpoint(name: string): Promise<number> {
    if (this.closed) throw new Error('PostgresEventStore is closed');
    const { rows } = await this.pool.query<{ position: string }>(`SELECT position FROM ${this.S}.checkpoints WHERE name = $1`, [name]);
    return rows[0] ? Number(rows[0].position) : 0;
  }

  async saveCheckpoint(name: string, position: number): Promise<void> {
    if (this.closed) throw new Error('PostgresEventStore is closed');
    await this.pool.query(
      `INSERT INTO ${this.S}.checkpoints (name, position, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()`,
      [name, position],
    );
  }

  /** Writes what is queued and lets batches in flight finish, then closes the pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    while (this.batches.size > 0) {
      await Promise.allSettled([...this.batches]);
      this.flush();
    }
    const leads = [...this.leads.values()];
    this.leads.clear();
    await Promise.all(leads.map((l) => l.client.end().catch(() => {})));
    await Promise.all([this.pool.end(), this.writers.end()]);
  }

  private async revisionOf(client: pg.PoolClient, streamId: string): Promise<number> {
    const { rows } = await client.query<{ revision: string }>(`SELECT revision FROM ${this.S}.streams WHERE stream_id = $1`, [streamId]);
    return rows.length === 0 ? -1 : Number(rows[0]!.revision);
  }
}

function statements(S: string) {
  return {
    reserve: `SELECT first_event, first_message FROM ${S}.reserve_positions($1, $2)`,
    appendBatch: `SELECT accepted, actual_revision, last_position FROM ${S}.append_batch(
      $1::text[], $2::bigint[], $3::bigint[], $4::integer[], $5::integer[],
      $6::text[], $7::bigint[], $8::text[], $9::json, $10::json, $11::text[], $12::text[], $13::text[],
      $14::text[], $15::text[], $16::json, $17::json, $18::bigint[])`,
    createStream: `INSERT INTO ${S}.streams (stream_id, revision) VALUES ($1, $2) ON CONFLICT (stream_id) DO NOTHING`,
    advanceStream: `UPDATE ${S}.streams SET revision = $3 WHERE stream_id = $1 AND revision = $2`,
    insertEvents: `INSERT INTO ${S}.events (global_position, stream_id, position, type, data, metadata, recorded_at, prev_hash, hash)
      SELECT g, $2, p, t, d::json, m::json, r, ph, h
      FROM unnest($1::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
        AS u(g, p, t, d, m, r, ph, h)`,
    insertOutbox: `INSERT INTO ${S}.outbox (id, topic, key, headers, value)
      SELECT i, t, k, h::json, v::json FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(i, t, k, h, v)`,
    readStream: `SELECT ${EVENT_COLUMNS} FROM ${S}.events
      WHERE stream_id = $1 AND position >= $2 ORDER BY position LIMIT $3`,
    readStreams: `SELECT r.i, ${EVENT_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')}
      FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS r(stream_id, from_position, i)
      JOIN ${S}.events e ON e.stream_id = r.stream_id AND e.position >= r.from_position
      ORDER BY r.i, e.position`,
    readAll: `SELECT ${EVENT_COLUMNS} FROM ${S}.events
      WHERE global_position > $1 AND ${SETTLED} ORDER BY global_position LIMIT $2`,
    // json keeps its input text: ::text gives back exactly what was written (and hashed).
    readAllText: `SELECT global_position, stream_id, position, type, data::text AS data, metadata::text AS metadata, recorded_at, prev_hash, hash
      FROM ${S}.events WHERE global_position > $1 AND ${SETTLED} ORDER BY global_position LIMIT $2`,
    head: `SELECT global_position FROM ${S}.events WHERE ${SETTLED} ORDER BY global_position DESC LIMIT 1`,
    streamIndex: `SELECT stream_id, revision FROM ${S}.streams WHERE $1::text IS NULL OR stream_id = $1::text`,
    // COLLATE "C": ISO times compare as text, whatever the database's collation.
    streamHeads: `SELECT DISTINCT ON (stream_id) stream_id, position, hash FROM ${S}.events
      WHERE $1::text IS NULL OR recorded_at COLLATE "C" < $1::text COLLATE "C" ORDER BY stream_id, position DESC`,
    readOutbox: `SELECT id, topic, key, headers, value FROM ${S}.outbox
      WHERE id > $1 AND ${SETTLED} ORDER BY id LIMIT $2`,
    // Free rows (never claimed, or the lease ran out), settled as readOutbox's, and none
    // whose key has an earlier row another owner still holds: one key's rows stay in order.
    claimOutbox: `UPDATE ${S}.outbox o
      SET claimed_by = $1, claimed_until = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
      WHERE o.id IN (
        SELECT c.id FROM ${S}.outbox c
        WHERE c.${SETTLED} AND (c.claimed_until IS NULL OR c.claimed_until < now())
          AND NOT EXISTS (
            SELECT 1 FROM ${S}.outbox p
            WHERE p.key = c.key AND p.id < c.id AND p.claimed_until >= now() AND p.claimed_by IS DISTINCT FROM $1)
        ORDER BY c.id LIMIT $2 FOR UPDATE SKIP LOCKED)
      RETURNING o.id, o.topic, o.key, o.headers, o.value`,
    // Still ours even if the lease ran out, as long as nobody claimed the row since.
    extendOutboxClaim: `UPDATE ${S}.outbox SET claimed_until = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
      WHERE claimed_by = $1 AND id = ANY($2::bigint[])`,
  };
}

/** An error the server reported (it has a SQLSTATE): the statement's transaction was rolled back. */
function isServerError(error: unknown): boolean {
  const e = error as { code?: unknown; severity?: unknown } | null;
  return typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string';
}

function isStreamPositionTaken(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === '23505' && e.constraint === 'events_stream_position';
}

type EventTextRow = Omit<EventRow, 'data' | 'metadata'> & { data: string; metadata: string };

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    streamId: row.stream_id,
    globalPosition: Number(row.global_position),
    position: Number(row.position),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
