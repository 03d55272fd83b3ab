import { defineMatter, type DepartmentId } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { OrgName, Person, RefNumber } from '../fields.js';
import { Uscc } from '../validators.js';

/**
 * 企业上市合法合规信息核查 (legal-compliance check for a listing), first batch of 2024 [2].
 *
 * One 专项信用报告 replaces each department's 无违法违规证明 [19][20]. It is aggregation, not
 * approval: built from 行政处罚, 行政强制, 严重失信名单 and 刑事裁判 data over at most 5
 * years [20]. We model each department confirming its records for the period (in parallel),
 * then the credit agency (发改, 社会信用体系建设牵头部门) issuing the report; the
 * confirmation round is inferred (places that generate the report straight from the
 * platform skip it: set their committed limit to 0).
 *
 * Limits (working days): no published statutory limit; 行政许可法 Art. 42's 20 as the
 * ceiling for the whole (inferred), split 15 for the confirmations and 5 for the report.
 * Committed: 3 for each department's confirmation, 2 for the report, 5 in all (inferred;
 * Shanghai issues online reports at once [19]).
 */

const form = z
  .object({
    enterpriseUscc: Uscc.meta({ title: '统一社会信用代码' }),
    enterpriseName: OrgName.meta({ title: '企业名称' }),
    listingVenue: z.enum(['上海证券交易所主板', '科创板', '深圳证券交易所主板', '创业板', '北京证券交易所', '境外上市']).meta({ title: '拟上市板块' }),
    coverageYears: z.number().int().min(1, '核查期间至少 1 年（at least 1 year）').max(5, '核查期间最长 5 年（at most 5 years）').meta({ title: '核查期间（年）' }),
    subsidiaries: z
      .array(z.object({ uscc: Uscc.meta({ title: '统一社会信用代码' }), name: OrgName.meta({ title: '名称' }) }))
      .max(50, '一次最多核查 50 家子公司（at most 50 subsidiaries）')
      .default([])
      .meta({ title: '一并核查的子公司' }),
    contact: Person.meta({ title: '经办人' }),
  })
  .superRefine((f, ctx) => {
    const codes = [f.enterpriseUscc, ...f.subsidiaries.map((s) => s.uscc)];
    if (new Set(codes).size !== codes.length) ctx.addIssue({ code: 'custom', path: ['subsidiaries'], message: '统一社会信用代码重复（a code is listed twice）' });
  });

const confirmation = z.object({ confirmationNumber: RefNumber('HC'), violations: z.number().int().min(0), coverageYears: z.number().int().min(1).max(5) }).loose();

const CHECKS: { id: string; department: DepartmentId; service: string }[] = [
  { id: 'samr', department: 'samr', service: '市场监管领域违法违规信息核查' },
  { id: 'tax', department: 'tax', service: '税务领域违法违规信息核查' },
  { id: 'hrss', department: 'hrss', service: '人力资源社会保障领域违法违规信息核查' },
  { id: 'nhsa', department: 'nhsa', service: '医疗保障领域违法违规信息核查' },
  { id: 'hpf', department: 'hpf', service: '住房公积金领域违法违规信息核查' },
  { id: 'mee', department: 'mee', service: '生态环境领域违法违规信息核查' },
  { id: 'nrb', department: 'nrb', service: '自然资源领域违法违规信息核查' },
  { id: 'court', department: 'court', service: '刑事裁判及失信被执行人信息核查' },
];

export const listingComplianceV1 = defineMatter({
  id: 'listing-compliance-check',
  version: 1,
  name: '企业上市合法合规信息核查',
  description: '以一份专项信用报告替代各部门无违法违规证明：各领域主管部门并联核查，信用主管部门统一出具报告。',
  statutoryDays: null,
  committedDays: 5,
  form,
  materials: [
    { code: 'check-application', name: '企业上市合法合规信息核查申请表', required: true },
    { code: 'authorisation', name: '企业授权委托书', required: true },
    { code: 'subsidiary-list', name: '子公司清单（一并核查时）', required: false },
  ],
  steps: [
    ...CHECKS.map((c) => ({
      id: c.id,
      department: c.department,
      service: c.service,
      statutoryDays: null,
      committedDays: 3,
      output: titled(confirmation),
      outputExample: { confirmationNumber: `HC2026${c.id.length}00123`, violations: 0, coverageYears: 3 },
    })),
    {
      id: 'report',
      department: 'ndrc' as const,
      service: '出具企业专项信用报告（替代无违法违规证明）',
      dependsOn: CHECKS.map((c) => c.id),
      statutoryDays: null,
      committedDays: 2,
      output: titled(z
        .object({
          reportNumber: RefNumber('XYBG'),
          coverageFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
          coverageTo: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
          violations: z.number().int().min(0),
          reportUrl: z.url().optional(),
        })
        .loose()),
      outputExample: { reportNumber: 'XYBG2026000123', coverageFrom: '2023-03-01', coverageTo: '2026-02-28', violations: 0, reportUrl: 'https://credit.example.gov.cn/reports/XYBG2026000123' },
    },
  ],
  example: {
    enterpriseUscc: '91350100M000100Y43',
    enterpriseName: '福州市一件事科技股份有限公司',
    listingVenue: '科创板',
    coverageYears: 3,
    subsidiaries: [{ uscc: '9135010256774166X9', name: '福州市一件事软件有限公司' }],
    contact: { name: '张三', idNumber: '11010519491231002X', phone: '13800138000' },
  },
  exampleApplicant: { name: '张三', idType: 'resident-id', idNumber: '11010519491231002X', phone: '13800138000' },
});
