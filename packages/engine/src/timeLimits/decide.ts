import type { EndSpecialProcedure, ExtendTimeLimit, RecordTimeLimit, StartSpecialProcedure } from '../case/commands.js';
import { SPECIAL_PROCEDURE_NAMES, type CaseEvent } from '../case/events.js';
import { isClosed, parseTaskId, type StartedCase, type TaskState } from '../case/state.js';
import { fail, ok, type DomainError, type FieldIssue, type Result } from '../result.js';
import { isPaused, openProcedures, timeLimitKey } from './facts.js';
import { recordModeTimeLimit } from '../modes/decide.js';

type Decided = Result<CaseEvent[], DomainError>;

const KIND_NAMES = SPECIAL_PROCEDURE_NAMES;

function taskOf(s: StartedCase, taskId: string): TaskState | undefined {
  const parsed = parseTaskId(taskId);
  return parsed && parsed.caseId === s.caseId ? s.tasks[parsed.step] : undefined;
}

/** What a special procedure's start and end record: the task (none: the whole case), its kind, the note. */
function procedureData(task: TaskState | undefined, kind: StartSpecialProcedure['data']['kind'], note: string | undefined, at: string) {
  return {
    ...(task ? { taskId: task.id, step: task.step, department: task.department } : {}),
    kind,
    ...(note !== undefined ? { note } : {}),
    at,
  };
}

/** 特别程序 starts: allowed on an open case, for a task a department is working on (or the whole case). */
export function startSpecialProcedure(c: StartSpecialProcedure, s: StartedCase): Decided {
  if (isClosed(s)) return fail('Conflict', `case ${s.caseId} is ${s.status}; no special procedure can start`);
  const { taskId, kind, note } = c.data;
  let task: TaskState | undefined;
  if (taskId !== undefined) {
    task = taskOf(s, taskId);
    if (!task) return fail('NotFound', `task ${taskId} not found`);
    if (task.status !== 'pending' && task.status !== 'supplement-required') {
      return fail('Conflict', `task ${taskId} is ${task.status}; a special procedure needs a task in progress`);
    }
  }
  const step = task?.step;
  if (openProcedures(s.clock).some((p) => p.step === step && p.kind === kind)) {
    return fail('Conflict', `a ${kind} (${KIND_NAMES[kind]}) is already under way for ${taskId ?? `case ${s.caseId}`}`);
  }
  return ok([{ type: 'SpecialProcedureStarted', data: procedureData(task, kind, note, c.now) }]);
}

export function endSpecialProcedure(c: EndSpecialProcedure, s: StartedCase): Decided {
  const { taskId, kind, note } = c.data;
  let task: TaskState | undefined;
  if (taskId !== undefined) {
    task = taskOf(s, taskId);
    if (!task) return fail('NotFound', `task ${taskId} not found`);
  }
  const step = task?.step;
  if (!openProcedures(s.clock).some((p) => p.step === step && p.kind === kind)) {
    return fail('Conflict', `no ${kind} (${KIND_NAMES[kind]}) is under way for ${taskId ?? `case ${s.caseId}`}`);
  }
  return ok([{ type: 'SpecialProcedureEnded', data: procedureData(task, kind, note, c.now) }]);
}

/**
 * 延长 (行政许可法 Art. 42, or the law governing the step): once per clock, at most
 * what the definition's `extensionDays` allows, on a clock still running. The
 * refusal names the limit and its basis, so the officer can tell the applicant why.
 */
export function extendTimeLimit(c: ExtendTimeLimit, s: StartedCase): Decided {
  const { taskId, workingDays, reason, approvedBy } = c.data;
  const def = s.matter.definition;
  let task: TaskState | undefined;
  if (taskId !== undefined) {
    task = taskOf(s, taskId);
    if (!task) return fail('NotFound', `task ${taskId} not found`);
  }
  const spec = task ? def.steps.find((x) => x.id === task.step) : def;
  const who = task ? `${task.service}（${task.department}）` : `办件 ${s.caseId}`;
  const issues: FieldIssue[] = [];
  if (!reason.trim()) issues.push({ path: 'reason', message: '延长须说明理由并告知申请人（give the reason told to the applicant）' });
  if (!approvedBy.trim()) issues.push({ path: 'approvedBy', message: '延长须经本行政机关负责人批准（name who approved it）' });
  if (!spec || spec.statutoryDays === null) {
    issues.push({ path: 'workingDays', message: `${who}无法定时限，无可延长（no statutory limit to extend）` });
  } else if (spec.extensionDays === null) {
    issues.push({
      path: 'workingDays',
      message: `${who}的法定时限 ${spec.statutoryDays} 个工作日不得延长（${spec.statutoryBasis ?? '未列明依据'}）（no extension allowed）`,
    });
  } else if (!(Number.isInteger(workingDays) && workingDays >= 1 && workingDays <= spec.extensionDays)) {
    issues.push({
      path: 'workingDays',
      message: `延长期限为 1 至 ${spec.extensionDays} 个工作日（${spec.extensionBasis}）（at most ${spec.extensionDays} working days under ${spec.extensionBasis}）`,
    });
  }
  const already = task ? s.clock.tasks[task.step]?.extendedDays : s.clock.extendedDays;
  if (already !== undefined && spec?.extensionBasis) {
    issues.push({ path: 'workingDays', message: `${who}已延长 ${already} 个工作日，只能延长一次（${spec.extensionBasis}）（extended once already）` });
  }
  if (issues.length > 0) return fail('Invalid', `the extension is not allowed: ${issues.map((i) => i.message).join('; ')}`, issues);
  if (isClosed(s)) return fail('Conflict', `case ${s.caseId} is ${s.status}; its limits no longer run`);
  if (task && task.status !== 'pending' && task.status !== 'supplement-required') {
    return fail('Conflict', `task ${taskId} is ${task.status}; only a task in progress can be extended`);
  }
  return ok([
    {
      type: 'TimeLimitExtended',
      data: {
        scope: task ? 'task' : 'case',
        ...(task ? { taskId: task.id, step: task.step, department: task.department } : {}),
        workingDays,
        reason: reason.trim(),
        approvedBy: approvedBy.trim(),
        basis: spec!.extensionBasis!,
        at: c.now,
      },
    },
  ]);
}

/**
 * A timer fell due. Idempotent: a record already held for this scope, limit and due
 * date is a no-op, so two schedulers (two processes, or one restarted) record it
 * once; optimistic concurrency settles a race. A timer that is not due yet, or
 * whose clock stopped in time, is a no-op too: the scheduler may act on a view
 * that a newer event has overtaken.
 */
export function recordTimeLimit(c: RecordTimeLimit, s: StartedCase): Decided {
  const d = c.data;
  if (d.scope === 'promise' || d.scope === 'check') return recordModeTimeLimit(c, s);
  let task: TaskState | undefined;
  if (d.scope === 'task') {
    task = d.taskId !== undefined ? taskOf(s, d.taskId) : undefined;
    if (!task) return fail('NotFound', `task ${d.taskId ?? '(none)'} not found`);
  }
  const step = task?.step;
  // A task still waiting for another department has no clock running.
  if (step !== undefined && !s.clock.tasks[step]?.startedAt) return ok([]);
  const key = timeLimitKey({ kind: d.kind, scope: d.scope, step, limit: d.limit, dueAt: d.dueAt });
  if (s.clock.recorded.includes(key)) return ok([]);
  // A paused clock is never yellow or red: the scheduler may have armed this before the pause began.
  if (d.scope !== 'acceptance' && isPaused(s.clock, step, d.limit, s.matter.definition.supplementPausesStatutory)) return ok([]);
  const firesMs = Date.parse(d.firesAt);
  if (!(firesMs <= Date.parse(c.now))) return ok([]);
  const closedAt =
    d.scope === 'acceptance'
      ? (s.clock.noticedAt ?? s.clock.acceptedAt ?? s.clock.closedAt)
      : d.scope === 'case'
        ? s.clock.closedAt
        : (s.clock.tasks[step!]?.closedAt ?? s.clock.closedAt);
  // Closed in time: nothing to record. A warning for a closed clock is moot; an exceedance it passed before closing is not.
  if (closedAt !== undefined && (d.kind === 'warning' || Date.parse(closedAt) < firesMs)) return ok([]);
  if (d.kind === 'warning' && s.clock.recorded.includes(timeLimitKey({ ...d, kind: 'exceeded', step }))) return ok([]);

  const where = task ? { taskId: task.id, step: task.step, department: task.department } : {};
  const base = { scope: d.scope, ...where, limit: d.limit, dueAt: d.dueAt, at: c.now };
  if (d.kind === 'warning') return ok([{ type: 'TimeLimitWarning', data: { ...base, warningAt: d.firesAt } }]);
  const limitName = d.limit === 'committed' ? '承诺时限' : '法定时限';
  const who = task ? `${task.service}（${task.department}）` : d.scope === 'acceptance' ? `办件 ${s.caseId} 的受理或一次告知（行政许可法第三十二条，5 个工作日）` : `办件 ${s.caseId}`;
  return ok([
    { type: 'TimeLimitExceeded', data: base },
    {
      type: 'CaseEscalated',
      data: { ...base, to: 'supervisor', reason: `${who}超过${limitName}（${d.limit} limit passed: due ${d.dueAt}）` },
    },
  ]);
}
