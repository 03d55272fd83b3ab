import type { Outbox, OutboxRecord } from '@onematter/engine';
import { assertPage } from '../appendRules.js';
import type { MemoryDatabase } from './schema.js';

/** The memory store's outbox: rows written by the event log's appends, in id order until published. */
export class MemoryOutbox implements Outbox {
  constructor(private readonly db: MemoryDatabase) {}

  async readOutbox(options: { after: number; limit: number }): Promise<OutboxRecord[]> {
    this.db.assertOpen();
    assertPage(options, 'readOutbox');
    const rows: OutboxRecord[] = [];
    // Map iteration follows insertion order, which is id order.
    for (const row of this.db.outbox.values()) {
      if (row.id <= options.after) continue;
      rows.push({ id: row.id, topic: row.topic, key: row.key, headers: JSON.parse(row.headers), value: JSON.parse(row.value) });
      if (rows.length === options.limit) break;
    }
    return rows;
  }

  async markPublished(ids: readonly number[]): Promise<void> {
    this.db.assertOpen();
    for (const id of ids) this.db.outbox.delete(id);
  }
}
