import { defineMatter, type DepartmentId } from '@onematter/engine';
import { z } from 'zod';
import { titled } from '../outputTitles.js';
import { OrgName, PastDate, Person, RefNumber } from '../fields.js';
import { Uscc } from '../validators.js';

/**
 * 企业破产信息核查 (information check for a bankrupt enterprise), first batch of 2024.
 *
 * The applicant is the court-appointed 管理人 (administrator). Each department's query is
 * independent of the others, so all run in parallel (shared/MATTERS.md §2). Beijing asks 7
 * departments (市场监管, 公安, 规自, 住建, 人社, 医保, 公积金) [17]; Zhuhai adds 税务 and 海关
 * [18]. We ask the Beijing seven plus 税务; 海关 is left out (not every debtor trades abroad).
 *
 * Limits (working days): an information query is not an administrative licence and has no
 * published statutory limit; we take 行政许可法 Art. 42's 20 as the ceiling (inferred).
 * Committed 3: Beijing mails every reply within 3 working days [17].
 */

const CASE_NUMBER = /^[（(]\d{4}[）)][\u4e00-\u9fa5]{1,4}\d{0,4}[\u4e00-\u9fa5]{0,2}破[\u4e00-\u9fa5]{0,2}\d{1,6}号$/;

const form = z
  .object({
    debtor: z
      .object({
        uscc: Uscc.meta({ title: '债务人统一社会信用代码' }),
        name: OrgName.meta({ title: '债务人名称' }),
      })
      .meta({ title: '破产企业（债务人）' }),
    court: z.string().trim().regex(/^[\u4e00-\u9fa5]{2,30}人民法院$/, '受理法院应为“…人民法院”（court name must end with 人民法院）').meta({ title: '受理法院' }),
    caseNumber: z.string().trim().regex(CASE_NUMBER, '案号格式应如（2026）闽01破12号（bankruptcy case number format）').meta({ title: '破产案号' }),
    appointmentDate: PastDate.meta({ title: '指定管理人决定书日期' }),
    administrator: z
      .object({
        kind: z.enum(['律师事务所', '会计师事务所', '破产清算事务所', '清算组', '个人管理人']).meta({ title: '管理人类型' }),
        name: z.string().trim().min(2).max(60).meta({ title: '管理人名称' }),
        contact: Person.meta({ title: '管理人负责人' }),
      })
      .meta({ title: '管理人' }),
  })
  .meta({ title: '企业破产信息核查申请' });

const query = (prefix: string, extra: z.ZodRawShape) => z.object({ queryReference: RefNumber(prefix), recordsFound: z.number().int().min(0), ...extra }).loose();

const DEPARTMENT_QUERIES: { id: string; department: DepartmentId; service: string; prefix: string; extra: z.ZodRawShape; example: Record<string, unknown> }[] = [
  { id: 'samr', department: 'samr', service: '登记档案、股权及对外投资信息查询', prefix: 'SCJG', extra: { registrationStatus: z.string().min(1) }, example: { recordsFound: 3, registrationStatus: '存续' } },
  { id: 'psb', department: 'psb', service: '机动车登记及印章备案信息查询', prefix: 'GA', extra: { vehicles: z.number().int().min(0) }, example: { recordsFound: 2, vehicles: 2 } },
  { id: 'nrb', department: 'nrb', service: '不动产登记信息查询', prefix: 'BDC', extra: { properties: z.number().int().min(0) }, example: { recordsFound: 1, properties: 1 } },
  { id: 'mohurd', department: 'mohurd', service: '商品房网签备案及建设项目信息查询', prefix: 'ZJ', extra: {}, example: { recordsFound: 0 } },
  { id: 'hrss', department: 'hrss', service: '社会保险参保及欠费信息查询', prefix: 'SB', extra: { arrearsYuan: z.number().min(0) }, example: { recordsFound: 1, arrearsYuan: 125000.5 } },
  { id: 'nhsa', department: 'nhsa', service: '医疗保险参保及欠费信息查询', prefix: 'YB', extra: { arrearsYuan: z.number().min(0) }, example: { recordsFound: 1, arrearsYuan: 38000 } },
  { id: 'hpf', department: 'hpf', service: '住房公积金缴存及欠缴信息查询', prefix: 'GJJ', extra: { arrearsYuan: z.number().min(0) }, example: { recordsFound: 0, arrearsYuan: 0 } },
  { id: 'tax', department: 'tax', service: '欠税及发票使用信息查询', prefix: 'SW', extra: { taxArrearsYuan: z.number().min(0) }, example: { recordsFound: 2, taxArrearsYuan: 56000 } },
];

export const bankruptcyCheckV1 = defineMatter({
  id: 'bankruptcy-check',
  version: 1,
  name: '企业破产信息核查',
  description: '管理人一次申请，市场监管、公安、自然资源、住建、人社、医保、公积金、税务并联查询债务人财产和欠费信息，统一反馈。',
  statutoryDays: null,
  committedDays: 3,
  form,
  materials: [
    { code: 'query-application', name: '企业破产信息核查申请表', required: true },
    { code: 'court-ruling', name: '人民法院受理破产申请裁定书', required: true },
    { code: 'appointment-decision', name: '指定管理人决定书', required: true },
    { code: 'administrator-id', name: '管理人负责人身份证明及授权委托书', required: true },
  ],
  steps: DEPARTMENT_QUERIES.map((q) => ({
    id: q.id,
    department: q.department,
    service: q.service,
    statutoryDays: null,
    committedDays: 3,
    output: titled(query(q.prefix, q.extra)),
    outputExample: { queryReference: `${q.prefix}2026000123`, ...q.example },
  })),
  example: {
    debtor: { uscc: '91350100M000100Y43', name: '福州市一件事科技有限公司' },
    court: '福建省福州市中级人民法院',
    caseNumber: '（2026）闽01破12号',
    appointmentDate: '2025-12-10',
    administrator: {
      kind: '律师事务所',
      name: '福建一件事律师事务所',
      contact: { name: '赵六', idNumber: '440106198209099104', phone: '13600136000' },
    },
  },
  exampleApplicant: { name: '赵六', idType: 'resident-id', idNumber: '440106198209099104', phone: '13600136000' },
});
