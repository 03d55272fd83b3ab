/**
 * Projections: read models that follow the store's global position.
 *
 * A projection is a name and a fold: `apply(event, docs)` reads and writes documents
 * (one per case, say), deterministically, from the event alone. The runner does the rest,
 * the same way on every store:
 *  1. takes the events after the projection's checkpoint from the process's log follower
 *     (logFollower.ts: one read for every projection, the feed and the clocks), a batch at a time;
 *  2. loads the documents the batch touches (`keysOf`, one query), applies the events
 *     to copies of them;
 *  3. commits the changed documents and the new checkpoint in ONE transaction
 *     (`ReadModelStore.commitReadModel`), compared and set on the old checkpoint.
 * So a crash between batches only means re-reading the batch, never applying an event
 * twice; and two processes running the same projection on one database cannot both
 * apply a batch: the loser's commit is refused, it drops its cache, reloads the
 * checkpoint and goes on from there. `rebuild()` resets the read model and replays
 * every event (`onematter projections rebuild`).
 *
 * Writing a projection (e.g. for the supervision views): give it a name, list in
 * `keysOf` the documents an event may touch (default: the event's stream), and fold in
 * `apply`; put a document's `tags` for what its queries select on. Then
 * `new ProjectionRunner({ store, readModels, projection })`, `start()` to follow in the
 * background and `catchUp(target)` before a read that must see a given position.
 *
 * One event must not stop a read model for good. When a batch fails because of what an
 * event holds (its `apply` throws, or the store cannot hold a document it made:
 * `UnstorableDocumentError`, such as text PostgreSQL refuses), the runner applies that
 * batch one event at a time, and sets aside each event that fails alone: the event and
 * its error are recorded in the `projection-failures` read model (`failedEvents()`),
 * counted (`failedCount`, shown by /health, /metrics and `onematter projections`), and
 * the checkpoint moves past it. Any other error (the database unreachable) is not the
 * event's fault: the pass fails and the next one tries again from the checkpoint.
 */
import { storableText as storable, type EventStore, type ReadModelDocument, type ReadModelStore, type StoredEvent } from '@onematter/engine';
import { LogFollower, type LogSubscriber } from './logFollower.js';

/** Thrown by a read-model store for a document it cannot hold, however often it is tried (bad text, too large). */
export class UnstorableDocumentError extends Error {
  override readonly name = 'UnstorableDocumentError';
}

/** Thrown when a projection's `apply` fails on an event: a fold is deterministic, so it would fail again. */
class ApplyError extends Error {
  override readonly name = 'ApplyError';
}

/** The read model of events set aside by every projection, one document per projection and event. */
export const FAILED_EVENTS = 'projection-failures';

/** An event a projection could not apply, and why. */
export interface FailedEvent {
  projection: string;
  globalPosition: number;
  streamId: string;
  type: string;
  recordedAt: string;
  error: string;
}

const failedTag = (projection: string) => `projection:${projection}`;

export interface Projection<Doc = unknown> {
  /** The read model's name; also its checkpoint's name. */
  readonly name: string;
  /** Keys of the documents `apply` may read for this event, loaded before the batch. Default: the event's stream id. */
  keysOf?(event: StoredEvent): readonly string[];
  /** Folds one event into the documents. No I/O, no clock, no randomness: a rebuild replays it. */
  apply(event: StoredEvent, docs: ProjectionDocuments<Doc>): void;
}

export interface ProjectionDocuments<Doc> {
  /** The document as of the events applied so far; a copy `apply` may change before it `put`s it. */
  get(key: string): ReadModelDocument<Doc> | undefined;
  put(document: ReadModelDocument<Doc>): void;
  delete(key: string): void;
}

export interface ProjectionRunnerOptions<Doc> {
  store: EventStore;
  readModels: ReadModelStore;
  projection: Projection<Doc>;
  /** Events applied per commit. Default 2,000. */
  batchSize?: number;
  /** Documents kept in memory between batches (valid while this runner is the only writer). Default 20,000. */
  cacheSize?: number;
  /**
   * With its own follower: how often `start()` looks for new events (default 500 ms). With a
   * shared `follower`: how long new events may wait before they are applied (default 0), so
   * commits are few and big; a `catchUp` applies them at once.
   */
  pollIntervalMs?: number;
  /** The process's log follower; without one the runner reads the store on its own. */
  follower?: LogFollower;
  onError?: (error: unknown) => void;
}

export class ProjectionRunner<Doc = unknown> implements LogSubscriber {
  private checkpoint = 0;
  private loaded = false;
  private readonly cache = new Map<string, ReadModelDocument<Doc> | null>();
  private following = false;
  private failed = 0;
  private readonly follower: LogFollower;
  private readonly ownFollower: boolean;

  constructor(private readonly o: ProjectionRunnerOptions<Doc>) {
    this.ownFollower = !o.follower;
    this.follower =
      o.follower ??
      new LogFollower({ store: o.store, batchSize: o.batchSize ?? 2_000, pollIntervalMs: o.pollIntervalMs ?? 500, ...(o.onError ? { onError: o.onError } : {}) });
  }

  get name(): string {
    return this.o.projection.name;
  }

  /** The global position applied and committed so far. */
  get position(): number {
    return this.checkpoint;
  }

  /**
   * The document as this runner last committed or loaded it, if it still holds it (undefined:
   * not held, null: deleted). The same object until the document changes: what is derived from
   * it can be kept per object. Another writer's changes show only once this runner's next commit
   * is refused (it then drops what it holds).
   */
  held(key: string): ReadModelDocument<Doc> | null | undefined {
    return this.cache.get(key);
  }

  /** How many events this projection has set aside, as of its last pass. */
  get failedCount(): number {
    return this.failed;
  }

  /** The events this projection has set aside (oldest first), at most `limit`. */
  async failedEvents(limit = 1_000): Promise<FailedEvent[]> {
    const docs = await this.o.readModels.queryDocuments(FAILED_EVENTS, { tags: [failedTag(this.name)], limit });
    return docs.map((d) => d.doc as FailedEvent).reverse();
  }

  /**
   * Applies every event readable now. With `target`, also waits (up to `timeoutMs`) until
   * the checkpoint reaches it: an append this process acknowledged can be held back for a
   * moment by a transaction still open (PostgreSQL), and read-your-writes must wait for it.
   * Concurrent callers share one pass.
   */
  async catchUp(target = 0, timeoutMs = 5_000): Promise<void> {
    this.follow();
    await this.follower.catchUp(this, target, timeoutMs);
  }

  /** Follows the store in the background until `stop()`. */
  start(): void {
    this.follow();
    if (this.ownFollower) this.follower.start();
  }

  private follow(): void {
    if (this.following) return;
    this.following = true;
    this.follower.add(this, { batchSize: this.o.batchSize ?? 2_000, delayMs: this.ownFollower ? 0 : (this.o.pollIntervalMs ?? 0) });
  }

  /** Looks for new events now instead of at the next poll. */
  notify(): void {
    this.follower.notify();
  }

  async stop(): Promise<void> {
    this.following = false;
    await this.follower.remove(this);
    if (this.ownFollower) await this.follower.stop();
  }

  /** Drops the read model and applies every event from the start, up to the head as of now. */
  async rebuild(): Promise<{ position: number; documents: number }> {
    const wasFollowing = this.following;
    this.following = false;
    await this.follower.remove(this);
    await this.o.readModels.resetReadModel(this.name);
    await this.clearFailures();
    this.cache.clear();
    this.checkpoint = 0;
    this.failed = 0;
    this.loaded = true;
    await this.catchUp(await this.o.store.headPosition(), 60_000);
    if (!wasFollowing && this.ownFollower) await this.stop();
    return { position: this.checkpoint, documents: await this.o.readModels.countDocuments(this.name) };
  }

  /** For the follower: loads the checkpoint before the first batch. */
  async open(): Promise<void> {
    if (!this.loaded) await this.reload();
  }

  /** For the follower: applies a batch (frozen events after the checkpoint). */
  async handle(events: readonly StoredEvent[]): Promise<void> {
    try {
      await this.applyBatch(events);
    } catch (error) {
      if (!isTheEventsFault(error)) throw error;
      await this.applyOneByOne(events);
    }
  }

  /** The checkpoint and the count of failed events as stored (at start, and after another writer moved them). */
  private async reload(): Promise<void> {
    this.checkpoint = await this.o.readModels.readModelCheckpoint(this.name);
    this.failed = await this.o.readModels.countDocuments(FAILED_EVENTS, failedTag(this.name));
    this.loaded = true;
  }

  /** A batch failed because of an event in it: each event on its own, setting aside those that fail alone. */
  private async applyOneByOne(events: readonly StoredEvent[]): Promise<void> {
    for (const e of events) {
      if (e.globalPosition <= this.checkpoint) continue;
      try {
        await this.applyBatch([e]);
      } catch (error) {
        if (!isTheEventsFault(error)) throw error;
        await this.setAside(e, error);
      }
      // Another writer moved the checkpoint: the next pass goes on from where it is.
      if (this.checkpoint !== e.globalPosition) return;
    }
  }

  /** Records the event and its error, then moves the checkpoint past it. */
  private async setAside(e: StoredEvent, error: unknown): Promise<void> {
    const reason = error instanceof ApplyError && error.cause instanceof Error ? `apply: ${error.cause.message}` : error instanceof Error ? error.message : String(error);
    // A failure record must not fail too: its text is made storable.
    const failure: FailedEvent = {
      projection: this.name,
      globalPosition: e.globalPosition,
      streamId: storable(e.streamId),
      type: storable(e.type),
      recordedAt: e.recordedAt,
      error: storable(reason),
    };
    await this.commitFailures([{ key: `${this.name}@${e.globalPosition}`, position: e.globalPosition, tags: [failedTag(this.name)], doc: failure }], []);
    this.o.onError?.(new Error(`projection ${this.name}: event ${e.globalPosition} (${e.type} of ${e.streamId}) set aside: ${failure.error}`));
    const moved = await this.o.readModels.commitReadModel(this.name, { expected: this.checkpoint, checkpoint: e.globalPosition, upserts: [], deletes: [] });
    if (!moved) {
      this.cache.clear();
      await this.reload();
      return;
    }
    this.checkpoint = e.globalPosition;
    this.failed += 1;
  }

  /** Drops this projection's failed events (a rebuild meets them again). */
  private async clearFailures(): Promise<void> {
    for (;;) {
      const docs = await this.o.readModels.queryDocuments(FAILED_EVENTS, { tags: [failedTag(this.name)], limit: 1_000 });
      if (docs.length === 0) return;
      await this.commitFailures([], docs.map((d) => d.key));
    }
  }

  /**
   * Writes to the failed-events read model, shared by every projection (and process): its
   * checkpoint counts the commits, so concurrent writers compare and set it, and retry.
   */
  private async commitFailures(upserts: ReadModelDocument[], deletes: string[]): Promise<void> {
    for (;;) {
      const expected = await this.o.readModels.readModelCheckpoint(FAILED_EVENTS);
      if (await this.o.readModels.commitReadModel(FAILED_EVENTS, { expected, checkpoint: expected + 1, upserts, deletes })) return;
    }
  }

  private async applyBatch(events: readonly StoredEvent[]): Promise<void> {
    const { projection, readModels } = this.o;
    const keysOf = projection.keysOf ?? ((e: StoredEvent) => [e.streamId]);
    const keys = new Set(events.flatMap((e) => keysOf(e)));
    const missing = [...keys].filter((k) => !this.cache.has(k));
    if (missing.length > 0) {
      const found = new Map((await readModels.getDocuments(this.name, missing)).map((d) => [d.key, d as ReadModelDocument<Doc>]));
      for (const k of missing) this.cache.set(k, found.get(k) ?? null);
    }

    // Copies: the cache changes only once the commit has succeeded.
    const working = new Map<string, ReadModelDocument<Doc> | null>();
    const dirty = new Set<string>();
    const docs: ProjectionDocuments<Doc> = {
      get: (key) => {
        if (!working.has(key)) {
          const cached = this.cache.get(key);
          if (cached === undefined) throw new Error(`projection ${this.name}: document ${key} was not loaded; list it in keysOf`);
          working.set(key, cached && structuredClone(cached));
        }
        return working.get(key) ?? undefined;
      },
      put: (document) => {
        working.set(document.key, document);
        dirty.add(document.key);
      },
      delete: (key) => {
        working.set(key, null);
        dirty.add(key);
      },
    };
    for (const e of events) {
      try {
        projection.apply(e, docs);
      } catch (cause) {
        throw new ApplyError(`projection ${this.name} failed on event ${e.globalPosition}`, { cause });
      }
    }

    const last = events[events.length - 1]!.globalPosition;
    const upserts: ReadModelDocument[] = [];
    const deletes: string[] = [];
    for (const key of dirty) {
      const d = working.get(key);
      if (d) upserts.push(d);
      else deletes.push(key);
    }
    const committed = await readModels.commitReadModel(this.name, { expected: this.checkpoint, checkpoint: last, upserts, deletes });
    if (!committed) {
      // Another writer (a second server, a rebuild) moved the checkpoint: follow it from there.
      this.cache.clear();
      await this.reload();
      return;
    }
    this.checkpoint = last;
    for (const key of dirty) {
      this.cache.delete(key);
      this.cache.set(key, working.get(key) ?? null);
    }
    const cacheSize = this.o.cacheSize ?? 20_000;
    for (const key of this.cache.keys()) {
      if (this.cache.size <= cacheSize) break;
      this.cache.delete(key);
    }
  }
}

const isTheEventsFault = (error: unknown): boolean => error instanceof ApplyError || error instanceof UnstorableDocumentError;
