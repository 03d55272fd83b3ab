/**
 * Read models in memory, for the memory store (and for KurrentDB, which has no tables:
 * see kurrentdb/index.ts). Documents go through JSON as the databases keep them, so nothing a
 * caller holds can change what is stored. Checkpoints live in the map the owner passes,
 * so the owner's `readCheckpoint(projection)` reports them.
 */
import type { ReadModelChange, ReadModelDocument, ReadModelKey, ReadModelQuery, ReadModelStore, ReadModelText } from '@onematter/engine';
import { toJsonText } from '../appendRules.js';

interface Row {
  key: string;
  position: number;
  tags: readonly string[];
  doc: string;
}

export class MemoryReadModels implements ReadModelStore {
  private readonly models = new Map<string, Map<string, Row>>();

  /** `assertOpen` is the owner's: a closed store's read models refuse like the store does. */
  constructor(
    private readonly checkpoints: Map<string, number> = new Map(),
    private readonly assertOpen: () => void = () => {},
  ) {}

  async readModelCheckpoint(projection: string): Promise<number> {
    this.assertOpen();
    return this.checkpoints.get(projection) ?? 0;
  }

  async commitReadModel(projection: string, change: ReadModelChange): Promise<boolean> {
    this.assertOpen();
    // Serialized before the check: a failure writes nothing.
    const rows = change.upserts.map((d) => ({ key: d.key, position: d.position, tags: [...d.tags], doc: toJsonText(d.doc) }));
    await Promise.resolve(); // like a round trip: concurrent commits interleave before the check
    if ((this.checkpoints.get(projection) ?? 0) !== change.expected) return false;
    const model = this.model(projection);
    for (const key of change.deletes) model.delete(key);
    for (const row of rows) model.set(row.key, row);
    this.checkpoints.set(projection, change.checkpoint);
    return true;
  }

  async getDocuments(projection: string, keys: readonly string[]): Promise<ReadModelDocument[]> {
    this.assertOpen();
    const model = this.model(projection);
    return [...new Set(keys)].flatMap((k) => {
      const row = model.get(k);
      return row ? [toDocument(row)] : [];
    });
  }

  async queryDocuments(projection: string, query: ReadModelQuery): Promise<ReadModelDocument[]> {
    this.assertOpen();
    return this.select(projection, query).map(toDocument);
  }

  async queryKeys(projection: string, query: ReadModelQuery): Promise<ReadModelKey[]> {
    this.assertOpen();
    return this.select(projection, query).map((r) => ({ key: r.key, position: r.position }));
  }

  async getDocumentTexts(projection: string, keys: readonly string[], omit: readonly string[] = []): Promise<ReadModelText[]> {
    this.assertOpen();
    const model = this.model(projection);
    return [...new Set(keys)].flatMap((key) => {
      const row = model.get(key);
      if (!row) return [];
      if (omit.length === 0) return [{ key, json: row.doc }];
      const doc = JSON.parse(row.doc) as unknown;
      if (doc && typeof doc === 'object' && !Array.isArray(doc)) for (const field of omit) delete (doc as Record<string, unknown>)[field];
      return [{ key, json: JSON.stringify(doc) }];
    });
  }

  private select(projection: string, query: ReadModelQuery): Row[] {
    const tags = query.tags ?? [];
    const before = query.before ?? Number.POSITIVE_INFINITY;
    return [...this.model(projection).values()]
      .filter((r) => r.position < before && tags.every((t) => r.tags.includes(t)))
      .sort((a, b) => b.position - a.position || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0))
      .slice(0, query.limit);
  }

  async countDocuments(projection: string, tag?: string): Promise<number> {
    this.assertOpen();
    let n = 0;
    for (const r of this.model(projection).values()) if (tag === undefined || r.tags.includes(tag)) n++;
    return n;
  }

  async resetReadModel(projection: string): Promise<void> {
    this.assertOpen();
    this.models.delete(projection);
    this.checkpoints.delete(projection);
  }

  private model(projection: string): Map<string, Row> {
    let m = this.models.get(projection);
    if (!m) this.models.set(projection, (m = new Map()));
    return m;
  }
}

function toDocument(row: Row): ReadModelDocument {
  return { key: row.key, position: row.position, tags: [...row.tags], doc: JSON.parse(row.doc) as unknown };
}
