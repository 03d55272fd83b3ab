import { foldStored } from '../application/handleCommand.js';
import type { CaseSnapshots } from '../application/snapshots.js';
import { restoreCase } from '../case/snapshot.js';
import { initialCaseState, type CaseState, type StartedCase } from '../case/state.js';
import type { MatterCatalogue } from '../definition/catalogue.js';
import type { EventStore, StoredEvent } from '../ports.js';
import { fail, ok, type DomainError, type Result } from '../result.js';

/** Where to stop a replay: at a moment (every event recorded at or before it) or at a position (inclusive). */
export type ReplayPoint = { asOf: string } | { position: number } | Record<string, never>;

/**
 * The state the engine had at a point of a case's history: the prefix of the
 * stream folded with `foldStored`, the fold the live engine uses, under the matter
 * version the case started with (CaseStarted names it; the catalogue keeps it).
 * A moment selects whole commands, since the events of one command share their
 * time; a position may stop between the events of one command.
 *
 * With `base`, `events` are the ones after it (a snapshot's state and the tail).
 */
export function replayCase(catalogue: MatterCatalogue, events: readonly StoredEvent[], at: ReplayPoint = {}, base?: StartedCase): Result<StartedCase, DomainError> {
  if (events.length === 0 && !base) return fail('NotFound', 'case not found');
  const invalid = invalidPoint(at);
  if (invalid) return invalid;
  let prefix: readonly StoredEvent[] = events;
  if ('asOf' in at && at.asOf !== undefined) {
    const limit = Date.parse(at.asOf);
    const end = events.findIndex((e) => Date.parse(e.recordedAt) > limit);
    prefix = end === -1 ? events : events.slice(0, end);
    if (prefix.length === 0 && !base) return fail('NotFound', `the case did not exist yet at ${at.asOf} (it started at ${events[0]!.recordedAt})`);
  } else if ('position' in at && at.position !== undefined) {
    const last = events.length > 0 ? events[events.length - 1]!.position : base!.revision;
    if (at.position > last) return fail('NotFound', `the case has no position ${at.position}: its last is ${last}`);
    prefix = events.filter((e) => e.position <= at.position);
  }
  try {
    const state: CaseState = foldStored(catalogue, base ?? initialCaseState(), prefix);
    if (state.kind !== 'started') return fail('NotFound', 'case not found');
    return ok(state);
  } catch (error) {
    // A history the engine cannot fold was not written by it (or its matter version is gone).
    return fail('Conflict', `the history cannot be replayed: ${(error as Error).message}`);
  }
}

/** Why a replay point cannot be used: a moment that is not an ISO time, a position that is not a non-negative integer. */
function invalidPoint(at: ReplayPoint): Result<never, DomainError> | undefined {
  if ('asOf' in at && at.asOf !== undefined && Number.isNaN(Date.parse(at.asOf))) {
    return fail('Invalid', `asOf ${at.asOf} is not an ISO time`, [{ path: 'query.asOf', message: 'an ISO 8601 date-time' }]);
  }
  if ('position' in at && at.position !== undefined && (!Number.isInteger(at.position) || at.position < 0)) {
    return fail('Invalid', 'position is a non-negative integer', [{ path: 'query.position', message: 'a non-negative integer' }]);
  }
  return undefined;
}

export interface Replayed {
  state: StartedCase;
  /** The snapshot's revision the fold started from, or null for a fold of every event. */
  fromSnapshot: number | null;
}

/**
 * A replay from the store: from the latest case snapshot at or before the point
 * (if there is one and the stream still holds the event it was taken at, with
 * the same hash), folding only the events after it; else from the first event.
 */
export async function replayFromStore(
  deps: { store: EventStore; catalogue: MatterCatalogue; snapshots?: CaseSnapshots | undefined },
  caseId: string,
  at: ReplayPoint = {},
): Promise<Result<Replayed, DomainError>> {
  // A point replayCase would refuse needs no snapshot (and is refused below, as without one).
  const doc = deps.snapshots && !invalidPoint(at) ? await deps.snapshots.latest(caseId, at).catch(() => undefined) : undefined;
  const base = doc ? restoreCase(deps.catalogue, doc) : undefined;
  if (doc && base) {
    const tail = await deps.store.readStream(caseId, { fromPosition: doc.revision });
    if (tail[0]?.position === doc.revision && tail[0].hash === doc.lastHash) {
      const r = replayCase(deps.catalogue, tail.slice(1), at, base);
      return r.ok ? ok({ state: r.value, fromSnapshot: doc.revision }) : r;
    }
  }
  const events = await deps.store.readStream(caseId);
  if (events.length === 0) return fail('NotFound', `case ${caseId} not found`);
  const r = replayCase(deps.catalogue, events, at);
  return r.ok ? ok({ state: r.value, fromSnapshot: null }) : r;
}
