import { closeRectification, issueResults, submitReview } from '../aftercare/decide.js';
import type { MatterCatalogue } from '../definition/catalogue.js';
import { machineState, startMachine, stepMachine, type CompiledMatter, type Step } from '../machine/compile.js';
import { fail, ok, type DomainError, type FieldIssue, type Result } from '../result.js';
import type { AcceptCase, CaseCommand, IssueMaterialsNotice, ProvideSupplement, RecordDecision, StartCase, WithdrawCase } from './commands.js';
import { endSpecialProcedure, extendTimeLimit, recordTimeLimit, startSpecialProcedure } from '../timeLimits/decide.js';
import { effectiveSteps, mayDecideOnTheSpot } from '../definition/definition.js';
import { confirmDelivery, deferredGrant, provideDeferredMaterials, recordComplianceCheck, recordVisit, reviewAgentSubmission } from '../modes/decide.js';
import type { CaseEvent, DecisionRecorded, TaskCancelled, TaskDispatched } from './events.js';
import { rememberSnapshot } from './evolve.js';
import { OPEN_TASK_STATUSES, isClosed, parseTaskId, taskIdOf, type CaseState, type StartedCase } from './state.js';

export type Decided = Result<CaseEvent[], DomainError>;

/**
 * Decides what a command means for a case: the events to record, or a typed error.
 * Pure: the time comes in the command, the matter from the catalogue.
 */
export function decide(catalogue: MatterCatalogue, command: CaseCommand, state: CaseState): Decided {
  switch (command.type) {
    case 'StartCase':
      return startCase(catalogue, command, state);
    case 'AcceptCase':
      return state.kind === 'started' ? acceptCase(command, state) : fail('NotFound', 'case not found');
    case 'IssueMaterialsNotice':
      return state.kind === 'started' ? issueMaterialsNotice(command, state) : fail('NotFound', 'case not found');
    case 'RecordDecision':
      return state.kind === 'started' ? recordDecision(command, state) : fail('NotFound', `task ${command.data.taskId} not found`);
    case 'ProvideSupplement':
      return state.kind === 'started' ? provideSupplement(command, state) : fail('NotFound', 'case not found');
    case 'WithdrawCase':
      return state.kind === 'started' ? withdraw(command, state) : fail('NotFound', 'case not found');
    // Time limits (timeLimits/decide.ts): 特别程序 and the scheduler's records.
    case 'StartSpecialProcedure':
      return state.kind === 'started' ? startSpecialProcedure(command, state) : fail('NotFound', 'case not found');
    case 'EndSpecialProcedure':
      return state.kind === 'started' ? endSpecialProcedure(command, state) : fail('NotFound', 'case not found');
    case 'ExtendTimeLimit':
      return state.kind === 'started' ? extendTimeLimit(command, state) : fail('NotFound', 'case not found');
    case 'RecordTimeLimit':
      return state.kind === 'started' ? recordTimeLimit(command, state) : fail('NotFound', 'case not found');
    // After completion (aftercare/decide.ts): 统一出件, 好差评, 整改.
    case 'IssueResults':
      return state.kind === 'started' ? issueResults(command, state) : fail('NotFound', 'case not found');
    case 'SubmitReview':
      return state.kind === 'started' ? submitReview(command, state) : fail('NotFound', 'case not found');
    case 'CloseRectification':
      return state.kind === 'started' ? closeRectification(command, state) : fail('NotFound', 'case not found');
    // Service modes (modes/decide.ts): 跑动, 容缺, 告知承诺 checks, 邮寄.
    case 'RecordVisit':
      return state.kind === 'started' ? recordVisit(command, state) : fail('NotFound', 'case not found');
    case 'ProvideDeferredMaterials':
      return state.kind === 'started' ? provideDeferredMaterials(command, state) : fail('NotFound', 'case not found');
    case 'RecordComplianceCheck':
      return state.kind === 'started' ? recordComplianceCheck(command, state) : fail('NotFound', 'case not found');
    case 'ConfirmDelivery':
      return state.kind === 'started' ? confirmDelivery(command, state) : fail('NotFound', 'case not found');
    case 'ReviewAgentSubmission':
      return state.kind === 'started' ? reviewAgentSubmission(command, state) : fail('NotFound', 'case not found');
    default: {
      const unknown: never = command;
      return fail('Invalid', `unknown command ${(unknown as { type: string }).type}`);
    }
  }
}

function startCase(catalogue: MatterCatalogue, c: StartCase, state: CaseState): Decided {
  if (state.kind === 'started') return fail('Conflict', `case ${state.caseId} already exists`);
  const matter = catalogue.get(c.data.matter);
  if (!matter) return fail('Invalid', `matter ${c.data.matter} not found`, [{ path: 'matter', message: `未知事项 ${c.data.matter}（unknown matter）` }]);
  const def = matter.definition;
  const retired = catalogue.retired?.(def.id);
  if (retired) {
    return fail('Invalid', `matter ${def.id} is retired: it takes no new cases`, [
      { path: 'matter', message: `事项“${def.name}”已于 ${retired.at} 停办，不再受理新的申请（matter ${def.id} is retired: no new cases）` },
    ]);
  }

  const form = def.form.safeParse(c.data.form);
  if (!form.success) {
    const errors = form.error.issues.map((i) => ({ path: ['form', ...i.path.map(String)].join('.'), message: i.message }));
    return fail('Invalid', 'the form has invalid fields', errors);
  }

  // 一次告知: every missing material is named at once, never one at a time. At the
  // window that is on the spot (当场告知, a 400); a submission to check later is recorded
  // as it is, and its notice (or acceptance) follows within 5 working days.
  const pending = c.data.acceptance === 'pending';
  const known = new Set(def.materials.map((m) => m.code));
  const required = def.materials.filter((m) => m.required).map((m) => m.code);
  const materials = c.data.materials ?? required;
  const issues: FieldIssue[] = [];
  for (const code of materials) {
    if (!known.has(code)) issues.push({ path: 'materials', message: `unknown material ${code}` });
  }
  if (pending && (c.data.deferred || c.data.onTheSpot)) {
    issues.push({ path: c.data.deferred ? 'deferred' : 'onTheSpot', message: '容缺受理和即办须在窗口当场受理（needs acceptance at the window, not pending）' });
  }
  const deferred = deferredGrant(def, c.data.deferred, materials, c.now);
  if (!deferred.ok) return deferred;
  const owed = deferred.value?.type === 'DeferredAcceptanceGranted' ? deferred.value.data.materials : [];
  if (!pending) issues.push(...missingMaterials(def, [...materials, ...owed]));
  if (issues.length > 0) return fail('Invalid', 'materials are incomplete', issues);

  const started: CaseEvent = {
    type: 'CaseStarted',
    data: {
      caseId: c.data.caseId,
      matter: def.id,
      matterVersion: def.version,
      applicant: c.data.applicant,
      form: form.data as Record<string, unknown>,
      materials: [...new Set(materials)],
      ...(c.data.idempotencyKey ? { idempotencyKey: c.data.idempotencyKey } : {}),
      ...(c.data.caseNumber ? { caseNumber: c.data.caseNumber } : {}),
      ...(pending ? { acceptance: 'pending' as const } : {}),
      ...(c.data.channel ? { channel: c.data.channel } : {}),
      ...(c.data.agent ? { agent: c.data.agent } : {}),
      ...(c.data.trigger ? { trigger: c.data.trigger } : {}),
      at: c.now,
    },
  };
  const step = startMachine(matter, form.data as Record<string, unknown>);
  rememberSnapshot(started, step.snapshot);
  // 跑动: an application handed in at the window is a visit.
  const visit: CaseEvent[] = c.data.channel === 'window' ? [{ type: 'ApplicantVisited', data: { purpose: 'apply', at: c.now } }] : [];
  if (pending) return ok([started, ...visit]);
  const handedIn = [...new Set(materials)];
  const grant = deferred.value ? [deferred.value] : [];
  if (c.data.onTheSpot) {
    const spot = onTheSpot(matter, c.data.caseId, step, handedIn, c.now, c.data.onTheSpot, form.data as Record<string, unknown>);
    return spot.ok ? ok([started, ...visit, ...grant, ...spot.value]) : spot;
  }
  return ok([started, ...visit, ...grant, ...accepted(matter, c.data.caseId, step, handedIn, c.now)]);
}

/**
 * 即办件: accepted, and every step the window may decide for this form is approved on
 * the spot, in dependency order, without a dispatch; the others go out as usual. A
 * matter whose steps are all 即办 completes in the same moment: it never leaves the window.
 */
function onTheSpot(
  matter: CompiledMatter,
  caseId: string,
  first: Step,
  materials: string[],
  now: string,
  spot: NonNullable<StartCase['data']['onTheSpot']>,
  form: Record<string, unknown>,
): Decided {
  const def = matter.definition;
  if (!spot.officer.trim()) return fail('Invalid', '即办 names the officer who decided', [{ path: 'onTheSpot.officer', message: '请填写当场办结的窗口人员（officer required）' }]);
  const steps = new Map(effectiveSteps(def).map((x) => [x.id, x]));
  const outputs: Record<string, Record<string, unknown>> = {};
  const decisions: CaseEvent[] = [];
  const dispatches: CaseEvent[] = [];
  const issues: FieldIssue[] = [];
  let step = first;
  const queue = [...first.dispatched];
  while (queue.length > 0) {
    const id = queue.shift()!;
    const spec = steps.get(id)!;
    if (!mayDecideOnTheSpot(def, id, form)) {
      const inputs = Object.fromEntries(spec.dependsOn.map((dep) => [dep, outputs[dep] ?? {}]));
      dispatches.push(dispatch(matter, caseId, id, 1, inputs, materials, now));
      continue;
    }
    const output = spot.outputs?.[id] ?? {};
    if (spec.output) {
      const r = spec.output.safeParse(output);
      if (!r.success) {
        issues.push(...r.error.issues.map((i) => ({ path: ['onTheSpot', 'outputs', id, ...i.path.map(String)].join('.'), message: i.message })));
        continue;
      }
    }
    const recorded: DecisionRecorded = {
      type: 'DecisionRecorded',
      data: { taskId: taskIdOf(caseId, id), step: id, department: spec.department, decisionId: `on-the-spot:${id}`, decision: 'approved', output, onTheSpot: true, at: now },
    };
    step = stepMachine(matter, step.snapshot, { type: 'DECISION', step: id, decision: 'approved', output });
    rememberSnapshot(recorded, step.snapshot);
    decisions.push(recorded);
    outputs[id] = output;
    queue.push(...step.dispatched);
  }
  if (issues.length > 0) return fail('Invalid', 'the on-the-spot results are invalid', issues);
  if (decisions.length === 0) {
    return fail('Invalid', `no step of ${def.id} may be decided on the spot for this form`, [{ path: 'onTheSpot', message: '本事项（按所填表单）不符合即办条件，请按承诺件受理（not eligible for 即办）' }]);
  }
  const decided = decisions.map((e) => (e as DecisionRecorded).data.step);
  const done: CaseEvent[] = machineState(step.snapshot) === 'completed' ? [{ type: 'CaseCompleted', data: { outputs, at: now } }] : [];
  return ok([
    { type: 'CaseAccepted', data: { at: now } },
    { type: 'HandledOnTheSpot', data: { steps: decided, officer: spot.officer.trim(), at: now } },
    ...decisions,
    ...dispatches,
    ...done,
  ]);
}

/** Required materials not handed in, one issue each (the content of a 一次告知). */
function missingMaterials(def: CompiledMatter['definition'], materials: readonly string[]): FieldIssue[] {
  return def.materials
    .filter((m) => m.required && !materials.includes(m.code))
    .map((m) => ({ path: 'materials', message: `缺少材料：${m.name}（missing required material ${m.code}）` }));
}

/** 受理: the clocks start, the first tasks go out (or, when no step applies, the case is done). */
function accepted(matter: CompiledMatter, caseId: string, step: Step, materials: string[], now: string): CaseEvent[] {
  const dispatches = step.dispatched.map((s) => dispatch(matter, caseId, s, 1, {}, materials, now));
  const done: CaseEvent[] = machineState(step.snapshot) === 'completed' ? [{ type: 'CaseCompleted', data: { outputs: {}, at: now } }] : [];
  return [{ type: 'CaseAccepted', data: { at: now } }, ...dispatches, ...done];
}

function acceptCase(c: AcceptCase, s: StartedCase): Decided {
  if (!s.clock.acceptancePending) return fail('Conflict', `case ${s.caseId} was accepted already`);
  if (isClosed(s)) return fail('Conflict', `case ${s.caseId} is ${s.status}`);
  if (s.status === 'awaiting-supplement') return fail('Conflict', `case ${s.caseId} awaits the materials its notice asked for (POST /cases/{id}/supplements first)`);
  const issues = missingMaterials(s.matter.definition, s.materials);
  if (issues.length > 0) return fail('Invalid', 'materials are incomplete: issue a 一次告知 (POST /cases/{id}/material-notices) instead', issues);
  // The machine has not moved since the start (no task went out): the first wave is the start's.
  return ok(accepted(s.matter, s.caseId, startMachine(s.matter, s.form), [...s.materials], c.now));
}

function issueMaterialsNotice(c: IssueMaterialsNotice, s: StartedCase): Decided {
  if (!s.clock.acceptancePending) return fail('Conflict', `case ${s.caseId} was accepted already; a department asks for 补正 with its decision`);
  if (isClosed(s)) return fail('Conflict', `case ${s.caseId} is ${s.status}`);
  // 一次告知 means once: a second notice would be the piecemeal asking Art. 32 forbids.
  if (s.clock.noticedAt !== undefined) return fail('Conflict', `case ${s.caseId} had its 一次告知 already (${s.clock.noticedAt})`);
  const known = new Set(s.matter.definition.materials.map((m) => m.code));
  const issues: FieldIssue[] = c.data.missingMaterials.length === 0 ? [{ path: 'missingMaterials', message: '一次告知须列明需要补正的全部材料（name every missing material）' }] : [];
  for (const code of c.data.missingMaterials) if (!known.has(code)) issues.push({ path: 'missingMaterials', message: `unknown material ${code}` });
  if (issues.length > 0) return fail('Invalid', 'the notice must name the missing materials', issues);
  return ok([
    {
      type: 'MaterialsNoticeIssued',
      data: { missingMaterials: [...new Set(c.data.missingMaterials)], ...(c.data.reason?.trim() ? { reason: c.data.reason.trim() } : {}), at: c.now },
    },
  ]);
}

function recordDecision(c: RecordDecision, s: StartedCase): Decided {
  const d = c.data;
  const parsed = parseTaskId(d.taskId);
  const task = parsed && parsed.caseId === s.caseId ? s.tasks[parsed.step] : undefined;
  if (!task) return fail('NotFound', `task ${d.taskId} not found`);
  if (d.department !== undefined && d.department !== task.department) {
    return fail('Forbidden', `task ${d.taskId} belongs to department ${task.department}, not ${d.department}`);
  }
  // Kafka redelivers: a decision we already hold is a no-op, not an error.
  if (task.decisionIds.includes(d.decisionId)) return ok([]);
  if (isClosed(s)) return fail('Conflict', `case ${s.caseId} is ${s.status}; task ${d.taskId} takes no decision`);
  if (task.status !== 'pending') return fail('Conflict', `task ${d.taskId} is ${task.status}, not pending`);

  const invalid = checkDecision(s.matter, task.step, c);
  if (invalid) return invalid;

  const recorded: DecisionRecorded = {
    type: 'DecisionRecorded',
    data: {
      taskId: d.taskId,
      step: task.step,
      department: task.department,
      decisionId: d.decisionId,
      decision: d.decision,
      ...(d.reason !== undefined ? { reason: d.reason } : {}),
      ...(d.output !== undefined ? { output: d.output } : {}),
      ...(d.missingMaterials !== undefined ? { missingMaterials: d.missingMaterials } : {}),
      ...(d.onCommitment && d.decision === 'approved' ? { onCommitment: true as const } : {}),
      at: c.now,
    },
  };
  const step = stepMachine(s.matter, s.snapshot, {
    type: 'DECISION',
    step: task.step,
    decision: d.decision,
    ...(d.output ? { output: d.output } : {}),
  });
  rememberSnapshot(recorded, step.snapshot);
  const events: CaseEvent[] = [recorded];
  const commitment = s.matter.definition.steps.find((x) => x.id === task.step)?.commitment;
  if (recorded.data.onCommitment && commitment) {
    // 告知承诺制: the 事中事后核查 is its own task with its own limit.
    events.push({
      type: 'ComplianceCheckScheduled',
      data: { checkId: `${task.step}-check`, step: task.step, department: task.department, service: task.service, limitDays: commitment.checkDays, basis: commitment.basis, at: c.now },
    });
  }
  if (d.decision === 'supplement-required') {
    events.push({
      type: 'SupplementRequested',
      data: {
        taskId: d.taskId,
        step: task.step,
        missingMaterials: d.missingMaterials ?? [],
        ...(d.reason !== undefined ? { reason: d.reason } : {}),
        at: c.now,
      },
    });
  }
  const outputs = d.decision === 'approved' ? { ...s.outputs, [task.step]: d.output ?? {} } : s.outputs;
  events.push(...consequences(s, step, outputs, c.now, task.step));
  if (d.decision === 'rejected') {
    events.push({
      type: 'CaseRejected',
      data: {
        taskId: d.taskId,
        step: task.step,
        department: task.department,
        reason: d.reason ?? '',
        at: c.now,
      },
    });
  }
  return ok(events);
}

function checkDecision(matter: CompiledMatter, stepId: string, c: RecordDecision): Decided | undefined {
  const d = c.data;
  if (d.decision === 'rejected' && !d.reason?.trim()) {
    return fail('Invalid', 'a rejection must give its reason', [{ path: 'reason', message: '不予许可必须说明理由（a rejection requires a reason）' }]);
  }
  if (d.decision === 'supplement-required' && !(d.missingMaterials?.length || d.reason?.trim())) {
    return fail('Invalid', 'a supplement request must name what is missing', [
      { path: 'missingMaterials', message: '补正通知须一次告知所需补正的全部材料（name the missing materials）' },
    ]);
  }
  if (d.onCommitment) {
    const spec = matter.definition.steps.find((x) => x.id === stepId);
    if (!spec?.commitment) return fail('Invalid', `step ${stepId} does not allow approval on commitment`, [{ path: 'onCommitment', message: '该事项不适用告知承诺制（the law does not allow approval on commitment here）' }]);
    if (d.decision !== 'approved') return fail('Invalid', 'only an approval is given on commitment', [{ path: 'onCommitment', message: '告知承诺仅适用于准予许可（only with decision approved）' }]);
  }
  if (d.decision === 'approved') {
    const spec = matter.definition.steps.find((x) => x.id === stepId);
    if (spec?.output) {
      const r = spec.output.safeParse(d.output ?? {});
      if (!r.success) {
        const errors = r.error.issues.map((i) => ({ path: ['output', ...i.path.map(String)].join('.'), message: i.message }));
        return fail('Invalid', `the output of ${stepId} is invalid`, errors);
      }
    }
  }
  return undefined;
}

function provideSupplement(c: ProvideSupplement, s: StartedCase): Decided {
  if (s.status !== 'awaiting-supplement') {
    return fail('Conflict', `case ${s.caseId} is ${s.status}; no supplement was requested`);
  }
  if (c.data.materials.length === 0) {
    return fail('Invalid', 'a supplement names the materials it brings', [{ path: 'materials', message: 'at least one material' }]);
  }
  // Only what a department asked for: a material nobody asked for would be filed as a 补正 it is not.
  const asked = [...new Set(Object.values(s.tasks).flatMap((t) => (t.status === 'supplement-required' ? (t.missingMaterials ?? []) : [])))];
  if (asked.length > 0) {
    const nameOf = (code: string) => s.matter.definition.materials.find((m) => m.code === code)?.name ?? code;
    const wanted = asked.map(nameOf).join('、');
    const issues = c.data.materials.flatMap((code, i) =>
      asked.includes(code) ? [] : [{ path: `materials.${i}`, message: `未要求补正「${nameOf(code)}」，要求补正的材料是：${wanted}（${code} was not asked for; asked: ${asked.join(', ')}）` }],
    );
    if (issues.length > 0) return fail('Invalid', `the supplement brings materials nobody asked for; asked: ${asked.join(', ')}`, issues);
  }
  const provided: CaseEvent = {
    type: 'SupplementProvided',
    data: { materials: c.data.materials, ...(c.data.note ? { note: c.data.note } : {}), at: c.now },
  };
  const step = stepMachine(s.matter, s.snapshot, { type: 'SUPPLEMENT' });
  rememberSnapshot(provided, step.snapshot);
  const withMaterials = { ...s, materials: [...new Set([...s.materials, ...c.data.materials])] };
  return ok([provided, ...consequences(withMaterials, step, s.outputs, c.now)]);
}

function withdraw(c: WithdrawCase, s: StartedCase): Decided {
  if (isClosed(s)) return fail('Conflict', `case ${s.caseId} is already ${s.status}`);
  if (!c.data.reason.trim()) return fail('Invalid', 'a withdrawal gives its reason', [{ path: 'reason', message: 'required' }]);
  const withdrawn: CaseEvent = { type: 'CaseWithdrawn', data: { reason: c.data.reason, at: c.now } };
  const step = stepMachine(s.matter, s.snapshot, { type: 'WITHDRAW' });
  rememberSnapshot(withdrawn, step.snapshot);
  return ok([withdrawn, ...consequences(s, step, s.outputs, c.now)]);
}

/** What a machine step implies: tasks to dispatch, tasks to cancel, completion. */
function consequences(
  s: StartedCase,
  step: Step,
  outputs: StartedCase['outputs'],
  now: string,
  decidedStep?: string,
): CaseEvent[] {
  const events: CaseEvent[] = [];
  for (const stepId of step.dispatched) {
    const task = s.tasks[stepId]!;
    const inputs = Object.fromEntries(task.dependsOn.map((dep) => [dep, outputs[dep] ?? {}]));
    events.push(dispatch(s.matter, s.caseId, stepId, task.attempts + 1, inputs, [...s.materials], now));
  }
  const top = machineState(step.snapshot);
  if (top === 'rejected' || top === 'withdrawn') {
    const reason = top === 'rejected' ? '其他部门不予许可，本事项终止（another department rejected the case）' : '申请人撤回申请（withdrawn by the applicant）';
    for (const task of Object.values(s.tasks)) {
      if (task.step === decidedStep || !OPEN_TASK_STATUSES.includes(task.status)) continue;
      const cancelled: TaskCancelled = {
        type: 'TaskCancelled',
        data: { taskId: task.id, step: task.step, department: task.department, reason, at: now },
      };
      events.push(cancelled);
    }
  }
  if (top === 'completed') {
    events.push({ type: 'CaseCompleted', data: { outputs: { ...outputs }, at: now } });
  }
  return events;
}

function dispatch(
  matter: CompiledMatter,
  caseId: string,
  stepId: string,
  attempt: number,
  inputs: Record<string, unknown>,
  materials: string[],
  now: string,
): TaskDispatched {
  const spec = matter.definition.steps.find((x) => x.id === stepId)!;
  return {
    type: 'TaskDispatched',
    data: {
      taskId: taskIdOf(caseId, stepId),
      step: stepId,
      department: spec.department,
      service: spec.service,
      attempt,
      inputs,
      materials,
      at: now,
    },
  };
}
