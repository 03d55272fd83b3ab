import { isArt45Procedure, type CaseEvent, type CaseStarted, type SpecialProcedureKind, type TimeLimitKind, type TimeLimitScope } from '../case/events.js';
import { appended, NONE_YET, writable, type Owned } from '../util/transient.js';

/**
 * What the time-limit clocks need from a case's events, folded once: when each
 * clock started and stopped, and every pause. The same fold serves the case state
 * (and so `decide`), the scheduler and the supervision projection, so the three
 * cannot disagree about a deadline. Immutable: a change returns a new object.
 */
export interface TimeLimitFacts {
  caseId: string;
  matter: string;
  matterVersion: number;
  /** CaseStarted: the application was submitted (and, unless acceptance is pending, accepted). */
  startedAt: string;
  /** Submitted to be accepted later (CaseStarted.acceptance 'pending'); the Art. 32 clock runs. */
  deferredAcceptance?: true;
  /** Not accepted yet: the case clock has not started. */
  acceptancePending?: true;
  /** CaseAccepted of a deferred application: the case clock starts here. */
  acceptedAt?: string;
  /** MaterialsNoticeIssued: the 一次告知, which stops the Art. 32 clock. */
  noticedAt?: string;
  /** The case clock stops when the case closes. */
  closedAt?: string;
  outcome?: 'completed' | 'rejected' | 'withdrawn';
  /** Task clocks by step, present once the task was first dispatched (or closed unstarted). */
  tasks: Readonly<Record<string, TaskTimeLimitFacts>>;
  /** Every pause in the order it began; an open one has no `to`. */
  pauses: readonly PauseFact[];
  /** How many pauses are open: most events need not scan the pauses at all (a long case has many). */
  openPauses: number;
  /** Keys of the time-limit events already recorded (see {@link timeLimitKey}). */
  recorded: readonly string[];
  /** TimeLimitExtended for the case clock: working days added (once). */
  extendedDays?: number;
  /**
   * Clocks of the service modes, by id: the 容缺 promise (`promise`) and each 告知承诺
   * follow-up check (its check id). They run in working days from their start, never pause.
   */
  modeClocks?: Readonly<Record<string, ModeTimeLimitFacts>>;
}

export interface ModeTimeLimitFacts {
  scope: 'promise' | 'check';
  days: number;
  startedAt: string;
  closedAt?: string;
}

export interface TaskTimeLimitFacts {
  /** First TaskDispatched: later dispatches (after a supplement) do not restart the clock. */
  startedAt?: string;
  closedAt?: string;
  outcome?: 'approved' | 'rejected' | 'cancelled';
  /** TimeLimitExtended for this task: working days added (once). */
  extendedDays?: number;
}

export interface PauseFact {
  cause: 'supplement' | 'special-procedure';
  /** The task it concerns; absent for a case-wide special procedure. */
  step?: string;
  kind?: SpecialProcedureKind;
  note?: string;
  from: string;
  to?: string;
}

/** The idempotency key of a time-limit record: one warning and one exceedance per scope, limit and due date. */
export const timeLimitKey = (k: { kind: 'warning' | 'exceeded'; scope: TimeLimitScope; step?: string | undefined; limit: TimeLimitKind; dueAt: string }): string =>
  `${k.kind}:${k.scope}:${k.scope === 'case' || k.scope === 'acceptance' ? '' : k.scope === 'promise' ? 'promise' : (k.step ?? '')}:${k.limit}:${k.dueAt}`;

/** The id of the 容缺 promise's clock (a case has one promise). */
export const PROMISE_LIMIT = 'promise';


export function startTimeLimitFacts(e: CaseStarted): TimeLimitFacts {
  return {
    caseId: e.data.caseId,
    matter: e.data.matter,
    matterVersion: e.data.matterVersion,
    startedAt: e.data.at,
    ...(e.data.acceptance === 'pending' ? { deferredAcceptance: true as const, acceptancePending: true as const } : {}),
    tasks: {},
    pauses: NONE_YET,
    openPauses: 0,
    recorded: NONE_YET,
  };
}

const stepOfTask = (taskId: string | undefined): string | undefined => {
  if (taskId === undefined) return undefined;
  const i = taskId.lastIndexOf('.');
  return i > 0 ? taskId.slice(i + 1) : undefined;
};

/**
 * A task's facts patched; `rest` (the pauses a close changed) goes into the same copy.
 * Copies with a plain loop: spreading a record with a computed key is slow on this hot path.
 */
function setTask(f: TimeLimitFacts, step: string, patch: TaskTimeLimitFacts, rest?: PausesNow): TimeLimitFacts {
  const tasks: Record<string, TaskTimeLimitFacts> = {};
  for (const k in f.tasks) tasks[k] = f.tasks[k]!;
  tasks[step] = { ...f.tasks[step], ...patch };
  return rest ? { ...f, tasks, pauses: rest.pauses, openPauses: rest.openPauses } : { ...f, tasks };
}

interface PausesNow {
  pauses: readonly PauseFact[];
  openPauses: number;
}

/**
 * Closes the open pauses that match; returns the pauses and how many stay open, or
 * undefined when none was open or matched. A long case has many closed pauses and few
 * open ones, near the end: scan back only until every open pause was seen, and change
 * in place what this fold owns (a case with thousands of 补正 rounds must still replay
 * in milliseconds).
 */
function closePauses(f: TimeLimitFacts, which: (p: PauseFact) => boolean, at: string, owned: Owned | undefined): PausesNow | undefined {
  if (f.openPauses === 0) return undefined;
  const hits: number[] = [];
  let seen = 0;
  for (let i = f.pauses.length - 1; i >= 0 && seen < f.openPauses; i--) {
    const p = f.pauses[i]!;
    if (p.to !== undefined) continue;
    seen++;
    if (which(p)) hits.push(i);
  }
  if (hits.length === 0) return undefined;
  const pauses = writable(f.pauses, owned);
  for (const i of hits) pauses[i] = { ...pauses[i]!, to: at };
  return { pauses, openPauses: f.openPauses - hits.length };
}

function setModeLimit(f: TimeLimitFacts, id: string, patch: Partial<ModeTimeLimitFacts>): TimeLimitFacts {
  const current = f.modeClocks?.[id];
  if (!current && patch.startedAt === undefined) return f;
  return { ...f, modeClocks: { ...f.modeClocks, [id]: { ...current, ...patch } as ModeTimeLimitFacts } };
}

const everyPause = (): boolean => true;

/**
 * Folds one event into the clock facts; returns the same object when the event
 * does not touch a clock. `owned`: see util/transient.ts (a fold of many events).
 * It runs for every event of every case (the case state, the clocks' projection): the
 * helpers above are plain functions, not closures made per call.
 */
export function evolveTimeLimitFacts(f: TimeLimitFacts, e: CaseEvent, owned?: Owned): TimeLimitFacts {
  switch (e.type) {
    case 'TaskDispatched':
      return f.tasks[e.data.step]?.startedAt ? f : setTask(f, e.data.step, { startedAt: e.data.at });
    case 'DecisionRecorded': {
      if (e.data.decision === 'supplement-required') return f;
      const step = e.data.step;
      // A procedure still open when its task is decided ends with it, or it would hold the case clock forever.
      const closed = f.openPauses === 0 ? undefined : closePauses(f, (p) => p.cause === 'special-procedure' && p.step === step, e.data.at, owned);
      return setTask(f, step, { closedAt: e.data.at, outcome: e.data.decision }, closed);
    }
    case 'TaskCancelled': {
      const step = e.data.step;
      const closed = f.openPauses === 0 ? undefined : closePauses(f, (p) => p.step === step, e.data.at, owned);
      return setTask(f, step, { closedAt: e.data.at, outcome: 'cancelled' }, closed);
    }
    case 'SupplementRequested': {
      const open = f.openPauses > 0 && f.pauses.some((p) => p.cause === 'supplement' && p.step === e.data.step && p.to === undefined);
      if (open) return f;
      return { ...f, pauses: appended<PauseFact>(f.pauses, { cause: 'supplement', step: e.data.step, from: e.data.at }, owned), openPauses: f.openPauses + 1 };
    }
    case 'SupplementProvided':
      return { ...f, ...closePauses(f, (p) => p.cause === 'supplement', e.data.at, owned) };
    case 'SpecialProcedureStarted': {
      const step = e.data.step ?? stepOfTask(e.data.taskId);
      const pause: PauseFact = {
        cause: 'special-procedure',
        ...(step !== undefined ? { step } : {}),
        kind: e.data.kind,
        ...(e.data.note !== undefined ? { note: e.data.note } : {}),
        from: e.data.at,
      };
      return { ...f, pauses: appended(f.pauses, pause, owned), openPauses: f.openPauses + 1 };
    }
    case 'SpecialProcedureEnded': {
      const step = e.data.step ?? stepOfTask(e.data.taskId);
      return { ...f, ...closePauses(f, (p) => p.cause === 'special-procedure' && p.step === step && p.kind === e.data.kind, e.data.at, owned) };
    }
    case 'CaseCompleted':
    case 'CaseRejected':
    case 'CaseWithdrawn': {
      const outcome = e.type === 'CaseCompleted' ? 'completed' : e.type === 'CaseRejected' ? 'rejected' : 'withdrawn';
      return { ...f, closedAt: e.data.at, outcome, ...closePauses(f, everyPause, e.data.at, owned) };
    }
    case 'TimeLimitWarning':
    case 'TimeLimitExceeded': {
      const key = timeLimitKey({
        kind: e.type === 'TimeLimitWarning' ? 'warning' : 'exceeded',
        scope: e.data.scope,
        step: e.data.step ?? stepOfTask(e.data.taskId),
        limit: e.data.limit,
        dueAt: e.data.dueAt,
      });
      return f.recorded.includes(key) ? f : { ...f, recorded: appended(f.recorded, key, owned) };
    }
    case 'CaseAccepted': {
      if (!f.acceptancePending) return f;
      const { acceptancePending: _, ...rest } = f;
      return { ...rest, acceptedAt: e.data.at };
    }
    case 'MaterialsNoticeIssued':
      return f.noticedAt !== undefined ? f : { ...f, noticedAt: e.data.at };
    case 'TimeLimitExtended': {
      const step = e.data.step ?? stepOfTask(e.data.taskId);
      if (e.data.scope === 'case') return { ...f, extendedDays: e.data.workingDays };
      return step === undefined ? f : setTask(f, step, { extendedDays: e.data.workingDays });
    }
    case 'DeferredAcceptanceGranted':
      return setModeLimit(f, PROMISE_LIMIT, { scope: 'promise', days: e.data.promiseDays, startedAt: e.data.at });
    case 'DeferredMaterialsProvided':
      return e.data.outstanding.length === 0 ? setModeLimit(f, PROMISE_LIMIT, { closedAt: e.data.at }) : f;
    case 'DeferredAcceptanceRevoked': {
      const stopped = setModeLimit(f, PROMISE_LIMIT, { closedAt: e.data.at });
      // An open case ends here (the centre revoked its acceptance); a completed one has stopped already.
      return f.closedAt !== undefined ? stopped : { ...stopped, closedAt: e.data.at, outcome: 'withdrawn', ...closePauses(f, everyPause, e.data.at, owned) };
    }
    case 'ComplianceCheckScheduled':
      return setModeLimit(f, e.data.checkId, { scope: 'check', days: e.data.limitDays, startedAt: e.data.at });
    case 'ComplianceCheckRecorded':
      return setModeLimit(f, e.data.checkId, { closedAt: e.data.at });
    case 'ApplicantVisited':
    case 'ApplicantReviewed':
    case 'HandledOnTheSpot':
    case 'ApprovalRevoked':
    case 'DeliveryConfirmed':
    case 'CaseStarted':
    case 'CaseEscalated':
    // After completion: the case clocks have stopped (a rectification keeps its own limit).
    case 'ResultsIssued':
    case 'ReviewSubmitted':
    case 'RectificationOpened':
    case 'RectificationClosed':
      return f;
    default: {
      const unknown: never = e;
      throw new Error(`unknown event ${(unknown as { type: string }).type}`);
    }
  }
}

/** The special procedures open now, for the case (`step` undefined) or a task. */
export const openProcedures = (f: TimeLimitFacts): PauseFact[] =>
  f.pauses.filter((p) => p.cause === 'special-procedure' && p.to === undefined);

/** Whether a pause concerns a task's clock: its own supplement and procedures, and case-wide procedures. */
export const pausesTask = (p: PauseFact, step: string): boolean => p.step === step || (p.step === undefined && p.cause === 'special-procedure');

/**
 * Whether a pause stops a limit (the legal model, docs/time-limits.md):
 * - a 特别程序 on 行政许可法 Art. 45's list stops both limits; 公示 and 现场核查 stop neither;
 * - 补正 after acceptance stops the committed limit, and the statutory one only where
 *   the matter's rules say so (`supplementPausesStatutory`).
 */
export const pausesLimit = (p: PauseFact, limit: TimeLimitKind, supplementPausesStatutory: boolean): boolean =>
  p.cause === 'special-procedure' ? p.kind !== undefined && isArt45Procedure(p.kind) : limit === 'committed' || supplementPausesStatutory;

/** Whether a limit of the case clock (`step` undefined) or of a task's clock is paused now. */
export const isPaused = (f: TimeLimitFacts, step: string | undefined, limit: TimeLimitKind, supplementPausesStatutory: boolean): boolean =>
  f.openPauses > 0 &&
  f.pauses.some((p) => p.to === undefined && (step === undefined || pausesTask(p, step)) && pausesLimit(p, limit, supplementPausesStatutory));
