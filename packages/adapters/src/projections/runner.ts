/**
 * Projections: read models that follow the store's global position.
 *
 * A projection is a name and a fold: `apply(event, docs)` reads and writes documents
 * (one per case, say), deterministically, from the event alone. The runner does the rest,
 * the same way on every store:
 *  1. reads events after the projection's checkpoint (`readAll`), a batch at a time;
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
  /** How often `start()` looks for new events. Default 500 ms. */
  pollIntervalMs?: number;
  onError?: (error: unknown) => void;
}

export class ProjectionRunner<Doc = unknown> {
  private checkpoint = 0;
  private loaded = false;
  private pass?: Promise<void>;
  private readonly cache = new Map<string, ReadModelDocument<Doc> | null>();
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private failed = 0;

  constructor(private readonly o: ProjectionRunnerOptions<Doc>) {}

  get name(): string {
    return this.o.projection.name;
  }

  /** The global position applied and committed so far. */
  get position(): number {
    return this.checkpoint;
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
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await (this.pass ??= this.runPass().finally(() => {
        this.pass = undefined;
      }));
      if (this.checkpoint >= target || Date.now() >= deadline) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Follows the store in the background until `stop()`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.catchUp();
        } catch (error) {
          this.o.onError?.(error);
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, this.o.pollIntervalMs ?? 500);
          function done() {
            clearTimeout(t);
            resolve();
          }
          this.wake = done;
        });
      }
    })();
  }

  /** Looks for new events now instead of at the next poll. */
  notify(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.pass?.catch(() => {});
  }

  /** Drops the read model and applies every event from the start, up to the head as of now. */
  async rebuild(): Promise<{ position: number; documents: number }> {
    await this.pass?.catch(() => {});
    await this.o.readModels.resetReadModel(this.name);
    await this.clearFailures();
    this.cache.clear();
    this.checkpoint = 0;
    this.failed = 0;
    this.loaded = true;
    await this.catchUp(await this.o.store.headPosition(), 60_000);
    return { position: this.checkpoint, documents: await this.o.readModels.countDocuments(this.name) };
  }

  private async runPass(): Promise<void> {
    const batchSize = this.o.batchSize ?? 2_000;
    if (!this.loaded) await this.reload();
    for (;;) {
      const events = await this.o.store.readAll({ after: this.checkpoint, limit: batchSize });
      if (events.length === 0) return;
      try {
        await this.applyBatch(events);
      } catch (error) {
        if (!isTheEventsFault(error)) throw error;
        await this.applyOneByOne(events);
      }
      if (events.length < batchSize) return;
    }
  }

  /** The checkpoint and the count of failed events as stored (at start, and after another writer moved them). */
  private async reload(): Promise<void> {
    this.checkpoint = await this.o.readModels.readModelCheckpoint(this.name);
    this.failed = await this.o.readModels.countDocuments(FAILED_EVENTS, failedTag(this.name));
    this.loaded = true;
  }

  /** A batch failed because of an event in it: each event on its own, setting aside those that fail alone. */
  private async applyOneByOne(events: StoredEvent[]): Promise<void> {
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

  private async applyBatch(events: StoredEvent[]): Promise<void> {
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
