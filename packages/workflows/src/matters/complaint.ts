import { defineMatter, type DepartmentId } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { RefNumber } from '../fields.js';

/**
 * 有诉即办 (complaints handled on the spot): the service centre's own loop, run as a case.
 *
 * 受理: the centre (政务服务中心, which also runs the 12345 hotline: department `gsc`)
 * registers the complaint from the 办不成事反映窗口 or a 12345 work order and assigns it;
 * 办理: the responsible department chosen in the form handles it (one conditional step per
 * department, so exactly one applies); 结果反馈: the centre tells the complainant the
 * result; 回访评价: the centre calls back and records satisfaction on the five levels of
 * 好差评 (国办发〔2019〕51号). Escalation when late (跟踪督办) comes from the time-limit
 * clocks, not from a step.
 *
 * Limits (working days; no national count is published, these are inferred from local
 * 12345 rules: ordinary requests within 5, complex ones within 15):
 * - 受理 1, committed 0 (即办); 办理 15, committed 5; 反馈 2, committed 1; 回访 3, committed 1
 *   (Zhejiang calls back within a day [47]).
 * - matter: statutory 1 + 15 + 2 + 3 = 21; committed 0 + 5 + 1 + 1 = 7.
 */

const RESPONSIBLE = ['samr', 'psb', 'tax', 'hrss', 'nhsa', 'nrb', 'mohurd', 'edu'] as const satisfies readonly DepartmentId[];
const RESPONSIBLE_NAMES: Record<(typeof RESPONSIBLE)[number], string> = {
  samr: '市场监管',
  psb: '公安',
  tax: '税务',
  hrss: '人力资源社会保障',
  nhsa: '医疗保障',
  nrb: '自然资源和不动产登记',
  mohurd: '住房城乡建设',
  edu: '教育',
};

export const SATISFACTION_LEVELS = ['非常满意', '满意', '基本满意', '不满意', '非常不满意'] as const;

const form = z
  .object({
    channel: z.enum(['办不成事反映窗口', '12345热线']).meta({ title: '受理渠道' }),
    hotlineTicket: z.string().trim().regex(/^\d{8,20}$/, '12345 工单号应为 8–20 位数字（work-order number: 8-20 digits）').optional().meta({ title: '12345 工单号' }),
    category: z.enum(['投诉', '求助', '咨询', '建议', '举报']).meta({ title: '诉求类别' }),
    subject: z.string().trim().min(4, '诉求主题至少 4 个字（subject too short）').max(100).meta({ title: '诉求主题' }),
    description: z.string().trim().min(10, '请具体描述诉求，至少 10 个字（describe the request, 10+ characters）').max(2000).meta({ title: '诉求内容' }),
    responsibleDepartment: z.enum(RESPONSIBLE).meta({ title: '承办部门', description: RESPONSIBLE.map((d) => `${d} ${RESPONSIBLE_NAMES[d]}`).join(', ') }),
    urgency: z.enum(['一般', '紧急']).meta({ title: '紧急程度' }),
    relatedCaseId: z.string().trim().max(200).optional().meta({ title: '关联办件编号' }),
    wantsCallback: z.boolean().default(true).meta({ title: '是否同意回访' }),
  })
  .superRefine((f, ctx) => {
    if (f.channel === '12345热线' && !f.hotlineTicket) ctx.addIssue({ code: 'custom', path: ['hotlineTicket'], message: '来自 12345 热线的诉求须填写工单号（work-order number required）' });
  });

const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const complaintV1 = defineMatter({
  id: 'complaint',
  version: 1,
  name: '有诉即办',
  description: '办不成事反映窗口或 12345 热线受理诉求，派单承办部门限时办理，结果反馈诉求人，回访评价满意度。',
  statutoryDays: null,
  committedDays: 7,
  form,
  materials: [
    { code: 'complaint-record', name: '诉求登记表（窗口）或 12345 工单', required: true },
    { code: 'evidence', name: '相关凭证或照片', required: false },
  ],
  steps: [
    {
      id: 'accept',
      department: 'gsc',
      service: '诉求受理与派单（分级分类）',
      statutoryDays: null,
      committedDays: 0,
      output: titled(z.object({ ticketNumber: RefNumber('SQ'), acceptedAt: DATE }).loose()),
      outputExample: { ticketNumber: 'SQ2026030200001', acceptedAt: '2026-03-02' },
    },
    ...RESPONSIBLE.map((d) => ({
      id: `handle-${d}`,
      department: d,
      service: `诉求办理（${RESPONSIBLE_NAMES[d]}）`,
      dependsOn: ['accept'],
      when: { field: 'responsibleDepartment', equals: d },
      statutoryDays: null,
      committedDays: 5,
      output: titled(z
        .object({
          outcome: z.enum(['已解决', '部分解决', '未解决（已说明理由）']),
          resolution: z.string().min(2),
          handledAt: DATE,
        })
        .loose()),
      outputExample: { outcome: '已解决', resolution: '已现场核实并督促整改，当事企业已退还费用。', handledAt: '2026-03-04' },
    })),
    {
      id: 'feedback',
      department: 'gsc',
      service: '办理结果反馈诉求人',
      dependsOn: RESPONSIBLE.map((d) => `handle-${d}`),
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ notifiedBy: z.enum(['电话', '短信', '当面', '书面']), notifiedAt: DATE }).loose()),
      outputExample: { notifiedBy: '电话', notifiedAt: '2026-03-04' },
    },
    {
      id: 'follow-up',
      department: 'gsc',
      service: '回访评价',
      dependsOn: ['feedback'],
      statutoryDays: null,
      committedDays: 1,
      output: titled(z.object({ satisfaction: z.enum(SATISFACTION_LEVELS), resolved: z.boolean(), calledBackAt: DATE, remark: z.string().max(500).optional() }).loose()),
      outputExample: { satisfaction: '满意', resolved: true, calledBackAt: '2026-03-05' },
    },
  ],
  example: {
    channel: '办不成事反映窗口',
    category: '投诉',
    subject: '预付卡商家停业拒不退款',
    description: '在鼓楼区某健身房办理预付卡 3000 元，商家停业后拒不退还余额，多次联系无果。',
    responsibleDepartment: 'samr',
    urgency: '一般',
    wantsCallback: true,
  },
  otherExamples: (
    [
      ['psb', '户口迁移材料反复要求补充', '为孩子办理户口迁入，窗口多次要求补充不同材料，没有一次告知。'],
      ['tax', '个人所得税退税长时间未到账', '年度汇算申请退税已超过一个月，仍显示审核中，请协助查询。'],
      ['hrss', '灵活就业社保缴费无法登记', '在网上办理灵活就业人员参保登记时系统一直报错，无法完成缴费。'],
      ['nhsa', '异地就医备案后仍不能直接结算', '已办理异地就医备案，住院结算时医院称无法直接结算，需要回参保地报销。'],
      ['nrb', '不动产证办理超期', '二手房过户登记已超过承诺时限，仍未领到不动产权证书。'],
      ['mohurd', '小区电梯长期故障无人维修', '小区 3 号楼电梯停运两个月，物业称维修资金申请不下来。'],
      ['edu', '入学材料审核结果未告知', '孩子小学入学材料提交后迟迟没有审核结果，学校和教育局互相推诿。'],
    ] as const
  ).map(([d, subject, description], i) => ({
    title: `12345 热线转${RESPONSIBLE_NAMES[d]}的诉求`,
    form: { channel: '12345热线', hotlineTicket: `2026030200${String(i + 1).padStart(3, '0')}`, category: '投诉', subject, description, responsibleDepartment: d, urgency: i % 3 === 0 ? '紧急' : '一般', wantsCallback: true },
  })),
  exampleApplicant: { name: '孙十', idType: 'resident-id', idNumber: '440305198606062123', phone: '13200132000' },
});
