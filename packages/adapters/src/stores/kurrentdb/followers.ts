import type { Followers } from '@onematter/engine';
import type { KurrentDbConnection } from './schema.js';

/**
 * Checkpoints as streams `checkpoint-<name>` (maxCount 1); a read model's checkpoint lives
 * with its documents, in memory (see ./index.ts).
 */
export class KurrentDbFollowers implements Followers {
  /** The read models' checkpoints, shared with their MemoryReadModels. */
  readonly readModelCheckpoints = new Map<string, number>();

  constructor(private readonly kdb: KurrentDbConnection) {}

  async readCheckpoint(name: string): Promise<number> {
    this.kdb.assertOpen();
    // A read model's checkpoint lives with its documents (in memory, see ./index.ts).
    const model = this.readModelCheckpoints.get(name);
    if (model !== undefined) return model;
    return this.kdb.readCheckpointStream(name);
  }

  async saveCheckpoint(name: string, position: number): Promise<void> {
    this.kdb.assertOpen();
    await this.kdb.writeCheckpointStream(name, position);
  }
}
