/**
 * Read models in the SQLite file, next to the events (tables from migration 3 in
 * sqlite.ts): `read_models` holds one row per document, `read_model_tags` one row per
 * (tag, document) so a query by tag walks an index in position order and stops after
 * `limit`. A commit is one transaction with the checkpoint row, compared and set.
 */
import type Database from 'better-sqlite3';
import type { ReadModelChange, ReadModelDocument, ReadModelKey, ReadModelQuery, ReadModelStore, ReadModelText } from '@onematter/engine';
import { toJsonText } from '../appendRules.js';
import { withoutFsync } from './schema.js';

export const SQLITE_READ_MODEL_TABLES = `
  CREATE TABLE read_models (
    projection TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    tags       TEXT    NOT NULL, -- JSON array of strings
    doc        TEXT    NOT NULL, -- JSON
    PRIMARY KEY (projection, key)
  ) WITHOUT ROWID;
  CREATE INDEX read_models_by_position ON read_models (projection, position DESC);
  CREATE TABLE read_model_tags (
    projection TEXT    NOT NULL,
    tag        TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    key        TEXT    NOT NULL,
    PRIMARY KEY (projection, tag, position, key)
  ) WITHOUT ROWID;
`;

interface DocRow {
  key: string;
  position: number;
  tags: string;
  doc: string;
}

const DOC_COLUMNS = 'd.key, d.position, d.tags, d.doc';
const DOC_JOIN = 'JOIN read_models d ON d.projection = t.projection AND d.key = t.key';

const allSql = (columns: string) =>
  `SELECT ${columns} FROM read_models d WHERE d.projection = ? AND d.position < ? ORDER BY d.position DESC, d.key DESC LIMIT ?`;

/** The first tag walks its index; the others are looked up per candidate. */
const taggedSql = (columns: string, join: string) =>
  `SELECT ${columns}
   FROM read_model_tags t ${join}
   WHERE t.projection = ? AND t.tag = ? AND t.position < ?
     AND NOT EXISTS (
       SELECT 1 FROM json_each(?) other WHERE NOT EXISTS (
         SELECT 1 FROM read_model_tags t2
         WHERE t2.projection = t.projection AND t2.tag = other.value AND t2.position = t.position AND t2.key = t.key))
   ORDER BY t.position DESC, t.key DESC LIMIT ?`;

function prepare(db: Database.Database) {
  return {
    checkpoint: db.prepare<[string], { position: number }>('SELECT position FROM checkpoints WHERE name = ?'),
    saveCheckpoint: db.prepare<[string, number, string]>(
      'INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at',
    ),
    get: db.prepare<[string, string], DocRow>('SELECT key, position, tags, doc FROM read_models WHERE projection = ? AND key = ?'),
    tagsOf: db.prepare<[string, string], { position: number; tags: string }>('SELECT position, tags FROM read_models WHERE projection = ? AND key = ?'),
    deleteDoc: db.prepare<[string, string]>('DELETE FROM read_models WHERE projection = ? AND key = ?'),
    deleteTag: db.prepare<[string, string, number, string]>(
      'DELETE FROM read_model_tags WHERE projection = ? AND tag = ? AND position = ? AND key = ?',
    ),
    putDoc: db.prepare<[string, string, number, string, string]>(
      `INSERT INTO read_models (projection, key, position, tags, doc) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (projection, key) DO UPDATE SET position = excluded.position, tags = excluded.tags, doc = excluded.doc`,
    ),
    putTag: db.prepare<[string, string, number, string]>(
      'INSERT OR IGNORE INTO read_model_tags (projection, tag, position, key) VALUES (?, ?, ?, ?)',
    ),
    all: db.prepare<[string, number, number], DocRow>(allSql(DOC_COLUMNS)),
    tagged: db.prepare<[string, string, number, string, number], DocRow>(taggedSql(DOC_COLUMNS, DOC_JOIN)),
    allKeys: db.prepare<[string, number, number], ReadModelKey>(allSql('d.key, d.position')),
    taggedKeys: db.prepare<[string, string, number, string, number], ReadModelKey>(taggedSql('t.key, t.position', '')),
    count: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM read_models WHERE projection = ?'),
    countTag: db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM read_model_tags WHERE projection = ? AND tag = ?'),
    resetDocs: db.prepare<[string]>('DELETE FROM read_models WHERE projection = ?'),
    resetTags: db.prepare<[string]>('DELETE FROM read_model_tags WHERE projection = ?'),
    resetCheckpoint: db.prepare<[string]>('DELETE FROM checkpoints WHERE name = ?'),
  };
}

export class SqliteReadModels implements ReadModelStore {
  private s?: ReturnType<typeof prepare>;
  private readonly texts = new Map<number, Database.Statement<unknown[], ReadModelText>>();

  /** `ready` throws if the store is closed or not initialized; it runs before every call. */
  constructor(
    private readonly db: Database.Database,
    private readonly ready: () => void,
  ) {}

  async readModelCheckpoint(projection: string): Promise<number> {
    return this.statements().checkpoint.get(projection)?.position ?? 0;
  }

  async commitReadModel(projection: string, change: ReadModelChange): Promise<boolean> {
    const s = this.statements();
    const upserts = change.upserts.map((d) => ({ ...d, tagsText: JSON.stringify(d.tags), docText: toJsonText(d.doc) }));
    // Derived from the log: its commit need not wait for an fsync (schema.ts, withoutFsync).
    const tx = this.db.transaction((): boolean => {
        if ((s.checkpoint.get(projection)?.position ?? 0) !== change.expected) return false;
        for (const key of change.deletes) {
          this.removeTags(projection, key, undefined);
          s.deleteDoc.run(projection, key);
        }
        for (const d of upserts) {
          // Only the tag rows that change: most of a document's tags stay as they were.
          const kept = this.removeTags(projection, d.key, d);
          s.putDoc.run(projection, d.key, d.position, d.tagsText, d.docText);
          for (const tag of d.tags) if (!kept?.has(tag)) s.putTag.run(projection, tag, d.position, d.key);
        }
        s.saveCheckpoint.run(projection, change.checkpoint, new Date().toISOString());
        return true;
      });
    return withoutFsync(this.db, () => tx.immediate());
  }

  async getDocuments(projection: string, keys: readonly string[]): Promise<ReadModelDocument[]> {
    const s = this.statements();
    return [...new Set(keys)].flatMap((key) => {
      const row = s.get.get(projection, key);
      return row ? [toDocument(row)] : [];
    });
  }

  async queryDocuments(projection: string, query: ReadModelQuery): Promise<ReadModelDocument[]> {
    const s = this.statements();
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    const [first, ...others] = query.tags ?? [];
    const rows =
      first === undefined
        ? s.all.all(projection, before, query.limit)
        : s.tagged.all(projection, first, before, JSON.stringify(others), query.limit);
    return rows.map(toDocument);
  }

  async queryKeys(projection: string, query: ReadModelQuery): Promise<ReadModelKey[]> {
    const s = this.statements();
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    const [first, ...others] = query.tags ?? [];
    return first === undefined ? s.allKeys.all(projection, before, query.limit) : s.taggedKeys.all(projection, first, before, JSON.stringify(others), query.limit);
  }

  async getDocumentTexts(projection: string, keys: readonly string[], omit: readonly string[] = []): Promise<ReadModelText[]> {
    this.statements();
    if (keys.length === 0) return [];
    // json_remove in SQLite keeps the rest of the text as stored (key order, numbers); one statement per count of fields left out.
    let texts = this.texts.get(omit.length);
    if (!texts) {
      const json = omit.length === 0 ? 'd.doc' : `json_remove(d.doc${', ?'.repeat(omit.length)})`;
      texts = this.db.prepare<unknown[], ReadModelText>(
        `SELECT d.key, ${json} AS json FROM read_models d WHERE d.projection = ? AND d.key IN (SELECT value FROM json_each(?))`,
      );
      this.texts.set(omit.length, texts);
    }
    return texts.all(...omit.map((field) => `$.${JSON.stringify(field)}`), projection, JSON.stringify(keys));
  }

  async countDocuments(projection: string, tag?: string): Promise<number> {
    const s = this.statements();
    return (tag === undefined ? s.count.get(projection) : s.countTag.get(projection, tag))?.n ?? 0;
  }

  async resetReadModel(projection: string): Promise<void> {
    const s = this.statements();
    this.db
      .transaction(() => {
        s.resetTags.run(projection);
        s.resetDocs.run(projection);
        s.resetCheckpoint.run(projection);
      })
      .immediate();
  }

  /**
   * Deletes the tag rows of the stored document `key` that its replacement `next` does not
   * have (all of them if there is none, or it moved); returns the tags whose rows stay.
   */
  private removeTags(projection: string, key: string, next: { position: number; tagsText: string; tags: readonly string[] } | undefined): Set<string> | undefined {
    const s = this.statements();
    const old = s.tagsOf.get(projection, key);
    if (!old) return undefined;
    const same = next !== undefined && next.position === old.position;
    if (same && old.tags === next.tagsText) return new Set(next.tags);
    const wanted = same ? new Set(next.tags) : undefined;
    const kept = new Set<string>();
    for (const tag of JSON.parse(old.tags) as string[]) {
      if (wanted?.has(tag)) kept.add(tag);
      else s.deleteTag.run(projection, tag, old.position, key);
    }
    return kept;
  }

  private statements(): ReturnType<typeof prepare> {
    this.ready();
    return (this.s ??= prepare(this.db));
  }
}

function toDocument(row: DocRow): ReadModelDocument {
  return { key: row.key, position: row.position, tags: JSON.parse(row.tags) as string[], doc: JSON.parse(row.doc) as unknown };
}
