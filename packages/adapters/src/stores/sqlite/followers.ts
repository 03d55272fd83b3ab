import type { Followers } from '@onematter/engine';
import { withoutFsync, type SqliteDatabase } from './schema.js';

/** The SQLite checkpoints (one file, one process writing it: no leadership to hold). */
export class SqliteFollowers implements Followers {
  constructor(private readonly sqlite: SqliteDatabase) {}

  async readCheckpoint(name: string): Promise<number> {
    return this.sqlite.ready().readCheckpoint.get(name)?.position ?? 0;
  }

  async saveCheckpoint(name: string, position: number): Promise<void> {
    // A follower's checkpoint is derived: losing the last one only replays events (at least once).
    const s = this.sqlite.ready();
    withoutFsync(this.sqlite.db, () => s.saveCheckpoint.run(name, position, new Date().toISOString()));
  }
}
