import pg from 'pg';

export const TEST_PG_URL = process.env.ONEMATTER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** undefined when PostgreSQL answers, else why not (tests skip with it locally and fail with it under CI). */
export async function whyUnreachable(connectionString = TEST_PG_URL): Promise<string | undefined> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drops a test's schema and everything in it. */
export async function dropSchema(schema: string, connectionString = TEST_PG_URL): Promise<void> {
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
}
