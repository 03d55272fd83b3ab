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
 */
import type { EventStore, ReadModelDocument, ReadModelStore, StoredEvent } from '@onematter/engine';

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

  constructor(private readonly o: ProjectionRunnerOptions<Doc>) {}

  get name(): string {
    return this.o.projection.name;
  }

  /** The global position applied and committed so far. */
  get position(): number {
    return this.checkpoint;
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
    this.cache.clear();
    this.checkpoint = 0;
    this.loaded = true;
    await this.catchUp(await this.o.store.headPosition(), 60_000);
    return { position: this.checkpoint, documents: await this.o.readModels.countDocuments(this.name) };
  }

  private async runPass(): Promise<void> {
    const batchSize = this.o.batchSize ?? 2_000;
    if (!this.loaded) {
      this.checkpoint = await this.o.readModels.readModelCheckpoint(this.name);
      this.loaded = true;
    }
    for (;;) {
      const events = await this.o.store.readAll({ after: this.checkpoint, limit: batchSize });
      if (events.length === 0) return;
      await this.applyBatch(events);
      if (events.length < batchSize) return;
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
    for (const e of events) projection.apply(e, docs);

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
      this.checkpoint = await readModels.readModelCheckpoint(this.name);
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
