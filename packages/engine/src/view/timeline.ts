import { SPECIAL_PROCEDURE_NAMES, isArt45Procedure, type SpecialProcedureKind } from '../case/events.js';
import { DEPARTMENT_NAMES, type MatterDefinition } from '../definition/definition.js';
import { APPLICATION_CHANNEL_NAMES, DELIVERY_CHANNEL_NAMES, VISIT_PURPOSE_NAMES, type VisitPurpose } from '../modes/events.js';

/**
 * A case's history as an auditor reads it, in Chinese: when (Beijing time), who,
 * what, and which clocks were running after it. Built from the stored events alone,
 * so it reads any history, including event types this code does not know yet
 * (they are shown with their type and data).
 *
 * The clocks follow the events: the case clock (办件总时限) runs from acceptance,
 * pauses during 补正 and during a case-wide 特别程序, and stops when the case is
 * closed; each department's clock runs from dispatch to its decision, and pauses
 * during a 特别程序 of its task.
 */

export interface TimelineEvent {
  position: number;
  type: string;
  data: unknown;
  metadata?: unknown;
  recordedAt: string;
}

export type CaseTimeLimitState = 'running' | 'paused' | 'stopped';

export interface TimelineTimeLimits {
  case: CaseTimeLimitState;
  /** Why the case clock is paused: 补正, 特别程序（…）. */
  pausedFor: string[];
  /** Steps whose department clock runs. */
  running: string[];
  /** Steps whose department clock is paused. */
  paused: string[];
}

export interface TimelineEntry {
  position: number;
  type: string;
  /** The recorded time (ISO, UTC). */
  at: string;
  /** The same, in Beijing time: 'YYYY-MM-DD HH:mm:ss'. */
  time: string;
  /** Who caused it, as recorded (metadata.actor). */
  actor: string | null;
  who: string;
  what: string;
  clocks: TimelineTimeLimits;
  /** 计时状态 in words. */
  clock: string;
  /** The whole line. */
  text: string;
}

export interface Timeline {
  caseId: string;
  matter: string | null;
  matterName: string | null;
  matterVersion: number | null;
  entries: TimelineEntry[];
}

/** Each event type as a person reads it (the report's hash-chain table, the auditor's event table). */
export const EVENT_TYPE_NAMES: Readonly<Record<string, string>> = {
  CaseStarted: '收到申请',
  CaseAccepted: '受理',
  MaterialsNoticeIssued: '一次告知补正材料',
  TaskDispatched: '任务派发',
  DecisionRecorded: '部门决定',
  SupplementRequested: '要求补正',
  SupplementProvided: '补正材料',
  TaskCancelled: '任务撤销',
  TaskSkipped: '步骤不适用',
  CaseCompleted: '办结',
  CaseRejected: '不予许可',
  CaseWithdrawn: '撤回申请',
  SpecialProcedureStarted: '特别程序开始',
  SpecialProcedureEnded: '特别程序结束',
  TimeLimitExtended: '时限延长',
  TimeLimitWarning: '黄灯预警',
  TimeLimitExceeded: '红灯超期',
  CaseEscalated: '升级督办',
  ResultsIssued: '统一出件',
  ReviewSubmitted: '好差评',
  RectificationOpened: '整改立项',
  RectificationClosed: '整改办结',
  CalendarImported: '节假日安排导入',
};
export const eventTypeName = (type: string): string => EVENT_TYPE_NAMES[type] ?? '其他事件';

const PROCEDURE_NAMES: Record<string, string> = SPECIAL_PROCEDURE_NAMES;

const LIMIT_NAMES: Record<string, string> = { committed: '承诺时限', statutory: '法定时限' };

/** Events the engine derives from a command: the system did them, on someone's command. */
const DERIVED = new Set(['TaskDispatched', 'SupplementRequested', 'TaskCancelled', 'CaseCompleted', 'CaseRejected', 'TimeLimitWarning', 'TimeLimitExceeded', 'CaseEscalated', 'ComplianceCheckScheduled', 'DeferredAcceptanceRevoked', 'ApprovalRevoked']);

/** Beijing time of an ISO instant, 'YYYY-MM-DD HH:mm:ss'. */
export function beijingTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

export const departmentName = (id: unknown): string =>
  typeof id === 'string' ? ((DEPARTMENT_NAMES as Record<string, string>)[id] ?? id) : '部门';

/**
 * What the timeline calls things by, from the matter's definition and the accounts:
 * a material's name, the title of a field a step returns, a person's display name.
 * Whatever is not known is said in general words, never as the internal code.
 */
export interface TimelineLabels {
  material?: (matter: string, version: number, code: string) => string | undefined;
  output?: (matter: string, version: number, step: string | undefined, field: string) => string | undefined;
  /** The display name of an identity as recorded in an actor (`user.wang`, `key.k_1`). */
  person?: (id: string) => string | undefined;
}

/** Material names and output titles from the definitions (`get` as the catalogue finds a version). */
export function definitionLabels(get: (matter: string, version: number) => MatterDefinition | undefined): Required<Pick<TimelineLabels, 'material' | 'output'>> {
  return {
    material: (m, v, code) => get(m, v)?.materials.find((x) => x.code === code)?.name,
    output: (m, v, step, field) => {
      const def = get(m, v);
      const steps = def ? (step ? def.steps.filter((s) => s.id === step) : def.steps) : [];
      for (const s of steps) {
        const shape = (s.output as { shape?: Record<string, { meta?: () => { title?: unknown } | undefined }> } | undefined)?.shape;
        // A field of a definition file is optional when not required: its title is on what it wraps.
        const f = shape?.[field] as { meta?: () => { title?: unknown } | undefined; unwrap?: () => { meta?: () => { title?: unknown } | undefined } } | undefined;
        const title = f?.meta?.()?.title ?? f?.unwrap?.()?.meta?.()?.title;
        if (typeof title === 'string') return title;
      }
      return undefined;
    },
  };
}

const ROLE_WORDS: Record<string, string> = { clerk: '综合窗口', department: '部门', supervisor: '督办', auditor: '审计', admin: '系统管理员', applicant: '申请人' };

/** The person or system behind an actor string as recorded in metadata. */
export function actorName(actor: string | null, data: Record<string, unknown>, person: (id: string) => string | undefined = () => undefined): string {
  if (!actor) return '系统';
  // `clerk:user.wang`, `department:tax/key.k_1`, `department:samr`: a role and an identity.
  const m = /^([a-z]+):([^/]*)(?:\/(.+))?$/.exec(actor);
  if (m && m[1] !== 'system') {
    const [, role = '', first = '', second] = m;
    if (role === 'department') {
      const who = second ? person(second) : undefined;
      return `${departmentName(first)}${who ? `（${who}）` : second ? '工作人员' : ''}`;
    }
    const who = person(first);
    return who ?? `${ROLE_WORDS[role] ?? '工作'}人员`;
  }
  if (actor === 'clerk') return '综合窗口人员';
  if (actor === 'department') return departmentName(data.department);
  if (actor.startsWith('department:')) return departmentName(actor.slice('department:'.length));
  if (actor === 'supervisor') return '督办人员';
  if (actor === 'auditor') return '审计人员';
  if (actor === 'applicant') return '申请人';
  if (actor === 'system' || actor.startsWith('system:') || actor === 'scheduler') return '系统';
  return actor;
}

const ISSUE_CHANNELS: Record<string, string> = { window: '窗口领取', post: '邮寄送达', online: '电子证照' };
const REVIEW_CHANNELS: Record<string, string> = { window: '窗口', online: '网上', phone: '电话', sms: '短信' };

/** A value as a person reads it: 是/否, lists with 、, objects as 字段 值. */
function plain(v: unknown, title: (field: string) => string): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (Array.isArray(v)) return v.map((x) => plain(x, title)).join('、');
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .filter(([k]) => k !== 'at')
      .map(([k, x]) => `${title(k)} ${plain(x, title)}`)
      .join('，');
  }
  return String(v);
}

/**
 * @param nameOf the matter's name for its id and version (from the catalogue), when known.
 * @param deployedOf who deployed that version and when (`$matters`); undefined for a built-in one.
 * @param labels material names, output titles and people's names (see TimelineLabels).
 */
export function caseTimeline(
  caseId: string,
  events: readonly TimelineEvent[],
  nameOf: (matter: string, version: number) => string | undefined = () => undefined,
  deployedOf: (matter: string, version: number) => { by: string; at: string } | undefined = () => undefined,
  labels: TimelineLabels = {},
): Timeline {
  let matter: string | null = null;
  let matterName: string | null = null;
  let matterVersion: number | null = null;
  const services = new Map<string, { department: string; service: string }>();
  const clocks: { case: CaseTimeLimitState | 'not-started'; pausedFor: Set<string>; running: Set<string>; paused: Map<string, Set<string>> } = {
    case: 'not-started',
    pausedFor: new Set(),
    running: new Set(),
    paused: new Map(),
  };
  const stepOf = (d: Record<string, unknown>): string | undefined => {
    if (typeof d.step === 'string') return d.step;
    if (typeof d.taskId === 'string') return d.taskId.slice(d.taskId.lastIndexOf('.') + 1);
    return undefined;
  };
  const taskName = (d: Record<string, unknown>): string => {
    const step = stepOf(d);
    const known = step ? services.get(step) : undefined;
    const dept = departmentName(d.department ?? known?.department);
    const service = typeof d.service === 'string' ? d.service : known?.service;
    return service ? `${dept}（${service}）` : dept;
  };
  const pauseTask = (step: string, why: string) => {
    const reasons = clocks.paused.get(step) ?? new Set<string>();
    reasons.add(why);
    clocks.paused.set(step, reasons);
    clocks.running.delete(step);
  };
  const resumeTask = (step: string, why: string) => {
    const reasons = clocks.paused.get(step);
    if (!reasons) return;
    reasons.delete(why);
    if (reasons.size === 0) {
      clocks.paused.delete(step);
      clocks.running.add(step);
    }
  };
  const caseState = (): CaseTimeLimitState =>
    clocks.case === 'stopped' || clocks.case === 'not-started' ? 'stopped' : clocks.pausedFor.size > 0 ? 'paused' : 'running';

  const materialName = (code: unknown): string => {
    const c = String(code);
    return (matter !== null && matterVersion !== null ? labels.material?.(matter, matterVersion, c) : undefined) ?? c;
  };
  const list = (v: unknown): string => (Array.isArray(v) && v.length > 0 ? v.map(materialName).join('、') : '（未列明）');
  const fieldTitle = (step: string | undefined) => (field: string): string =>
    (matter !== null && matterVersion !== null ? labels.output?.(matter, matterVersion, step, field) : undefined) ?? field;
  const outputText = (output: unknown, step: string | undefined): string => plain(output, fieldTitle(step));

  const entries: TimelineEntry[] = [];
  for (const e of events) {
    const d = (e.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>;
    const meta = (e.metadata && typeof e.metadata === 'object' ? e.metadata : {}) as Record<string, unknown>;
    const actor = typeof meta.actor === 'string' ? meta.actor : null;
    let what: string;
    switch (e.type) {
      case 'CaseStarted': {
        matter = typeof d.matter === 'string' ? d.matter : null;
        matterVersion = typeof d.matterVersion === 'number' ? d.matterVersion : null;
        matterName = matter !== null && matterVersion !== null ? (nameOf(matter, matterVersion) ?? null) : null;
        const applicant = (d.applicant ?? {}) as Record<string, unknown>;
        const pending = d.acceptance === 'pending';
        const deployed = matter !== null && matterVersion !== null ? deployedOf(matter, matterVersion) : undefined;
        const version = `事项版本 v${matterVersion ?? '?'}${deployed ? `，${actorName(deployed.by, {}, labels.person)} 于 ${deployed.at} 部署` : ''}`;
        what = `${pending ? '收到' : '受理'}「${matterName ?? matter ?? '未知事项'}」（${version}）申请，申请人 ${String(applicant.name ?? '（未列明）')}，收取材料 ${Array.isArray(d.materials) ? d.materials.length : 0} 项${pending ? '，待审查受理（5 个工作日内受理或一次告知）' : ''}${startModeText(d)}`;
        // Older streams have no CaseAccepted: the clock ran from the application.
        if (!pending) clocks.case = 'running';
        break;
      }
      case 'CaseAccepted':
        what = '申请材料齐全，受理申请，法定时限和承诺时限开始计算';
        clocks.case = 'running';
        break;
      case 'MaterialsNoticeIssued':
        what = `一次告知申请人需要补正的全部材料：${list(d.missingMaterials)}${d.reason ? `（${String(d.reason)}）` : ''}，补齐后受理`;
        break;
      case 'TaskDispatched': {
        const step = stepOf(d);
        if (step) services.set(step, { department: String(d.department ?? ''), service: String(d.service ?? '') });
        const attempt = typeof d.attempt === 'number' ? d.attempt : 1;
        what = `派发任务至${taskName(d)}${attempt > 1 ? `（第 ${attempt} 次，补正后重新派发）` : ''}`;
        if (step) {
          clocks.paused.delete(step);
          clocks.running.add(step);
        }
        break;
      }
      case 'DecisionRecorded': {
        const step = stepOf(d);
        if (d.decision === 'approved') {
          const output = d.output && typeof d.output === 'object' && Object.keys(d.output).length > 0 ? `，办理结果：${outputText(d.output, step)}` : '';
          const mode = d.onTheSpot ? '（即办，窗口当场办结）' : d.onCommitment ? '（告知承诺制，依申请人书面承诺审批）' : '';
          what = `${taskName(d)}准予办理${mode}${output}`;
          if (step) clocks.running.delete(step);
        } else if (d.decision === 'rejected') {
          what = `${taskName(d)}不予许可，理由：${String(d.reason ?? '（未说明）')}`;
          if (step) clocks.running.delete(step);
        } else if (d.decision === 'supplement-required') {
          what = `${taskName(d)}要求补正：${list(d.missingMaterials)}${d.reason ? `（${String(d.reason)}）` : ''}`;
          if (step) pauseTask(step, '补正');
        } else {
          what = `${taskName(d)}作出决定：${String(d.decision)}`;
        }
        break;
      }
      case 'SupplementRequested':
        what = `一次性告知申请人补正材料：${list(d.missingMaterials)}，计时暂停`;
        clocks.pausedFor.add('补正');
        break;
      case 'SupplementProvided':
        what = `申请人提交补正材料：${list(d.materials)}，计时恢复`;
        clocks.pausedFor.delete('补正');
        for (const step of [...clocks.paused.keys()]) resumeTask(step, '补正');
        break;
      case 'TaskCancelled': {
        what = `撤销${taskName(d)}的任务：${String(d.reason ?? '')}`;
        const step = stepOf(d);
        if (step) {
          clocks.running.delete(step);
          clocks.paused.delete(step);
        }
        break;
      }
      case 'CaseCompleted':
        what = '全部部门办结，统一出件，办件办结';
        clocks.case = 'stopped';
        break;
      case 'CaseRejected':
        what = `办件终止（不予许可）：${String(d.reason ?? '')}`;
        clocks.case = 'stopped';
        break;
      case 'CaseWithdrawn':
        what = `申请人撤回申请：${String(d.reason ?? '')}`;
        clocks.case = 'stopped';
        break;
      case 'SpecialProcedureStarted': {
        const kind = PROCEDURE_NAMES[String(d.kind)] ?? String(d.kind ?? '');
        const step = stepOf(d);
        // Only 行政许可法 Art. 45's procedures stop the clock; 公示 and 现场核查 count.
        const excluded = isArt45Procedure(String(d.kind) as SpecialProcedureKind);
        what = `${step ? taskName(d) : '全案'}${excluded ? `进入特别程序（${kind}），不计入时限` : `开始${kind}，计入时限`}${d.note ? `：${String(d.note)}` : ''}`;
        if (excluded && step) pauseTask(step, `特别程序（${kind}）`);
        else if (excluded) clocks.pausedFor.add(`特别程序（${kind}）`);
        break;
      }
      case 'SpecialProcedureEnded': {
        const kind = PROCEDURE_NAMES[String(d.kind)] ?? String(d.kind ?? '');
        const step = stepOf(d);
        const excluded = isArt45Procedure(String(d.kind) as SpecialProcedureKind);
        what = `${step ? taskName(d) : '全案'}${excluded ? `特别程序（${kind}）结束，计时恢复` : `${kind}结束`}`;
        if (excluded && step) resumeTask(step, `特别程序（${kind}）`);
        else if (excluded) clocks.pausedFor.delete(`特别程序（${kind}）`);
        break;
      }
      case 'TimeLimitExtended': {
        const scope = d.scope === 'task' || stepOf(d) ? taskName(d) : '办件';
        what = `经${String(d.approvedBy ?? '（未列明）')}批准，${scope}法定时限延长 ${String(d.workingDays ?? '?')} 个工作日（${String(d.basis ?? '')}），理由：${String(d.reason ?? '')}；已告知申请人`;
        break;
      }
      case 'TimeLimitWarning':
      case 'TimeLimitExceeded':
      case 'CaseEscalated': {
        const scope =
          d.scope === 'promise' ? '容缺材料补交承诺' : d.scope === 'check' ? `${taskName(d)}事中事后核查` : d.scope === 'task' || stepOf(d) ? taskName(d) : d.scope === 'acceptance' ? '受理或一次告知（5 个工作日）' : '办件';
        const limit = d.scope === 'promise' ? '承诺期限' : d.scope === 'check' ? '核查期限' : (LIMIT_NAMES[String(d.limit)] ?? '时限');
        const due = typeof d.dueAt === 'string' ? beijingTime(d.dueAt) : '（未知）';
        what =
          e.type === 'TimeLimitWarning'
            ? `黄灯预警：${scope}${limit}将于 ${due} 到期`
            : e.type === 'TimeLimitExceeded'
              ? `红灯：${scope}${limit}已于 ${due} 到期，已超期`
              : `督办：${scope}${limit}超期，移交督办人员${d.reason ? `（${String(d.reason)}）` : ''}`;
        break;
      }
      case 'ResultsIssued': {
        const results = Array.isArray(d.results) ? (d.results as Record<string, unknown>[]) : [];
        // Each result on its own channel (service modes): said result by result.
        if (results.some((r) => r.delivery)) {
          what = modeText(e.type, d, taskName, list)!;
          break;
        }
        const each = results.map((r) => `${departmentName(r.department)}${r.output && typeof r.output === 'object' && Object.keys(r.output).length > 0 ? `（${outputText(r.output, typeof r.step === 'string' ? r.step : undefined)}）` : ''}`);
        what = `统一出件（${ISSUE_CHANNELS[String(d.channel)] ?? '其他方式'}）${d.recipient ? `，收件人：${String(d.recipient)}` : ''}${d.trackingNumber ? `，快递单号 ${String(d.trackingNumber)}` : ''}：${each.join('；') || '（无结果）'}${d.note ? `；备注：${String(d.note)}` : ''}`;
        break;
      }
      case 'ReviewSubmitted':
        what = `申请人评价（${REVIEW_CHANNELS[String(d.channel)] ?? '其他渠道'}）：${String(d.rating ?? '（未列明）')}${d.comment ? `，意见：${String(d.comment)}` : ''}`;
        break;
      case 'RectificationOpened':
        what = `差评整改立项，限 ${String(d.limitDays ?? '?')} 个工作日内整改${d.reason ? `：${String(d.reason)}` : ''}`;
        break;
      case 'RectificationClosed':
        what = `整改办结：${String(d.measures ?? '')}；核实人：${String(d.verifiedBy ?? '')}；反馈：${String(d.feedback ?? '')}`;
        break;
      default:
        // A type this code does not know yet: named as recorded, for the auditor to look up.
        what = modeText(e.type, d, taskName, list) ?? `其他事件〔${e.type}〕${Object.keys(d).length > 0 ? `：${outputText(d, undefined)}` : ''}`;
        if (e.type === 'DeferredAcceptanceRevoked' && clocks.case !== 'stopped') clocks.case = 'stopped';
    }
    const who = DERIVED.has(e.type) ? '系统' : actorName(actor, d, labels.person);
    const state = caseState();
    const snapshot: TimelineTimeLimits = {
      case: state,
      pausedFor: [...clocks.pausedFor],
      running: [...clocks.running],
      paused: [...clocks.paused.keys()],
    };
    const clock = clockText(snapshot, clocks.case === 'not-started', (step) => taskName({ step }));
    const time = beijingTime(e.recordedAt);
    entries.push({
      position: e.position,
      type: e.type,
      at: e.recordedAt,
      time,
      actor,
      who,
      what,
      clocks: snapshot,
      clock,
      text: `${time}  ${who}：${what}〔${clock}〕`,
    });
  }
  return { caseId, matter, matterName, matterVersion, entries };
}

const CHANNELS: Record<string, string> = APPLICATION_CHANNEL_NAMES;
const DELIVERIES: Record<string, string> = DELIVERY_CHANNEL_NAMES;

/** The service mode of an application, in words (channel, 帮办代办, 免申即办). */
function startModeText(d: Record<string, unknown>): string {
  const parts: string[] = [];
  const trigger = d.trigger as { topic?: unknown; eventId?: unknown } | undefined;
  if (trigger) parts.push(`免申即办：由数据事件 ${String(trigger.eventId)}（${String(trigger.topic)}）自动发起，申请人无需申请`);
  else if (typeof d.channel === 'string') parts.push(`办理渠道：${CHANNELS[d.channel] ?? d.channel}`);
  const agent = d.agent as { name?: unknown; id?: unknown; authorisation?: unknown } | undefined;
  if (agent) parts.push(`帮办代办：代办员 ${String(agent.name)}（${String(agent.id)}）受申请人委托代为申请，授权委托书 ${String(agent.authorisation)}`);
  return parts.length > 0 ? `；${parts.join('；')}` : '';
}

/** Chinese lines of the service-mode events (modes/events.ts). */
function modeText(type: string, d: Record<string, unknown>, taskName: (d: Record<string, unknown>) => string, list: (v: unknown) => string): string | undefined {
  switch (type) {
    case 'ApplicantVisited':
      return `申请人到窗口${VISIT_PURPOSE_NAMES[d.purpose as VisitPurpose] ?? String(d.purpose)}（跑动一次）${d.note ? `：${String(d.note)}` : ''}`;
    case 'ApplicantReviewed':
      return d.agreed
        ? `申请人确认代办员 ${String(d.agent)} 代为提交的申请内容${d.comment ? `：${String(d.comment)}` : ''}`
        : `申请人对代办员 ${String(d.agent)} 代为提交的申请内容提出异议：${String(d.comment)}`;
    case 'HandledOnTheSpot':
      return `即办件：窗口人员 ${String(d.officer)} 当场审核办结 ${Array.isArray(d.steps) ? d.steps.length : 0} 个环节，不派发部门`;
    case 'DeferredAcceptanceGranted':
      return `容缺受理：缺少非关键材料 ${list(d.materials)}，申请人 ${String(d.signedBy)} 签署承诺书，承诺 ${String(d.promiseDays)} 个工作日内补交（${String(d.statement)}）；补齐前办理结果暂不发放`;
    case 'DeferredMaterialsProvided':
      return `申请人补交容缺材料：${list(d.materials)}${Array.isArray(d.outstanding) && d.outstanding.length > 0 ? `，仍欠 ${list(d.outstanding)}` : '，容缺材料已补齐，承诺兑现'}`;
    case 'DeferredAcceptanceRevoked':
      return `撤销受理：${String(d.reason)}`;
    case 'ComplianceCheckScheduled':
      return `告知承诺审批后安排事中事后核查：${taskName(d)}，须在 ${String(d.limitDays)} 个工作日内完成（${String(d.basis)}）`;
    case 'ComplianceCheckRecorded':
      return `${taskName(d)}事中事后核查${d.outcome === 'passed' ? '通过' : '未通过'}，核查人 ${String(d.checkedBy)}：${String(d.findings)}`;
    case 'ApprovalRevoked':
      return `撤销${taskName(d)}的告知承诺审批，办理结果收回：${String(d.reason)}`;
    case 'DeliveryConfirmed':
      return `邮寄的办理结果已签收（运单号 ${String(d.trackingNumber)}）`;
    case 'ResultsIssued': {
      const results = Array.isArray(d.results) ? (d.results as { service?: unknown; delivery?: { channel?: unknown; post?: { carrier?: unknown; trackingNumber?: unknown }; licence?: { number?: unknown; issuer?: unknown } } }[]) : [];
      const each = results.map((r) => {
        const ch = r.delivery?.channel;
        if (ch === 'post') return `${String(r.service)}：邮寄（${String(r.delivery!.post?.carrier)}，运单号 ${String(r.delivery!.post?.trackingNumber)}）`;
        if (ch === 'e-licence') return `${String(r.service)}：电子证照（${String(r.delivery!.licence?.number)}，${String(r.delivery!.licence?.issuer)}）`;
        return `${String(r.service)}：${typeof ch === 'string' ? (DELIVERIES[ch] ?? ch) : ISSUE_NAMES[String(d.channel)] ?? String(d.channel)}`;
      });
      return `统一出件，发放办理结果 ${results.length} 项：${each.join('；') || '（无）'}`;
    }
    default:
      return undefined;
  }
}

const ISSUE_NAMES: Record<string, string> = { window: '窗口领取', post: '邮寄', online: '网上发放' };

function clockText(c: TimelineTimeLimits, notStarted: boolean, name: (step: string) => string): string {
  if (notStarted) return '未计时';
  const parts: string[] = [];
  if (c.case === 'stopped') parts.push('办件计时已停止');
  else if (c.case === 'paused') parts.push(`办件计时暂停（${c.pausedFor.join('、')}）`);
  else parts.push('办件计时中');
  if (c.case !== 'stopped') {
    if (c.running.length > 0) parts.push(`部门计时中：${c.running.map(name).join('、')}`);
    if (c.paused.length > 0) parts.push(`部门计时暂停：${c.paused.map(name).join('、')}`);
  }
  return parts.join('；');
}
