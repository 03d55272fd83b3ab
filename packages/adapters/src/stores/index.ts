/** Event stores: every one implements the engine's `EventStore` port and passes tests/contract. */

export { MemoryEventStore } from './memory/index.js';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite/index.js';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/index.js';
export { MemoryReadModels } from './memory/index.js';
export { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb/index.js';

export { openStore, type Store, type StoreConfig } from './open.js';
