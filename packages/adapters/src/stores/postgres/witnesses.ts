import type { StoredEventText, StreamHead, StreamRevision, Witnesses } from '@onematter/engine';
import type { EventTextRow, PostgresDatabase } from './schema.js';

/** What the PostgreSQL store offers an auditor: the JSON text as hashed, stream heads, its stream index. */
export class PostgresWitnesses implements Witnesses {
  constructor(private readonly db: PostgresDatabase) {}

  async readAllText(options: { after: number; limit: number }): Promise<StoredEventText[]> {
    return (await this.db.page<EventTextRow>('readAllText', options)).map((row) => ({
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
    const { rows } = await this.db.pool.query<{ stream_id: string; position: string; hash: string }>({
      name: `${this.db.schema}.streamHeads`,
      text: this.db.sql.streamHeads,
      values: [options.before ?? null],
    });
    return rows.map((r) => ({ streamId: r.stream_id, position: Number(r.position), hash: r.hash }));
  }

  async readStreamIndex(options: { streamId?: string } = {}): Promise<StreamRevision[]> {
    const { rows } = await this.db.pool.query<{ stream_id: string; revision: string }>({
      name: `${this.db.schema}.streamIndex`,
      text: this.db.sql.streamIndex,
      values: [options.streamId ?? null],
    });
    return rows.map((r) => ({ streamId: r.stream_id, revision: Number(r.revision) }));
  }
}
