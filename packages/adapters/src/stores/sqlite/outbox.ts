import type { Outbox, OutboxRecord } from '@onematter/engine';
import { assertPage } from '../appendRules.js';
import type { SqliteGroupCommit } from './eventLog.js';
import type { SqliteDatabase } from './schema.js';

/**
 * The SQLite outbox keeps only unpublished rows: `markPublished` deletes them, which keeps
 * the table small. Ids come from AUTOINCREMENT, so an id is never reused after a delete and
 * a relay may page by `after` safely.
 */
export class SqliteOutbox implements Outbox {
  constructor(
    private readonly sqlite: SqliteDatabase,
    private readonly commit: SqliteGroupCommit,
  ) {}

  async readOutbox(options: { after: number; limit: number }): Promise<OutboxRecord[]> {
    const s = this.sqlite.ready();
    assertPage(options, 'readOutbox');
    return s.readOutbox.all(options.after, options.limit).map((r) => ({
      id: r.id,
      topic: r.topic,
      key: r.key,
      headers: JSON.parse(r.headers) as Record<string, string>,
      value: JSON.parse(r.value) as unknown,
    }));
  }

  /**
   * Deletes published rows in the next group commit, sharing its fsync with the
   * appends queued there instead of paying one of its own.
   */
  markPublished(ids: readonly number[]): Promise<void> {
    this.sqlite.ready();
    if (ids.length === 0) return Promise.resolve();
    return this.commit.delete(ids);
  }
}
