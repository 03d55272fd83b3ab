import type { DeliveryChannel, VisitPurpose } from './events.js';

/** 跑动: the applicant came to the centre (to supplement, collect, ask). */
export interface RecordVisit {
  type: 'RecordVisit';
  data: { purpose: VisitPurpose; note?: string };
  now: string;
}

/** 容缺材料 brought in, within the promise or late (before the revocation). */
export interface ProvideDeferredMaterials {
  type: 'ProvideDeferredMaterials';
  data: { materials: string[] };
  now: string;
}

/** 事中事后核查 of an approval given on commitment: passed, or failed (the approval is revoked). */
export interface RecordComplianceCheck {
  type: 'RecordComplianceCheck';
  data: { checkId: string; outcome: 'passed' | 'failed'; findings: string; checkedBy: string; /** the caller's department, when it is one */ department?: string };
  now: string;
}

/** 邮寄: the carrier delivered the results posted under this tracking number. */
export interface ConfirmDelivery {
  type: 'ConfirmDelivery';
  data: { trackingNumber: string };
  now: string;
}

/** 帮办代办: the applicant confirms or objects to what the agent submitted for them. */
export interface ReviewAgentSubmission {
  type: 'ReviewAgentSubmission';
  data: { agreed: boolean; comment?: string };
  now: string;
}

export type ModeCommand = RecordVisit | ProvideDeferredMaterials | RecordComplianceCheck | ConfirmDelivery | ReviewAgentSubmission;

/** Per result, how it reaches the applicant (IssueResults.deliveries). */
export interface DeliveryRequest {
  step: string;
  channel: DeliveryChannel;
  post?: { address: string; carrier: string; trackingNumber: string };
  licence?: { number: string; issuer: string; reference: string };
}
