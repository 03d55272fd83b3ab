import { fail, ok, type DomainError, type FieldIssue, type Result } from '../result.js';
import type { Delivery } from '../modes/events.js';
import { resultsHeld, revokedSteps } from '../modes/facts.js';
import type { StartedCase } from '../case/state.js';
import type { CaseEvent } from '../case/events.js';
import type { CloseRectification, IssueResults, SubmitReview } from './commands.js';
import { DEFAULT_RECTIFICATION_DAYS, isBadRating, type AftercareEvent } from './events.js';

type Decided = Result<AftercareEvent[], DomainError>;

/** 统一出件, with the applicant's trip to collect at the window when any result is handed out there. */
export function issueResults(c: IssueResults, s: StartedCase): Result<CaseEvent[], DomainError> {
  const r = issueResultsOnly(c, s);
  if (!r.ok) return r;
  const issued = r.value.find((e) => e.type === 'ResultsIssued');
  if (!issued || issued.type !== 'ResultsIssued') return r;
  const atWindow = issued.data.results.some((x) => (x.delivery?.channel ?? (issued.data.channel === 'window' ? 'window' : undefined)) === 'window');
  // 跑动: collecting results at the window is a visit, recorded in the same append as the hand-out.
  return atWindow ? ok([...r.value, { type: 'ApplicantVisited', data: { purpose: 'collect', at: c.now } }]) : r;
}

/** 统一出件: once, after the case completed, listing every department's result. */
function issueResultsOnly(c: IssueResults, s: StartedCase): Decided {
  if (s.status !== 'completed') return fail('Conflict', `case ${s.caseId} is ${s.status}; results are handed out once it is completed`);
  if (s.aftercare.resultsIssued) return fail('Conflict', `the results of case ${s.caseId} were already issued on ${s.aftercare.resultsIssued.at}`);
  // 容缺: results are held until every deferred material is in; a revoked approval's result is withdrawn.
  if (resultsHeld(s.modes)) {
    const owed = s.modes.deferred!.outstanding;
    return fail('Conflict', `results of case ${s.caseId} are held until the 容缺 materials are brought: ${owed.join(', ')}`);
  }
  if (s.modes.deferred?.revokedAt) return fail('Conflict', `the acceptance of case ${s.caseId} was revoked on ${s.modes.deferred.revokedAt}; no results are issued`);
  if (c.data.channel === 'post' && !c.data.recipient?.trim() && !c.data.deliveries) {
    return fail('Invalid', 'posting results needs a recipient address', [{ path: 'recipient', message: '邮寄出件须填写收件人及地址（recipient required for post）' }]);
  }
  const revoked = revokedSteps(s.modes);
  const approved = Object.values(s.tasks).filter((t) => t.status === 'approved' && !revoked.has(t.step));
  const deliveries = checkDeliveries(c.data.deliveries, approved.map((t) => t.step));
  if (!deliveries.ok) return deliveries;
  const results = approved.map((t) => {
    const delivery = deliveries.value.get(t.step);
    return { step: t.step, department: t.department, service: t.service, output: t.output ?? {}, ...(delivery ? { delivery } : {}) };
  });
  return ok([
    {
      type: 'ResultsIssued',
      data: {
        channel: c.data.channel,
        results,
        ...(c.data.recipient ? { recipient: c.data.recipient } : {}),
        ...(c.data.trackingNumber ? { trackingNumber: c.data.trackingNumber } : {}),
        ...(c.data.note ? { note: c.data.note } : {}),
        at: c.now,
      },
    },
  ]);
}

/** Per result: 窗口领取, 邮寄 (address, carrier, tracking number), 电子证照 (number, issuer, verifiable reference). */
function checkDeliveries(requested: IssueResults['data']['deliveries'], steps: string[]): Result<Map<string, Delivery>, DomainError> {
  const out = new Map<string, Delivery>();
  if (!requested) return ok(out);
  const issues: FieldIssue[] = [];
  requested.forEach((r, i) => {
    const at = `deliveries.${i}`;
    if (!steps.includes(r.step)) issues.push({ path: `${at}.step`, message: `no result of step ${r.step} to hand out; results: ${steps.join(', ')}` });
    else if (out.has(r.step)) issues.push({ path: `${at}.step`, message: `step ${r.step} is listed twice` });
    if (r.channel === 'post' && !(r.post?.address.trim() && r.post.carrier.trim() && r.post.trackingNumber.trim())) {
      issues.push({ path: `${at}.post`, message: '邮寄须填写地址、寄递企业和运单号（address, carrier and tracking number required）' });
    }
    if (r.channel === 'e-licence' && !(r.licence?.number.trim() && r.licence.issuer.trim() && r.licence.reference.trim())) {
      issues.push({ path: `${at}.licence`, message: '电子证照须填写证照编号、发证机关和核验标识（number, issuer and reference required）' });
    }
    out.set(r.step, {
      channel: r.channel,
      ...(r.channel === 'post' && r.post ? { post: { ...r.post } } : {}),
      ...(r.channel === 'e-licence' && r.licence ? { licence: { ...r.licence } } : {}),
    });
  });
  if (issues.length > 0) return fail('Invalid', 'the deliveries are incomplete', issues);
  return ok(out);
}

/**
 * 一事一评: one review per case once it is closed, and one re-review after a
 * rectification is closed. A 差评 (不满意 or worse) opens a rectification at once.
 */
export function submitReview(c: SubmitReview, s: StartedCase): Decided {
  if (s.status === 'in-progress' || s.status === 'awaiting-supplement') {
    return fail('Conflict', `case ${s.caseId} is ${s.status}; it can be reviewed once it is closed`);
  }
  if (s.aftercare.reviews.some((r) => r.reviewId === c.data.reviewId)) return ok([]);
  const closedRectifications = s.aftercare.rectifications.filter((r) => r.closedAt).length;
  if (s.aftercare.reviews.length > 0 && !(s.aftercare.reviews.length === 1 && closedRectifications > 0)) {
    return fail('Conflict', `case ${s.caseId} has been reviewed; a second review is allowed only after a rectification was closed`);
  }
  const events: AftercareEvent[] = [
    {
      type: 'ReviewSubmitted',
      data: { reviewId: c.data.reviewId, rating: c.data.rating, ...(c.data.comment ? { comment: c.data.comment } : {}), channel: c.data.channel, at: c.now },
    },
  ];
  if (isBadRating(c.data.rating)) {
    events.push({
      type: 'RectificationOpened',
      data: {
        rectificationId: `${c.data.reviewId}-r`,
        reviewId: c.data.reviewId,
        limitDays: DEFAULT_RECTIFICATION_DAYS,
        reason: `差评：${c.data.rating}${c.data.comment ? `（${c.data.comment}）` : ''}`,
        at: c.now,
      },
    });
  }
  return ok(events);
}

/** Rectified, verified, fed back: all three are required to close the loop. */
export function closeRectification(c: CloseRectification, s: StartedCase): Decided {
  const r = s.aftercare.rectifications.find((x) => x.rectificationId === c.data.rectificationId);
  if (!r) return fail('NotFound', `rectification ${c.data.rectificationId} not found on case ${s.caseId}`);
  if (r.closedAt) return fail('Conflict', `rectification ${c.data.rectificationId} was closed on ${r.closedAt}`);
  const missing = (['measures', 'verifiedBy', 'feedback'] as const).filter((k) => !c.data[k]?.trim());
  if (missing.length > 0) {
    return fail('Invalid', 'a rectification closes with its measures, who verified it, and the feedback to the applicant', missing.map((k) => ({ path: k, message: 'required' })));
  }
  return ok([{ type: 'RectificationClosed', data: { ...c.data, at: c.now } }]);
}
