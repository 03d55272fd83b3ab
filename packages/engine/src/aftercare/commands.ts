import type { IssueChannel, Rating } from './events.js';
import type { DeliveryRequest } from '../modes/commands.js';

export interface IssueResults {
  type: 'IssueResults';
  data: { channel: IssueChannel; recipient?: string; trackingNumber?: string; note?: string; /** per result: 窗口领取, 邮寄, 电子证照 */ deliveries?: DeliveryRequest[] };
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
