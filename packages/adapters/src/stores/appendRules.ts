/**
 * Rules every event store applies the same way, so that memory, SQLite and PostgreSQL
 * agree on what an append means.
 */
import type { AppendRequest, AppendResult, ExpectedRevision } from '@onematter/engine';

/**
 * Refuses requests that can only come from a bug in the caller (the engine computes
 * positions): no events, or positions that do not follow each other or do not follow
 * the expected revision. These reject the promise; they are not concurrency conflicts.
 */
export function assertWellFormed(request: AppendRequest): void {
  const { streamId, events, expectedRevision } = request;
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new TypeError('append: streamId must be a non-empty string');
  }
  if (events.length === 0) throw new TypeError(`append to ${streamId}: no events`);
  if (expectedRevision !== 'any' && (!Number.isInteger(expectedRevision) || expectedRevision < -1)) {
    throw new TypeError(`append to ${streamId}: expected revision ${String(expectedRevision)} is not -1, 'any' or a revision`);
  }
  const first = events[0]!.position;
  if (expectedRevision !== 'any' && first !== expectedRevision + 1) {
    throw new TypeError(
      `append to ${streamId}: first event has position ${first}, but expected revision ${expectedRevision} needs ${expectedRevision + 1}`,
    );
  }
  events.forEach((e, i) => {
    if (!Number.isInteger(e.position) || e.position !== first + i) {
      throw new TypeError(`append to ${streamId}: event ${i} has position ${e.position}, expected ${first + i}`);
    }
  });
}

/**
 * Whether a request may be written on a stream now at `actual` (-1: no stream).
 * 'any' skips the revision comparison, but the engine-computed positions must still
 * continue the stream: storing them elsewhere would break the hash chain.
 */
export function revisionAccepts(expected: ExpectedRevision, actual: number, firstPosition: number): boolean {
  return expected === 'any' ? firstPosition === actual + 1 : expected === actual;
}

export function concurrencyError(streamId: string, expected: ExpectedRevision, actual: number): AppendResult {
  return {
    ok: false,
    error: {
      kind: 'Concurrency',
      message: `stream ${streamId} is at revision ${actual}, the append expected ${String(expected)}`,
      actualRevision: actual,
    },
  };
}

/** JSON text as the stores keep it; `undefined` is stored as `null`, as JSON would. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

export function assertPage(options: { after: number; limit: number }, what: string): void {
  if (!Number.isInteger(options.after) || options.after < 0) {
    throw new TypeError(`${what}: after must be a non-negative integer`);
  }
  if (!Number.isInteger(options.limit) || options.limit < 1) {
    throw new TypeError(`${what}: limit must be a positive integer`);
  }
}

/** An outbox row as the stores keep it: headers and value as JSON text. */
export interface OutboxRow {
  id: number;
  topic: string;
  key: string;
  headers: string;
  value: string;
}
