import type { StoredEventText, StreamHead, StreamRevision, Witnesses } from '@onematter/engine';
import { assertPage } from '../appendRules.js';
import type { SqliteDatabase } from './schema.js';

/** What the SQLite store offers an auditor: the raw JSON text, stream heads, its stream index, a gapless order. */
export class SqliteWitnesses implements Witnesses {
  /** One writer at a time and AUTOINCREMENT, undone with a rolled-back append: a gap is a deletion. */
  readonly gaplessGlobalOrder = true;

  constructor(private readonly sqlite: SqliteDatabase) {}

  async readAllText(options: { after: number; limit: number }): Promise<StoredEventText[]> {
    const s = this.sqlite.ready();
    assertPage(options, 'readAllText');
    const rows = s.readAll.all(options.after, options.limit);
    const events = new Array<StoredEventText>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      events[i] = { streamId: r[1], globalPosition: r[0], position: r[2], type: r[3], dataText: r[4], metadataText: r[5], recordedAt: r[6], prevHash: r[7], hash: r[8] };
    }
    return events;
  }

  async readStreamHeads(options: { before?: string } = {}): Promise<StreamHead[]> {
    // '\uffff' sorts after every ISO time: no bound.
    return this.sqlite.ready()
      .streamHeads.all(options.before ?? '\uffff')
      .map((r) => ({ streamId: r.stream_id, position: r.position, hash: r.hash }));
  }

  async readStreamIndex(options: { streamId?: string } = {}): Promise<StreamRevision[]> {
    const s = this.sqlite.ready();
    if (options.streamId !== undefined) {
      // The append's own revision check reads the same row.
      const row = s.revision.get(options.streamId);
      return row ? [{ streamId: options.streamId, revision: row.revision }] : [];
    }
    return s.streamIndex.all().map((r) => ({ streamId: r.stream_id, revision: r.revision }));
  }
}
