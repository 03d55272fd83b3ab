import type { Outbox, OutboxRecord } from '@onematter/engine';
import { assertPage } from '../appendRules.js';
import { MESSAGES_PER_EVENT, logPositionOf, type KurrentDbConnection, type StoredMetadata } from './schema.js';

/**
 * The event log is the outbox: an append's messages ride in its last event's metadata,
 * `readOutbox` takes them out of $all, and `markPublished` remembers ids above a
 * low-water mark saved in a checkpoint stream (see ./index.ts).
 */
export class KurrentDbOutbox implements Outbox {
  private readonly published = new Set<number>();
  /** Every message with an id up to this one has been published (saved in a checkpoint stream). */
  private publishedUpTo = 0;
  private advancing?: Promise<void>;

  constructor(private readonly kdb: KurrentDbConnection) {}

  /** Loads the low-water mark (at init). */
  async load(): Promise<void> {
    this.publishedUpTo = Math.max(this.publishedUpTo, await this.kdb.readCheckpointStream('$outbox'));
  }

  /** Lets the low-water mark's last save finish (at close). */
  async settle(): Promise<void> {
    await this.advancing?.catch(() => {});
  }

  async readOutbox(options: { after: number; limit: number }): Promise<OutboxRecord[]> {
    this.kdb.assertOpen();
    assertPage(options, 'readOutbox');
    const after = Math.max(options.after, this.publishedUpTo);
    const from = Math.floor(after / MESSAGES_PER_EVENT);
    const out: OutboxRecord[] = [];
    for await (const resolved of this.kdb.readAllFrom(from)) {
      const e = resolved.event!;
      const globalPosition = logPositionOf(e); // messages ride on an append's last event
      const outbox = (e.metadata as unknown as StoredMetadata | undefined)?.outbox ?? [];
      for (let i = 0; i < outbox.length; i++) {
        const id = globalPosition * MESSAGES_PER_EVENT + i;
        if (id <= after || this.published.has(id)) continue;
        const m = outbox[i]!;
        out.push({ id, topic: m.topic, key: m.key, headers: m.headers, value: m.value });
        if (out.length === options.limit) return out;
      }
    }
    return out;
  }

  async markPublished(ids: readonly number[]): Promise<void> {
    this.kdb.assertOpen();
    for (const id of ids) if (id > this.publishedUpTo) this.published.add(id);
    if (ids.length > 0) await this.advancePublished();
  }

  /**
   * Moves the low-water mark over every message published in order since it, and saves
   * it; ids above it stay in memory. One pass at a time; calls meanwhile join the next.
   */
  private advancePublished(): Promise<void> {
    const run = async (): Promise<void> => {
      let mark = this.publishedUpTo;
      scan: for await (const resolved of this.kdb.readAllFrom(Math.floor(mark / MESSAGES_PER_EVENT))) {
        const e = resolved.event!;
        const outbox = (e.metadata as unknown as StoredMetadata | undefined)?.outbox ?? [];
        for (let i = 0; i < outbox.length; i++) {
          const id = logPositionOf(e) * MESSAGES_PER_EVENT + i;
          if (id <= mark) continue;
          if (!this.published.has(id)) break scan;
          mark = id;
        }
      }
      if (mark === this.publishedUpTo) return;
      await this.kdb.writeCheckpointStream('$outbox', mark);
      this.publishedUpTo = mark;
      for (const id of this.published) if (id <= mark) this.published.delete(id);
    };
    const next = (this.advancing ?? Promise.resolve()).catch(() => {}).then(run);
    this.advancing = next;
    return next;
  }
}
