/**
 * A store made of its roles (ports.ts): each role in its own file, over one connection,
 * and the store forwards the port's required members to them. Optional members
 * (claims, leadership, the stream index, the raw text) are declared by the store that has them.
 */
import type { AppendRequest, AppendResult, EventLog, EventStore, Followers, Outbox, OutboxRecord, StoredEvent, StreamHead, Witnesses } from '@onematter/engine';

export abstract class RoleStore implements EventStore {
  protected abstract readonly log: EventLog;
  protected abstract readonly box: Outbox;
  protected abstract readonly followers: Followers;
  protected abstract readonly witnesses: Witnesses;

  abstract init(): Promise<void>;
  abstract close(): Promise<void>;

  append(request: AppendRequest): Promise<AppendResult> {
    return this.log.append(request);
  }
  readStream(streamId: string, options?: { fromPosition?: number; maxCount?: number }): Promise<StoredEvent[]> {
    return this.log.readStream(streamId, options);
  }
  readAll(options: { after: number; limit: number }): Promise<StoredEvent[]> {
    return this.log.readAll(options);
  }
  headPosition(): Promise<number> {
    return this.log.headPosition();
  }
  readOutbox(options: { after: number; limit: number }): Promise<OutboxRecord[]> {
    return this.box.readOutbox(options);
  }
  markPublished(ids: readonly number[]): Promise<void> {
    return this.box.markPublished(ids);
  }
  readCheckpoint(name: string): Promise<number> {
    return this.followers.readCheckpoint(name);
  }
  saveCheckpoint(name: string, position: number): Promise<void> {
    return this.followers.saveCheckpoint(name, position);
  }
  readStreamHeads(options?: { before?: string }): Promise<StreamHead[]> {
    return this.witnesses.readStreamHeads(options);
  }
}
