import type { MatterCatalogue } from '../definition/catalogue.js';
import { persistMachine, restoreMachine } from '../machine/compile.js';
import type { StartedCase } from './state.js';
import { emptyModes } from '../modes/facts.js';

/**
 * A case state as JSON: what a fold of the case's first `revision + 1` events
 * gives, so a replay of a long case folds only the events after it. The matter is
 * named by id and version (the catalogue keeps every version) and the machine
 * state is xstate's persisted snapshot. A snapshot is derived data, like a read
 * model: it can be dropped at any time, and the events stay the truth.
 */
export interface CaseSnapshot {
  /** Format of this document; a different one is ignored (the case folds from its events). */
  format: 1;
  caseId: string;
  revision: number;
  /** Hash of the event at `revision`: a replay uses the snapshot only if the stream still has it there. */
  lastHash: string;
  /** When the event at `revision` was recorded (replays as of a moment pick by it). */
  recordedAt: string;
  matter: { id: string; version: number };
  machine: unknown;
  /** The rest of the state, as it is. */
  state: Omit<StartedCase, 'kind' | 'caseId' | 'revision' | 'lastHash' | 'matter' | 'snapshot'>;
}

export function snapshotOf(s: StartedCase, recordedAt: string): CaseSnapshot {
  const { kind: _k, caseId, revision, lastHash, matter, snapshot, ...state } = s;
  // Through JSON: the document holds no shared references to the live state's objects.
  return JSON.parse(
    JSON.stringify({
      format: 1,
      caseId,
      revision,
      lastHash,
      recordedAt,
      matter: { id: matter.definition.id, version: matter.definition.version },
      machine: persistMachine(matter, snapshot),
      state,
    } satisfies CaseSnapshot),
  ) as CaseSnapshot;
}

/** The state a snapshot holds, or undefined if it cannot be used (another format, or a matter version the catalogue lacks). */
export function restoreCase(catalogue: MatterCatalogue, doc: CaseSnapshot): StartedCase | undefined {
  if (doc.format !== 1) return undefined;
  const matter = catalogue.get(doc.matter.id, doc.matter.version);
  if (!matter) return undefined;
  return {
    ...doc.state,
    // Snapshots taken before the service modes existed fold on with empty mode facts.
    modes: doc.state.modes ?? emptyModes(),
    kind: 'started',
    caseId: doc.caseId,
    revision: doc.revision,
    lastHash: doc.lastHash,
    matter,
    snapshot: restoreMachine(matter, doc.machine),
  };
}
