import { defineMatter, type DepartmentId } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { OrgName, PastDate, Person, RefNumber, Yuan } from '../fields.js';
import { Uscc } from '../validators.js';

/**
 * 信用修复 (credit repair), first batch of 2024 [11].
 *
 * One application to the body that made the record (谁认定、谁修复) repairs both 信用中国
 * and the 国家企业信用信息公示系统 [21]: the authority named in the form reviews (one
 * conditional step per authority), then 信用中国 (发改, 社会信用体系建设牵头部门) and the
 * 公示系统 (市场监管) follow in parallel.
 *
 * Limits (working days):
 * - the authority's review: 15 (市场监督管理信用修复管理办法; 纳税信用修复: 国家税务总局公告
 *   2019年第37号 — both as we read them, not verified against the texts); the same for
 *   生态环境 and 人社 (inferred). Committed 5 (inferred).
 * - 信用中国 follows within 3 working days of the repair decision [22]; the 公示系统 the
 *   same (inferred). Committed 1.
 * - matter: statutory 15 + 3 = 18; committed 5 + 1 = 6.
 */

const AUTHORITIES = ['samr', 'tax', 'mee', 'hrss'] as const satisfies readonly DepartmentId[];
const AUTHORITY_SERVICE: Record<(typeof AUTHORITIES)[number], string> = {
  samr: '市场监管信用修复审核（移出经营异常名录、提前移出严重违法失信名单、停止公示行政处罚）',
  tax: '纳税信用修复审核',
  mee: '生态环境行政处罚信用修复审核',
  hrss: '劳动保障失信信息信用修复审核',
};

const form = z
  .object({
    enterpriseUscc: Uscc.meta({ title: '统一社会信用代码' }),
    enterpriseName: OrgName.meta({ title: '企业名称' }),
    recordType: z.enum(['行政处罚信息', '经营异常名录', '严重失信主体名单']).meta({ title: '修复的失信信息类别' }),
    authority: z.enum(AUTHORITIES).meta({ title: '作出认定的部门', description: 'samr 市场监管, tax 税务, mee 生态环境, hrss 人社' }),
    decisionNumber: z.string().trim().min(4, '请填写决定书文号（decision number required）').max(60).meta({ title: '处罚或认定决定书文号' }),
    decisionDate: PastDate.meta({ title: '决定日期' }),
    fulfilledDate: PastDate.meta({ title: '履行完毕日期' }),
    penaltyAmountYuan: Yuan(1e9).optional().meta({ title: '罚款金额（元）' }),
    commitmentSigned: z.literal(true, '须签署信用修复承诺书（the repair commitment must be signed）').meta({ title: '已签署信用修复承诺书' }),
    contact: Person.meta({ title: '经办人' }),
  })
  .superRefine((f, ctx) => {
    if (f.fulfilledDate < f.decisionDate) {
      ctx.addIssue({ code: 'custom', path: ['fulfilledDate'], message: '履行完毕日期不能早于决定日期（fulfilled before the decision）' });
    }
    // Only 市场监管 keeps the 经营异常名录.
    if (f.recordType === '经营异常名录' && f.authority !== 'samr') {
      ctx.addIssue({ code: 'custom', path: ['authority'], message: '经营异常名录由市场监管部门列入和移出（only samr keeps that list）' });
    }
  });

const published = (prefix: string) => z.object({ repairReference: RefNumber(prefix), repairedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), status: z.enum(['已修复', '已停止公示']) }).loose();

const base = {
  enterpriseUscc: '91350100M000100Y43',
  enterpriseName: '福州市一件事科技有限公司',
  commitmentSigned: true,
  contact: { name: '张三', idNumber: '11010519491231002X', phone: '13800138000' },
};

export const creditRepairV1 = defineMatter({
  id: 'credit-repair',
  version: 1,
  name: '信用修复',
  description: '一次申请，作出认定的部门审核修复，信用中国网站和国家企业信用信息公示系统同步修复。',
  statutoryDays: null,
  committedDays: 6,
  form,
  materials: [
    { code: 'repair-application', name: '信用修复申请书', required: true },
    { code: 'commitment', name: '信用修复承诺书', required: true },
    { code: 'fulfilment-proof', name: '履行行政处罚决定或纠正失信行为的证明材料', required: true },
    { code: 'training-certificate', name: '信用修复培训证明（按要求）', required: false },
  ],
  steps: [
    ...AUTHORITIES.map((a) => ({
      id: `review-${a}`,
      department: a,
      service: AUTHORITY_SERVICE[a],
      when: { field: 'authority', equals: a },
      statutoryDays: null,
      committedDays: 5,
      output: titled(z.object({ decisionNumber: RefNumber('XYXF'), decision: z.enum(['准予修复']), decidedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).loose()),
      outputExample: { decisionNumber: 'XYXF2026000123', decision: '准予修复', decidedAt: '2026-03-02' },
    })),
    {
      id: 'credit-china',
      department: 'ndrc' as const,
      service: '“信用中国”网站同步修复',
      dependsOn: AUTHORITIES.map((a) => `review-${a}`),
      statutoryDays: null,
      committedDays: 1,
      output: titled(published('XYZG')),
      outputExample: { repairReference: 'XYZG2026000123', repairedAt: '2026-03-03', status: '已停止公示' },
    },
    {
      id: 'gsxt',
      department: 'samr' as const,
      service: '国家企业信用信息公示系统同步修复',
      dependsOn: AUTHORITIES.map((a) => `review-${a}`),
      statutoryDays: null,
      committedDays: 1,
      output: titled(published('GSXT')),
      outputExample: { repairReference: 'GSXT2026000123', repairedAt: '2026-03-03', status: '已修复' },
    },
  ],
  example: {
    ...base,
    recordType: '行政处罚信息',
    authority: 'samr',
    decisionNumber: '榕市监处罚〔2025〕123号',
    decisionDate: '2025-03-10',
    fulfilledDate: '2025-04-02',
    penaltyAmountYuan: 20000,
  },
  otherExamples: [
    { title: '税务行政处罚的信用修复', form: { ...base, recordType: '行政处罚信息', authority: 'tax', decisionNumber: '榕税稽罚〔2025〕45号', decisionDate: '2025-05-12', fulfilledDate: '2025-05-20', penaltyAmountYuan: 5000 } },
    { title: '生态环境行政处罚的信用修复', form: { ...base, recordType: '行政处罚信息', authority: 'mee', decisionNumber: '榕环罚〔2025〕7号', decisionDate: '2025-06-01', fulfilledDate: '2025-07-01', penaltyAmountYuan: 100000 } },
    { title: '劳动保障严重失信名单的提前移出', form: { ...base, recordType: '严重失信主体名单', authority: 'hrss', decisionNumber: '榕人社失信〔2025〕3号', decisionDate: '2025-01-15', fulfilledDate: '2025-02-15' } },
  ],
  exampleApplicant: { name: '张三', idType: 'resident-id', idNumber: '11010519491231002X', phone: '13800138000' },
});
