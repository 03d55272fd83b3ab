/** Kept for importers of this path: the memory store lives in ./memory/ (one file per role). */
export { MemoryEventStore, MemoryReadModels } from './memory/index.js';
