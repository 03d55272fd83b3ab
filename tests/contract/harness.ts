/**
 * What every role's contract shares: a fresh store per test (the suite calls `init()`),
 * another store on the same database for the durability cases, and the cleanup.
 */
import { afterEach, it } from 'vitest';
import { type AppendResult, type EventStore, type OutboxMessage, type PreparedEvent, type StoredEvent } from '@onematter/engine';

export interface ContractOptions {
  /**
   * Another store on the same database as `store` (which may be open or closed), not yet
   * initialized. Durable stores provide it; without it the durability cases are skipped.
   */
  reopen?: (store: EventStore) => Promise<EventStore>;
}

/** The arguments of every role's contract. */
export type ContractArgs = [
  name: string,
  /** A store on a fresh, empty database; the suite calls `init()` itself. */
  open: () => Promise<EventStore>,
  /** Removes what `open` created (temp dir, schema) once its stores are closed. */
  cleanup?: (store: EventStore) => Promise<void>,
  options?: ContractOptions,
];

/** Call inside a `describe`: registers the cleanup and gives the fresh and reopened stores. */
export function storeHarness(open: () => Promise<EventStore>, cleanup?: (store: EventStore) => Promise<void>, options: ContractOptions = {}) {
  const opened: EventStore[] = [];
  const others: EventStore[] = [];
  /** A store on a fresh database, not initialized yet (closed and cleaned up after the test). */
  const uninitialized = async (): Promise<EventStore> => {
    const store = await open();
    opened.push(store);
    return store;
  };
  const fresh = async (): Promise<EventStore> => {
    const store = await uninitialized();
    await store.init();
    return store;
  };
  const reopen = async (store: EventStore): Promise<EventStore> => {
    const other = await options.reopen!(store);
    others.push(other);
    return other;
  };
  // Durability across a restart only means something for a store with a disk: the memory store has no such tests.
  const durableIt = (options.reopen ? it : () => undefined) as typeof it;
  afterEach(async () => {
    for (const s of [...others.splice(0), ...opened]) await s.close().catch(() => {});
    for (const s of opened.splice(0)) await cleanup?.(s);
  });
  return { fresh, uninitialized, reopen, durableIt };
}

// ---- fixtures --------------------------------------------------------------------------

export function event(
  streamId: string,
  position: number,
  type = 'Noted',
  data: unknown = { note: `${streamId} #${position}` },
  metadata: PreparedEvent['metadata'] = { v: 1, actor: 'clerk:window-1' },
): PreparedEvent {
  return {
    position,
    type,
    data,
    metadata,
    recordedAt: new Date(Date.UTC(2025, 2, 3, 9, 0, 0, position)).toISOString(),
    prevHash: position === 0 ? '' : `${streamId}#${position - 1}`,
    hash: `${streamId}#${position}`,
  };
}

export function events(streamId: string, from: number, count: number): PreparedEvent[] {
  return Array.from({ length: count }, (_, i) => event(streamId, from + i));
}

export function task(caseId: string, department: string): OutboxMessage {
  return {
    topic: `onematter.tasks.${department}`,
    key: caseId,
    headers: { 'event-id': `${caseId}:${department}`, 'event-type': 'TaskDispatched' },
    value: { taskId: `${caseId}-${department}`, caseId, department, form: { 名称: '一件事' } },
  };
}

export function lastGlobal(result: AppendResult): number {
  if (!result.ok) throw new Error(`append failed: ${result.error.message}`);
  return result.lastGlobalPosition;
}

export function withoutGlobal({ globalPosition: _g, ...rest }: StoredEvent) {
  return rest;
}

/**
 * Waits until readAll can deliver `position`. A store may hold back events of committed
 * transactions while an older one is still open (PostgreSQL); it must never skip them.
 */
export async function settled(store: EventStore, position: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await store.headPosition()) < position) {
    if (Date.now() > deadline) throw new Error(`head never reached ${position}`);
    await sleep(2);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
