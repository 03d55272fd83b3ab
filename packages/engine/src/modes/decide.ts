import type { RecordTimeLimit } from '../case/commands.js';
import type { CaseEvent } from '../case/events.js';
import { OPEN_TASK_STATUSES, isClosed, parseTaskId, type StartedCase } from '../case/state.js';
import { PROMISE_LIMIT, timeLimitKey } from '../timeLimits/facts.js';
import type { MatterDefinition } from '../definition/definition.js';
import { fail, ok, type DomainError, type FieldIssue, type Result } from '../result.js';
import type { ConfirmDelivery, ProvideDeferredMaterials, RecordComplianceCheck, RecordVisit, ReviewAgentSubmission } from './commands.js';
import { VISIT_PURPOSE_NAMES } from './events.js';

type Decided = Result<CaseEvent[], DomainError>;

/** 跑动: one event per visit. A closed case may still be visited (to collect results). */
export function recordVisit(c: RecordVisit, _s: StartedCase): Decided {
  return ok([{ type: 'ApplicantVisited', data: { purpose: c.data.purpose, ...(c.data.note?.trim() ? { note: c.data.note.trim() } : {}), at: c.now } }]);
}

/**
 * 容缺受理 at the start: which missing required materials the window accepts without,
 * and the promise (the shortest promise of the materials). Undefined: nothing deferred.
 */
export function deferredGrant(
  def: MatterDefinition,
  request: { materials: string[]; signedBy: string; statement: string } | undefined,
  handedIn: readonly string[],
  now: string,
): Result<CaseEvent | undefined, DomainError> {
  if (!request) return ok(undefined);
  const issues: FieldIssue[] = [];
  if (!request.signedBy.trim()) issues.push({ path: 'deferred.signedBy', message: '容缺受理须由申请人签署承诺书（signedBy required）' });
  if (!request.statement.trim()) issues.push({ path: 'deferred.statement', message: '请填写承诺内容（statement required）' });
  if (request.materials.length === 0) issues.push({ path: 'deferred.materials', message: '请列明容缺的材料（name the deferred materials）' });
  const specs = request.materials.map((code) => def.materials.find((m) => m.code === code));
  request.materials.forEach((code, i) => {
    const spec = specs[i];
    if (!spec) issues.push({ path: `deferred.materials.${i}`, message: `unknown material ${code}` });
    else if (!spec.deferrable) issues.push({ path: `deferred.materials.${i}`, message: `「${spec.name}」不是容缺材料，必须在受理时提交（${code} is not deferrable）` });
    else if (handedIn.includes(code)) issues.push({ path: `deferred.materials.${i}`, message: `「${spec.name}」已提交，无需容缺（${code} was handed in）` });
  });
  if (issues.length > 0) return fail('Invalid', '容缺受理 is not possible as requested', issues);
  const promiseDays = Math.min(...specs.map((m) => m!.promiseDays!));
  return ok({
    type: 'DeferredAcceptanceGranted',
    data: { materials: [...new Set(request.materials)], promiseDays, signedBy: request.signedBy.trim(), statement: request.statement.trim(), at: now },
  });
}

export function provideDeferredMaterials(c: ProvideDeferredMaterials, s: StartedCase): Decided {
  const d = s.modes.deferred;
  if (!d) return fail('Conflict', `case ${s.caseId} was not accepted as 容缺; nothing is owed`);
  if (d.revokedAt) return fail('Conflict', `the 容缺 acceptance of case ${s.caseId} was revoked on ${d.revokedAt}`);
  if (d.outstanding.length === 0) return fail('Conflict', `case ${s.caseId} owes no 容缺 material (all brought on ${d.keptAt})`);
  const issues = c.data.materials.flatMap((code, i) => (d.outstanding.includes(code) ? [] : [{ path: `materials.${i}`, message: `${code} is not an outstanding 容缺 material; owed: ${d.outstanding.join(', ')}` }]));
  if (c.data.materials.length === 0) issues.push({ path: 'materials', message: 'at least one material' });
  if (issues.length > 0) return fail('Invalid', `owed: ${d.outstanding.join(', ')}`, issues);
  const outstanding = d.outstanding.filter((m) => !c.data.materials.includes(m));
  return ok([{ type: 'DeferredMaterialsProvided', data: { materials: [...new Set(c.data.materials)], outstanding, at: c.now } }]);
}

/** The scheduler's record for a promise or a check (timeLimits/decide.ts hands them here). */
export function recordModeTimeLimit(c: RecordTimeLimit, s: StartedCase): Decided {
  const d = c.data;
  const id = d.scope === 'promise' ? PROMISE_LIMIT : (d.taskId !== undefined ? parseTaskId(d.taskId)?.step : undefined);
  const m = id !== undefined ? s.clock.modeClocks?.[id] : undefined;
  if (!m || m.scope !== d.scope) return fail('NotFound', `no ${d.scope} clock ${id ?? ''} on case ${s.caseId}`);
  const key = timeLimitKey({ kind: d.kind, scope: d.scope, step: id, limit: d.limit, dueAt: d.dueAt });
  if (s.clock.recorded.includes(key)) return ok([]);
  const firesMs = Date.parse(d.firesAt);
  if (!(firesMs <= Date.parse(c.now))) return ok([]);
  const closedAt = m.closedAt ?? (d.scope === 'promise' && s.clock.outcome !== undefined && s.clock.outcome !== 'completed' ? s.clock.closedAt : undefined);
  if (closedAt !== undefined && (d.kind === 'warning' || Date.parse(closedAt) < firesMs)) return ok([]);
  if (d.kind === 'warning' && s.clock.recorded.includes(timeLimitKey({ ...d, kind: 'exceeded', step: id }))) return ok([]);
  const check = d.scope === 'check' ? s.modes.checks.find((x) => x.checkId === id) : undefined;
  const where = check ? { taskId: `${s.caseId}.${check.checkId}`, step: check.checkId, department: check.department } : {};
  const base = { scope: d.scope, ...where, limit: d.limit, dueAt: d.dueAt, at: c.now };
  if (d.kind === 'warning') return ok([{ type: 'TimeLimitWarning', data: { ...base, warningAt: d.firesAt } }]);
  const what = check ? `${check.service}的事中事后核查（${check.limitDays} 个工作日）` : `容缺材料的补交承诺（${m.days} 个工作日）`;
  const events: CaseEvent[] = [
    { type: 'TimeLimitExceeded', data: base },
    { type: 'CaseEscalated', data: { ...base, to: 'supervisor', reason: `办件 ${s.caseId} ${what}已到期（${d.scope} limit passed: due ${d.dueAt}）` } },
  ];
  if (d.scope === 'promise') events.push(...revokeDeferred(s, c.now));
  return ok(events);
}

/** 撤销受理: the promise expired with materials owed; open tasks end with it. */
function revokeDeferred(s: StartedCase, now: string): CaseEvent[] {
  const d = s.modes.deferred;
  if (!d || d.revokedAt || d.outstanding.length === 0) return [];
  const nameOf = (code: string) => s.matter.definition.materials.find((m) => m.code === code)?.name ?? code;
  const reason = `容缺材料「${d.outstanding.map(nameOf).join('、')}」逾期未补交，撤销受理（deferred materials not brought within ${d.promiseDays} working days）`;
  const events: CaseEvent[] = [{ type: 'DeferredAcceptanceRevoked', data: { outstanding: [...d.outstanding], reason, at: now } }];
  if (!isClosed(s)) {
    for (const t of Object.values(s.tasks)) {
      if (!OPEN_TASK_STATUSES.includes(t.status)) continue;
      events.push({ type: 'TaskCancelled', data: { taskId: t.id, step: t.step, department: t.department, reason, at: now } });
    }
  }
  return events;
}

export function recordComplianceCheck(c: RecordComplianceCheck, s: StartedCase): Decided {
  const check = s.modes.checks.find((x) => x.checkId === c.data.checkId);
  if (!check) return fail('NotFound', `compliance check ${c.data.checkId} not found on case ${s.caseId}`);
  if (c.data.department !== undefined && c.data.department !== check.department) {
    return fail('Forbidden', `check ${c.data.checkId} belongs to department ${check.department}, not ${c.data.department}`);
  }
  if (check.checkedAt) return fail('Conflict', `check ${c.data.checkId} was recorded on ${check.checkedAt} (${check.outcome})`);
  const missing = (['findings', 'checkedBy'] as const).filter((k) => !c.data[k]?.trim());
  if (missing.length > 0) return fail('Invalid', 'a check records its findings and who checked', missing.map((k) => ({ path: k, message: 'required' })));
  const events: CaseEvent[] = [
    {
      type: 'ComplianceCheckRecorded',
      data: { checkId: check.checkId, step: check.step, department: check.department, outcome: c.data.outcome, findings: c.data.findings.trim(), checkedBy: c.data.checkedBy.trim(), at: c.now },
    },
  ];
  if (c.data.outcome === 'failed') {
    events.push({
      type: 'ApprovalRevoked',
      data: {
        checkId: check.checkId,
        step: check.step,
        department: check.department,
        service: check.service,
        reason: `核查发现承诺不实，撤销告知承诺审批：${c.data.findings.trim()}`,
        at: c.now,
      },
    });
  }
  return ok(events);
}

export function confirmDelivery(c: ConfirmDelivery, s: StartedCase): Decided {
  const posted = s.modes.deliveries.filter((d) => d.post?.trackingNumber === c.data.trackingNumber);
  if (posted.length === 0) return fail('NotFound', `no result of case ${s.caseId} was posted under tracking number ${c.data.trackingNumber}`);
  if (posted.every((d) => d.confirmedAt)) return ok([]);
  return ok([{ type: 'DeliveryConfirmed', data: { trackingNumber: c.data.trackingNumber, steps: posted.map((d) => d.step), at: c.now } }]);
}

/**
 * 帮办代办: the applicant confirms or objects to what the agent submitted, once. The same
 * review again (a retry) records nothing; a different one is a conflict.
 */
export function reviewAgentSubmission(c: ReviewAgentSubmission, s: StartedCase): Decided {
  const agent = s.modes.agent;
  if (!agent) return fail('Conflict', `case ${s.caseId} was not filed by an agent (帮办代办); there is no agent's submission to review`);
  const comment = c.data.comment?.trim() || undefined;
  if (!c.data.agreed && !comment) {
    return fail('Invalid', 'an objection says what is wrong', [{ path: 'comment', message: '提出异议须说明理由（comment required when objecting）' }]);
  }
  const done = s.modes.applicantReview;
  if (done) {
    if (done.agreed === c.data.agreed && done.comment === comment) return ok([]);
    return fail('Conflict', `the applicant already ${done.agreed ? 'confirmed' : 'objected to'} the agent's submission on ${done.at}`);
  }
  return ok([{ type: 'ApplicantReviewed', data: { agreed: c.data.agreed, ...(comment ? { comment } : {}), agent: agent.name, at: c.now } }]);
}

export const visitName = (purpose: string): string => (VISIT_PURPOSE_NAMES as Record<string, string>)[purpose] ?? purpose;
