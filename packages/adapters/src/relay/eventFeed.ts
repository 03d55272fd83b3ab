import { eventIdOf, eventMessageOf, isCaseStream, type Bus, type BusMessage, type EventStore, type StoredEvent, type Topics } from '@onematter/engine';
import { LogFollower, type LogSubscriber } from '../projections/logFollower.js';

export interface EventFeedOptions {
  store: EventStore;
  bus: Bus;
  topics: Topics;
  /** Checkpoint name in the store. */
  name?: string;
  batchSize?: number;
  pollIntervalMs?: number;
  /** When it returns false nobody listens: the feed waits without advancing its checkpoint. */
  hasListeners?: () => boolean;
  onError?: (error: unknown) => void;
  /**
   * The bus is shared by several processes (Kafka): publish only while this process leads
   * (the store's `tryLead`, when it has one), so the events are not published once per process.
   */
  leaderElection?: boolean;
  /** How often a process that does not lead tries again (ms). Default 3,000. */
  leaderRetryMs?: number;
  /** The process's log follower (started by its owner); without one the feed reads the store on its own. */
  follower?: LogFollower;
  /**
   * The checkpoint is saved at most this often (ms), and once more after the last batch:
   * each save is a write of its own (an fsync on SQLite), and a crash only publishes the
   * events since the last save again, which consumers dedupe by `event-id`. Default 1,000.
   */
  saveEveryMs?: number;
}

/**
 * Publishes every case event to the events topic (电子监察 and data consumers), in
 * global order and so in stream order per case, keyed by case id, with `event-id`
 * and `event-type` headers. The event log is its own outbox: the feed follows the
 * store's global position and saves its checkpoint only after the bus acknowledged
 * the batch, so a crash republishes (at least once) and consumers dedupe by event-id.
 *
 * Several processes on one store and bus: with `leaderElection` and a store that has
 * `tryLead` (PostgreSQL), only the process holding the feed's leader lock publishes; the
 * others try for it every few seconds and, on taking over (the leader died or stopped),
 * resume from the saved checkpoint, so at most the leader's last unsaved batch is
 * published again.
 */
export class EventFeed implements LogSubscriber {
  private running = false;
  private saved = 0;
  /** The position last written to the store, and when. */
  private stored = 0;
  private storedAt = 0;
  private pendingSave?: ReturnType<typeof setTimeout> | undefined;
  private readonly matterOf = new Map<string, string>();
  private leading = false;
  private leadCheckedAt = 0;
  private readonly follower: LogFollower;

  constructor(private readonly o: EventFeedOptions) {
    this.follower =
      o.follower ??
      new LogFollower({ store: o.store, batchSize: o.batchSize ?? 1000, pollIntervalMs: o.pollIntervalMs ?? 200, ...(o.onError ? { onError: o.onError } : {}) });
  }

  get checkpoint(): number {
    return this.saved;
  }

  /** For the follower: the global position published and saved. */
  get position(): number {
    return this.saved;
  }

  /** Whether this process publishes the feed (always, on a store without leader election). */
  get isLeader(): boolean {
    return this.elects ? this.leading : this.running;
  }

  private get elects(): boolean {
    return this.o.leaderElection === true && typeof this.o.store.tryLead === 'function';
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.saved = await this.o.store.readCheckpoint(this.name);
    this.stored = this.saved;
    this.running = true;
    this.follower.add(this, { batchSize: this.o.batchSize ?? 1000 });
    if (!this.o.follower) this.follower.start();
  }

  notify(): void {
    this.follower.notify();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.follower.remove(this);
    if (!this.o.follower) await this.follower.stop();
    clearTimeout(this.pendingSave);
    this.pendingSave = undefined;
    await this.store().catch((error: unknown) => this.o.onError?.(error));
  }

  get name(): string {
    return this.o.name ?? 'event-feed';
  }

  /** For the follower: publishes only while it leads and somebody listens; otherwise its checkpoint waits. */
  async ready(): Promise<boolean> {
    if (!this.running) return false;
    if (this.elects && !(await this.lead())) return false;
    return !this.o.hasListeners || this.o.hasListeners();
  }

  /** For the follower: publishes a batch, then saves the checkpoint (at most every `saveEveryMs`; a crash before it publishes again). */
  async handle(events: readonly StoredEvent[]): Promise<void> {
    // Only case events: the system's own streams ($anchors, $access-log-…, $auth-…) are not published.
    const messages = await this.messagesOf(events.filter((e) => isCaseStream(e.streamId)));
    if (messages.length > 0) await this.o.bus.publish(messages);
    this.saved = events[events.length - 1]!.globalPosition;
    if (Date.now() - this.storedAt >= (this.o.saveEveryMs ?? 1_000)) await this.store();
    else
      this.pendingSave ??= setTimeout(() => {
        this.pendingSave = undefined;
        this.store().catch((error: unknown) => this.o.onError?.(error));
      }, this.o.saveEveryMs ?? 1_000).unref();
  }

  /** Writes the published position as the checkpoint, if it moved. */
  private async store(): Promise<void> {
    const position = this.saved;
    if (position === this.stored) return;
    this.storedAt = Date.now();
    await this.o.store.saveCheckpoint(this.name, position);
    this.stored = Math.max(this.stored, position);
  }

  /** Asks for (or re-checks) the leader lock, at most every few seconds. */
  private async lead(): Promise<boolean> {
    const every = this.leading ? 5_000 : (this.o.leaderRetryMs ?? 3_000);
    if (Date.now() - this.leadCheckedAt < every) return this.leading;
    this.leadCheckedAt = Date.now();
    const was = this.leading;
    try {
      this.leading = await this.o.store.tryLead!(this.name);
      // Taking over: continue where the previous leader saved its checkpoint.
      if (this.leading && !was) this.saved = this.stored = await this.o.store.readCheckpoint(this.name);
    } catch (error) {
      this.leading = false;
      this.o.onError?.(error);
    }
    return this.leading;
  }

  /** The messages of a batch; the store is read only for cases whose matter is not known (after a restart). */
  private async messagesOf(events: StoredEvent[]): Promise<BusMessage[]> {
    const messages = new Array<BusMessage>(events.length);
    let unknown: Promise<void>[] | undefined;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const m = this.knownMatter(e);
      if (m !== undefined) messages[i] = this.messageOf(e, m);
      else (unknown ??= []).push(this.matter(e).then((read) => void (messages[i] = this.messageOf(e, read))));
    }
    if (unknown) await Promise.all(unknown);
    return messages;
  }

  private messageOf(e: StoredEvent, matter: string): BusMessage {
    return {
      topic: this.o.topics.events,
      key: e.streamId,
      headers: { 'event-id': eventIdOf(e.streamId, e.position), 'event-type': e.type },
      value: eventMessageOf(e, matter),
    };
  }

  /** The matter a case belongs to when its CaseStarted is this event or was seen (kept for recent cases). */
  private knownMatter(e: StoredEvent): string | undefined {
    if (e.type === 'CaseStarted') {
      const m = (e.data as { matter: string }).matter;
      this.remember(e.streamId, m);
      return m;
    }
    return this.matterOf.get(e.streamId) || undefined;
  }

  /** The matter a case belongs to, from its CaseStarted event (kept for recent cases). */
  private async matter(e: StoredEvent): Promise<string> {
    const known = this.knownMatter(e);
    if (known !== undefined) return known;
    const first = await this.o.store.readStream(e.streamId, { maxCount: 1 });
    const m = (first[0]?.data as { matter?: string } | undefined)?.matter ?? '';
    this.remember(e.streamId, m);
    return m;
  }

  private remember(caseId: string, matter: string): void {
    this.matterOf.set(caseId, matter);
    if (this.matterOf.size > 50_000) this.matterOf.delete(this.matterOf.keys().next().value!);
  }
}
