import { prepareChained } from '../audit/prepare.js';
import type { CaseCommand } from '../case/commands.js';
import { decide } from '../case/decide.js';
import type { CaseEvent } from '../case/events.js';
import { evolve } from '../case/evolve.js';
import { initialCaseState, type CaseState, type StartedCase } from '../case/state.js';
import type { MatterCatalogue } from '../definition/catalogue.js';
import { outboxFor, type Topics } from '../messaging/topics.js';
import type { Clock, EventStore, StoredEvent } from '../ports.js';
import { fail, ok, type DomainError, type Result } from '../result.js';
import { CaseCache } from './caseCache.js';
import type { CaseSnapshots } from './snapshots.js';

export interface CommandHandlerDeps {
  store: EventStore;
  catalogue: MatterCatalogue;
  clock: Clock;
  topics: Topics;
  /** Cases kept folded in memory (most recently used). */
  cacheSize?: number;
  /** How often a command is retried after losing an optimistic-concurrency race. */
  maxAttempts?: number;
  /** Called after every command, for metrics. */
  observe?: (o: { command: CaseCommand['type']; outcome: string; appendMs?: number; events: number }) => void;
  /** The due date a department sees on its task (from the time-limit clocks), if known. */
  dueAtOf?: (state: StartedCase, taskId: string) => string | null;
  /** Where to keep a snapshot of a case every so many events, for replays of long cases. */
  snapshots?: CaseSnapshots;
}

/**
 * Builds the command for one attempt, from the clock's `now` and the loaded state
 * (a retry after a lost race gets the fresh state). Most commands ignore the state;
 * the time-limit scheduler reads its clocks from it, and returns null for a no-op.
 */
export type BuildCommand = (now: string, state: CaseState) => CaseCommand | null;

export interface Handled {
  state: StartedCase;
  /** Events this command appended; empty when it was a no-op (a redelivered decision). */
  appended: number;
}

/**
 * The one place with I/O around the decider (after Emmett's handleCommand):
 * 1. load the case: a cached fold at some revision, plus any newer events;
 * 2. decide with the time from the clock port;
 * 3. append at the expected revision, with the outbox rows, in one transaction;
 * 4. on a lost race, reload and decide again, since the other writer may have
 *    changed what the command means.
 * The promise resolves only after the store reports the append durable.
 */
export class CommandHandler {
  private readonly cache: CaseCache;
  private readonly maxAttempts: number;

  constructor(private readonly deps: CommandHandlerDeps) {
    this.cache = new CaseCache(deps.cacheSize ?? 20_000);
    this.maxAttempts = deps.maxAttempts ?? 20;
  }

  private readonly queues = new Map<string, Promise<unknown>>();

  /**
   * Runs a command on a case. Commands on one case run one after another in this
   * process (no wasted retries); across processes optimistic concurrency decides.
   */
  execute(caseId: string, build: BuildCommand, actor?: string): Promise<Result<Handled, DomainError>> {
    const previous = this.queues.get(caseId);
    const run = previous ? previous.then(() => this.executeNow(caseId, build, actor)) : this.executeNow(caseId, build, actor);
    const settled = run.catch(() => undefined);
    this.queues.set(caseId, settled);
    void settled.then(() => {
      if (this.queues.get(caseId) === settled) this.queues.delete(caseId);
    });
    return run;
  }

  private async executeNow(caseId: string, build: BuildCommand, actor?: string): Promise<Result<Handled, DomainError>> {
    let fresh = false;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const state = fresh ? await this.loadFromStore(caseId) : await this.load(caseId);
      const now = this.deps.clock.now().toISOString();
      const command = build(now, state);
      // The builder saw the loaded state and found nothing to do (a timer no longer due).
      if (command === null) return ok({ state: state as StartedCase, appended: 0 });
      const decided = decide(this.deps.catalogue, command, state);
      if (!decided.ok) {
        // A cached fold may be behind another process's writes: confirm the error on a fresh load.
        if (!fresh && state.kind === 'started') {
          fresh = true;
          attempt--;
          continue;
        }
        this.deps.observe?.({ command: command.type, outcome: decided.error.kind, events: 0 });
        return decided;
      }
      const events = decided.value;
      if (events.length === 0) {
        this.deps.observe?.({ command: command.type, outcome: 'noop', events: 0 });
        return ok({ state: state as StartedCase, appended: 0 });
      }
      const { prepared, next } = this.prepare(caseId, state, events, now, actor);
      const outbox = outboxFor(this.deps.topics, next, events, prepared, (taskId) => this.deps.dueAtOf?.(next, taskId) ?? null);
      const t0 = performance.now();
      const appended = await this.deps.store.append({ streamId: caseId, events: prepared, expectedRevision: state.revision, outbox });
      const appendMs = performance.now() - t0;
      if (!appended.ok) {
        this.cache.delete(caseId);
        fresh = true;
        this.deps.observe?.({ command: command.type, outcome: 'retry', appendMs, events: 0 });
        continue;
      }
      this.cache.set(caseId, next);
      // A snapshot is a cache for replays: failing to save one loses nothing.
      if (this.deps.snapshots?.due(state.revision, next.revision)) await this.deps.snapshots.save(next, now).catch(() => {});
      this.deps.observe?.({ command: command.type, outcome: 'ok', appendMs, events: events.length });
      return ok({ state: next, appended: events.length });
    }
    return fail('Concurrency', `case ${caseId}: gave up after ${this.maxAttempts} concurrent-write retries`);
  }

  /**
   * The current state of a case. A cached fold is trusted without a read: if
   * another process wrote since, the append at the cached revision fails and the
   * command is decided again on a fresh load, and an error decided on a cached
   * fold is confirmed on a fresh load before it is returned.
   */
  async load(caseId: string): Promise<CaseState> {
    return this.cache.get(caseId) ?? this.loadFromStore(caseId);
  }

  /** The state as the store has it now, for reads that must see other processes' writes. */
  async loadLatest(caseId: string): Promise<CaseState> {
    const cached = this.cache.get(caseId);
    if (!cached) return this.loadFromStore(caseId);
    const newer = await this.deps.store.readStream(caseId, { fromPosition: cached.revision + 1 });
    if (newer.length === 0) return cached;
    const state = foldStored(this.deps.catalogue, cached, newer);
    if (state.kind === 'started') this.cache.set(caseId, state);
    return state;
  }

  private async loadFromStore(caseId: string): Promise<CaseState> {
    const events = await this.deps.store.readStream(caseId);
    const state = foldStored(this.deps.catalogue, initialCaseState(), events);
    if (state.kind === 'started') this.cache.set(caseId, state);
    else this.cache.delete(caseId);
    return state;
  }

  private prepare(caseId: string, state: CaseState, events: CaseEvent[], now: string, actor?: string) {
    const head = state.kind === 'started' ? { revision: state.revision, hash: state.lastHash } : undefined;
    const prepared = prepareChained(caseId, head, events, actor, now);
    let next: CaseState = state;
    for (let i = 0; i < events.length; i++) next = evolve(this.deps.catalogue, next, events[i]!, { revision: prepared[i]!.position, hash: prepared[i]!.hash });
    return { prepared, next: next as StartedCase };
  }
}

/** Folds stored events onto a state: the same fold as live processing, used by replay too. */
export function foldStored(catalogue: MatterCatalogue, state: CaseState, events: readonly StoredEvent[]): CaseState {
  let s = state;
  // Only the last state leaves this loop: lists it creates may grow in place.
  const owned = events.length > 1 ? new Set<object>() : undefined;
  for (const e of events) {
    s = evolve(catalogue, s, { type: e.type, data: e.data } as CaseEvent, { revision: e.position, hash: e.hash, owned });
  }
  return s;
}
