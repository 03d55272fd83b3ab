/**
 * The PostgreSQL store's schema (versioned migrations, run by `init()` under an advisory
 * lock), its statements, and the connections every role of the store shares (see ./index.ts).
 */
import pg from 'pg';
import type { StoredEvent } from '@onematter/engine';
import { assertPage } from '../appendRules.js';
import { postgresReadModelTables } from './readModels.js';
import { transaction, type Rollback } from './transaction.js';

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
export const CLAIM_LOCK = 3;

/**
 * The group commit's statement (see index.ts). The r_* arrays describe the requests (sorted
 * by the caller), e_* their events and m_* their outbox rows, back to back; data, metadata,
 * headers and values come as JSON arrays of the texts the engine made (the json type, not
 * jsonb, keeps each text exactly as it was hashed). `published`: outbox ids to delete.
 * `firstOutboxId` (version 6): each accepted request's first outbox id is answered too.
 */
function appendBatchFunction(S: string, firstOutboxId: boolean): string {
  return `CREATE FUNCTION ${S}.append_batch(
        r_stream text[], r_expected bigint[], r_next bigint[], r_events integer[], r_messages integer[],
        e_stream text[], e_position bigint[], e_type text[], e_data json, e_metadata json,
        e_recorded_at text[], e_prev_hash text[], e_hash text[],
        m_topic text[], m_key text[], m_headers json, m_value json,
        published bigint[]
      ) RETURNS TABLE (accepted boolean, actual_revision bigint, last_position bigint${firstOutboxId ? ', first_outbox_id bigint' : ''})
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
          IF v_changed = 1 THEN${firstOutboxId ? '\n            first_outbox_id := CASE WHEN r_messages[i] > 0 THEN v_next_message END;' : ''}
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
            accepted := false; actual_revision := coalesce(v_current, -1); last_position := NULL;${firstOutboxId ? ' first_outbox_id := NULL;' : ''}
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
      $fn$;`;
}

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
    // Group commit: see index.ts and appendBatchFunction (the text this version has always had).
    sql: (S) => appendBatchFunction(S, false),
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
  {
    version: 6,
    // append_batch also answers each accepted request's first outbox id, so the appending
    // process can hand its rows to its relay (AppendResult.outboxIds). A caller that selects
    // only the first three columns (an older process during an upgrade) keeps working.
    sql: (S) => `
      DROP FUNCTION ${S}.append_batch(text[], bigint[], bigint[], integer[], integer[], text[], bigint[], text[], json, json,
        text[], text[], text[], text[], text[], json, json, bigint[]);
      ${appendBatchFunction(S, true)}`,
  },
];

export interface EventRow {
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

export type EventTextRow = Omit<EventRow, 'data' | 'metadata'> & { data: string; metadata: string };

const EVENT_COLUMNS = 'global_position, stream_id, position, type, data, metadata, recorded_at, prev_hash, hash';
/** Rows of transactions that may still commit are not shown: see index.ts. */
const SETTLED = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

/** The pools, the schema's name and statements, shared by the store's roles. */
export class PostgresDatabase {
  /** Connections for reads, claims and read models. */
  readonly pool: pg.Pool;
  /** Connections of the group commit's batches (see eventLog.ts). */
  readonly writers: pg.Pool;
  readonly schema: string;
  /** The quoted schema name, for SQL text. */
  readonly S: string;
  readonly sql: ReturnType<typeof statements>;
  readonly connectionString: string;
  readonly maxBatchesInFlight: number;
  closed = false;

  constructor(options: PostgresEventStoreOptions) {
    this.schema = options.schema ?? 'onematter';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(this.schema)) {
      throw new TypeError(`PostgresEventStore: schema name ${JSON.stringify(this.schema)} is not a plain identifier`);
    }
    this.S = `"${this.schema}"`;
    this.sql = statements(this.S);
    this.connectionString = options.connectionString;
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
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
    await this.transaction(async (client) => {
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
    });
  }

  /** `transaction` (below) on a connection of `pool`: the read pool unless told otherwise. */
  transaction<T>(body: (client: pg.PoolClient) => Promise<T | Rollback<T>>, pool: pg.Pool = this.pool): Promise<T> {
    return transaction(pool, body);
  }

  assertOpen(): void {
    if (this.closed) throw new Error('PostgresEventStore is closed');
  }

  /** One page of a read in settled order (`after`, `limit`), by its prepared statement. */
  async page<Row extends pg.QueryResultRow>(statement: 'readAll' | 'readAllText' | 'readOutbox', options: { after: number; limit: number }): Promise<Row[]> {
    assertPage(options, statement);
    const { rows } = await this.pool.query<Row>({ name: `${this.schema}.${statement}`, text: this.sql[statement], values: [options.after, options.limit] });
    return rows;
  }
}

function statements(S: string) {
  return {
    reserve: `SELECT first_event, first_message FROM ${S}.reserve_positions($1, $2)`,
    appendBatch: `SELECT accepted, actual_revision, last_position, first_outbox_id FROM ${S}.append_batch(
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
export function isServerError(error: unknown): boolean {
  const e = error as { code?: unknown; severity?: unknown } | null;
  return typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string';
}

export function isStreamPositionTaken(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === '23505' && e.constraint === 'events_stream_position';
}


export function toStoredEvent(row: EventRow): StoredEvent {
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
