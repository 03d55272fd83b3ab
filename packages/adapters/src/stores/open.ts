/**
 * Opening a store by configuration. Each store's module (and its driver: pg, the
 * KurrentDB gRPC client) is imported only when that kind is opened, so a process
 * that needs one store, such as a worker of `audit verify --all`, starts in a
 * fraction of the time. Importable alone as `@onematter/adapters/open-store`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore, ReadModelStore } from '@onematter/engine';

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
  const store = await create(config);
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}

async function create(config: StoreConfig): Promise<Store> {
  switch (config.kind) {
    case 'memory':
      return new (await import('./memory/index.js')).MemoryEventStore();
    case 'sqlite':
      mkdirSync(config.dataDir, { recursive: true });
      return new (await import('./sqlite/index.js')).SqliteEventStore({ file: join(config.dataDir, 'onematter.db') });
    case 'postgres':
      return new (await import('./postgres/index.js')).PostgresEventStore({
        connectionString: config.url,
        ...(config.schema === undefined ? {} : { schema: config.schema }),
      });
    case 'kurrentdb':
      return new (await import('./kurrentdb/index.js')).KurrentDbEventStore({
        connectionString: config.url,
        ...(config.namespace === undefined ? {} : { namespace: config.namespace }),
      });
    default: {
      const unknown: never = config;
      throw new TypeError(`unknown store kind ${JSON.stringify(unknown)}`);
    }
  }
}
