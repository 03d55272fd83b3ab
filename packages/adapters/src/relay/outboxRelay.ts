import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Bus, EventStore, OutboxRecord } from '@onematter/engine';

export interface OutboxRelayOptions {
  store: EventStore;
  bus: Bus;
  /** Rows read per poll. */
  batchSize?: number;
  /**
   * 'ordered': one batch at a time, each published in order and acknowledged
   * before the next (Kafka). 'concurrent': every row published on its own, up to
   * `maxInFlight` at once (the in-process bus, whose subscribers may take seconds;
   * it keeps per-key order itself).
   */
  mode?: 'ordered' | 'concurrent';
  maxInFlight?: number;
  pollIntervalMs?: number;
  onError?: (error: unknown) => void;
  /** Called after rows are marked published (for metrics and tests). */
  onPublished?: (count: number) => void;
  /**
   * In 'ordered' mode over a store that can claim rows (`claimOutbox`: PostgreSQL), the
   * relay claims them under this owner name (default host:pid:random), so relays of
   * several processes on one store never publish the same row while they live.
   */
  owner?: string;
  /**
   * How long a claim lasts (ms); a dead process's rows are published by another after it.
   * While a batch is being published (and retried) the relay extends its claim every third
   * of this. Default 15,000.
   */
  claimLeaseMs?: number;
}

/**
 * Publishes outbox rows and marks them only after the bus has acknowledged them:
 * at least once. A crash between publishing and marking republishes on restart;
 * consumers deduplicate (event-id header, decisionId).
 *
 * Several processes on one store: in 'ordered' mode, when the store has `claimOutbox`, each
 * poll claims a batch (a lease) instead of reading from a cursor; relays in every process
 * then share the rows without publishing one twice, and when a process dies its claimed
 * rows are published by another once the lease ends (at least once, as above). 'concurrent'
 * mode is the in-process bus, which serves one process only: it reads as before.
 */
export class OutboxRelay {
  private cursor = 0;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private woken = false;
  private inFlight = 0;
  private readonly toMark: number[] = [];
  private marking?: Promise<void>;
  private slotFreed?: () => void;
  private lag = 0;
  private readonly owner: string;

  constructor(private readonly o: OutboxRelayOptions) {
    this.owner = o.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  private get claiming(): boolean {
    return (this.o.mode ?? 'ordered') === 'ordered' && typeof this.o.store.claimOutbox === 'function';
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Wakes the relay at once (called after an append), instead of waiting for the next poll. */
  notify(): void {
    this.woken = true;
    this.wake?.();
  }

  /** Rows read but not yet acknowledged. */
  get pending(): number {
    return this.lag;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.flushMarks();
  }

  /** Resolves when every row currently in the outbox has been published (tests and shutdown). */
  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.notify();
      await this.flushMarks();
      const rows = await this.o.store.readOutbox({ after: 0, limit: 1 });
      if (rows.length === 0 && this.inFlight === 0) return;
      if (Date.now() > deadline) throw new Error('outbox did not drain in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async run(): Promise<void> {
    const batchSize = this.o.batchSize ?? 500;
    while (this.running) {
      let rows: OutboxRecord[] = [];
      try {
        rows = this.claiming
          ? await this.o.store.claimOutbox!({ owner: this.owner, limit: batchSize, leaseMs: this.o.claimLeaseMs ?? 15_000 })
          : await this.o.store.readOutbox({ after: this.cursor, limit: batchSize });
      } catch (error) {
        this.o.onError?.(error);
      }
      if (rows.length === 0) {
        await this.sleep(this.o.pollIntervalMs ?? 200);
        continue;
      }
      this.cursor = rows[rows.length - 1]!.id;
      this.lag += rows.length;
      if ((this.o.mode ?? 'ordered') === 'ordered') {
        await this.publishWithRetry(rows);
      } else {
        for (const row of rows) {
          while (this.inFlight >= (this.o.maxInFlight ?? 10_000)) {
            await new Promise<void>((r) => (this.slotFreed = r));
          }
          this.inFlight++;
          void this.publishWithRetry([row]).finally(() => {
            this.inFlight--;
            this.slotFreed?.();
          });
        }
      }
    }
  }

  private async publishWithRetry(rows: OutboxRecord[]): Promise<void> {
    // Claimed rows: keep the lease while publishing takes long (a broker down, a slow send),
    // or another process would publish them too.
    const stopExtending = this.claiming ? this.extendWhilePublishing(rows) : undefined;
    try {
      await this.publishUntilAcknowledged(rows);
    } finally {
      stopExtending?.();
    }
  }

  /** Extends the claim on `rows` every third of the lease until the returned function is called. */
  private extendWhilePublishing(rows: readonly OutboxRecord[]): () => void {
    const store = this.o.store;
    if (!store.extendOutboxClaim) return () => {};
    const leaseMs = this.o.claimLeaseMs ?? 15_000;
    const ids = rows.map((r) => r.id);
    const timer = setInterval(() => {
      store.extendOutboxClaim!({ owner: this.owner, ids, leaseMs }).then(
        (held) => {
          if (held < ids.length) this.o.onError?.(new Error(`outbox relay: ${ids.length - held} of ${ids.length} claimed rows were taken by another relay after their lease ran out; they may be published twice`));
        },
        (error: unknown) => this.o.onError?.(error),
      );
    }, Math.max(10, Math.floor(leaseMs / 3)));
    timer.unref();
    return () => clearInterval(timer);
  }

  private async publishUntilAcknowledged(rows: OutboxRecord[]): Promise<void> {
    let delay = 100;
    for (;;) {
      try {
        await this.o.bus.publish(rows.map(({ topic, key, headers, value }) => ({ topic, key, headers, value })));
        this.lag -= rows.length;
        for (const r of rows) this.toMark.push(r.id);
        this.scheduleMark();
        return;
      } catch (error) {
        if (!this.running) return;
        this.o.onError?.(error);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  private scheduleMark(): void {
    if (this.marking) return;
    this.marking = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushMarks());
  }

  private async flushMarks(): Promise<void> {
    while (this.toMark.length > 0) {
      const ids = this.toMark.splice(0, this.toMark.length);
      try {
        await this.o.store.markPublished(ids);
        this.o.onPublished?.(ids.length);
      } catch (error) {
        // Unmarked rows are published again after a restart; consumers deduplicate.
        this.o.onError?.(error);
      }
    }
    this.marking = undefined;
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        this.woken = false;
        done();
      };
    });
  }
}
