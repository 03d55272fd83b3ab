/**
 * An in-process event store for tests and demos. It is deliberately no kinder than
 * the durable stores: stale revisions conflict, global positions are assigned in
 * commit order, the outbox is written with the events or not at all, and data goes
 * through JSON exactly as the databases store it, so nothing a caller holds can
 * change what is stored (and values JSON cannot keep are lost here too).
 *
 * One role per file (eventLog, outbox, followers, witnesses) over one `MemoryDatabase`.
 */
import { RoleStore } from '../roleStore.js';
import { MemoryEventLog } from './eventLog.js';
import { MemoryFollowers } from './followers.js';
import { MemoryOutbox } from './outbox.js';
import { MemoryReadModels } from './readModels.js';
import { MemoryDatabase } from './schema.js';
import { MemoryWitnesses } from './witnesses.js';

export class MemoryEventStore extends RoleStore {
  private readonly db = new MemoryDatabase();
  protected readonly log = new MemoryEventLog(this.db);
  protected readonly box = new MemoryOutbox(this.db);
  protected readonly followers = new MemoryFollowers(this.db);
  protected readonly witnesses = new MemoryWitnesses(this.db);
  readonly gaplessGlobalOrder = this.witnesses.gaplessGlobalOrder;
  /** Read models share the checkpoints: `readCheckpoint(projection)` reports theirs. */
  readonly readModels = new MemoryReadModels(this.db.checkpoints, () => this.db.assertOpen());

  async init(): Promise<void> {
    this.db.assertOpen();
  }

  async close(): Promise<void> {
    this.db.closed = true;
  }
}

export { MemoryReadModels };
