import type { Outbox, OutboxRecord } from '@onematter/engine';
import { assertPage } from '../appendRules.js';
import type { PostgresGroupCommit } from './eventLog.js';
import { CLAIM_LOCK, type PostgresDatabase } from './schema.js';

/**
 * The PostgreSQL outbox keeps only unpublished rows; `markPublished` deletes them,
 * piggybacked on the next batch. Several relays share it by leases (`claimOutbox`,
 * see ./index.ts).
 */
export class PostgresOutbox implements Outbox {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly commit: PostgresGroupCommit,
  ) {}

  async readOutbox(options: { after: number; limit: number }): Promise<OutboxRecord[]> {
    const rows = await this.db.page<{ id: string; topic: string; key: string; headers: Record<string, string>; value: unknown }>('readOutbox', options);
    return rows.map((r) => ({ id: Number(r.id), topic: r.topic, key: r.key, headers: r.headers, value: r.value }));
  }

  /**
   * Leases rows to `owner` (see ./index.ts and Outbox.claimOutbox). One short
   * transaction: the claim lock, then one UPDATE whose snapshot sees every earlier claim.
   */
  async claimOutbox(options: { owner: string; limit: number; leaseMs: number }): Promise<OutboxRecord[]> {
    this.db.assertOpen();
    assertPage({ after: 0, limit: options.limit }, 'claimOutbox');
    if (!(options.leaseMs > 0)) throw new TypeError('claimOutbox: leaseMs must be positive');
    const rows = await this.db.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1), $2)', [this.db.schema, CLAIM_LOCK]);
      const claimed = await client.query<{ id: string; topic: string; key: string; headers: Record<string, string>; value: unknown }>({
        name: `${this.db.schema}.claimOutbox`,
        text: this.db.sql.claimOutbox,
        values: [options.owner, options.limit, options.leaseMs],
      });
      return claimed.rows;
    });
    return rows.map((r) => ({ id: Number(r.id), topic: r.topic, key: r.key, headers: r.headers, value: r.value })).sort((a, b) => a.id - b.id);
  }

  async extendOutboxClaim(options: { owner: string; ids: readonly number[]; leaseMs: number }): Promise<number> {
    this.db.assertOpen();
    if (!(options.leaseMs > 0)) throw new TypeError('extendOutboxClaim: leaseMs must be positive');
    if (options.ids.length === 0) return 0;
    const r = await this.db.pool.query({
      name: `${this.db.schema}.extendOutboxClaim`,
      text: this.db.sql.extendOutboxClaim,
      values: [options.owner, options.ids, options.leaseMs],
    });
    return r.rowCount ?? 0;
  }

  /** Deletes the rows in the next batch, sharing its transaction instead of paying one of its own. */
  markPublished(ids: readonly number[]): Promise<void> {
    if (this.db.closed) return Promise.reject(new Error('PostgresEventStore is closed'));
    if (ids.length === 0) return Promise.resolve();
    return this.commit.delete([...ids]);
  }
}
