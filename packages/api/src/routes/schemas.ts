import { APPLICATION_CHANNELS, FIELD_SIZES, jsonObject } from '@onematter/engine';
import { CnMobile, ResidentId } from '@onematter/workflows';
import { z } from 'zod';

export const ID_TYPES = ['resident-id', 'passport', 'hk-macao-permit', 'taiwan-permit', 'foreign-permanent-resident-id'] as const;

/** Chinese labels a clerk may send instead of the codes. */
const ID_TYPE_ALIASES: Record<string, (typeof ID_TYPES)[number]> = {
  居民身份证: 'resident-id',
  身份证: 'resident-id',
  护照: 'passport',
  港澳居民来往内地通行证: 'hk-macao-permit',
  台湾居民来往大陆通行证: 'taiwan-permit',
  外国人永久居留身份证: 'foreign-permanent-resident-id',
};

export const Applicant = z
  .object({
    name: z.string().trim().min(1, '申请人姓名不能为空（name is required）').max(50),
    idType: z.preprocess((v) => (typeof v === 'string' ? (ID_TYPE_ALIASES[v] ?? v) : v), z.enum(ID_TYPES)).meta({
      description: 'resident-id (居民身份证), passport, hk-macao-permit, taiwan-permit, foreign-permanent-resident-id',
    }),
    idNumber: z.string('证件号码应为文字').trim().min(5, '证件号码过短，至少 5 位').max(30, '证件号码过长，最多 30 位'),
    phone: CnMobile,
  })
  .superRefine((a, ctx) => {
    if (a.idType !== 'resident-id') return;
    // The form's own check, so the applicant's ID is explained the same way (Chinese first).
    const checked = ResidentId.safeParse(a.idNumber);
    if (!checked.success) ctx.addIssue({ code: 'custom', path: ['idNumber'], message: checked.error.issues[0]!.message });
  });

export const StartCaseBody = z.object({
  matter: z.string().min(1).max(100),
  applicant: Applicant,
  form: jsonObject(FIELD_SIZES.form),
  materials: z.array(z.string().min(1).max(100)).max(100).optional().meta({
    description: 'Codes of the materials handed in; omitted means the window checked every required one.',
  }),
  acceptance: z.enum(['at-window', 'pending']).optional().meta({
    description:
      '受理. at-window (default): the clerk checked the materials and accepts at once (a missing required material is a 400, told on the spot). pending: record the submission (e.g. online) and accept it later (POST /cases/{id}/acceptance) or name every missing material once (POST /cases/{id}/material-notices) within 5 working days (行政许可法 Art. 32); the case clocks start at acceptance.',
  }),
  channel: z.enum(APPLICATION_CHANNELS.filter((c) => c !== 'none') as ['window', 'online', 'self-service', 'home-visit', 'video']).optional().meta({
    description: '办理渠道: window (窗口; records the applicant\'s visit, 跑动), online (网办), self-service (自助), home-visit (上门), video (视频帮办).',
  }),
  onTheSpot: z
    .object({
      officer: z.string().trim().min(1, '请填写当场办结的窗口人员（officer required）').max(100),
      outputs: z.record(z.string().max(100), jsonObject(FIELD_SIZES.output)).optional(),
    })
    .optional()
    .meta({ description: '即办件: the window decides on the spot every step the matter allows for this form (outputs by step, e.g. a licence number); the others are dispatched. 400 when no step is eligible.' }),
  deferred: z
    .object({
      materials: z.array(z.string().min(1).max(100)).min(1).max(20),
      signedBy: z.string().trim().min(1, '容缺受理须由申请人签署承诺书（signedBy required）').max(100),
      statement: z.string().trim().min(1, '请填写承诺内容（statement required）').max(2000),
    })
    .optional()
    .meta({ description: '容缺受理: the 容缺 (deferrable) materials missing, on the applicant\'s signed commitment to bring them within the matter\'s promise limit; results are held until they arrive.' }),
  agent: z
    .object({
      name: z.string().trim().min(1).max(100).meta({ description: 'the 代办员\'s name' }),
      authorisation: z.string().trim().min(1, '代办须提交申请人的授权委托书（authorisation required）').max(200).meta({ description: 'reference of the applicant\'s 授权委托书' }),
    })
    .optional()
    .meta({ description: '帮办代办: required when the caller is an agent (代办员); the case records who applied on whose authority.' }),
});

export const ApplicantReviewBody = z
  .object({
    agreed: z.boolean().meta({ description: 'true: the applicant confirms what the agent submitted; false: objects (comment required)' }),
    comment: z.string().trim().max(2000).optional(),
  })
  .meta({ description: '帮办代办: the applicant confirms or objects to what the 代办员 submitted on their behalf' });

export const VisitBody = z.object({
  purpose: z.enum(['apply', 'supplement', 'collect', 'enquiry', 'other']).meta({ description: 'apply, supplement (补交材料), collect (领取结果), enquiry (咨询), other' }),
  note: z.string().max(2000).optional(),
});

export const DeferredMaterialsBody = z.object({
  materials: z.array(z.string().min(1).max(100)).min(1, '至少提交一项容缺材料（at least one material）').max(20),
});

export const ComplianceCheckBody = z.object({
  outcome: z.enum(['passed', 'failed']).meta({ description: 'passed (核查通过) or failed (承诺不实: the approval is revoked, 撤销)' }),
  findings: z.string().trim().min(1, '请填写核查情况（findings required）').max(4000),
  checkedBy: z.string().trim().min(1, '请填写核查人（checkedBy required）').max(200),
});

export const MaterialsNoticeBody = z.object({
  missingMaterials: z.array(z.string().min(1).max(100)).min(1, '一次告知须列明需要补正的全部材料（name every missing material）').max(100),
  reason: z.string().max(2000).optional(),
});

export const CASE_STATUSES = ['in-progress', 'awaiting-supplement', 'completed', 'rejected', 'withdrawn'] as const;
export const TASK_STATUSES = ['waiting', 'pending', 'approved', 'rejected', 'supplement-required', 'cancelled', 'skipped'] as const;

export const CaseListQuery = z.object({
  status: z.enum(CASE_STATUSES).optional(),
  matter: z.string().max(100).optional(),
  department: z.string().max(50).optional(),
  taskStatus: z.enum(TASK_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  q: z.string().trim().min(1).max(100).optional().meta({
    description: 'Exact search: the case id, the applicant\'s name, ID number or phone, or a 统一社会信用代码 / ID number / mobile number in the form or a department\'s output. Exact match only (no partial or full-text search of personal data).',
  }),
});

/** The decision body: the engine's one decision schema, shared with the bus (case/decisionInput.ts). */
export { DecisionInput as DecisionBody } from '@onematter/engine';

export const SupplementBody = z.object({
  materials: z.array(z.string().min(1).max(200)).min(1, '至少提交一项补正材料（at least one material）').max(100),
  note: z.string().max(2000).optional(),
});

export const WithdrawBody = z.object({
  reason: z.string().trim().min(1, '撤回须说明理由（a reason is required）').max(2000),
});

export const CaseIdParams = z.object({ id: z.string().min(1).max(200) });
