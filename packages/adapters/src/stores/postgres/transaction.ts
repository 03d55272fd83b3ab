/**
 * The one way this store runs a transaction of several statements (most writes are one
 * autocommit statement instead: see ./index.ts).
 */
import type pg from 'pg';

/** What a transaction's body returns to keep nothing it did: ROLLBACK instead of COMMIT, and `value` as the answer. */
export class Rollback<T> {
  constructor(readonly value: T) {}
}

/**
 * Runs `body` in one transaction on a connection of `pool`: BEGIN (the server's default
 * isolation, read committed), then COMMIT, or ROLLBACK if the body returns a `Rollback`.
 * If anything fails, ROLLBACK and the error is thrown again; nothing is retried. The
 * connection is then dropped rather than returned to the pool: whatever the failed body
 * left on its session (a session advisory lock, a transaction a failed ROLLBACK left
 * open) goes with it.
 */
export async function transaction<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<T | Rollback<T>>): Promise<T> {
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await body(client);
    if (result instanceof Rollback) {
      await client.query('ROLLBACK');
      return result.value;
    }
    await client.query('COMMIT');
    return result;
  } catch (error) {
    failed = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release(failed);
  }
}
