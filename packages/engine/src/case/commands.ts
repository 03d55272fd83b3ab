import type { Applicant, Decision } from './events.js';

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
  };
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

export type CaseCommand = StartCase | RecordDecision | ProvideSupplement | WithdrawCase;
