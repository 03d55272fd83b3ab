import type { Followers } from '@onematter/engine';
import type { MemoryDatabase } from './schema.js';

/** The memory store's checkpoints (one process: no leadership to hold). */
export class MemoryFollowers implements Followers {
  constructor(private readonly db: MemoryDatabase) {}

  async readCheckpoint(name: string): Promise<number> {
    this.db.assertOpen();
    return this.db.checkpoints.get(name) ?? 0;
  }

  async saveCheckpoint(name: string, position: number): Promise<void> {
    this.db.assertOpen();
    this.db.checkpoints.set(name, position);
  }
}
