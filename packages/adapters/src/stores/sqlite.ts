/** Kept for importers of this path: the SQLite store lives in ./sqlite/ (one file per role). */
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite/index.js';
