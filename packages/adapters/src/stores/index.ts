/** Event stores: every one implements the engine's `EventStore` port and passes tests/contract. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore, ReadModelStore } from '@onematter/engine';
import { KurrentDbEventStore } from './kurrentdb.js';
import { MemoryEventStore } from './memory.js';
import { PostgresEventStore } from './postgres.js';
import { SqliteEventStore } from './sqlite.js';

export { MemoryEventStore } from './memory.js';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite.js';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres.js';
export { MemoryReadModels } from './memoryReadModels.js';
export { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb.js';

/** What `openStore` gives: the event store, which keeps the read models in the same database. */
export type Store = EventStore & { readonly readModels: ReadModelStore };

/** Which store to open. */
export type StoreConfig =
  | { kind: 'memory' }
  /** The database is `<dataDir>/onematter.db`; the directory is created if missing. */
  | { kind: 'sqlite'; dataDir: string }
  | { kind: 'postgres'; url: string; schema?: string }
  /** `url`: `kurrentdb://host:2113?tls=false` or `esdb://…`; `namespace` prefixes every stream (tests). */
  | { kind: 'kurrentdb'; url: string; namespace?: string };

/** Constructs the configured store and runs `init()` (schema creation and migrations). */
export async function openStore(config: StoreConfig): Promise<Store> {
  const store = create(config);
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}

function create(config: StoreConfig): Store {
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
    case 'kurrentdb':
      return new KurrentDbEventStore({
        connectionString: config.url,
        ...(config.namespace === undefined ? {} : { namespace: config.namespace }),
      });
    default: {
      const unknown: never = config;
      throw new TypeError(`unknown store kind ${JSON.stringify(unknown)}`);
    }
  }
}
