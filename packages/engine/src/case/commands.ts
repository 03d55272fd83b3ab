import type { AftercareCommand } from '../aftercare/commands.js';
import type { Applicant, Decision, SpecialProcedureKind, TimeLimitKind, TimeLimitScope } from './events.js';
import type { ModeCommand } from '../modes/commands.js';
import type { AgentOnCase, ApplicationChannel, TriggerOnCase } from '../modes/events.js';

/** Commands carry `now`: decide reads no clock. */

export interface StartCase {
  type: 'StartCase';
  data: {
    caseId: string;
    matter: string;
    applicant: Applicant;
    form: Record<string, unknown>;
    /** Material codes handed in; omitted means the window checked every required one. */
    materials?: string[];
    idempotencyKey?: string;
    /** 办件编号: the short, date-based number people use for the case (e.g. 20261205-000123), allocated by the window. */
    caseNumber?: string;
    /**
     * 'at-window' (default): the clerk checked the materials, the application is accepted
     * at once (all required materials, or a 400 naming the missing ones). 'pending': recorded
     * as submitted, to be accepted (AcceptCase) or answered with a 一次告知 (IssueMaterialsNotice).
     */
    acceptance?: 'at-window' | 'pending';
    /** How the application came in; 'window' also records the applicant's visit (跑动). */
    channel?: ApplicationChannel;
    /** 帮办代办: the helper applying on the applicant's authority. */
    agent?: AgentOnCase;
    /** 免申即办: the data event that starts the case. */
    trigger?: TriggerOnCase;
    /** 即办: the window decides the steps it may on the spot (outputs by step, where a step returns some). */
    onTheSpot?: { officer: string; outputs?: Record<string, Record<string, unknown>> };
    /** 容缺受理: required 容缺 materials missing, on the applicant's signed commitment. */
    deferred?: { materials: string[]; signedBy: string; statement: string };
  };
  now: string;
}

/** 受理 of a submitted application, once its required materials are all in. */
export interface AcceptCase {
  type: 'AcceptCase';
  data: Record<string, never>;
  now: string;
}

/** 一次告知: every missing material of a submitted application, named once. */
export interface IssueMaterialsNotice {
  type: 'IssueMaterialsNotice';
  data: { missingMaterials: string[]; reason?: string };
  now: string;
}

export interface RecordDecision {
  type: 'RecordDecision';
  data: {
    taskId: string;
    decisionId: string;
    decision: Decision;
    reason?: string;
    output?: Record<string, unknown>;
    missingMaterials?: string[];
    /** When set, the decision must come from this department (the caller's identity). */
    department?: string;
    /** 告知承诺制: approve on the applicant's written commitment (only where the step allows it). */
    onCommitment?: boolean;
  };
  now: string;
}

export interface ProvideSupplement {
  type: 'ProvideSupplement';
  data: { materials: string[]; note?: string };
  now: string;
}

export interface WithdrawCase {
  type: 'WithdrawCase';
  data: { reason: string };
  now: string;
}

/** 特别程序 starts (inspection, hearing, …): the clock of the task, or of the whole case, pauses. */
export interface StartSpecialProcedure {
  type: 'StartSpecialProcedure';
  data: { taskId?: string; kind: SpecialProcedureKind; note?: string };
  now: string;
}

export interface EndSpecialProcedure {
  type: 'EndSpecialProcedure';
  data: { taskId?: string; kind: SpecialProcedureKind; note?: string };
  now: string;
}

/** 延长: the agency head approved an extension of a task's (with taskId) or the case's statutory limit. */
export interface ExtendTimeLimit {
  type: 'ExtendTimeLimit';
  data: { taskId?: string; workingDays: number; reason: string; approvedBy: string };
  now: string;
}

/**
 * Sent by the time-limit scheduler when a timer falls due. The scheduler computes
 * `dueAt` and `firesAt` from the events and the calendar; decide checks, without a
 * calendar, that it is due and not recorded yet, so a repeat is a no-op.
 */
export interface RecordTimeLimit {
  type: 'RecordTimeLimit';
  data: {
    kind: 'warning' | 'exceeded';
    scope: TimeLimitScope;
    taskId?: string;
    limit: TimeLimitKind;
    dueAt: string;
    /** The instant the light changes (just after the due or warning day ends). */
    firesAt: string;
  };
  now: string;
}

export type CaseCommand =
  | StartCase
  | AcceptCase
  | IssueMaterialsNotice
  | RecordDecision
  | ProvideSupplement
  | WithdrawCase
  | StartSpecialProcedure
  | EndSpecialProcedure
  | ExtendTimeLimit
  | RecordTimeLimit
  | AftercareCommand
  | ModeCommand;
