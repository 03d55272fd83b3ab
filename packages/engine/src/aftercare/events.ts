/**
 * After a case completes, the service centre's own loops (国办发〔2019〕51号 and the
 * 统一出件 rule): results handed out once, the applicant's review, and the
 * rectification (整改) of every bad review, verified and fed back.
 */
import type { Delivery } from '../modes/events.js';

/** 统一出件: every department's results handed out at one window, or by post. */
export const ISSUE_CHANNELS = ['window', 'post', 'online'] as const;
export type IssueChannel = (typeof ISSUE_CHANNELS)[number];

export interface ResultsIssued {
  type: 'ResultsIssued';
  data: {
    channel: IssueChannel;
    /** Every result handed out: one per approved step, with its output. */
    results: { step: string; department: string; service: string; output: Record<string, unknown>; delivery?: Delivery }[];
    recipient?: string;
    trackingNumber?: string;
    note?: string;
    at: string;
  };
}

/** 好差评: the five levels of 国办发〔2019〕51号; the bottom two are 差评. */
export const RATINGS = ['非常满意', '满意', '基本满意', '不满意', '非常不满意'] as const;
export type Rating = (typeof RATINGS)[number];
export const isBadRating = (r: Rating): boolean => r === '不满意' || r === '非常不满意';

export interface ReviewSubmitted {
  type: 'ReviewSubmitted';
  data: { reviewId: string; rating: Rating; comment?: string; channel: 'window' | 'online' | 'phone' | 'sms'; at: string };
}

/** Each 差评 opens a rectification with its own limit in working days. */
export interface RectificationOpened {
  type: 'RectificationOpened';
  data: { rectificationId: string; reviewId: string; limitDays: number; reason: string; at: string };
}

/** Rectified, verified and the result fed back to the applicant: the loop is closed. */
export interface RectificationClosed {
  type: 'RectificationClosed';
  data: { rectificationId: string; measures: string; verifiedBy: string; feedback: string; at: string };
}

export type AftercareEvent = ResultsIssued | ReviewSubmitted | RectificationOpened | RectificationClosed;

/** Working days to rectify a 差评 (Zhejiang and a Sichuan city: 15; shared/MATTERS.md §7). */
export const DEFAULT_RECTIFICATION_DAYS = 15;
