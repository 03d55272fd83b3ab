/**
 * Read models in PostgreSQL, in the store's schema (tables from migration 4 in
 * schema.ts): `read_models` holds one row per document, `read_model_tags` one row per
 * (tag, document), so a query by tag walks the primary key backwards in position order
 * and stops after `limit`; further tags are checked on the document's `tags` array. A
 * commit is ONE statement (`commit_read_model`, in its own autocommit transaction) that
 * first compares and sets the projection's row in `checkpoints` (the row lock makes a
 * second writer wait, then fail the comparison), then writes the documents.
 */
import type pg from 'pg';
import type { ReadModelChange, ReadModelDocument, ReadModelKey, ReadModelQuery, ReadModelStore, ReadModelText } from '@onematter/engine';
import { toJsonText } from '../appendRules.js';
import { UnstorableDocumentError } from '../../projections/runner.js';
import { transaction } from './transaction.js';

export const postgresReadModelTables = (S: string) => `
  CREATE TABLE ${S}.read_models (
    projection text   NOT NULL,
    key        text   NOT NULL,
    position   bigint NOT NULL,
    tags       text[] NOT NULL,
    doc        json   NOT NULL,
    PRIMARY KEY (projection, key)
  );
  CREATE INDEX read_models_by_position ON ${S}.read_models (projection, position DESC);
  CREATE TABLE ${S}.read_model_tags (
    projection text   NOT NULL,
    tag        text   NOT NULL,
    position   bigint NOT NULL,
    key        text   NOT NULL,
    PRIMARY KEY (projection, tag, position, key)
  );
  -- One statement per commit: a transaction open across round trips would hold back
  -- what readAll and readOutbox show (see postgres.ts) for as long as it stays open.
  CREATE FUNCTION ${S}.commit_read_model(
    p_projection text, p_expected bigint, p_checkpoint bigint, p_upserts json, p_deletes text[]
  ) RETURNS boolean LANGUAGE plpgsql AS $fn$
  DECLARE
    v_changed integer;
    v_touched text[];
  BEGIN
    -- Compare and set the checkpoint first: a second writer waits on this row, then fails.
    IF p_expected = 0 THEN
      INSERT INTO ${S}.checkpoints AS c (name, position, updated_at) VALUES (p_projection, p_checkpoint, now())
        ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now() WHERE c.position = 0;
    ELSE
      UPDATE ${S}.checkpoints SET position = p_checkpoint, updated_at = now() WHERE name = p_projection AND position = p_expected;
    END IF;
    GET DIAGNOSTICS v_changed = ROW_COUNT;
    IF v_changed <> 1 THEN
      RETURN false;
    END IF;
    v_touched := p_deletes || ARRAY(SELECT u.k FROM json_to_recordset(p_upserts) AS u(k text));
    -- Only the tags a document loses (all of a deleted or moved one): most stay as they were.
    -- Each row to delete is found by its whole primary key.
    DELETE FROM ${S}.read_model_tags t
      USING (
        SELECT d.key, d.position, old.tag
        FROM ${S}.read_models d, unnest(d.tags) AS old(tag)
        WHERE d.projection = p_projection AND d.key = ANY(v_touched)
        EXCEPT
        SELECT u.k, u.p, new.tag
        FROM json_to_recordset(p_upserts) AS u(k text, p bigint, t json), json_array_elements_text(u.t) AS new(tag)
      ) AS gone
      WHERE t.projection = p_projection AND t.tag = gone.tag AND t.position = gone.position AND t.key = gone.key;
    DELETE FROM ${S}.read_models WHERE projection = p_projection AND key = ANY(p_deletes);
    INSERT INTO ${S}.read_models (projection, key, position, tags, doc)
      SELECT p_projection, u.k, u.p, ARRAY(SELECT json_array_elements_text(u.t)), u.d
      FROM json_to_recordset(p_upserts) AS u(k text, p bigint, t json, d json)
      ON CONFLICT (projection, key) DO UPDATE SET position = excluded.position, tags = excluded.tags, doc = excluded.doc;
    INSERT INTO ${S}.read_model_tags (projection, tag, position, key)
      SELECT p_projection, tag, u.p, u.k
      FROM json_to_recordset(p_upserts) AS u(k text, p bigint, t json), json_array_elements_text(u.t) AS tag
      ON CONFLICT DO NOTHING;
    RETURN true;
  END
  $fn$;
`;

interface DocRow {
  key: string;
  position: string;
  tags: string[];
  doc: unknown;
}

const DOC_COLUMNS = 'd.key, d.position, d.tags, d.doc';

export class PostgresReadModels implements ReadModelStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly S: string,
    private readonly assertOpen: () => void,
  ) {}

  async readModelCheckpoint(projection: string): Promise<number> {
    this.assertOpen();
    const { rows } = await this.pool.query<{ position: string }>(`SELECT position FROM ${this.S}.checkpoints WHERE name = $1`, [projection]);
    return rows[0] ? Number(rows[0].position) : 0;
  }

  async commitReadModel(projection: string, change: ReadModelChange): Promise<boolean> {
    this.assertOpen();
    const S = this.S;
    // Document texts spliced into one JSON parameter, as made: nothing escaped twice.
    const upserts = `[${change.upserts
      .map((d) => `{"k":${JSON.stringify(d.key)},"p":${d.position},"t":${JSON.stringify(d.tags)},"d":${toJsonText(d.doc)}}`)
      .join(',')}]`;
    try {
      const { rows } = await this.pool.query<{ committed: boolean }>(
        `SELECT ${S}.commit_read_model($1, $2, $3, $4::json, $5::text[]) AS committed`,
        [projection, change.expected, change.checkpoint, upserts, change.deletes],
      );
      return rows[0]!.committed;
    } catch (error) {
      // Data exceptions (class 22: text PostgreSQL refuses, such as \u0000 or a lone surrogate)
      // and program limits (54: an index row too large) fail the same way every time.
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && (code.startsWith('22') || code.startsWith('54'))) {
        throw new UnstorableDocumentError(`PostgreSQL refused a document (${code}): ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  }

  async getDocuments(projection: string, keys: readonly string[]): Promise<ReadModelDocument[]> {
    this.assertOpen();
    if (keys.length === 0) return [];
    const { rows } = await this.pool.query<DocRow>(
      `SELECT ${DOC_COLUMNS} FROM ${this.S}.read_models d WHERE d.projection = $1 AND d.key = ANY($2::text[])`,
      [projection, [...new Set(keys)]],
    );
    return rows.map(toDocument);
  }

  async queryDocuments(projection: string, query: ReadModelQuery): Promise<ReadModelDocument[]> {
    return (await this.select<DocRow>(projection, query, DOC_COLUMNS)).map(toDocument);
  }

  async queryKeys(projection: string, query: ReadModelQuery): Promise<ReadModelKey[]> {
    return (await this.select<{ key: string; position: string }>(projection, query, 'd.key, d.position')).map((r) => ({ key: r.key, position: Number(r.position) }));
  }

  /** The first tag walks the primary key of read_model_tags; the others are checked on the document's tags. */
  private async select<R extends pg.QueryResultRow>(projection: string, query: ReadModelQuery, columns: string): Promise<R[]> {
    this.assertOpen();
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    const [first, ...others] = query.tags ?? [];
    const { rows } =
      first === undefined
        ? await this.pool.query<R>(
            `SELECT ${columns} FROM ${this.S}.read_models d
             WHERE d.projection = $1 AND d.position < $2 ORDER BY d.position DESC, d.key DESC LIMIT $3`,
            [projection, before, query.limit],
          )
        : await this.pool.query<R>(
            `SELECT ${columns}
             FROM ${this.S}.read_model_tags t JOIN ${this.S}.read_models d ON d.projection = t.projection AND d.key = t.key
             WHERE t.projection = $1 AND t.tag = $2 AND t.position < $3 AND d.tags @> $4::text[]
             ORDER BY t.position DESC, t.key DESC LIMIT $5`,
            [projection, first, before, others, query.limit],
          );
    return rows;
  }

  async getDocumentTexts(projection: string, keys: readonly string[], omit: readonly string[] = []): Promise<ReadModelText[]> {
    this.assertOpen();
    if (keys.length === 0) return [];
    // Without jsonb, which would refuse text the json column holds (\u0000); key order is kept.
    const { rows } = await this.pool.query<ReadModelText>(
      omit.length === 0
        ? `SELECT d.key, d.doc::text AS json FROM ${this.S}.read_models d WHERE d.projection = $1 AND d.key = ANY($2::text[])`
        : `SELECT d.key, CASE WHEN json_typeof(d.doc) = 'object'
             THEN coalesce((SELECT json_object_agg(f.key, f.value ORDER BY f.n) FROM json_each(d.doc) WITH ORDINALITY AS f(key, value, n) WHERE f.key <> ALL($3::text[])), '{}'::json)::text
             ELSE d.doc::text END AS json
           FROM ${this.S}.read_models d WHERE d.projection = $1 AND d.key = ANY($2::text[])`,
      omit.length === 0 ? [projection, [...new Set(keys)]] : [projection, [...new Set(keys)], omit],
    );
    return rows;
  }

  async countDocuments(projection: string, tag?: string): Promise<number> {
    this.assertOpen();
    const { rows } =
      tag === undefined
        ? await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.S}.read_models WHERE projection = $1`, [projection])
        : await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.S}.read_model_tags WHERE projection = $1 AND tag = $2`, [
            projection,
            tag,
          ]);
    return Number(rows[0]?.n ?? 0);
  }

  async resetReadModel(projection: string): Promise<void> {
    this.assertOpen();
    await transaction(this.pool, async (client) => {
      // The checkpoint row first: a runner committing meanwhile waits, then fails its comparison.
      await client.query(`DELETE FROM ${this.S}.checkpoints WHERE name = $1`, [projection]);
      await client.query(`DELETE FROM ${this.S}.read_model_tags WHERE projection = $1`, [projection]);
      await client.query(`DELETE FROM ${this.S}.read_models WHERE projection = $1`, [projection]);
    });
  }
}

function toDocument(row: DocRow): ReadModelDocument {
  return { key: row.key, position: Number(row.position), tags: row.tags, doc: row.doc };
}
