import { eventIdOf, eventMessageOf, isCaseStream, type Bus, type EventStore, type StoredEvent, type Topics } from '@onematter/engine';

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
export class EventFeed {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private position = 0;
  private readonly matterOf = new Map<string, string>();
  private leading = false;
  private leadCheckedAt = 0;

  constructor(private readonly o: EventFeedOptions) {}

  get checkpoint(): number {
    return this.position;
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
    this.position = await this.o.store.readCheckpoint(this.name);
    this.running = true;
    this.loop = this.run();
  }

  notify(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private get name(): string {
    return this.o.name ?? 'event-feed';
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.elects && !(await this.lead())) {
        await this.sleep(this.o.pollIntervalMs ?? 200);
        continue;
      }
      if (this.o.hasListeners && !this.o.hasListeners()) {
        await this.sleep(this.o.pollIntervalMs ?? 200);
        continue;
      }
      let events: StoredEvent[] = [];
      try {
        events = await this.o.store.readAll({ after: this.position, limit: this.o.batchSize ?? 1000 });
      } catch (error) {
        this.o.onError?.(error);
      }
      if (events.length === 0) {
        await this.sleep(this.o.pollIntervalMs ?? 200);
        continue;
      }
      // Only case events: the system's own streams ($anchors, $access-log-…, $auth-…) are not published.
      const messages = await this.messagesOf(events.filter((e) => isCaseStream(e.streamId)));
      try {
        if (messages.length > 0) await this.o.bus.publish(messages);
        this.position = events[events.length - 1]!.globalPosition;
        await this.o.store.saveCheckpoint(this.name, this.position);
      } catch (error) {
        this.o.onError?.(error);
        await this.sleep(1000);
      }
    }
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
      if (this.leading && !was) this.position = await this.o.store.readCheckpoint(this.name);
    } catch (error) {
      this.leading = false;
      this.o.onError?.(error);
    }
    return this.leading;
  }

  private async messagesOf(events: StoredEvent[]) {
    return Promise.all(
      events.map(async (e) => ({
        topic: this.o.topics.events,
        key: e.streamId,
        headers: { 'event-id': eventIdOf(e.streamId, e.position), 'event-type': e.type },
        value: eventMessageOf(e, await this.matter(e)),
      })),
    );
  }

  /** The matter a case belongs to, from its CaseStarted event (kept for recent cases). */
  private async matter(e: StoredEvent): Promise<string> {
    if (e.type === 'CaseStarted') {
      const m = (e.data as { matter: string }).matter;
      this.remember(e.streamId, m);
      return m;
    }
    const known = this.matterOf.get(e.streamId);
    if (known) return known;
    const first = await this.o.store.readStream(e.streamId, { maxCount: 1 });
    const m = (first[0]?.data as { matter?: string } | undefined)?.matter ?? '';
    this.remember(e.streamId, m);
    return m;
  }

  private remember(caseId: string, matter: string): void {
    this.matterOf.set(caseId, matter);
    if (this.matterOf.size > 50_000) this.matterOf.delete(this.matterOf.keys().next().value!);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
