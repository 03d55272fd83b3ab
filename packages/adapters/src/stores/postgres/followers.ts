import pg from 'pg';
import type { Followers } from '@onematter/engine';
import type { PostgresDatabase } from './schema.js';

/** The PostgreSQL checkpoints, and leadership for the jobs that must run once (see ./index.ts). */
export class PostgresFollowers implements Followers {
  /** Connections holding (or trying for) a leader lock, by name: see tryLead. */
  private readonly leads = new Map<string, { client: pg.Client; held: boolean }>();

  constructor(private readonly db: PostgresDatabase) {}

  async readCheckpoint(name: string): Promise<number> {
    this.db.assertOpen();
    const { rows } = await this.db.pool.query<{ position: string }>(`SELECT position FROM ${this.db.S}.checkpoints WHERE name = $1`, [name]);
    return rows[0] ? Number(rows[0].position) : 0;
  }

  async saveCheckpoint(name: string, position: number): Promise<void> {
    this.db.assertOpen();
    await this.db.pool.query(
      `INSERT INTO ${this.db.S}.checkpoints (name, position, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()`,
      [name, position],
    );
  }

  /**
   * A session advisory lock on a connection of its own (not the pool's), kept while held:
   * it ends with `close()`, or with the connection when the process dies. While held, a
   * call checks that the connection still answers (if it broke, the lock is gone).
   */
  async tryLead(name: string): Promise<boolean> {
    if (this.db.closed) return false;
    let lead = this.leads.get(name);
    if (!lead) {
      const client = new pg.Client({ connectionString: this.db.connectionString });
      client.on('error', () => {
        if (this.leads.get(name)?.client === client) this.leads.delete(name);
        client.end().catch(() => {});
      });
      lead = { client, held: false };
      this.leads.set(name, lead);
      try {
        await client.connect();
      } catch {
        this.leads.delete(name);
        await client.end().catch(() => {});
        return false;
      }
    }
    try {
      if (lead.held) {
        await lead.client.query('SELECT 1');
        return true;
      }
      const { rows } = await lead.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [
        `${this.db.schema}:lead:${name}`,
      ]);
      lead.held = rows[0]?.ok === true;
      return lead.held && !this.db.closed;
    } catch {
      if (this.leads.get(name) === lead) this.leads.delete(name);
      await lead.client.end().catch(() => {});
      return false;
    }
  }

  /** Ends the leaders' connections: their locks go with them. */
  async release(): Promise<void> {
    const leads = [...this.leads.values()];
    this.leads.clear();
    await Promise.all(leads.map((l) => l.client.end().catch(() => {})));
  }
}
