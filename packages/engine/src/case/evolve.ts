import { emptyAftercare, evolveAftercare } from '../aftercare/facts.js';
import type { MatterCatalogue } from '../definition/catalogue.js';
import { effectiveSteps } from '../definition/definition.js';
import { machineState, skippedSteps, startMachine, stepMachine, stepStates, type MachineEvent, type MachineSnapshot } from '../machine/compile.js';
import { evolveClockFacts, startClockFacts } from '../clock/facts.js';
import type { CaseEvent } from './events.js';
import { taskIdOf, type CaseState, type CaseStatus, type StartedCase, type TaskState } from './state.js';

/**
 * `decide` has already stepped the machine for the events it returns; it leaves the
 * result here so folding its own fresh events does not pay for a second transition.
 * Keyed by the event object, so an event read back from a store always re-folds.
 */
const precomputed = new WeakMap<object, MachineSnapshot>();
export const rememberSnapshot = (event: CaseEvent, snapshot: MachineSnapshot): void => {
  precomputed.set(event, snapshot);
};

/** The machine input an event carries, if it is one. Derived events do not move the machine. */
export function machineEventOf(event: CaseEvent): MachineEvent | undefined {
  switch (event.type) {
    case 'DecisionRecorded':
      return {
        type: 'DECISION',
        step: event.data.step,
        decision: event.data.decision,
        ...(event.data.output ? { output: event.data.output } : {}),
      };
    case 'SupplementProvided':
      return { type: 'SUPPLEMENT' };
    case 'CaseWithdrawn':
      return { type: 'WITHDRAW' };
    default:
      return undefined;
  }
}

export interface EvolveOptions {
  /** Revision and hash of the stored event being folded; decide passes them for fresh events. */
  revision: number;
  hash: string;
}

/**
 * Folds one event into the case state. The same function serves the live engine
 * and the auditor's replay, so the two cannot disagree.
 */
export function evolve(catalogue: MatterCatalogue, state: CaseState, event: CaseEvent, at: EvolveOptions): CaseState {
  if (event.type === 'CaseStarted') {
    if (state.kind !== 'new') throw new Error(`case ${event.data.caseId} started twice`);
    const matter = catalogue.get(event.data.matter, event.data.matterVersion);
    if (!matter) throw new Error(`matter ${event.data.matter} v${event.data.matterVersion} is not in the catalogue`);
    const snapshot = precomputed.get(event) ?? startMachine(matter, event.data.form).snapshot;
    const skipped = skippedSteps(matter.definition, event.data.form);
    const tasks: Record<string, TaskState> = {};
    for (const s of effectiveSteps(matter.definition)) {
      tasks[s.id] = {
        id: taskIdOf(event.data.caseId, s.id),
        step: s.id,
        department: s.department,
        service: s.service,
        status: skipped[s.id] ? 'skipped' : 'waiting',
        dependsOn: s.dependsOn,
        attempts: 0,
        decisionIds: [],
      };
    }
    return {
      kind: 'started',
      caseId: event.data.caseId,
      revision: at.revision,
      lastHash: at.hash,
      matter,
      snapshot,
      status: 'in-progress',
      applicant: event.data.applicant,
      form: event.data.form,
      materials: event.data.materials,
      ...(event.data.idempotencyKey ? { idempotencyKey: event.data.idempotencyKey } : {}),
      createdAt: event.data.at,
      updatedAt: event.data.at,
      tasks,
      outputs: {},
      clock: startClockFacts(event),
      aftercare: emptyAftercare(),
    };
  }
  if (state.kind !== 'started') throw new Error(`${event.type} before CaseStarted`);

  const machineEvent = machineEventOf(event);
  const snapshot = machineEvent
    ? (precomputed.get(event) ?? stepMachine(state.matter, state.snapshot, machineEvent).snapshot)
    : state.snapshot;
  const next: StartedCase = { ...state, revision: at.revision, lastHash: at.hash, snapshot, updatedAt: event.data.at, clock: evolveClockFacts(state.clock, event), aftercare: evolveAftercare(state.aftercare, event) };
  const withTask = (step: string, patch: Partial<TaskState>): StartedCase => {
    const task = next.tasks[step];
    if (!task) throw new Error(`${event.type} for unknown step ${step}`);
    return { ...next, tasks: { ...next.tasks, [step]: { ...task, ...patch } } };
  };

  switch (event.type) {
    case 'TaskDispatched': {
      const s = withTask(event.data.step, {
        status: 'pending',
        attempts: event.data.attempt,
        dispatchedAt: event.data.at,
      });
      return { ...s, status: statusOf(s) };
    }
    case 'DecisionRecorded': {
      const d = event.data;
      const task = next.tasks[d.step]!;
      const s = withTask(d.step, {
        status: d.decision,
        decision: d.decision,
        decidedAt: d.at,
        decisionIds: [...task.decisionIds, d.decisionId],
        ...(d.output ? { output: d.output } : {}),
        ...(d.reason !== undefined ? { reason: d.reason } : {}),
        ...(d.missingMaterials ? { missingMaterials: d.missingMaterials } : {}),
      });
      const outputs = d.decision === 'approved' ? { ...s.outputs, [d.step]: d.output ?? {} } : s.outputs;
      const withOutputs = { ...s, outputs };
      return { ...withOutputs, status: statusOf(withOutputs) };
    }
    case 'SupplementRequested':
      return { ...next, status: statusOf(next) };
    case 'SupplementProvided':
      return { ...next, materials: [...new Set([...next.materials, ...event.data.materials])], status: statusOf(next) };
    case 'TaskCancelled':
      return withTask(event.data.step, { status: 'cancelled', reason: event.data.reason });
    case 'CaseCompleted':
      return { ...next, status: 'completed', completedAt: event.data.at };
    case 'CaseRejected':
      return { ...next, status: 'rejected', completedAt: event.data.at, closedReason: event.data.reason };
    case 'CaseWithdrawn':
      return { ...next, status: 'withdrawn', completedAt: event.data.at, closedReason: event.data.reason };
    // Time-limit events touch only the clock facts (folded above); they never move the machine.
    case 'SpecialProcedureStarted':
    case 'SpecialProcedureEnded':
    case 'TimeLimitWarning':
    case 'TimeLimitExceeded':
    case 'CaseEscalated':
    // After-completion loops touch only their own facts (folded above).
    case 'ResultsIssued':
    case 'ReviewSubmitted':
    case 'RectificationOpened':
    case 'RectificationClosed':
      return next;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${(unknown as { type: string }).type}`);
    }
  }
}

function statusOf(s: StartedCase): CaseStatus {
  switch (machineState(s.snapshot)) {
    case 'completed':
      return s.status === 'completed' ? 'completed' : 'in-progress';
    case 'rejected':
      return s.status === 'rejected' ? 'rejected' : 'in-progress';
    case 'withdrawn':
      return 'withdrawn';
    case 'active': {
      const regions = stepStates(s.snapshot);
      return Object.values(regions).some((r) => r === 'supplement') ? 'awaiting-supplement' : 'in-progress';
    }
  }
}
