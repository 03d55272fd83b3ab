import type { CaseEvent } from '../case/events.js';
import { NONE_YET } from '../util/transient.js';
import type { AgentOnCase, ApplicationChannel, Delivery, TriggerOnCase, VisitPurpose } from './events.js';

/** What the service modes need from a case's events (see modes/events.ts). */
export interface ModeFacts {
  /** How the application came in; absent on cases recorded before channels existed. */
  channel?: ApplicationChannel;
  /** 帮办代办 */
  agent?: AgentOnCase;
  /** 帮办代办: the applicant's confirmation of (or objection to) what the agent submitted. */
  applicantReview?: { agreed: boolean; comment?: string; at: string };
  /** 免申即办 */
  trigger?: TriggerOnCase;
  /** 即办件: the steps the window decided on the spot. */
  onTheSpot?: { steps: string[]; officer: string; at: string };
  /** 跑动 */
  visits: { purpose: VisitPurpose; at: string }[];
  /** 容缺受理 */
  deferred?: {
    materials: string[];
    promiseDays: number;
    signedBy: string;
    statement: string;
    grantedAt: string;
    outstanding: string[];
    keptAt?: string;
    revokedAt?: string;
  };
  /** 告知承诺制: one follow-up check per approval on commitment. */
  checks: {
    checkId: string;
    step: string;
    department: string;
    service: string;
    limitDays: number;
    basis: string;
    scheduledAt: string;
    outcome?: 'passed' | 'failed';
    findings?: string;
    checkedBy?: string;
    checkedAt?: string;
    revokedAt?: string;
  }[];
  /** Results by step, as issued, with delivery confirmations. */
  deliveries: ({ step: string; confirmedAt?: string } & Delivery)[];
}

export const emptyModes = (): ModeFacts => ({ visits: NONE_YET, checks: NONE_YET, deliveries: NONE_YET });

export function startModes(e: Extract<CaseEvent, { type: 'CaseStarted' }>): ModeFacts {
  const d = e.data;
  return {
    ...emptyModes(),
    ...(d.channel ? { channel: d.channel } : {}),
    ...(d.agent ? { agent: { ...d.agent } } : {}),
    ...(d.trigger ? { trigger: { ...d.trigger } } : {}),
  };
}

export function evolveModes(f: ModeFacts, e: CaseEvent): ModeFacts {
  switch (e.type) {
    case 'ApplicantVisited':
      return { ...f, visits: [...f.visits, { purpose: e.data.purpose, at: e.data.at }] };
    case 'ApplicantReviewed':
      return { ...f, applicantReview: { agreed: e.data.agreed, ...(e.data.comment ? { comment: e.data.comment } : {}), at: e.data.at } };
    case 'HandledOnTheSpot':
      return { ...f, onTheSpot: { steps: [...e.data.steps], officer: e.data.officer, at: e.data.at } };
    case 'DeferredAcceptanceGranted':
      return {
        ...f,
        deferred: {
          materials: [...e.data.materials],
          promiseDays: e.data.promiseDays,
          signedBy: e.data.signedBy,
          statement: e.data.statement,
          grantedAt: e.data.at,
          outstanding: [...e.data.materials],
        },
      };
    case 'DeferredMaterialsProvided':
      if (!f.deferred) return f;
      return { ...f, deferred: { ...f.deferred, outstanding: [...e.data.outstanding], ...(e.data.outstanding.length === 0 ? { keptAt: e.data.at } : {}) } };
    case 'DeferredAcceptanceRevoked':
      if (!f.deferred) return f;
      return { ...f, deferred: { ...f.deferred, revokedAt: e.data.at } };
    case 'ComplianceCheckScheduled':
      return {
        ...f,
        checks: [
          ...f.checks,
          { checkId: e.data.checkId, step: e.data.step, department: e.data.department, service: e.data.service, limitDays: e.data.limitDays, basis: e.data.basis, scheduledAt: e.data.at },
        ],
      };
    case 'ComplianceCheckRecorded':
      return {
        ...f,
        checks: f.checks.map((c) =>
          c.checkId === e.data.checkId ? { ...c, outcome: e.data.outcome, findings: e.data.findings, checkedBy: e.data.checkedBy, checkedAt: e.data.at } : c,
        ),
      };
    case 'ApprovalRevoked':
      return { ...f, checks: f.checks.map((c) => (c.checkId === e.data.checkId ? { ...c, revokedAt: e.data.at } : c)) };
    case 'ResultsIssued':
      return {
        ...f,
        deliveries: e.data.results.map((r) => ({ step: r.step, ...(r.delivery ?? { channel: e.data.channel === 'post' ? 'post' : e.data.channel === 'online' ? 'e-licence' : 'window' }) })),
      };
    case 'DeliveryConfirmed':
      return { ...f, deliveries: f.deliveries.map((d) => (d.post?.trackingNumber === e.data.trackingNumber ? { ...d, confirmedAt: e.data.at } : d)) };
    default:
      return f;
  }
}

/** Steps whose results may not be handed out: held for a 容缺 promise, or withdrawn after a failed check. */
export const revokedSteps = (f: ModeFacts): Set<string> => new Set(f.checks.filter((c) => c.revokedAt).map((c) => c.step));
export const resultsHeld = (f: ModeFacts): boolean => f.deferred !== undefined && f.deferred.outstanding.length > 0;
