/**
 * One log follower per process: it reads the store's global order a batch at a time,
 * decodes each batch once, freezes its events and hands the same batch to every
 * subscriber (the projections, the event feed, the clocks the scheduler and supervision
 * read), instead of each of them polling and parsing the same rows.
 *
 * Checkpoints stay per subscriber, each saved the way it was before (a projection with its
 * read model in one transaction, the feed after the bus acknowledged, the clocks in memory):
 * a shared checkpoint would let a subscriber that failed lose the events the others had
 * already taken, or hold every one of them back. So:
 *  - each subscriber has its own lane: a queue of batches it takes in order, at its own
 *    pace, several batches merged into one `handle` of at most its `batchSize` events;
 *  - a lazy subscriber (`delayMs`: the case list, whose commits should be few and big) takes
 *    events at most that often, or when a `catchUp` for it asks, reading on its own then;
 *  - a batch goes into a lane only if it continues what the lane has (its `after` is not
 *    beyond the lane's position): a gap is never papered over;
 *  - a subscriber that failed (its queue is dropped, it retries after `retryMs`), that was
 *    not `ready` (the feed while another process leads), that fell more than its queue holds
 *    behind, or that started from an older checkpoint (a new projection, a rebuild) is behind
 *    the front: it reads on its own from its position, a batch per pass, until it reaches the
 *    front and takes the shared batches again. The front never waits for it.
 * In steady state that is one `readAll` per batch for the whole process.
 *
 * Events are deep-frozen outside production: a subscriber that tried to change one throws
 * (strict mode) rather than change what another subscriber sees, so every test (vitest runs
 * with NODE_ENV=test) and every development server catches such a subscriber. With
 * NODE_ENV=production they are not frozen (`freeze`): on a start over 100,000 open cases,
 * freezing took a quarter to a third of the rebuild's CPU (docs/benchmarks.md, "Event
 * freezing"); subscribers take events as `readonly` and none changes them, as the tests show.
 */
import type { EventStore, StoredEvent } from '@onematter/engine';

export interface LogSubscriber {
  /** For errors and metrics. */
  readonly name: string;
  /** The global position it has handled (its checkpoint); moves only in `handle` or `open`. */
  readonly position: number;
  /** Loads its checkpoint; called once, before its first batch. */
  open?(): Promise<void>;
  /** False while it must not take events (its position stays): it catches up once it is ready again. */
  ready?(): boolean | Promise<boolean>;
  /** Events after its position, in global order, frozen. Moves its position once they are handled for good. */
  handle(events: readonly StoredEvent[]): Promise<void>;
}

export interface LaneOptions {
  /** At most this many events per `handle` (several queued batches are merged). Default: the follower's batch size. */
  batchSize?: number;
  /** Lazy: takes events at most every `delayMs` (or when a `catchUp` asks), in big batches of its own. Default 0: every batch. */
  delayMs?: number;
}

export interface LogFollowerOptions {
  store: Pick<EventStore, 'readAll'>;
  /** Events per read. Default 1,000. */
  batchSize?: number;
  /** How often `start()` looks for new events. Default 200 ms. */
  pollIntervalMs?: number;
  /** The least time between two background passes, however often `notify()` is called. Default 5 ms. */
  minIntervalMs?: number;
  /** How long a subscriber that failed waits before it is tried again (a `catchUp` for it tries at once). Default 1,000 ms. */
  retryMs?: number;
  onError?: (error: unknown, subscriber?: string) => void;
  /**
   * Deep-freeze each event before handing it out, so a subscriber that changes one throws.
   * Default: on, except with NODE_ENV=production (see the file comment).
   */
  freeze?: boolean;
}

/** Whether events are frozen when the follower is not told: everywhere but production. */
export const freezesByDefault = (): boolean => process.env.NODE_ENV !== 'production';

interface Batch {
  /** The position the read started after: the batch continues a lane at this position. */
  after: number;
  events: readonly StoredEvent[];
}

interface Lane {
  readonly sub: LogSubscriber;
  readonly batchSize: number;
  readonly delayMs: number;
  opened: boolean;
  queue: Batch[];
  queued: number;
  /** The position the lane will be at once its queue is handled. */
  end: number;
  /** Handling its queue, or catching up on its own. */
  draining?: Promise<void> | undefined;
  /** Catching up on its own (not taking the shared batches meanwhile). */
  alone: boolean;
  retryAt: number;
  error?: unknown;
  /** With `delayMs`: when it takes events again; a `catchUp` for it sets `wanted`. */
  dueAt: number;
  wanted: boolean;
}

export class LogFollower {
  private readonly lanes = new Map<LogSubscriber, Lane>();
  /** The front: the position the shared reads have reached. */
  private cursor = -1;
  private pass?: Promise<void> | undefined;
  private running = false;
  private loop?: Promise<void>;
  private wake?: (() => void) | undefined;
  private readsSoFar = 0;
  private notified = false;

  private readonly freeze: boolean;

  constructor(private readonly o: LogFollowerOptions) {
    this.freeze = o.freeze ?? freezesByDefault();
  }

  private get batchSize(): number {
    return this.o.batchSize ?? 1_000;
  }

  /** The global position the shared reads have reached (-1 before the first): events up to it have been seen. */
  get front(): number {
    return this.cursor;
  }

  /** `readAll` calls so far (shared and catch-up reads), for tests and metrics. */
  get reads(): number {
    return this.readsSoFar;
  }

  add(sub: LogSubscriber, options: LaneOptions = {}): void {
    if (this.lanes.has(sub)) return;
    this.lanes.set(sub, { sub, batchSize: options.batchSize ?? this.batchSize, delayMs: options.delayMs ?? 0, opened: false, queue: [], queued: 0, end: 0, alone: false, retryAt: 0, dueAt: 0, wanted: false });
    this.notify();
  }

  /** Stops handing events to `sub` (after what it is handling now). */
  async remove(sub: LogSubscriber): Promise<void> {
    const lane = this.lanes.get(sub);
    if (!lane) return;
    this.lanes.delete(sub);
    lane.queue = [];
    await lane.draining;
  }

  /** Follows the store in the background until `stop()`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        this.notified = false;
        try {
          await this.poll();
        } catch (error) {
          this.o.onError?.(error);
        }
        // Appends notified meanwhile are read together after a short pause: bigger batches, fewer reads.
        await new Promise((r) => setTimeout(r, this.o.minIntervalMs ?? 5));
        if (this.notified || !this.running) continue;
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, this.o.pollIntervalMs ?? 200);
          const self = this;
          function done() {
            clearTimeout(t);
            self.wake = undefined;
            resolve();
          }
          this.wake = done;
        });
      }
    })();
  }

  /** Looks for new events now instead of at the next poll. */
  notify(): void {
    this.notified = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.pass?.catch(() => {});
    for (const lane of this.lanes.values()) await lane.draining;
  }

  /** One pass: reads what is new once and queues it for every lane; concurrent callers share it. */
  poll(): Promise<void> {
    this.pass ??= this.runPass().finally(() => {
      this.pass = undefined;
    });
    return this.pass;
  }

  /**
   * Until `sub` has handled everything readable now (and at least `target`, waiting up to
   * `timeoutMs` for it: an acknowledged append can be held back a moment by a transaction
   * still open). Rethrows the subscriber's failure if it failed meanwhile.
   */
  async catchUp(sub: LogSubscriber, target = 0, timeoutMs = 5_000): Promise<void> {
    const lane = this.lanes.get(sub);
    if (!lane) throw new Error(`${sub.name} does not follow this log`);
    const deadline = Date.now() + timeoutMs;
    lane.retryAt = 0;
    lane.error = undefined;
    for (;;) {
      // Wanted on every round: a lazy lane that took what was readable rests for its delay
      // (handled()), and the append waited for may show only on a later read.
      lane.wanted = true;
      await this.poll();
      while (lane.draining) await lane.draining;
      if (lane.error !== undefined) {
        const error = lane.error;
        lane.error = undefined;
        throw error;
      }
      const caughtUp = lane.opened && sub.position >= this.cursor && lane.queue.length === 0;
      if (caughtUp && sub.position >= target) return;
      if (Date.now() >= deadline) {
        // Answered with what it has: said, since a reader may miss what was just acknowledged.
        if (sub.position < target) this.o.onError?.(new Error(`${sub.name} is at ${sub.position}, not yet at ${target}, after ${timeoutMs} ms`), sub.name);
        return;
      }
      if (caughtUp) await new Promise((r) => setTimeout(r, 5));
    }
  }

  private async runPass(): Promise<void> {
    const lanes = [...this.lanes.values()];
    for (const lane of lanes) {
      if (lane.opened) continue;
      try {
        await lane.sub.open?.();
        lane.opened = true;
        lane.end = lane.sub.position;
      } catch (error) {
        this.o.onError?.(error, lane.sub.name);
      }
    }
    const open = lanes.filter((l) => l.opened);
    if (open.length === 0) return;
    if (this.cursor < 0) this.cursor = Math.max(...open.map((l) => l.sub.position));
    const now = Date.now();
    const ready = new Set<Lane>();
    for (const lane of open) {
      if (now < lane.retryAt || lane.alone) continue;
      if (lane.delayMs > 0 && !lane.wanted && now < lane.dueAt) continue;
      try {
        if ((await lane.sub.ready?.()) !== false) ready.add(lane);
      } catch (error) {
        this.o.onError?.(error, lane.sub.name);
      }
    }

    // Behind the front (new, failed, not ready for a while, or lazy): it catches up on its own, the front does not wait.
    for (const lane of ready) {
      if (lane.queue.length > 0 || lane.draining) continue;
      lane.end = Math.max(lane.end, lane.sub.position);
      if (lane.end >= this.cursor) continue;
      ready.delete(lane);
      lane.alone = true;
      lane.draining = this.catchUpAlone(lane).finally(() => {
        lane.alone = false;
        lane.draining = undefined;
      });
    }

    // The front: read once, hand the same frozen batch to every lane it continues.
    for (;;) {
      const takers = [...ready].filter((l) => this.lanes.has(l.sub) && Math.max(l.end, l.sub.position) >= this.cursor && l.queued < 4 * Math.max(l.batchSize, this.batchSize));
      if (takers.length === 0) return;
      const after = this.cursor;
      const events = await this.read(after, this.batchSize);
      if (events.length === 0) return;
      this.cursor = events[events.length - 1]!.globalPosition;
      for (const lane of takers) this.enqueue(lane, after, events);
      if (events.length < this.batchSize) return;
    }
  }

  /** A lane behind the front reads on its own, a batch at a time, until it reaches the front. */
  private async catchUpAlone(lane: Lane): Promise<void> {
    const { sub } = lane;
    while (this.lanes.has(sub)) {
      const after = Math.max(lane.end, sub.position);
      if (after >= this.cursor) break;
      const events = await this.read(after, lane.batchSize);
      if (events.length === 0) break;
      if (!(await this.deliver(lane, events))) return;
      lane.end = Math.max(lane.end, sub.position);
    }
    this.handled(lane);
  }

  /** Hands events to the subscriber; on failure, records it and drops the lane's queue. */
  private async deliver(lane: Lane, events: readonly StoredEvent[]): Promise<boolean> {
    try {
      await lane.sub.handle(events);
      return true;
    } catch (error) {
      lane.error = error;
      lane.retryAt = Date.now() + (this.o.retryMs ?? 1_000);
      this.o.onError?.(error, lane.sub.name);
      this.dropQueue(lane);
      return false;
    }
  }

  /** A lazy lane is up to date: it rests until its delay has passed (or a `catchUp` wants it). */
  private handled(lane: Lane): void {
    lane.wanted = false;
    if (lane.delayMs > 0) lane.dueAt = Date.now() + lane.delayMs;
  }

  private async read(after: number, limit: number): Promise<readonly StoredEvent[]> {
    this.readsSoFar++;
    const events = await this.o.store.readAll({ after, limit });
    if (this.freeze) for (const e of events) deepFreeze(e);
    return events;
  }

  private enqueue(lane: Lane, after: number, events: readonly StoredEvent[]): void {
    lane.queue.push({ after, events });
    lane.queued += events.length;
    lane.end = Math.max(lane.end, events[events.length - 1]!.globalPosition);
    this.startDraining(lane);
  }

  /** Hands the lane's queue to its subscriber, one `handle` at a time; starts again for what came meanwhile. */
  private startDraining(lane: Lane): void {
    if (lane.draining || lane.queue.length === 0) return;
    lane.draining = this.handleQueue(lane).finally(() => {
      lane.draining = undefined;
      this.startDraining(lane);
    });
  }

  private async handleQueue(lane: Lane): Promise<void> {
    const { sub } = lane;
    while (lane.queue.length > 0) {
      // Merge queued batches (each continuing the previous) up to the lane's batch size.
      const events: StoredEvent[] = [];
      let at = sub.position;
      while (lane.queue.length > 0) {
        const next = lane.queue[0]!;
        if (next.after > at) {
          if (events.length > 0) break;
          // A gap (the subscriber failed, or its position moved back): it reads on its own from where it is.
          this.dropQueue(lane);
          return;
        }
        if (events.length > 0 && events.length + next.events.length > lane.batchSize) break;
        lane.queue.shift();
        lane.queued -= next.events.length;
        for (const e of next.events) if (e.globalPosition > at) events.push(e);
        at = Math.max(at, next.events[next.events.length - 1]!.globalPosition);
      }
      if (events.length === 0) continue;
      if (!(await this.deliver(lane, events))) return;
    }
    this.handled(lane);
  }

  private dropQueue(lane: Lane): void {
    lane.queue = [];
    lane.queued = 0;
    lane.end = lane.sub.position;
  }
}

/** Freezes an event and everything in it (data, metadata): subscribers share it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
