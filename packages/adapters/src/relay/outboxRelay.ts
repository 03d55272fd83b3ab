import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Bus, EventStore, OutboxRecord } from '@onematter/engine';
import { deepFreeze, freezesByDefault } from '../projections/logFollower.js';

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
  /**
   * Deep-freeze the values of rows handed over by `offer` (they are the engine's own
   * objects), so a subscriber that changes one throws. Default: on, except with
   * NODE_ENV=production, as for the log follower's events.
   */
  freeze?: boolean;
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
 *
 * Rows handed over ('concurrent' mode): the process that appended rows does not read back
 * and parse what it has just written. The runtime hands the rows of each durable append to
 * `offer` (with the ids the store gave them); the relay publishes at once those that
 * continue its cursor without a gap, as they are. A row after a gap is held in `ahead`
 * (not published yet) until the gap is closed: by the offer of the rows before it (a
 * PostgreSQL batch that committed after a later one), or by a read of the table, which
 * then returns it too (it is unpublished) after the rows of the gap, so no id is passed
 * that was not seen. Nothing assumes that ids follow commit order (they do not on
 * PostgreSQL), and one key's rows still go out in id order. The table is read at start
 * (rows a crash left), when an offer leaves rows held (rows another process appended, ids
 * a refused request reserved), on `notify` (a store that gives no ids) and every poll
 * interval.
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
  /** 'concurrent' mode: rows handed over by `offer`, not yet published. */
  private offered: OutboxRecord[] = [];
  /** 'concurrent' mode: offered rows after a gap beyond the cursor, held until it closes (every id up to the cursor is taken). */
  private readonly ahead = new Map<number, OutboxRecord>();
  /** 'concurrent' mode: the table is to be read (start, notify, a gap, a full batch, the poll interval). */
  private readWanted = true;
  private readAt = 0;
  private readonly freeze: boolean;

  constructor(private readonly o: OutboxRelayOptions) {
    this.owner = o.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.freeze = o.freeze ?? freezesByDefault();
  }

  private get concurrent(): boolean {
    return this.o.mode === 'concurrent';
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
    this.readWanted = true;
    this.woken = true;
    this.wake?.();
  }

  /**
   * The rows of an append of this process, durable now, with the ids the store gave them
   * (`AppendResult.outboxIds`): published without reading them back, at once if they
   * continue the cursor, else once the gap before them is closed (see the class comment).
   * In 'ordered' mode (Kafka, and the claims of several processes on PostgreSQL), or before
   * `start`, the relay reads the table instead (`notify`): a claim is what keeps relays of
   * several processes from publishing one row twice, so rows are never taken unclaimed.
   */
  offer(rows: readonly OutboxRecord[]): void {
    if (!this.concurrent || !this.running) return this.notify();
    for (const row of rows) {
      // Taken already: a read got to it first.
      if (row.id <= this.cursor || this.ahead.has(row.id)) continue;
      if (this.freeze) deepFreeze(row.value);
      if (row.id === this.cursor + 1) {
        this.cursor = row.id;
        this.offered.push(row);
        this.advance();
      } else {
        this.ahead.set(row.id, row);
      }
    }
    // Rows held after a gap: read what is in it (another writer's rows) or past it (ids never used).
    if (this.ahead.size > 0) this.readWanted = true;
    this.woken = true;
    this.wake?.();
  }

  /** Moves the cursor over the held rows that now follow it, releasing them to be published. */
  private advance(): void {
    if (this.ahead.size === 0) return;
    for (let next = this.ahead.get(this.cursor + 1); next; next = this.ahead.get(this.cursor + 1)) {
      this.ahead.delete(next.id);
      this.offered.push(next);
      this.cursor = next.id;
    }
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
    if (this.concurrent) return this.runConcurrent();
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
      await this.publishWithRetry(rows);
    }
  }

  /** 'concurrent' mode: publishes the rows offered, and reads the table when there may be others. */
  private async runConcurrent(): Promise<void> {
    const pollMs = this.o.pollIntervalMs ?? 200;
    while (this.running) {
      let rows: OutboxRecord[] = [];
      // The rows of a gap first (an offer while reading may open another): they were
      // committed before the offered rows after them, and one key's rows go out in id order.
      while (this.running && (this.readWanted || performance.now() - this.readAt >= pollMs)) {
        const read = await this.readTable();
        if (read.length > 0) rows = rows.length === 0 ? read : rows.concat(read);
      }
      if (this.offered.length > 0) {
        const offered = this.offered;
        this.offered = [];
        rows = rows.length === 0 ? offered : rows.concat(offered).sort((a, b) => a.id - b.id);
      }
      if (rows.length > 0) {
        this.lag += rows.length;
        await this.publishEach(rows);
        continue;
      }
      await this.sleep(Math.max(1, pollMs - (performance.now() - this.readAt)));
    }
  }

  /**
   * 'concurrent' mode: the unpublished rows after the cursor that were not offered, and
   * the held rows the read passed (as offered). The store returns rows in id order and
   * only those no earlier-committing writer can still precede, so passing the last id it
   * returns skips nothing.
   */
  private async readTable(): Promise<OutboxRecord[]> {
    const batchSize = this.o.batchSize ?? 500;
    this.readWanted = false;
    this.readAt = performance.now();
    let rows: OutboxRecord[];
    try {
      rows = await this.o.store.readOutbox({ after: this.cursor, limit: batchSize });
    } catch (error) {
      this.o.onError?.(error);
      return [];
    }
    if (rows.length === batchSize) this.readWanted = true;
    if (rows.length === 0) return rows;
    // Offers while it read may have taken some of them; held rows go out as they were offered.
    const fresh: OutboxRecord[] = [];
    for (const r of rows) if (r.id > this.cursor && !this.ahead.has(r.id)) fresh.push(r);
    this.cursor = Math.max(this.cursor, rows[rows.length - 1]!.id);
    const read = fresh.length;
    for (const [id, row] of this.ahead) {
      if (id > this.cursor) continue;
      this.ahead.delete(id);
      fresh.push(row);
    }
    this.advance();
    return fresh.length === read ? fresh : fresh.sort((a, b) => a.id - b.id);
  }

  /** 'concurrent' mode: each row on its own, at most `maxInFlight` at once. */
  private async publishEach(rows: readonly OutboxRecord[]): Promise<void> {
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
