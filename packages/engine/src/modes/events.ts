/**
 * Service modes (办理模式) of the county service centres, recorded as events like
 * everything else (issue 15): 即办件, 容缺受理, 告知承诺制, 帮办代办, 免申即办 and
 * the channel each result reaches the applicant by. Supervision counts them from
 * these events alone (docs/supervision.md).
 */

/** Why the applicant came to the centre (跑动): every visit is one event. */
export const VISIT_PURPOSES = ['apply', 'supplement', 'collect', 'enquiry', 'other'] as const;
export type VisitPurpose = (typeof VISIT_PURPOSES)[number];
export const VISIT_PURPOSE_NAMES: Record<VisitPurpose, string> = {
  apply: '提交申请',
  supplement: '补交材料',
  collect: '领取结果',
  enquiry: '咨询',
  other: '其他事由',
};

/** How an application came in: 窗口, 网办, 自助, 上门 (帮办), 视频 (远程帮办), or none at all (免申即办). */
export const APPLICATION_CHANNELS = ['window', 'online', 'self-service', 'home-visit', 'video', 'none'] as const;
export type ApplicationChannel = (typeof APPLICATION_CHANNELS)[number];
export const APPLICATION_CHANNEL_NAMES: Record<ApplicationChannel, string> = {
  window: '窗口',
  online: '网上办理',
  'self-service': '自助终端',
  'home-visit': '上门服务',
  video: '视频帮办',
  none: '免申即办（无需申请）',
};

/** 跑动: the applicant came in person. */
export interface ApplicantVisited {
  type: 'ApplicantVisited';
  data: { purpose: VisitPurpose; note?: string; at: string };
}

/**
 * 即办件: the window decided every step it lists on the spot (their DecisionRecorded
 * carry `onTheSpot`); none of them was dispatched to a department.
 */
export interface HandledOnTheSpot {
  type: 'HandledOnTheSpot';
  data: { steps: string[]; officer: string; at: string };
}

/**
 * 容缺受理: accepted with non-essential materials missing, on the applicant's signed
 * commitment to bring them within `promiseDays` working days. Results are held until
 * they arrive; the acceptance is revoked if they never do.
 */
export interface DeferredAcceptanceGranted {
  type: 'DeferredAcceptanceGranted';
  data: { materials: string[]; promiseDays: number; signedBy: string; statement: string; at: string };
}

/** 容缺材料 brought in; `outstanding` lists what is still owed (empty: the promise is kept). */
export interface DeferredMaterialsProvided {
  type: 'DeferredMaterialsProvided';
  data: { materials: string[]; outstanding: string[]; at: string };
}

/** The promise expired with materials still owed: the acceptance is revoked (撤销受理), open tasks end. */
export interface DeferredAcceptanceRevoked {
  type: 'DeferredAcceptanceRevoked';
  data: { outstanding: string[]; reason: string; at: string };
}

/**
 * 告知承诺制: the department approved on the applicant's written commitment; a
 * 事中事后核查 is due within `limitDays` working days.
 */
export interface ComplianceCheckScheduled {
  type: 'ComplianceCheckScheduled';
  data: { checkId: string; step: string; department: string; service: string; limitDays: number; basis: string; at: string };
}

export interface ComplianceCheckRecorded {
  type: 'ComplianceCheckRecorded';
  data: { checkId: string; step: string; department: string; outcome: 'passed' | 'failed'; findings: string; checkedBy: string; at: string };
}

/** 撤销: a failed check revokes the approval given on commitment; its result is withdrawn. */
export interface ApprovalRevoked {
  type: 'ApprovalRevoked';
  data: { checkId: string; step: string; department: string; service: string; reason: string; at: string };
}

/** 邮寄: the carrier confirmed delivery of a posted result. */
export interface DeliveryConfirmed {
  type: 'DeliveryConfirmed';
  data: { trackingNumber: string; steps: string[]; at: string };
}

/**
 * 帮办代办: the applicant, signed in, confirms (agreed) or objects to what the 代办员
 * submitted on their behalf. Once per case.
 */
export interface ApplicantReviewed {
  type: 'ApplicantReviewed';
  data: { agreed: boolean; comment?: string; agent: string; at: string };
}

export type ModeEvent =
  | ApplicantVisited
  | ApplicantReviewed
  | HandledOnTheSpot
  | DeferredAcceptanceGranted
  | DeferredMaterialsProvided
  | DeferredAcceptanceRevoked
  | ComplianceCheckScheduled
  | ComplianceCheckRecorded
  | ApprovalRevoked
  | DeliveryConfirmed;

export const MODE_EVENT_TYPES = [
  'ApplicantVisited',
  'HandledOnTheSpot',
  'DeferredAcceptanceGranted',
  'DeferredMaterialsProvided',
  'DeferredAcceptanceRevoked',
  'ComplianceCheckScheduled',
  'ComplianceCheckRecorded',
  'ApprovalRevoked',
  'DeliveryConfirmed',
  'ApplicantReviewed',
] as const satisfies readonly ModeEvent['type'][];

/** 帮办代办: who applied on whose authority (CaseStarted.agent). */
export interface AgentOnCase {
  /** The helper's identity as authenticated (principal id), and name. */
  id: string;
  name: string;
  /** The applicant's 授权委托书: its reference (number) as filed. */
  authorisation: string;
}

/** 免申即办: the data event that started the case (CaseStarted.trigger). */
export interface TriggerOnCase {
  topic: string;
  eventId: string;
}

/** 出件方式 of one result. */
export const DELIVERY_CHANNELS = ['window', 'post', 'e-licence'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];
export const DELIVERY_CHANNEL_NAMES: Record<DeliveryChannel, string> = { window: '窗口领取', post: '邮寄', 'e-licence': '电子证照' };

export interface Delivery {
  channel: DeliveryChannel;
  /** 邮寄 */
  post?: { address: string; carrier: string; trackingNumber: string };
  /** 电子证照: licence number, issuer, and a reference anyone can verify it by. */
  licence?: { number: string; issuer: string; reference: string };
}
