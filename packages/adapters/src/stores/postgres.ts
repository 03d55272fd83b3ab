/**
 * The PostgreSQL event store (`pg` pool). All tables live in one schema (default
 * `onematter`), created and migrated by `init()` under an advisory lock, so two
 * processes starting at once migrate one after the other.
 *
 * An append is one transaction: compare-and-set the stream's revision in `streams`,
 * insert the events and the outbox rows, commit. Concurrent transactions run side by
 * side (the pool); two appends to one stream meet on the `streams` row, and the loser
 * sees the winner's revision and resolves to a Concurrency error.
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
 * appends are simply never used (gaps are allowed). The price: any long transaction in
 * the cluster holds back what `readAll`/`readOutbox` return until it ends, never what
 * `readStream` returns.
 *
 * The outbox keeps only unpublished rows; `markPublished` deletes them.
 */
import pg from 'pg';
import type {
  AppendRequest,
  AppendResult,
  EventStore,
  OutboxRecord,
  StoredEvent,
} from '@onematter/engine';
import { assertPage, assertWellFormed, concurrencyError, toJsonText } from './appendRules.js';

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Schema holding the tables; created if missing. Default 'onematter'. */
  schema?: string;
  /** Connections in the pool, i.e. appends in flight at once. Default 10. */
  poolSize?: number;
}

/** Second key of the two-part advisory locks; the first is hashtext(schema). */
const MIGRATION_LOCK = 1;
const POSITION_LOCK = 2;

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

const EVENT_COLUMNS = 'global_position, stream_id, position, type, data, metadata, recorded_at, prev_hash, hash';
/** Rows of transactions that may still commit are not shown: see the file comment. */
const SETTLED = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

export class PostgresEventStore implements EventStore {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly S: string;
  private readonly sql: ReturnType<typeof statements>;
  private readonly inFlight = new Set<Promise<AppendResult>>();
  private closed = false;

  constructor(options: PostgresEventStoreOptions) {
    this.schema = options.schema ?? 'onematter';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(this.schema)) {
      throw new TypeError(`PostgresEventStore: schema name ${JSON.stringify(this.schema)} is not a plain identifier`);
    }
    this.S = `"${this.schema}"`;
    this.sql = statements(this.S);
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
    // An idle connection that dies (server restart) is dropped by the pool; without a
    // listener the 'error' event would crash the process.
    this.pool.on('error', () => {});
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
    if (this.closed) return Promise.reject(new Error('PostgresEventStore is closed'));
    const appending = this.appendNow(request);
    const forget = () => void this.inFlight.delete(appending);
    this.inFlight.add(appending);
    appending.then(forget, forget);
    return appending;
  }

  private async appendNow(request: AppendRequest): Promise<AppendResult> {
    assertWellFormed(request);
    const { streamId, events, expectedRevision } = request;
    const outbox = request.outbox ?? [];
    const first = events[0]!.position;
    const nextRevision = events[events.length - 1]!.position;
    // 'any' skips the comparison, but the positions must still continue the stream.
    const expected = expectedRevision === 'any' ? first - 1 : expectedRevision;
    // Serialize before taking a connection: unserializable data fails fast.
    const data = events.map((e) => toJsonText(e.data));
    const metadata = events.map((e) => toJsonText(e.metadata));
    const headers = outbox.map((m) => toJsonText(m.headers));
    const values = outbox.map((m) => toJsonText(m.value));

    const client = await this.pool.connect();
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
        return concurrencyError(streamId, expectedRevision, await this.revisionOf(client, streamId));
      }
      // An error inside reserve_positions could leave the session lock held: drop the
      // connection rather than return it to the pool.
      broken ??= error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async readStream(streamId: string, options: { fromPosition?: number; maxCount?: number } = {}): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>({
      name: `${this.schema}.readStream`,
      text: this.sql.readStream,
      values: [streamId, options.fromPosition ?? 0, options.maxCount ?? null],
    });
    return rows.map(toStoredEvent);
  }

  async readAll(options: { after: number; limit: number }): Promise<StoredEvent[]> {
    assertPage(options, 'readAll');
    const { rows } = await this.pool.query<EventRow>({
      name: `${this.schema}.readAll`,
      text: this.sql.readAll,
      values: [options.after, options.limit],
    });
    return rows.map(toStoredEvent);
  }

  async headPosition(): Promise<number> {
    const { rows } = await this.pool.query<{ global_position: string }>({
      name: `${this.schema}.head`,
      text: this.sql.head,
    });
    return rows.length === 0 ? 0 : Number(rows[0]!.global_position);
  }

  async readOutbox(options: { after: number; limit: number }): Promise<OutboxRecord[]> {
    assertPage(options, 'readOutbox');
    const { rows } = await this.pool.query<{ id: string; topic: string; key: string; headers: Record<string, string>; value: unknown }>({
      name: `${this.schema}.readOutbox`,
      text: this.sql.readOutbox,
      values: [options.after, options.limit],
    });
    return rows.map((r) => ({ id: Number(r.id), topic: r.topic, key: r.key, headers: r.headers, value: r.value }));
  }

  async markPublished(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query(`DELETE FROM ${this.S}.outbox WHERE id = ANY($1::bigint[])`, [ids]);
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

  /** Lets appends already accepted finish, then closes the pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.pool.end();
  }

  private async revisionOf(client: pg.PoolClient, streamId: string): Promise<number> {
    const { rows } = await client.query<{ revision: string }>(`SELECT revision FROM ${this.S}.streams WHERE stream_id = $1`, [streamId]);
    return rows.length === 0 ? -1 : Number(rows[0]!.revision);
  }
}

function statements(S: string) {
  return {
    reserve: `SELECT first_event, first_message FROM ${S}.reserve_positions($1, $2)`,
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
    readAll: `SELECT ${EVENT_COLUMNS} FROM ${S}.events
      WHERE global_position > $1 AND ${SETTLED} ORDER BY global_position LIMIT $2`,
    head: `SELECT global_position FROM ${S}.events WHERE ${SETTLED} ORDER BY global_position DESC LIMIT 1`,
    readOutbox: `SELECT id, topic, key, headers, value FROM ${S}.outbox
      WHERE id > $1 AND ${SETTLED} ORDER BY id LIMIT $2`,
  };
}

function isStreamPositionTaken(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === '23505' && e.constraint === 'events_stream_position';
}

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
