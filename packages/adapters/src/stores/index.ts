/** Event stores: every one implements the engine's `EventStore` port and passes tests/contract. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from '@onematter/engine';
import { MemoryEventStore } from './memory.js';
import { PostgresEventStore } from './postgres.js';
import { SqliteEventStore } from './sqlite.js';

export { MemoryEventStore } from './memory.js';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite.js';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres.js';

/** Which store to open; new kinds (KurrentDB) join this union. */
export type StoreConfig =
  | { kind: 'memory' }
  /** The database is `<dataDir>/onematter.db`; the directory is created if missing. */
  | { kind: 'sqlite'; dataDir: string }
  | { kind: 'postgres'; url: string; schema?: string };

/** Constructs the configured store and runs `init()` (schema creation and migrations). */
export async function openStore(config: StoreConfig): Promise<EventStore> {
  const store = create(config);
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}

function create(config: StoreConfig): EventStore {
  switch (config.kind) {
    case 'memory':
      return new MemoryEventStore();
    case 'sqlite':
      mkdirSync(config.dataDir, { recursive: true });
      return new SqliteEventStore({ file: join(config.dataDir, 'onematter.db') });
    case 'postgres':
      return new PostgresEventStore({
        connectionString: config.url,
        ...(config.schema === undefined ? {} : { schema: config.schema }),
      });
    default: {
      const unknown: never = config;
      throw new TypeError(`unknown store kind ${JSON.stringify(unknown)}`);
    }
  }
}
