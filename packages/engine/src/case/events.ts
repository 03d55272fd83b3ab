import type { AftercareEvent } from '../aftercare/events.js';
import { MODE_EVENT_TYPES, type AgentOnCase, type ApplicationChannel, type ModeEvent, type TriggerOnCase } from '../modes/events.js';
/**
 * Case events: the only record of what happened. Every event carries `at`, the
 * time of the command that caused it (from the clock port, never the wall clock in
 * the engine), so clocks and replays are computed from events alone.
 *
 * Input events (CaseStarted, DecisionRecorded, SupplementProvided, CaseWithdrawn)
 * drive the matter machine; the others are derived by `decide` from the machine's
 * actions and are recorded so that replay never re-derives side effects.
 *
 * Event types are versioned by the `v` in the stored metadata (all are v1 today);
 * an upcaster goes beside the type when one changes shape.
 */

export interface Applicant {
  name: string;
  idType: string;
  idNumber: string;
  phone: string;
}

export type Decision = 'approved' | 'rejected' | 'supplement-required';

export interface CaseStarted {
  type: 'CaseStarted';
  data: {
    caseId: string;
    matter: string;
    matterVersion: number;
    applicant: Applicant;
    form: Record<string, unknown>;
    materials: string[];
    idempotencyKey?: string;
    /** 办件编号: the short, date-based number people use for the case (e.g. 20261205-000123), allocated by the window. */
    caseNumber?: string;
    /**
     * 'pending': submitted but not yet accepted (受理): the clerk checks the materials
     * later, within 5 working days (行政许可法 Art. 32). Absent: accepted at once
     * (CaseAccepted follows in the same append; older streams have no CaseAccepted).
     */
    acceptance?: 'pending';
    /** How the application came in (窗口, 网办, …; 'none' for 免申即办); absent on older streams. */
    channel?: ApplicationChannel;
    /** 帮办代办: the helper who applied on the applicant's authority. */
    agent?: AgentOnCase;
    /** 免申即办: the data event that started the case. */
    trigger?: TriggerOnCase;
    at: string;
  };
}

/** 受理: the application is accepted; the case's clocks start now and the tasks go out. */
export interface CaseAccepted {
  type: 'CaseAccepted';
  data: { at: string };
}

/**
 * 一次告知 (行政许可法 Art. 32): before acceptance, every missing material is named
 * once, within 5 working days of submission; the applicant supplements, then the
 * clerk accepts. Not statutory time: no clock of the case runs yet.
 */
export interface MaterialsNoticeIssued {
  type: 'MaterialsNoticeIssued';
  data: { missingMaterials: string[]; reason?: string; at: string };
}

export interface TaskDispatched {
  type: 'TaskDispatched';
  data: {
    taskId: string;
    step: string;
    department: string;
    service: string;
    /** 1 for the first dispatch, +1 each time it is sent again after a supplement. */
    attempt: number;
    /** Outputs of the steps it depends on, e.g. the unified social credit code. */
    inputs: Record<string, unknown>;
    materials: string[];
    at: string;
  };
}

export interface DecisionRecorded {
  type: 'DecisionRecorded';
  data: {
    taskId: string;
    step: string;
    department: string;
    decisionId: string;
    decision: Decision;
    reason?: string;
    output?: Record<string, unknown>;
    missingMaterials?: string[];
    /** 即办: the window decided it on the spot; it was never dispatched. */
    onTheSpot?: true;
    /** 告知承诺制: approved on the applicant's written commitment; a check follows. */
    onCommitment?: true;
    at: string;
  };
}

export interface SupplementRequested {
  type: 'SupplementRequested';
  data: { taskId: string; step: string; missingMaterials: string[]; reason?: string; at: string };
}

export interface SupplementProvided {
  type: 'SupplementProvided';
  data: { materials: string[]; note?: string; at: string };
}

export interface TaskCancelled {
  type: 'TaskCancelled';
  data: { taskId: string; step: string; department: string; reason: string; at: string };
}

export interface CaseCompleted {
  type: 'CaseCompleted';
  data: { outputs: Record<string, Record<string, unknown>>; at: string };
}

export interface CaseRejected {
  type: 'CaseRejected';
  data: { taskId: string; step: string; department: string; reason: string; at: string };
}

export interface CaseWithdrawn {
  type: 'CaseWithdrawn';
  data: { reason: string; at: string };
}

/**
 * 特别程序 recorded on a case. 行政许可法 Art. 45 lists those whose time is not counted:
 * 听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审 — while one runs, the clock of the
 * task (or, without a task, of the whole case) pauses, statutory and committed alike.
 * 公示 (public notice) and 现场核查 (on-site verification) are recorded for the
 * timeline but are not Art. 45 exclusions: their days count.
 */
export const ART45_PROCEDURE_KINDS = ['hearing', 'bidding', 'auction', 'inspection', 'testing', 'quarantine', 'appraisal', 'expert-review'] as const;
export const SPECIAL_PROCEDURE_KINDS = [...ART45_PROCEDURE_KINDS, 'public-notice', 'site-verification'] as const;
export type SpecialProcedureKind = (typeof SPECIAL_PROCEDURE_KINDS)[number];
/** The one table of their Chinese names (the timeline, errors and the workbench agree). */
export const SPECIAL_PROCEDURE_NAMES: Record<SpecialProcedureKind, string> = {
  hearing: '听证',
  bidding: '招标',
  auction: '拍卖',
  inspection: '检验',
  testing: '检测',
  quarantine: '检疫',
  appraisal: '鉴定',
  'expert-review': '专家评审',
  'public-notice': '公示',
  'site-verification': '现场核查',
};
/** Whether a procedure's time is excluded from the limits (行政许可法 Art. 45). */
export const isArt45Procedure = (kind: SpecialProcedureKind): boolean => (ART45_PROCEDURE_KINDS as readonly string[]).includes(kind);

export interface SpecialProcedureStarted {
  type: 'SpecialProcedureStarted';
  /** Without taskId the procedure concerns the whole case: every clock pauses. */
  data: { taskId?: string; step?: string; department?: string; kind: SpecialProcedureKind; note?: string; at: string };
}

export interface SpecialProcedureEnded {
  type: 'SpecialProcedureEnded';
  data: { taskId?: string; step?: string; department?: string; kind: SpecialProcedureKind; note?: string; at: string };
}

/**
 * Which clock a time-limit event is about: the whole case, one department's task, or
 * the 5 working days to accept or notify an application (`acceptance`, Art. 32), a
 * 容缺 promise to bring materials (`promise`), or a 告知承诺 follow-up check (`check`,
 * with the check's id as `step`).
 */
export type TimeLimitScope = 'case' | 'task' | 'acceptance' | 'promise' | 'check';
/** 承诺时限 (committed) or 法定时限 (statutory). */
export type TimeLimitKind = 'committed' | 'statutory';

interface TimeLimitData {
  scope: TimeLimitScope;
  taskId?: string;
  step?: string;
  department?: string;
  limit: TimeLimitKind;
  /** The limit: end of the due working day in Asia/Shanghai, as an ISO instant. */
  dueAt: string;
  /** When it was recorded; later than the due point when the scheduler was down. */
  at: string;
}

/**
 * 延长: a lawful extension of a statutory limit (行政许可法 Art. 42, or the law governing
 * the step), approved by the agency head, once per clock. The statutory and the
 * committed due dates of that clock both move by `workingDays`.
 */
export interface TimeLimitExtended {
  type: 'TimeLimitExtended';
  data: {
    scope: TimeLimitScope;
    taskId?: string;
    step?: string;
    department?: string;
    workingDays: number;
    reason: string;
    approvedBy: string;
    /** The law and article that allow it, copied from the definition. */
    basis: string;
    at: string;
  };
}

/** 黄灯: the limit is near (by default one working day before it). */
export interface TimeLimitWarning {
  type: 'TimeLimitWarning';
  data: TimeLimitData & { warningAt: string };
}

/** 红灯: the limit has passed without the case (or task) being closed. */
export interface TimeLimitExceeded {
  type: 'TimeLimitExceeded';
  data: TimeLimitData;
}

/** 督办: an exceeded limit goes to the supervisor role. */
export interface CaseEscalated {
  type: 'CaseEscalated';
  data: TimeLimitData & { to: 'supervisor'; reason: string };
}

export type CaseEvent =
  | CaseStarted
  | CaseAccepted
  | MaterialsNoticeIssued
  | TaskDispatched
  | DecisionRecorded
  | SupplementRequested
  | SupplementProvided
  | TaskCancelled
  | CaseCompleted
  | CaseRejected
  | CaseWithdrawn
  | SpecialProcedureStarted
  | SpecialProcedureEnded
  | TimeLimitExtended
  | TimeLimitWarning
  | TimeLimitExceeded
  | CaseEscalated
  | AftercareEvent
  | ModeEvent;

export type CaseEventType = CaseEvent['type'];

export const CASE_EVENT_TYPES = [
  'CaseStarted',
  'CaseAccepted',
  'MaterialsNoticeIssued',
  'TaskDispatched',
  'DecisionRecorded',
  'SupplementRequested',
  'SupplementProvided',
  'TaskCancelled',
  'CaseCompleted',
  'CaseRejected',
  'CaseWithdrawn',
  'SpecialProcedureStarted',
  'SpecialProcedureEnded',
  'TimeLimitExtended',
  'TimeLimitWarning',
  'TimeLimitExceeded',
  'CaseEscalated',
  'ResultsIssued',
  'ReviewSubmitted',
  'RectificationOpened',
  'RectificationClosed',
  ...MODE_EVENT_TYPES,
] as const satisfies readonly CaseEventType[];

export const EVENT_SCHEMA_VERSION = 1;
