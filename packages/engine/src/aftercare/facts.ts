import type { CaseEvent } from '../case/events.js';
import type { IssueChannel, Rating } from './events.js';

/** What the after-completion loops need from a case's events. */
export interface AftercareFacts {
  resultsIssued?: { channel: IssueChannel; at: string; recipient?: string; trackingNumber?: string; results: number };
  reviews: { reviewId: string; rating: Rating; comment?: string; at: string }[];
  rectifications: { rectificationId: string; reviewId: string; limitDays: number; reason: string; openedAt: string; closedAt?: string; measures?: string; verifiedBy?: string; feedback?: string }[];
}

export const emptyAftercare = (): AftercareFacts => ({ reviews: [], rectifications: [] });

export function evolveAftercare(f: AftercareFacts, e: CaseEvent): AftercareFacts {
  switch (e.type) {
    case 'ResultsIssued':
      return {
        ...f,
        resultsIssued: {
          channel: e.data.channel,
          at: e.data.at,
          ...(e.data.recipient ? { recipient: e.data.recipient } : {}),
          ...(e.data.trackingNumber ? { trackingNumber: e.data.trackingNumber } : {}),
          results: e.data.results.length,
        },
      };
    case 'ReviewSubmitted':
      return { ...f, reviews: [...f.reviews, { reviewId: e.data.reviewId, rating: e.data.rating, ...(e.data.comment ? { comment: e.data.comment } : {}), at: e.data.at }] };
    case 'RectificationOpened':
      return {
        ...f,
        rectifications: [...f.rectifications, { rectificationId: e.data.rectificationId, reviewId: e.data.reviewId, limitDays: e.data.limitDays, reason: e.data.reason, openedAt: e.data.at }],
      };
    case 'RectificationClosed':
      return {
        ...f,
        rectifications: f.rectifications.map((r) =>
          r.rectificationId === e.data.rectificationId
            ? { ...r, closedAt: e.data.at, measures: e.data.measures, verifiedBy: e.data.verifiedBy, feedback: e.data.feedback }
            : r,
        ),
      };
    default:
      return f;
  }
}
