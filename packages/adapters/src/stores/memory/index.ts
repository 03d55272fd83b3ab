/**
 * An in-process event store for tests and demos. It is deliberately no kinder than
 * the durable stores: stale revisions conflict, global positions are assigned in
 * commit order, the outbox is written with the events or not at all, and data goes
 * through JSON exactly as the databases store it, so nothing a caller holds can
 * change what is stored (and values JSON cannot keep are lost here too).
 *
 * One role per file (eventLog, outbox, followers, witnesses) over one `MemoryDatabase`.
 */
import type { EventStore } from '@onematter/engine';
import { MemoryEventLog } from './eventLog.js';
import { MemoryFollowers } from './followers.js';
import { MemoryOutbox } from './outbox.js';
import { MemoryReadModels } from './readModels.js';
import { MemoryDatabase } from './schema.js';
import { MemoryWitnesses } from './witnesses.js';

export class MemoryEventStore implements EventStore {
  private readonly db = new MemoryDatabase();
  private readonly log = new MemoryEventLog(this.db);
  private readonly box = new MemoryOutbox(this.db);
  private readonly followers = new MemoryFollowers(this.db);
  private readonly witnesses = new MemoryWitnesses(this.db);
  readonly gaplessGlobalOrder = this.witnesses.gaplessGlobalOrder;
  /** Read models share the checkpoints: `readCheckpoint(projection)` reports theirs. */
  readonly readModels = new MemoryReadModels(this.db.checkpoints, () => this.db.assertOpen());

  append: EventStore['append'] = (request) => this.log.append(request);
  readStream: EventStore['readStream'] = (streamId, options) => this.log.readStream(streamId, options);
  readAll: EventStore['readAll'] = (options) => this.log.readAll(options);
  headPosition: EventStore['headPosition'] = () => this.log.headPosition();
  readOutbox: EventStore['readOutbox'] = (options) => this.box.readOutbox(options);
  markPublished: EventStore['markPublished'] = (ids) => this.box.markPublished(ids);
  readCheckpoint: EventStore['readCheckpoint'] = (name) => this.followers.readCheckpoint(name);
  saveCheckpoint: EventStore['saveCheckpoint'] = (name, position) => this.followers.saveCheckpoint(name, position);
  readStreamHeads: EventStore['readStreamHeads'] = (options) => this.witnesses.readStreamHeads(options);

  async init(): Promise<void> {
    this.db.assertOpen();
  }

  async close(): Promise<void> {
    this.db.closed = true;
  }
}

export { MemoryReadModels };
