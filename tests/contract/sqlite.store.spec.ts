import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '@onematter/engine';
import { SqliteEventStore } from '../../packages/adapters/src/stores/index.js';
import { eventStoreContract } from './eventStore.contract.js';

/** Each store's database file, so the suite can reopen it and clean it up. */
const files = new Map<EventStore, { dir: string; file: string }>();

const openAt = (where: { dir: string; file: string }) => {
  const store = new SqliteEventStore({ file: where.file });
  files.set(store, where);
  return store;
};

eventStoreContract(
  'sqlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onematter-sqlite-'));
    return openAt({ dir, file: join(dir, 'onematter.db') });
  },
  async (store) => {
    rmSync(files.get(store)!.dir, { recursive: true, force: true });
  },
  { reopen: async (store) => openAt(files.get(store)!) },
);
