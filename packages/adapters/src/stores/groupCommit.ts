/**
 * Group commit, shared by the SQLite and PostgreSQL stores: `push` only queues a request
 * (and `delete` queues outbox ids). On the next turn of the event loop (setImmediate) the
 * queued requests, up to `maxBatch`, go to `write` as ONE batch, together with every
 * queued delete, so one commit (one fsync, one round trip) covers them all.
 *
 * A synchronous `write` (SQLite) writes one batch per turn and leaves the rest to the
 * next turn, so reads and new appends are not starved. An asynchronous one (PostgreSQL)
 * may have up to `maxInFlight` batches running at once; when one finishes the next
 * starts, so the next batch fills while the previous one commits.
 */
export interface PendingDelete {
  ids: readonly number[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions<P> {
  /** Most requests in one batch; the rest go into the next. */
  maxBatch: number;
  /** Batches written at once when `write` is asynchronous. Default 1. */
  maxInFlight?: number;
  /** Writes one batch and settles its requests and deletes (it must not throw). */
  write(batch: P[], deletes: PendingDelete[]): void | Promise<void>;
  /** False when nothing can be written any more (the connection is gone): the queue stays. */
  canWrite?(): boolean;
}

export class GroupCommit<P> {
  private queue: P[] = [];
  private deletes: PendingDelete[] = [];
  private flushScheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxInFlight: number;

  constructor(private readonly o: GroupCommitOptions<P>) {
    this.maxInFlight = Math.max(1, o.maxInFlight ?? 1);
  }

  push(p: P): void {
    this.queue.push(p);
    this.scheduleFlush();
  }

  /** Deletes outbox rows in the next batch, sharing its commit instead of paying one of its own. */
  delete(ids: readonly number[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.deletes.push({ ids, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Writes everything queued and lets batches in flight finish (at close). */
  async drain(): Promise<void> {
    // A synchronous write empties the queue here; an asynchronous one fills its slots.
    while (this.hasWork() && this.writable() && this.inFlight.size < this.maxInFlight) this.flush();
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
      this.flush();
    }
  }

  private hasWork(): boolean {
    return this.queue.length > 0 || this.deletes.length > 0;
  }

  private writable(): boolean {
    return this.o.canWrite?.() ?? true;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // The next turn of the event loop: every request queued in this one joins the batch.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
      if (this.hasWork() && this.inFlight.size === 0 && this.writable()) this.scheduleFlush();
    });
  }

  /** Starts batches while there is work and a free slot; a synchronous write takes one batch per turn. */
  private flush(): void {
    while (this.hasWork() && this.inFlight.size < this.maxInFlight && this.writable()) {
      const batch = this.queue.splice(0, this.o.maxBatch);
      const deletes = this.deletes.splice(0, this.deletes.length);
      const written = this.o.write(batch, deletes);
      if (!written) return;
      const writing: Promise<void> = written.finally(() => {
        this.inFlight.delete(writing);
        this.flush();
      });
      this.inFlight.add(writing);
    }
  }
}
