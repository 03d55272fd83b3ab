/** Everything the user sees is in Chinese: names for the API's codes. */

import { DEPARTMENT_NAMES as NAMES } from '@onematter/engine/departments';
import { RATINGS } from '@onematter/engine/aftercare';
import { SPECIAL_PROCEDURE_NAMES } from '@onematter/engine/events';

/** Department names: the engine's own list, bundled as it is. */
export const DEPARTMENT_NAMES: Readonly<Record<string, string>> = NAMES;
export const departmentName = (id: string | null | undefined): string => (id ? (DEPARTMENT_NAMES[id] ?? id) : '');

/** 好差评's five levels, best first, as the engine accepts them: the options of every rating field. */
export const RATING_OPTIONS = RATINGS.map((r) => ({ value: r, label: r }));

export const CASE_STATUS: Record<string, { text: string; color: string }> = {
  'in-progress': { text: '办理中', color: 'processing' },
  'awaiting-supplement': { text: '待补正', color: 'warning' },
  completed: { text: '已办结', color: 'success' },
  rejected: { text: '不予许可', color: 'error' },
  withdrawn: { text: '已撤回', color: 'default' },
};

export const TASK_STATUS: Record<string, { text: string; color: string; fill: string; stroke: string }> = {
  waiting: { text: '等待前置', color: 'default', fill: '#f5f5f5', stroke: '#bfbfbf' },
  pending: { text: '办理中', color: 'processing', fill: '#e6f4ff', stroke: '#1677ff' },
  approved: { text: '已准予', color: 'success', fill: '#f6ffed', stroke: '#52c41a' },
  rejected: { text: '不予许可', color: 'error', fill: '#fff1f0', stroke: '#ff4d4f' },
  'supplement-required': { text: '需补正', color: 'warning', fill: '#fffbe6', stroke: '#faad14' },
  cancelled: { text: '已取消', color: 'default', fill: '#fafafa', stroke: '#d9d9d9' },
  skipped: { text: '不适用', color: 'default', fill: '#fafafa', stroke: '#d9d9d9' },
};

export const LIGHTS: Record<string, { text: string; color: string }> = {
  green: { text: '绿灯（正常）', color: '#52c41a' },
  yellow: { text: '黄灯（临期）', color: '#faad14' },
  red: { text: '红灯（超期）', color: '#ff4d4f' },
  unknown: { text: '未知', color: '#bfbfbf' },
};

export const ID_TYPES: { value: string; label: string }[] = [
  { value: 'resident-id', label: '居民身份证' },
  { value: 'passport', label: '护照' },
  { value: 'hk-macao-permit', label: '港澳居民来往内地通行证' },
  { value: 'taiwan-permit', label: '台湾居民来往大陆通行证' },
  { value: 'foreign-permanent-resident-id', label: '外国人永久居留身份证' },
];

export const ROLE_NAMES: Record<string, string> = {
  clerk: '综合窗口',
  department: '部门',
  supervisor: '督办',
  auditor: '审计',
  admin: '系统管理员',
  agent: '帮办代办员',
};

/** Event types as a timeline says them. */
export const EVENT_NAMES: Record<string, string> = {
  CaseStarted: '收到申请',
  CaseAccepted: '受理（时限开始计算）',
  MaterialsNoticeIssued: '一次告知补正材料',
  TaskDispatched: '任务派发至部门',
  DecisionRecorded: '部门作出决定',
  SupplementRequested: '要求补正材料',
  SupplementProvided: '申请人补正材料',
  TaskCancelled: '任务取消',
  TaskSkipped: '步骤不适用',
  CaseCompleted: '办结',
  CaseRejected: '不予许可，办件终止',
  CaseWithdrawn: '申请人撤回',
  SpecialProcedureStarted: '特别程序开始',
  SpecialProcedureEnded: '特别程序结束',
  TimeLimitExtended: '法定时限延长',
  TimeLimitWarning: '黄灯预警：临近时限',
  TimeLimitExceeded: '红灯：已超时限',
  CaseEscalated: '升级督办',
  ResultsIssued: '统一出件',
  ReviewSubmitted: '申请人评价（好差评）',
  RectificationOpened: '差评整改立项',
  RectificationClosed: '整改办结',
  ApplicantVisited: '申请人到窗口（跑动）',
  HandledOnTheSpot: '即办件：窗口当场办结',
  DeferredAcceptanceGranted: '容缺受理（承诺后补材料）',
  DeferredMaterialsProvided: '补交容缺材料',
  DeferredAcceptanceRevoked: '容缺逾期，撤销受理',
  ComplianceCheckScheduled: '告知承诺：安排事中事后核查',
  ComplianceCheckRecorded: '事中事后核查结果',
  ApprovalRevoked: '核查不实，撤销审批',
  DeliveryConfirmed: '邮寄结果已签收',
  ApplicantReviewed: '申请人确认或异议（帮办代办）',
};

/** 办理渠道 */
export const CHANNELS: { value: string; label: string }[] = [
  { value: 'window', label: '窗口' },
  { value: 'online', label: '网上办理' },
  { value: 'self-service', label: '自助终端' },
  { value: 'home-visit', label: '上门服务' },
  { value: 'video', label: '视频帮办' },
];
export const channelName = (c: string | null | undefined): string => (c === 'none' ? '免申即办' : (CHANNELS.find((x) => x.value === c)?.label ?? '—'));
export const VISIT_PURPOSES: { value: string; label: string }[] = [
  { value: 'supplement', label: '补交材料' },
  { value: 'collect', label: '领取结果' },
  { value: 'enquiry', label: '咨询' },
  { value: 'other', label: '其他事由' },
  { value: 'apply', label: '提交申请' },
];
export const DELIVERY_CHANNELS: Record<string, string> = { window: '窗口领取', post: '邮寄', 'e-licence': '电子证照' };

export const DECISIONS: Record<string, string> = {
  approved: '准予',
  rejected: '不予许可',
  'supplement-required': '要求补正',
};

/** Labels for form fields whose schema has no title. */
export const FIELD_NAMES: Record<string, string> = {
  name: '姓名',
  idNumber: '居民身份证号码',
  phone: '手机号码',
  type: '种类',
  address: '地址',
};

/** Output fields departments return (the engine's examples use these names). */
export const OUTPUT_NAMES: Record<string, string> = {
  unifiedSocialCreditCode: '统一社会信用代码',
  licenceNumber: '营业执照编号',
  sealFilingNumber: '印章备案编号',
  taxpayerId: '纳税人识别号',
  accountNumber: '银行账号',
  socialInsuranceNumber: '社保登记号',
  medicalInsuranceNumber: '医保登记号',
  housingFundAccount: '公积金账号',
  connectionNumber: '报装编号',
  registeredName: '登记名称',
  seals: '刻制印章',
  invoiceQuota: '发票领用份数',
  bankName: '开户银行',
};

export const fmtTime = (iso: string | null | undefined): string => {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
};

export const fmtDate = (iso: string | null | undefined): string => {
  if (!iso) return '—';
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai' });
};

/** Masks an ID number or phone on screen (the clerk can reveal it). */
export const maskId = (v: string) => (v.length > 6 ? `${v.slice(0, 4)}${'*'.repeat(v.length - 6)}${v.slice(-2)}` : v);
export const maskPhone = (v: string) => (v.length >= 7 ? `${v.slice(0, 3)}****${v.slice(-4)}` : v);

/** A short, readable case number for tables (the full id is on the case page and the receipt). */
export const shortId = (id: string) => (id.length > 13 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id);

/** 办件编号 as people read it: the case number, or (cases from before numbers) the short id. */
export const caseNo = (c: { id: string; caseNumber?: string | undefined }): string => c.caseNumber ?? shortId(c.id);

/**
 * `clerk:user.wang`, `department:tax/key.k_1`, `department:samr` (Kafka) as a person reads
 * it: the person's display name from `people` (GET /auth/people), else the role in words,
 * never the account name.
 */
export function actorLabel(actor: string, people: Readonly<Record<string, string>> = {}): string {
  if (!actor) return '';
  if (actor === 'system' || actor.startsWith('system') || actor === 'scheduler') return '系统';
  const [role = '', rest = ''] = actor.split(/:(.*)/s);
  const roleName = ROLE_NAMES[role] ?? (role === 'applicant' ? '申请人' : '工作');
  if (role === 'department') {
    const [dep, who] = rest.split('/');
    const name = who ? people[who] : undefined;
    return `${departmentName(dep)}${name ? `（${name}）` : who ? '工作人员' : '（部门系统）'}`;
  }
  return (rest && people[rest]) || `${roleName}人员`;
}

/** What the materials are called in the case's matter (the code only when the definition does not list it). */
export const materialNames = (codes: readonly string[] | undefined, materials: readonly { code: string; name: string }[] | undefined): string =>
  // Until the definition has loaded: how many, never the codes.
  !materials ? (codes?.length ? `${codes.length} 项材料` : '') : (codes ?? []).map((code) => materials.find((m) => m.code === code)?.name ?? code).join('、');

export const ISSUE_CHANNELS: Record<string, string> = { window: '窗口领取', post: '邮寄送达', online: '电子证照' };
export const REVIEW_CHANNELS: Record<string, string> = { window: '窗口', online: '网上', phone: '电话', sms: '短信' };

/** What a verification problem's reason means, in Chinese (the engine's own words are shown beside it). */
const PROBLEM_KINDS: [RegExp, string][] = [
  [/^deleted|are missing/, '已被删除'],
  [/^(cut off|truncated)/, '之后的事件被截断'],
  [/altered/, '内容被篡改'],
  [/missing or out of place|out of order|reordered/, '缺失或顺序被改动'],
  [/chain is broken|does not chain/, '哈希链断裂'],
  [/back-dated|inserted afterwards/, '被事后补录（时间倒签）'],
];

export const problemKind = (reason: string): string => PROBLEM_KINDS.find(([re]) => re.test(reason))?.[1] ?? '无法信任';

/** 特别程序 (行政许可法 Art. 45, and 公示, 现场核查) by kind: the engine's own names. */
export const PROCEDURE_NAMES: Readonly<Record<string, string>> = SPECIAL_PROCEDURE_NAMES;

/** Why a clock is paused, in words: 补正（缺：…） or 特别程序（检测：…）. */
export function pauseReason(p: { cause: string; kind?: string | undefined; note?: string | undefined; step?: string | undefined }, missing?: string): string {
  if (p.cause === 'supplement') return `等待申请人补正材料${missing ? `（缺：${missing}）` : ''}`;
  return `特别程序（${PROCEDURE_NAMES[p.kind ?? ''] ?? '其他'}${p.note ? `：${p.note}` : ''}），不计入时限`;
}
