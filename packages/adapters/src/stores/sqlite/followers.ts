import type { Followers } from '@onematter/engine';
import type { SqliteDatabase } from './schema.js';

/** The SQLite checkpoints (one file, one process writing it: no leadership to hold). */
export class SqliteFollowers implements Followers {
  constructor(private readonly sqlite: SqliteDatabase) {}

  async readCheckpoint(name: string): Promise<number> {
    return this.sqlite.ready().readCheckpoint.get(name)?.position ?? 0;
  }

  async saveCheckpoint(name: string, position: number): Promise<void> {
    this.sqlite.ready().saveCheckpoint.run(name, position, new Date().toISOString());
  }
}
