import { emptyAftercare, evolveAftercare } from '../aftercare/facts.js';
import type { MatterCatalogue } from '../definition/catalogue.js';
import { effectiveSteps } from '../definition/definition.js';
import { machineState, skippedSteps, startMachine, stepMachine, stepStates, type MachineEvent, type MachineSnapshot } from '../machine/compile.js';
import { evolveTimeLimitFacts, startTimeLimitFacts } from '../timeLimits/facts.js';
import { evolveModes, startModes } from '../modes/facts.js';
import type { CaseEvent } from './events.js';
import { taskIdOf, type CaseState, type CaseStatus, type StartedCase, type TaskState } from './state.js';
import { appended, type Owned } from '../util/transient.js';

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
    case 'DeferredAcceptanceRevoked':
      return { type: 'WITHDRAW' };
    default:
      return undefined;
  }
}

export interface EvolveOptions {
  /** Revision and hash of the stored event being folded; decide passes them for fresh events. */
  revision: number;
  hash: string;
  /**
   * Lists created earlier in the same fold, which may grow in place (see
   * util/transient.ts); only for folds that show nothing but their last state.
   */
  owned?: Owned;
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
      ...(event.data.caseNumber ? { caseNumber: event.data.caseNumber } : {}),
      createdAt: event.data.at,
      updatedAt: event.data.at,
      tasks,
      outputs: {},
      clock: startTimeLimitFacts(event),
      aftercare: emptyAftercare(),
      modes: startModes(event),
    };
  }
  if (state.kind !== 'started') throw new Error(`${event.type} before CaseStarted`);

  const machineEvent = machineEventOf(event);
  const snapshot = machineEvent
    ? (precomputed.get(event) ?? stepMachine(state.matter, state.snapshot, machineEvent).snapshot)
    : state.snapshot;
  const clock = evolveTimeLimitFacts(state.clock, event, at.owned);
  const aftercare = evolveAftercare(state.aftercare, event);
  const modes = evolveModes(state.modes, event);
  // The new state is built once, as a literal, at the end: spreading a case state
  // (16 members) several times per event was most of the cost of a long replay.
  let tasks = state.tasks;
  let outputs = state.outputs;
  let materials = state.materials;
  let status = state.status;
  let completedAt = state.completedAt;
  let closedReason = state.closedReason;
  /** `fresh`: a new dispatch or decision replaces the last one's reason and missing materials. */
  const withTask = (step: string, patch: Partial<TaskState>, fresh = false): void => {
    const task = tasks[step];
    if (!task) throw new Error(`${event.type} for unknown step ${step}`);
    const copy: Record<string, TaskState> = {};
    for (const k in tasks) copy[k] = tasks[k]!;
    const next = { ...task, ...patch };
    if (fresh) {
      if (patch.reason === undefined) delete next.reason;
      if (patch.missingMaterials === undefined) delete next.missingMaterials;
    }
    copy[step] = next;
    tasks = copy;
  };

  switch (event.type) {
    case 'TaskDispatched':
      // Sent again after a 补正: the request it answered is no longer the task's word.
      withTask(event.data.step, { status: 'pending', attempts: event.data.attempt, dispatchedAt: event.data.at }, true);
      status = statusOf(snapshot, status);
      break;
    case 'DecisionRecorded': {
      const d = event.data;
      const task = tasks[d.step];
      withTask(d.step, {
        status: d.decision,
        decision: d.decision,
        decidedAt: d.at,
        decisionIds: appended(task?.decisionIds ?? [], d.decisionId, at.owned),
        ...(d.output ? { output: d.output } : {}),
        ...(d.reason !== undefined ? { reason: d.reason } : {}),
        ...(d.missingMaterials ? { missingMaterials: d.missingMaterials } : {}),
      }, true);
      if (d.decision === 'approved') outputs = { ...outputs, [d.step]: d.output ?? {} };
      status = statusOf(snapshot, status);
      break;
    }
    case 'SupplementRequested':
      status = statusOf(snapshot, status);
      break;
    // 一次告知 before acceptance: the applicant owes materials; no task is out yet.
    case 'MaterialsNoticeIssued':
      status = 'awaiting-supplement';
      break;
    case 'CaseAccepted':
      break;
    case 'SupplementProvided':
      materials = [...new Set([...materials, ...event.data.materials])];
      status = statusOf(snapshot, status);
      break;
    case 'TaskCancelled':
      withTask(event.data.step, { status: 'cancelled', reason: event.data.reason });
      break;
    case 'CaseCompleted':
      status = 'completed';
      completedAt = event.data.at;
      break;
    case 'CaseRejected':
      status = 'rejected';
      completedAt = event.data.at;
      closedReason = event.data.reason;
      break;
    case 'CaseWithdrawn':
      status = 'withdrawn';
      completedAt = event.data.at;
      closedReason = event.data.reason;
      break;
    // Time-limit events touch only the clock facts (folded above); they never move the machine.
    case 'SpecialProcedureStarted':
    case 'SpecialProcedureEnded':
    case 'TimeLimitExtended':
    case 'TimeLimitWarning':
    case 'TimeLimitExceeded':
    case 'CaseEscalated':
    // After-completion loops touch only their own facts (folded above).
    case 'ResultsIssued':
    case 'ReviewSubmitted':
    case 'RectificationOpened':
    case 'RectificationClosed':
    // Service modes touch their own facts (and, for the promise and the check, the clock facts).
    case 'ApplicantVisited':
    case 'ApplicantReviewed':
    case 'HandledOnTheSpot':
    case 'DeferredAcceptanceGranted':
    case 'DeferredMaterialsProvided':
    case 'ComplianceCheckScheduled':
    case 'ComplianceCheckRecorded':
    case 'ApprovalRevoked':
    case 'DeliveryConfirmed':
      break;
    // 撤销受理: an open case ends as withdrawn by the centre; a completed one keeps its status, its results never issued.
    case 'DeferredAcceptanceRevoked':
      if (status !== 'completed' && status !== 'rejected' && status !== 'withdrawn') {
        status = 'withdrawn';
        completedAt = event.data.at;
        closedReason = event.data.reason;
      }
      break;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${(unknown as { type: string }).type}`);
    }
  }
  const next: StartedCase = {
    kind: 'started',
    caseId: state.caseId,
    revision: at.revision,
    lastHash: at.hash,
    matter: state.matter,
    snapshot,
    status,
    applicant: state.applicant,
    form: state.form,
    materials,
    createdAt: state.createdAt,
    updatedAt: event.data.at,
    tasks,
    outputs,
    clock,
    aftercare,
    modes,
  };
  // Optional members stay absent rather than undefined, as the first state has them.
  if (state.idempotencyKey !== undefined) next.idempotencyKey = state.idempotencyKey;
  if (state.caseNumber !== undefined) next.caseNumber = state.caseNumber;
  if (completedAt !== undefined) next.completedAt = completedAt;
  if (closedReason !== undefined) next.closedReason = closedReason;
  return next;
}

function statusOf(snapshot: MachineSnapshot, current: CaseStatus): CaseStatus {
  switch (machineState(snapshot)) {
    case 'completed':
      return current === 'completed' ? 'completed' : 'in-progress';
    case 'rejected':
      return current === 'rejected' ? 'rejected' : 'in-progress';
    case 'withdrawn':
      return 'withdrawn';
    case 'active': {
      const regions = stepStates(snapshot);
      for (const k in regions) if (regions[k] === 'supplement') return 'awaiting-supplement';
      return 'in-progress';
    }
  }
}
