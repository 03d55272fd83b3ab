import { foldStored } from '../application/handleCommand.js';
import { initialCaseState, type StartedCase } from '../case/state.js';
import type { MatterCatalogue } from '../definition/catalogue.js';
import type { StoredEvent } from '../ports.js';
import { fail, ok, type DomainError, type Result } from '../result.js';

/** Where to stop a replay: at a moment (every event recorded at or before it) or at a position (inclusive). */
export type ReplayPoint = { asOf: string } | { position: number } | Record<string, never>;

/**
 * The state the engine had at a point of a case's history: the prefix of the
 * stream folded with `foldStored`, the fold the live engine uses, under the matter
 * version the case started with (CaseStarted names it; the catalogue keeps it).
 * A moment selects whole commands, since the events of one command share their
 * time; a position may stop between the events of one command.
 */
export function replayCase(catalogue: MatterCatalogue, events: readonly StoredEvent[], at: ReplayPoint = {}): Result<StartedCase, DomainError> {
  if (events.length === 0) return fail('NotFound', 'case not found');
  let prefix: readonly StoredEvent[] = events;
  if ('asOf' in at && at.asOf !== undefined) {
    const limit = Date.parse(at.asOf);
    if (Number.isNaN(limit)) return fail('Invalid', `asOf ${at.asOf} is not an ISO time`, [{ path: 'query.asOf', message: 'an ISO 8601 date-time' }]);
    const end = events.findIndex((e) => Date.parse(e.recordedAt) > limit);
    prefix = end === -1 ? events : events.slice(0, end);
    if (prefix.length === 0) return fail('NotFound', `the case did not exist yet at ${at.asOf} (it started at ${events[0]!.recordedAt})`);
  } else if ('position' in at && at.position !== undefined) {
    const last = events[events.length - 1]!.position;
    if (!Number.isInteger(at.position) || at.position < 0) {
      return fail('Invalid', 'position is a non-negative integer', [{ path: 'query.position', message: 'a non-negative integer' }]);
    }
    if (at.position > last) return fail('NotFound', `the case has no position ${at.position}: its last is ${last}`);
    prefix = events.filter((e) => e.position <= at.position);
  }
  try {
    const state = foldStored(catalogue, initialCaseState(), prefix);
    if (state.kind !== 'started') return fail('NotFound', 'case not found');
    return ok(state);
  } catch (error) {
    // A history the engine cannot fold was not written by it (or its matter version is gone).
    return fail('Conflict', `the history cannot be replayed: ${(error as Error).message}`);
  }
}
