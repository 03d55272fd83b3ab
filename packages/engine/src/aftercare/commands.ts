import type { IssueChannel, Rating } from './events.js';

export interface IssueResults {
  type: 'IssueResults';
  data: { channel: IssueChannel; recipient?: string; trackingNumber?: string; note?: string };
  now: string;
}

export interface SubmitReview {
  type: 'SubmitReview';
  data: { reviewId: string; rating: Rating; comment?: string; channel: 'window' | 'online' | 'phone' | 'sms' };
  now: string;
}

export interface CloseRectification {
  type: 'CloseRectification';
  data: { rectificationId: string; measures: string; verifiedBy: string; feedback: string };
  now: string;
}

export type AftercareCommand = IssueResults | SubmitReview | CloseRectification;
